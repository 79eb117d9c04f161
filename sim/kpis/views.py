"""The columns and masks every KPI reads, taken once per replication from the orders and
shipments tables (numpy arrays and boolean masks: a million-order table is never
copied row by row)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.calendar import pickup_times
from sim.scenario.schema import Scenario
from sim.units import HOURS_PER_DAY, MINUTES_PER_HOUR


def col(df: pd.DataFrame, name: str) -> np.ndarray:
    """A column as a numpy array (nullable booleans: NA is False)."""
    s = df[name]
    if str(s.dtype) == "boolean":
        return s.to_numpy(dtype=bool, na_value=False)
    return s.to_numpy()


def codes(df: pd.DataFrame, name: str, categories: list[str]) -> np.ndarray:
    """A categorical column as codes into ``categories`` (-1: missing or other)."""
    s = df[name]
    mapping = np.array([categories.index(c) if c in categories else -1
                        for c in s.cat.categories] + [-1], dtype=np.int64)
    return mapping[s.cat.codes.to_numpy()]


def window_h(scenario: Scenario) -> tuple[float, float]:
    """The measurement window in hours: after warm-up, up to the last arrival."""
    hz = scenario.horizon
    return hz.warmup_days * HOURS_PER_DAY, hz.days * HOURS_PER_DAY


@dataclass
class OrderView:
    """Per-order arrays of one replication and the masks the order KPIs share."""

    placed: np.ndarray  # placed inside the window
    site: np.ndarray  # routed site code
    channel: np.ndarray
    cancelled: np.ndarray
    lost: np.ndarray
    delivered: np.ndarray
    in_progress: np.ndarray
    in_transit: np.ndarray
    backordered: np.ndarray
    paid_h: np.ndarray
    placed_h: np.ndarray
    shipped_h: np.ndarray
    delivered_h: np.ndarray
    on_time: np.ndarray
    on_time_known: np.ndarray
    same_day_cutoff_h: np.ndarray  # last cut-off of the paid day of its service (NaN: none)
    same_day_pickup_h: np.ndarray  # the pick-up after that cut-off


@dataclass
class ParcelView:
    """Per-parcel arrays: first-attempt parcels of orders placed in the window."""

    order: np.ndarray
    first: np.ndarray  # not a reship
    measured: np.ndarray  # first attempt, of an order placed in the window
    site: np.ndarray
    channel: np.ndarray  # its order's channel


def _default_services(scenario: Scenario, site: np.ndarray) -> np.ndarray:
    """Each site code's default carrier (index into ``scenario.carriers``; -1: none)."""
    carriers = list(scenario.carriers)
    default = np.array([carriers.index(scenario.warehouses[s].shipping.carrier) for s in scenario.sites])
    return np.where(site >= 0, default[np.maximum(site, 0)], -1)


def order_services(orders: pd.DataFrame, shipments: pd.DataFrame, scenario: Scenario) -> np.ndarray:
    """Per order, the carrier service (index into ``scenario.carriers``) its parcels
    ship with: that of its first first-attempt parcel (an express order: the express
    service), or its site's default carrier while none is made."""
    carriers = list(scenario.carriers)
    service = _default_services(scenario, codes(orders, "site", scenario.sites))
    first = (shipments["kind"] != "reship").to_numpy()
    ids = col(shipments, "shipment_id")[first]
    order = col(shipments, "order_id")[first]
    by = codes(shipments, "service", carriers)[first]
    earliest = np.lexsort((ids, order))  # (by order, then shipment id)
    keep = earliest[np.r_[True, order[earliest][1:] != order[earliest][:-1]]] if len(order) else earliest
    row = np.searchsorted(col(orders, "order_id"), order[keep])
    service[row] = by[keep]
    return service


def _same_day(scenario: Scenario, service: np.ndarray, paid_h: np.ndarray, end_h: float):
    """Per order: the last cut-off on the day it was paid of its carrier service
    (NaN on a day without a pick-up, or when paid after it), and that pick-up's time."""
    cutoff = np.full(len(paid_h), np.nan)
    pickup = np.full(len(paid_h), np.nan)
    day = np.floor(paid_h / HOURS_PER_DAY)
    for c, carrier in enumerate(scenario.carriers.values()):
        times = pickup_times(carrier.pickup_times_h, carrier.pickup_days,
                             scenario.horizon.start_weekday, end_h)
        mine = (service == c) & ~np.isnan(paid_h)
        if not len(times) or not mine.any():
            continue
        # The last pick-up of each day that has one.
        pick_day = np.floor(times / HOURS_PER_DAY)
        last = np.r_[pick_day[1:] != pick_day[:-1], True]
        days, last_pickup = pick_day[last], times[last]
        i = np.searchsorted(days, day[mine])
        found = (i < len(days)) & (days[np.minimum(i, len(days) - 1)] == day[mine])
        pu = np.where(found, last_pickup[np.minimum(i, len(days) - 1)], np.nan)
        cut = pu - carrier.cutoff_min / MINUTES_PER_HOUR
        ok = paid_h[mine] <= cut
        cutoff[mine] = np.where(ok, cut, np.nan)
        pickup[mine] = np.where(ok, pu, np.nan)
    return cutoff, pickup


def order_view(orders: pd.DataFrame, scenario: Scenario, end_h: float,
               service: np.ndarray | None = None) -> OrderView:
    """``service``: each order's carrier service (:func:`order_services`; None: its
    site's default carrier), whose pick-ups judge same-day shipping."""
    lo, hi = window_h(scenario)
    placed_h = col(orders, "placed_h")
    status = orders["status"]
    site = codes(orders, "site", scenario.sites)
    paid_h = col(orders, "paid_h")
    if service is None:
        service = _default_services(scenario, site)
    cutoff, pickup = _same_day(scenario, service, paid_h, end_h)
    on_time = orders["on_time"]
    return OrderView(
        placed=(placed_h >= lo) & (placed_h < hi),
        site=site,
        channel=codes(orders, "channel", list(scenario.demand.channels)),
        cancelled=(status == "cancelled").to_numpy(),
        lost=(status == "lost").to_numpy(),
        delivered=(status == "delivered").to_numpy(),
        in_progress=(status == "in_progress").to_numpy(),
        in_transit=(status == "in_transit").to_numpy(),
        backordered=(status == "backordered").to_numpy(),
        paid_h=paid_h,
        placed_h=placed_h,
        shipped_h=col(orders, "shipped_h"),
        delivered_h=col(orders, "delivered_h"),
        on_time=on_time.to_numpy(dtype=bool, na_value=False),
        on_time_known=~on_time.isna().to_numpy(),
        same_day_cutoff_h=cutoff,
        same_day_pickup_h=pickup,
    )


def parcel_view(shipments: pd.DataFrame, orders: OrderView, scenario: Scenario) -> ParcelView:
    order = col(shipments, "order_id")
    first = (shipments["kind"] != "reship").to_numpy()
    return ParcelView(order=order, first=first, measured=first & orders.placed[order],
                      site=codes(shipments, "site", scenario.sites), channel=orders.channel[order])
