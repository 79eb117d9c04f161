"""The events of parcels (packages), one chunk of orders at a time.

Timestamps (hours from the start of the run, straight from shipments.parquet):

- create package / reship: ``created_h`` (the model decided the parcel: the order
  released to its site, stock allocated, a reship's trouble came to light);
- item out of stock (a reship waiting for stock): ``backordered_h``;
- pick item: spread over its pick tour (:mod:`sim.eventlog.picking`);
- pack: ``packed_h``; print label: ``labelled_h``; send package: ``shipped_h``;
- failed delivery: ``lost_h`` (declared lost); delivery exception (damaged, address
  problem) and package delivered: ``delivered_h``;
- refund: when the trouble came to light (``lost_h``, else ``delivered_h``);
- return received: ``returned_h``; restock: ``restocked_h``.
"""

from __future__ import annotations

import numpy as np

from sim.eventlog import ids
from sim.eventlog.blocks import EventBlock, Links
from sim.eventlog.picking import employee_ids
from sim.eventlog.tables import Chunk, Tables
from sim.eventlog.values import rounded
from sim.eventlog.vocabulary import (
    CREATE_PACKAGE,
    DELIVERY_EXCEPTION,
    FAILED_DELIVERY,
    ITEM_OUT_OF_STOCK,
    PACK,
    PACKAGE_DELIVERED,
    PICK_ITEM,
    PRINT_LABEL,
    REFUND,
    RESHIP,
    RESHIP_OUT_OF_STOCK_RANK,
    RESTOCK,
    RETURN_RECEIVED,
    SEND_PACKAGE,
)


def package_events(t: Tables, c: Chunk) -> list[EventBlock]:
    s, sl = t.ships, t.ship_lines
    ship = c.ships
    order_id = s.order_id[ship]
    package = c.package_ids
    order = c.order_ids[order_id - c.lo]
    warehouse = ids.warehouses(s.site[ship])
    carrier = ids.carriers(s.service[ship])
    customer = ids.customers(t.orders.region[order_id])
    kind = s.kind[ship]

    # The lines of each parcel (chunk rows are grouped by parcel in the same order).
    rows = c.ship_lines
    at = c.line_ship  # each line's parcel, as a place in ``ship``
    line_ship = ship[at]
    offsets = c.ship_offsets
    item = c.item_ids[c.line_item]

    def items_of(mask: np.ndarray) -> Links:
        keep = np.flatnonzero(mask)
        counts = np.diff(offsets)[keep]
        take = np.repeat(offsets[:-1][keep] - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
        take = take + np.arange(int(counts.sum()))
        return Links("item", np.concatenate(([0], np.cumsum(counts))), item[take])

    def block(activity: str, time_h: np.ndarray, mask: np.ndarray, links: list, **kw) -> EventBlock:
        return EventBlock(activity, time_h[mask], [(q, v[mask]) for q, v in links], case=order[mask], **kw)

    first = kind != "reship"
    blocks = [
        block(CREATE_PACKAGE, s.created_h[ship], first,
              [("package", package), ("order", order), ("warehouse", warehouse)],
              many=[items_of(first)], attrs={"kind": kind[first]}),
        block(RESHIP, s.created_h[ship], ~first,
              [("package", package), ("replaced package", ids.packages(np.maximum(s.parent_shipment[ship], 0))),
               ("order", order), ("warehouse", warehouse)], many=[items_of(~first)]),
    ]

    # A reship waiting for stock: all its items wait.
    waits = ~first[at] & ~np.isnan(s.backordered_h[line_ship])
    blocks.append(EventBlock(
        ITEM_OUT_OF_STOCK, s.backordered_h[line_ship][waits],
        [("item", item[waits]), ("package", package[at][waits]),
         ("product", ids.products(sl.sku[rows][waits])), ("warehouse", warehouse[at][waits])],
        attrs={"units": sl.units[rows][waits].astype(np.int64)}, case=order[at][waits],
        rank=RESHIP_OUT_OF_STOCK_RANK))

    picks = t.picks
    picked = ~np.isnan(picks.time_h[rows])
    pr = rows[picked]
    blocks.append(EventBlock(
        PICK_ITEM, picks.time_h[pr],
        [("item", item[picked]), ("package", package[at][picked]),
         ("product", ids.products(sl.sku[pr])), ("picker", picks.picker[pr]),
         ("pick tour", t.tour_ids(picks.tour[pr]))], case=order[at][picked]))

    packer = employee_ids(s.site[ship], "packers", s.packer[ship])
    packed = ~np.isnan(s.packed_h[ship])
    blocks.append(block(PACK, s.packed_h[ship], packed,
                        [("package", package), ("packer", packer)]))
    labelled = ~np.isnan(s.labelled_h[ship])
    blocks.append(block(PRINT_LABEL, s.labelled_h[ship], labelled,
                        [("package", package), ("packer", t.label_packer[ship])]))
    shipped = ~np.isnan(s.shipped_h[ship])
    blocks.append(block(SEND_PACKAGE, s.shipped_h[ship], shipped,
                        [("package", package), ("carrier", carrier)]))

    lost = ~np.isnan(s.lost_h[ship])
    blocks.append(block(FAILED_DELIVERY, s.lost_h[ship], lost,
                        [("package", package), ("carrier", carrier)],
                        attrs={"reason": np.full(int(lost.sum()), "lost", dtype=object)}))
    delivered = ~np.isnan(s.delivered_h[ship])
    exception = s.exception[ship]
    noted = delivered & ((exception == "damaged") | (exception == "address_problem"))
    blocks.append(block(DELIVERY_EXCEPTION, s.delivered_h[ship], noted,
                        [("package", package), ("carrier", carrier)],
                        attrs={"exception": exception[noted]}))
    blocks.append(block(PACKAGE_DELIVERED, s.delivered_h[ship], delivered,
                        [("package", package), ("customer", customer), ("carrier", carrier)]))

    refunded = s.remedy[ship] == "refund"
    trouble_h = np.where(lost, s.lost_h[ship], s.delivered_h[ship])
    blocks.append(block(REFUND, trouble_h, refunded,
                        [("package", package), ("order", order), ("customer", customer)],
                        attrs={"amount": rounded(s.remedy_cost[ship][refunded], 2)}))

    back = s.returned[ship].astype(bool)
    ret = ids.returns(ship)
    blocks.append(block(RETURN_RECEIVED, s.returned_h[ship], back,
                        [("return", ret), ("package", package), ("warehouse", warehouse)],
                        attrs={"reason": s.return_reason[ship][back],
                               "units": s.units_returned[ship][back].astype(np.int64)}))
    restocked = back & ~np.isnan(s.restocked_h[ship])
    blocks.append(block(RESTOCK, s.restocked_h[ship], restocked,
                        [("return", ret), ("warehouse", warehouse)],
                        attrs={"units": s.units_returned[ship][restocked].astype(np.int64)}))
    return blocks
