"""Delivery: transit by distance zone in business days, carrier lateness, loss and damage,
then the return (if any) of what was delivered.

Every random outcome of an order's delivery is drawn when the order is created, from the
``delivery.<site>`` stream, so a change upstream (more pickers, another method) leaves
each order's transit, lateness and loss unchanged: only the pick-up date moves.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.calendar import HOURS_PER_DAY, add_business_days
from sim.records import Recorder
from sim.scenario.schema import Carrier, Returns
from sim.units import MINUTES_PER_HOUR

NO_EXCEPTION, LOST, DAMAGED, ADDRESS_PROBLEM = 0, 1, 2, 3
EXCEPTIONS = ("", "lost", "damaged", "address_problem")


@dataclass
class DeliveryDraws:
    """Per-order delivery outcomes, fixed at order creation."""

    transit_days: np.ndarray  # business days after pick-up, lateness and address fixes included
    late_by_carrier: np.ndarray
    exception: np.ndarray  # NO_EXCEPTION / LOST / DAMAGED / ADDRESS_PROBLEM
    hour: np.ndarray  # hour of day of the delivery
    notify_delay_h: np.ndarray  # (orders, 3): label created, picked up, delivered

    @classmethod
    def empty(cls, n: int) -> DeliveryDraws:
        return cls(np.zeros(n, dtype=np.int16), np.zeros(n, dtype=bool), np.zeros(n, dtype=np.int8),
                   np.zeros(n, dtype=np.float32), np.zeros((n, 3), dtype=np.float32))

    def fill(self, idx: np.ndarray, other: DeliveryDraws) -> None:
        """Copy ``other`` (drawn for the orders ``idx``) into place."""
        for name in ("transit_days", "late_by_carrier", "exception", "hour", "notify_delay_h"):
            getattr(self, name)[idx] = getattr(other, name)


def zone_of(carrier: Carrier, distance_km: np.ndarray) -> np.ndarray:
    """Transit-zone index per order (beyond the last zone: the last zone)."""
    bounds = np.array([z.max_km for z in carrier.zones])
    return np.minimum(np.searchsorted(bounds, distance_km, side="left"), len(bounds) - 1)


def draw_delivery(carrier: Carrier, distance_km: np.ndarray, rng: np.random.Generator,
                  damage_prob: np.ndarray | None = None) -> DeliveryDraws:
    """Transit, lateness, exceptions, delivery hour and notification lags of parcels
    going ``distance_km``. ``damage_prob`` (per parcel, from its fragility and
    protection) replaces the carrier's flat ``damaged_prob`` when given."""
    n = len(distance_km)
    zone = zone_of(carrier, distance_km)
    transit = np.zeros(n, dtype=np.int64)
    for z, spec in enumerate(carrier.zones):
        mask = zone == z
        transit[mask] = spec.transit_business_days.sample(rng, int(mask.sum()))
    late = rng.random(n) < carrier.late_prob
    transit[late] += np.maximum(carrier.late_extra_business_days.sample(rng, int(late.sum())), 1)
    u = rng.random(n)
    damaged = carrier.damaged_prob if damage_prob is None else damage_prob
    exception = np.where(u < carrier.lost_prob, LOST,
                         np.where(u < carrier.lost_prob + damaged, DAMAGED, NO_EXCEPTION))
    # A wrong or incomplete address: the parcel is delivered, but days later.
    address = (rng.random(n) < carrier.address_problem_prob) & (exception == NO_EXCEPTION)
    exception[address] = ADDRESS_PROBLEM
    transit[address] += carrier.address_delay_business_days.sample(rng, int(address.sum()))
    hour = np.clip(carrier.delivery_hour.sample(rng, n), 0.0, 23.999)
    notify = carrier.tracking_delay_min.sample(rng, 3 * n).reshape(n, 3) / MINUTES_PER_HOUR
    return DeliveryDraws(transit, late, exception.astype(np.int8), hour, notify)


@dataclass
class ReturnDraws:
    """Per-order return decisions, fixed at order creation."""

    reason: np.ndarray  # -1: kept; else index into RETURN_REASONS + returns.reasons
    delay_h: np.ndarray
    restock: np.ndarray  # passes inspection (never for damaged goods)
    inspection_h: np.ndarray
    if_late: np.ndarray  # kept, but returned as "late" should it arrive after its due time


# The reasons the model decides itself; ``returns.reasons`` follow them (code 3 on).
RETURN_REASONS = ("wrong_item", "damaged", "late")
WRONG_ITEM, DAMAGED_RETURN, LATE_RETURN = range(3)


