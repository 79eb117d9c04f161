"""The events of customer orders (one chunk of orders at a time): placing, paying,
cancelling, routing, waiting for stock, the late-delivery discount and the survey.

Timestamps (hours from the start of the run, none after its end):

- place order: ``placed_h``;
- payment declined / pay order: each authorisation attempt's answer (recomputed from
  the seed, :mod:`sim.eventlog.source`); the last one of a paid order is ``paid_h``;
- cancel order: the last declined attempt's answer (``payment_declined``), the
  placement (``below_moq``), or ``backordered_h`` + ``cancel_after_days``
  (``backorder_timeout``);
- route to warehouse: ``paid_h`` (the order is handed to its site);
- item out of stock: ``backordered_h``, per item still short then;
- issue discount: ``delivered_h`` of an order whose remedy is a discount;
- survey answered: when the survey is triggered: ``delivered_h``, or when its first
  parcel was declared lost (the model draws no delay to the answer).
"""

from __future__ import annotations

import numpy as np

from sim.eventlog import ids
from sim.eventlog.blocks import EventBlock, Links
from sim.eventlog.tables import Chunk, Tables
from sim.eventlog.values import rounded
from sim.eventlog.vocabulary import (
    CANCEL_ORDER,
    ISSUE_DISCOUNT,
    ITEM_OUT_OF_STOCK,
    PAY_ORDER,
    PAYMENT_DECLINED,
    PLACE_ORDER,
    ROUTE_TO_WAREHOUSE,
    SURVEY_ANSWERED,
)
from sim.units import HOURS_PER_DAY


def order_events(t: Tables, c: Chunk) -> list[EventBlock]:
    o = t.orders
    sl = slice(c.lo, c.hi)
    order = c.order_ids
    customer = ids.customers(o.region[sl])
    warehouse = ids.warehouses(o.site[sl])
    items = Links("item", c.line_offsets, c.item_ids)
    end_h = t.end_h

    blocks = [EventBlock(PLACE_ORDER, o.placed_h[sl], [("order", order), ("customer", customer)],
                         [items], {"channel": o.channel[sl]})]
    blocks += _payments(t, c, order)
    blocks.append(_cancellations(t, c, order))
    paid = ~np.isnan(o.paid_h[sl])
    blocks.append(EventBlock(ROUTE_TO_WAREHOUSE, o.paid_h[sl][paid],
                             [("order", order[paid]), ("warehouse", warehouse[paid])]))
    blocks.append(_out_of_stock(t, c, order, warehouse))

    discount = (o.remedy[sl] == "discount") & (o.delivered_h[sl] <= end_h)
    blocks.append(EventBlock(ISSUE_DISCOUNT, o.delivered_h[sl][discount],
                             [("order", order[discount]), ("customer", customer[discount])],
                             attrs={"amount": rounded(o.remedy_cost[sl][discount], 2)}))
    answered = ~np.isnan(o.csat[sl])
    when = np.where(np.isnan(o.delivered_h[sl]), _first_loss_h(t, c), o.delivered_h[sl])
    blocks.append(EventBlock(SURVEY_ANSWERED, when[answered],
                             [("order", order[answered]), ("customer", customer[answered])],
                             attrs={"score": o.csat[sl][answered].astype(np.int64),
                                    "dissatisfied_reason": o.dissatisfied_reason[sl][answered]}))
    for b in blocks:  # every one of these events is its order's
        b.case = b.link("order")
    return blocks


def _payments(t: Tables, c: Chunk, order: np.ndarray) -> list[EventBlock]:
    o = t.orders
    answer = t.payments.answer_h[c.lo:c.hi]
    attempts = o.payment_attempts[c.lo:c.hi]
    failed = o.cancel_reason[c.lo:c.hi] == "payment_declined"
    declined_rows, declined_k, paid_rows = [], [], []
    for k in range(1, answer.shape[1] + 1):
        made = (k <= attempts) & (answer[:, k - 1] <= t.end_h)
        declined = made & ((k < attempts) | failed)
        declined_rows.append(np.flatnonzero(declined))
        declined_k.append(np.full(int(declined.sum()), k))
        paid_rows.append(np.flatnonzero(made & (k == attempts) & ~failed))
    rows, k = np.concatenate(declined_rows), np.concatenate(declined_k)
    paid = np.concatenate(paid_rows)
    return [
        EventBlock(PAYMENT_DECLINED, answer[rows, k - 1], [("order", order[rows])],
                   attrs={"attempt": k.astype(np.int64)}),
        EventBlock(PAY_ORDER, answer[paid, attempts[paid] - 1], [("order", order[paid])],
                   attrs={"attempt": attempts[paid].astype(np.int64)}),
    ]


def _cancellations(t: Tables, c: Chunk, order: np.ndarray) -> EventBlock:
    o = t.orders
    sl = slice(c.lo, c.hi)
    reason = o.cancel_reason[sl]
    when = np.full(c.hi - c.lo, np.nan)
    declined = np.flatnonzero(reason == "payment_declined")
    when[declined] = t.payments.answer_h[c.lo:c.hi][declined, o.payment_attempts[sl][declined] - 1]
    moq = reason == "below_moq"
    when[moq] = o.placed_h[sl][moq]
    timeout = reason == "backorder_timeout"
    if timeout.any():
        days = t.scenario.inventory.cancel_after_days
        when[timeout] = o.backordered_h[sl][timeout] + days * HOURS_PER_DAY
    keep = when <= t.end_h
    return EventBlock(CANCEL_ORDER, when[keep], [("order", order[keep])], attrs={"reason": reason[keep]})


def _out_of_stock(t: Tables, c: Chunk, order: np.ndarray, warehouse: np.ndarray) -> EventBlock:
    """Per item of a backordered order, the units it still lacked when the order had
    to wait: all of them, or with ``ship_available`` those not in the part that
    shipped at once (the order's ``original`` parcel made at that moment)."""
    o, s, sl = t.orders, t.ships, t.ship_lines
    waited = o.backordered_h[c.lo:c.hi]
    lines = slice(c.line_lo, c.line_hi)
    units = t.lines.units[lines].astype(np.int64)
    order_of_line = np.repeat(np.arange(c.hi - c.lo), np.diff(c.line_offsets))
    rows = c.ship_lines
    if len(rows):
        ship = c.ships[c.line_ship]
        local = s.order_id[ship] - c.lo
        at_once = (s.kind[ship] == "original") & (s.created_h[ship] == waited[local])
        np.subtract.at(units, c.line_item[at_once], sl.units[rows][at_once])
    short = ~np.isnan(waited[order_of_line]) & (units > 0)
    ol = order_of_line[short]
    return EventBlock(ITEM_OUT_OF_STOCK, waited[ol],
                      [("item", c.item_ids[short]), ("order", order[ol]),
                       ("product", ids.products(t.lines.sku[lines][short])), ("warehouse", warehouse[ol])],
                      attrs={"units": units[short]})


def _first_loss_h(t: Tables, c: Chunk) -> np.ndarray:
    """Per order of the chunk, when its first first-attempt parcel was declared lost
    (NaN: none)."""
    s = t.ships
    out = np.full(c.hi - c.lo, np.inf)
    ship = c.ships
    first = s.kind[ship] != "reship"
    lost = s.lost_h[ship]
    m = first & ~np.isnan(lost)
    np.minimum.at(out, s.order_id[ship][m] - c.lo, lost[m])
    out[np.isinf(out)] = np.nan
    return out
