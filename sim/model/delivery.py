"""Delivery: transit by distance zone in business days, carrier lateness, loss, damage and
address problems, then what follows the delivery (a return, a restock, a reship).

A parcel's fate is drawn when the parcel is made (:func:`draw_fate`), keyed by the
parcel, so a change upstream (more pickers, another method) leaves its transit,
lateness and loss unchanged: only the pick-up date moves. At a pick-up,
:meth:`Delivery.ship` turns the batch's fates into times: when each parcel arrives (or
is declared lost), when its return comes back. Those times may lie after the end of the
run; the outputs then say the parcel is still in transit (``sim.records``): nothing
after the end is reported as having happened. What must *happen* in the run at those
times (a reship placed, returned units back on the shelf) is scheduled as an event, so
it happens only if the run gets there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import simpy

from sim.calendar import add_business_days
from sim.model.packaging import damage_probability
from sim.model.returns import OrderReturns, parcel_returns
from sim.model.shipments import Shipments
from sim.per_object import derived
from sim.rng import Streams
from sim.scenario.schema import Carrier, Remedies, Returns
from sim.units import HOURS_PER_DAY, MINUTES_PER_HOUR

NO_EXCEPTION, LOST, DAMAGED, ADDRESS_PROBLEM = 0, 1, 2, 3
EXCEPTIONS = ("", "lost", "damaged", "address_problem")


def zone_of(carrier: Carrier, distance_km: np.ndarray) -> np.ndarray:
    """Transit-zone index per parcel (beyond the last zone: the last zone)."""
    bounds = derived(carrier, "zone bounds", lambda: _zone_bounds(carrier))
    return np.minimum(np.searchsorted(bounds, distance_km, side="left"), len(bounds) - 1)


def _zone_bounds(carrier: Carrier) -> np.ndarray:
    bounds = np.array([z.max_km for z in carrier.zones])
    bounds.flags.writeable = False  # shared by every later call
    return bounds


@dataclass
class Fate:
    """What the carrier will do with some parcels, decided when they are made."""

    transit_days: np.ndarray  # business days after pick-up, lateness and address fixes included
    late_by_carrier: np.ndarray
    exception: np.ndarray  # NO_EXCEPTION / LOST / DAMAGED / ADDRESS_PROBLEM
    hour: np.ndarray  # hour of day of the delivery
    notify_lag_h: np.ndarray  # (parcels, 3): label created, picked up, delivered


def draw_fate(carrier: Carrier, distance_km: np.ndarray, keys: np.ndarray, streams: Streams,
              fragile_units: np.ndarray, protection: np.ndarray) -> Fate:
    """The fates of parcels with keys ``keys`` going ``distance_km`` with ``carrier``
    (one keyed stream per variate). With the carrier's ``damage`` model, damage depends
    on the parcel's fragile units and their protection, else on ``damaged_prob``."""
    def u(variate: str, k: int = 0) -> np.ndarray:
        return streams.keyed(f"delivery.{variate}").uniform(keys, k)

    n = len(keys)
    zone = zone_of(carrier, distance_km)
    transit = np.zeros(n, dtype=np.int64)
    u_transit = u("transit")
    if n == 1:  # a parcel made during the run: its one zone only
        z = int(zone[0])
        transit[:] = carrier.zones[z].transit_business_days.ppf(u_transit)
    else:
        for z, spec in enumerate(carrier.zones):
            mask = zone == z
            transit[mask] = spec.transit_business_days.ppf(u_transit[mask])
    late = u("late") < carrier.late_prob
    transit[late] += carrier.late_extra_business_days.ppf(u("late_days")[late]).astype(np.int64)
    damaged = (carrier.damaged_prob if carrier.damage is None
               else damage_probability(carrier.damage, fragile_units, protection))
    u_exc = u("exception")
    exception = np.where(u_exc < carrier.lost_prob, LOST,
                         np.where(u_exc < carrier.lost_prob + damaged, DAMAGED, NO_EXCEPTION))
    # A wrong or incomplete address: the parcel is delivered, but days later.
    address = (u("address") < carrier.address_problem_prob) & (exception == NO_EXCEPTION)
    exception[address] = ADDRESS_PROBLEM
    transit[address] += carrier.address_delay_business_days.ppf(u("address_days")[address]).astype(np.int64)
    hour = carrier.delivery_hour.ppf(u("hour"))  # (the schema keeps it below 24)
    notify = np.column_stack([carrier.tracking_delay_min.ppf(u("notify", k)) for k in range(3)])
    return Fate(transit, late, exception.astype(np.int8), hour, notify / MINUTES_PER_HOUR)


