"""Returns: which delivered parcels come back, why, when, and whether they go back in
stock.

The customer's decision to send an order back for an ordinary reason (changed mind,
not as described...) is the *order's*: drawn once per order (:func:`draw_order_returns`),
it applies to every parcel of the order that arrives intact and right, reships
included. A parcel's own trouble is the *parcel's*: a wrong item (an uncaught pick
error) comes back as ``wrong_item`` with ``wrong_item_return_prob``, a damaged one as
``damaged`` with ``damaged_return_prob`` (precedence: wrong item, damaged, the order's
ordinary reason; a wrong-item return brings back the wrong units only, unless the
parcel is also damaged and comes back for that too: then whole); a parcel kept on all
these counts that arrives after the order's promised day comes back as ``late`` with
``late_return_prob`` (also the order's draw).
A return arrives ``return_delay_days`` after the delivery; with inventory it is
inspected (``inspection_time_days``) and put back in stock with ``restock_prob``
(never damaged goods, nor a wrong item, which is some other SKU).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.model.catalogue import SkuTable
from sim.model.demand import Orders
from sim.rng import Streams
from sim.scenario.schema import Returns, Scenario
from sim.units import HOURS_PER_DAY

# The reasons the model decides itself; ``returns.reasons`` follow them (code 3 on).
RETURN_REASONS = ("wrong_item", "damaged", "late")
WRONG_ITEM, DAMAGED_RETURN, LATE_RETURN = range(3)
_DAMAGED_EXCEPTION = 2  # sim.model.delivery.DAMAGED (no import cycle)


@dataclass
class OrderReturns:
    """Per order: the customer's own return decision."""

    ordinary: np.ndarray  # bool: sends intact, right parcels back for an ordinary reason
    reason: np.ndarray  # its reason code (3 + index into returns.reasons)
    if_late: np.ndarray  # keeps them, but sends a late parcel back as "late"


def return_prob(scenario: Scenario, orders: Orders, skus: SkuTable) -> np.ndarray:
    """Each order's chance of an ordinary return: its channel's ``return_prob`` times the
    units-weighted mean of its categories' ``returns.category_multiplier``."""
    base = np.array([c.return_prob for c in scenario.demand.channels.values()])[orders.channel]
    multipliers = scenario.returns.category_multiplier
    if not multipliers or not len(orders):
        return base
    m = np.array([multipliers.get(c, 1.0) for c in scenario.catalogue.categories])
    per_line = m[skus.category[orders.line_sku]] * orders.line_units
    mean = np.add.reduceat(per_line, orders.line_start[:-1]) / orders.units
    return np.clip(base * mean, 0.0, 1.0)


def draw_order_returns(scenario: Scenario, orders: Orders, skus: SkuTable,
                       streams: Streams) -> OrderReturns:
    cfg = scenario.returns
    keys = orders.key
    ordinary = streams.keyed("returns.ordinary").uniform(keys) < return_prob(scenario, orders, skus)
    shares = np.array(list(cfg.reasons.values()), dtype=float)
    cdf = np.cumsum(shares / shares.sum())
    u = streams.keyed("returns.reason").uniform(keys)
    reason = len(RETURN_REASONS) + np.minimum(np.searchsorted(cdf, u, side="right"), len(cdf) - 1)
    if_late = streams.keyed("returns.if_late").uniform(keys) < cfg.late_return_prob
    return OrderReturns(ordinary, reason.astype(np.int8), if_late)


def draw_parcel_returns(cfg: Returns, table, ids: np.ndarray, streams: Streams) -> None:
    """A parcel's own return draws, made with the parcel (keyed by it): the uniform its
    trouble's return is decided by, the return's delay, whether it passes inspection,
    and how long inspection takes."""
    keys = table.key[ids]
    table.return_u[ids] = streams.keyed("returns.trouble").uniform(keys)
    table.return_delay_h[ids] = cfg.return_delay_days.ppf(
        streams.keyed("returns.delay").uniform(keys)) * HOURS_PER_DAY
    table.restock[ids] = streams.keyed("returns.restock").uniform(keys) < cfg.restock_prob
    table.inspection_h[ids] = cfg.inspection_time_days.ppf(
        streams.keyed("returns.inspection").uniform(keys)) * HOURS_PER_DAY


@dataclass
class ParcelReturns:
    reason: np.ndarray  # -1 kept
    returned_h: np.ndarray  # NaN kept
    units: np.ndarray  # units sent back (0 kept)
    restock: np.ndarray  # bool: back in stock after inspection
    restock_h: np.ndarray


def parcel_returns(cfg: Returns, decided: OrderReturns, table, ids: np.ndarray,
                   delivered_h: np.ndarray, wrong_item: np.ndarray, due_h: np.ndarray) -> ParcelReturns:
    """The returns of parcels ``ids`` delivered at ``delivered_h`` (NaN: lost), given
    whether each carries an uncaught wrong item and its order's promised time."""
    order = table.order[ids]
    u = table.return_u[ids]
    reason = np.where(decided.ordinary[order], decided.reason[order], -1).astype(np.int8)
    damaged = table.exception[ids] == _DAMAGED_EXCEPTION
    reason[damaged & (u < cfg.damaged_return_prob)] = DAMAGED_RETURN
    reason[wrong_item & (u < cfg.wrong_item_return_prob)] = WRONG_ITEM
    late = decided.if_late[order] & (reason < 0) & (delivered_h > due_h)  # (NaN: lost)
    reason[late] = LATE_RETURN
    back = (reason >= 0) & ~np.isnan(delivered_h)
    reason[~back] = -1
    returned_h = np.where(back, delivered_h + table.return_delay_h[ids], np.nan)
    # A wrong-item return brings back the wrong units only, unless the parcel is also
    # damaged and that return applies too: then it comes back whole (as wrong_item).
    whole = (reason != WRONG_ITEM) | (damaged & (u < cfg.damaged_return_prob))
    units = np.where(whole, table.units[ids], table.wrong_units[ids])
    restock = back & table.restock[ids] & (reason != DAMAGED_RETURN) & (reason != WRONG_ITEM)
    return ParcelReturns(reason, returned_h, np.where(back, units, 0), restock,
                         returned_h + table.inspection_h[ids])