def draw_returns(cfg: Returns, pick_error: np.ndarray, damaged: np.ndarray,
                 channel_return_prob: np.ndarray, rng: np.random.Generator) -> ReturnDraws:
    """Who returns what, and when (after delivery). Precedence: a wrong item, then a
    damaged parcel, then the channel's ordinary return behaviour; an order kept on all
    these counts is returned as ``late`` with ``late_return_prob`` if it arrives late
    (known only at delivery: :meth:`Delivery.ship`)."""
    n = len(pick_error)
    u = rng.random(n)
    other = rng.random(n) < channel_return_prob
    shares = np.array(list(cfg.reasons.values()))
    other_reason = len(RETURN_REASONS) + rng.choice(len(shares), size=n, p=shares / shares.sum())
    reason = np.full(n, -1, dtype=np.int16)
    reason[other] = other_reason[other]
    reason[damaged & (u < cfg.damaged_return_prob)] = DAMAGED_RETURN
    reason[pick_error & (u < cfg.wrong_item_return_prob)] = WRONG_ITEM
    delay_h = (cfg.return_delay_days.sample(rng, n) * HOURS_PER_DAY).astype(np.float32)
    restock = (rng.random(n) < cfg.restock_prob) & (reason != DAMAGED_RETURN)
    inspection_h = (cfg.inspection_time_days.sample(rng, n) * HOURS_PER_DAY).astype(np.float32)
    if_late = (rng.random(n) < cfg.late_return_prob) & (reason < 0)
    return ReturnDraws(reason, delay_h, restock, inspection_h, if_late)


def wrong_units(units: np.ndarray, lines: np.ndarray, errors_made: np.ndarray,
                errors_found: np.ndarray) -> np.ndarray:
    """Units a wrong-item return brings back: the order's units in proportion to its
    uncaught wrong lines (and sort errors), at least one, at most all."""
    wrong = (np.asarray(errors_made) - np.asarray(errors_found)).astype(float)
    units = np.asarray(units)
    return np.clip(np.ceil(units * wrong / np.maximum(lines, 1)), 1, units).astype(np.int32)


class Delivery:
    """Turns a pick-up (a batch of orders and a time) into delivery and return records."""

    def __init__(self, rec: Recorder, draws: DeliveryDraws, returns: ReturnDraws,
                 start_weekday: str, restock=None) -> None:
        self.rec = rec
        self.draws = draws
        self.returns = returns
        self.start_weekday = start_weekday
        self.restock = restock  # (orders, at_h) -> None: returned units back in stock
        # Reships: child[order] is the row that reships it (-1: none); on_reship(rows,
        # at_h) releases them when the trouble comes to light: at delivery for a damaged
        # or wrong parcel, ``lost_after_h`` after the expected delivery for a lost one.
        # Units that come back: the whole order, except for a wrong-item return, which
        # brings back only the wrong units (``wrong_units``, set by the world).
        self.units: np.ndarray | None = None
        self.wrong_units: np.ndarray | None = None
        self.child: np.ndarray | None = None
        self.on_reship = None
        self.lost_after_h = 0.0

    def ship(self, orders: np.ndarray, pickup_h: float) -> None:
        rec, d = self.rec, self.draws
        rec.shipped_h[orders] = pickup_h
        day = np.full(len(orders), int(pickup_h // HOURS_PER_DAY))
        transit = d.transit_days[orders]
        # Zero transit days is a same-day courier: it delivers even at a weekend.
        arrive_day = np.where(transit == 0, day, add_business_days(day, transit, self.start_weekday))
        delivered = arrive_day * HOURS_PER_DAY + d.hour[orders]
        # Same-day delivery cannot precede the pick-up.
        delivered = np.maximum(delivered, pickup_h)
        exc = d.exception[orders]
        rec.exception[orders] = exc
        rec.late_by_carrier[orders] = d.late_by_carrier[orders]
        if self.child is not None:
            child = self.child[orders]
            due = child >= 0
            if due.any():
                at = np.where(exc == LOST, delivered + self.lost_after_h, delivered)
                self.on_reship(child[due], at[due])
        delivered[exc == LOST] = np.nan
        rec.delivered_h[orders] = delivered
        reason = self.returns.reason[orders]
        late = self.returns.if_late[orders] & (delivered > rec.due_h[orders])  # (NaN: lost)
        if late.any():
            reason = np.where(late, LATE_RETURN, reason)
        back = (reason >= 0) & (exc != LOST)
        rec.returned[orders] = back
        rec.return_reason[orders] = np.where(back, reason, -1)
        rec.returned_h[orders] = np.where(back, delivered + self.returns.delay_h[orders], np.nan)
        if self.units is not None:
            units = np.where(reason == WRONG_ITEM, self.wrong_units[orders], self.units[orders])
            rec.units_returned[orders] = np.where(back, units, 0)
        if self.restock is not None:
            # A wrong item is some other SKU than the order's: it is not restocked here.
            again = back & self.returns.restock[orders] & (reason != WRONG_ITEM)
            self.restock(orders[again], rec.returned_h[orders[again]] + self.returns.inspection_h[orders[again]])
        lag = d.notify_delay_h[orders]
        rec.notify_label_h[orders] = rec.labelled_h[orders] + lag[:, 0]
        rec.notify_pickup_h[orders] = pickup_h + lag[:, 1]
        rec.notify_delivered_h[orders] = delivered + lag[:, 2]