Reship = Callable[[np.ndarray, np.ndarray], None]  # (parcels, times h): reship them then
Restock = Callable[[np.ndarray, np.ndarray], None]  # (parcels, times h): units back then


class Delivery:
    """Turns a pick-up (a batch of parcels and a time) into arrival and return times,
    and schedules what follows: reships of troubled parcels (``reship``, with the
    ``remedies``), restocks of returned units (``restock``, with inventory)."""

    def __init__(self, env: simpy.Environment, table: Shipments, due_h: np.ndarray,
                 start_weekday: str, returns_cfg: Returns, order_returns: OrderReturns,
                 streams: Streams, remedies: Remedies, reship: Reship | None,
                 restock: Restock | None, before_ship: Callable[[], None] | None = None) -> None:
        self.env, self.table, self.due_h = env, table, due_h
        self.start_weekday = start_weekday
        self.returns_cfg, self.order_returns, self.streams = returns_cfg, order_returns, streams
        self.remedies = remedies
        self.lost_after_h = remedies.lost_declared_after_days * HOURS_PER_DAY
        self.reship, self.restock = reship, restock
        # Draws the fate of parcels made during the run that do not have it yet
        # (:meth:`sim.model.factory.ParcelFactory.draw_shipping_made`).
        self.before_ship = before_ship

    def ship(self, ids: np.ndarray, pickup_h: float) -> None:
        if self.before_ship is not None:
            self.before_ship()
        t = self.table
        t.shipped_h[ids] = pickup_h
        day = np.full(len(ids), int(pickup_h // HOURS_PER_DAY))
        transit = t.transit_days[ids]
        # Transit counts business days from the one after the pick-up (a Saturday
        # pick-up with one day arrives on Monday). Zero transit days is a same-day
        # courier: it delivers even at a weekend.
        arrive_day = np.where(transit == 0, day,
                              add_business_days(day, transit, self.start_weekday, weekend_counts_from="friday"))
        # Same-day delivery cannot precede the pick-up.
        arrival = np.maximum(arrive_day * HOURS_PER_DAY + t.delivery_hour[ids], pickup_h)
        lost = t.exception[ids] == LOST
        t.lost_h[ids[lost]] = arrival[lost] + self.lost_after_h
        delivered = np.where(lost, np.nan, arrival)
        t.delivered_h[ids] = delivered
        wrong = t.errors_made[ids] > t.errors_found[ids]
        ret = parcel_returns(self.returns_cfg, self.order_returns, t, ids, delivered, wrong,
                             self.due_h[t.order[ids]])
        t.return_reason[ids] = ret.reason
        t.returned_h[ids] = ret.returned_h
        t.units_returned[ids] = ret.units
        if self.restock is not None and ret.restock.any():
            self.restock(ids[ret.restock], ret.restock_h[ret.restock])
        if self.reship is not None:
            need = needs_reship(self.remedies, t.exception[ids], wrong) & (
                t.depth[ids] < self.remedies.max_reships)
            if need.any():
                # The trouble comes to light at delivery (damaged, wrong), or when a lost
                # parcel is declared lost.
                at = np.where(lost, t.lost_h[ids], delivered)
                self.reship(ids[need], at[need])


def needs_reship(remedies: Remedies, exception: np.ndarray, wrong_item: np.ndarray) -> np.ndarray:
    """Which parcels' trouble (delivery exception, an uncaught pick error) calls for a
    reship under ``remedies``."""
    return (((exception == LOST) & (remedies.lost == "reship"))
            | ((exception == DAMAGED) & (remedies.damaged == "reship"))
            | ((exception != LOST) & wrong_item & (remedies.wrong_item == "reship")))
