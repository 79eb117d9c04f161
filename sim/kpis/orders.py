"""Order KPIs of one group of orders (all, one site's, one channel's), censoring-aware.

Percentiles of a time (lead time, time in the warehouse) are taken over every order
that should have got there. An unfinished order's time is not known, only that it is at
least its age at the end of the run. So a percentile has a value only when it is the
same whatever the unfinished orders' times: the same with each at its age (the lowest
it can be) as with each longer than any finished order (the highest). Otherwise it is
*censored*: its value is unknown (NaN) and the lowest it can be is reported as its
lower bound (never below an exact lower percentile: both come from the same times).
"""

from __future__ import annotations

import math

import numpy as np

from sim.kpis.registry import PERCENTILES


def pct(num: float, den: float) -> float:
    return 100.0 * num / den if den else math.nan


def mean(x: np.ndarray) -> float:
    x = x[~np.isnan(x)]
    return float(x.mean()) if len(x) else math.nan


def censored_percentiles(done: np.ndarray, ages: np.ndarray, name: str,
                         out: dict[str, float], lower: dict[str, float]) -> None:
    """``<name>_p50 ... _p99`` over ``done`` (finished times) and the unfinished, whose
    ages at the end are ``ages``: into ``out``, and a lower bound into ``lower`` for
    each censored one (see the module docstring). The percentile interpolates linearly
    between order statistics, as ``numpy.percentile`` does."""
    done = np.sort(done)
    n = len(done) + len(ages)
    lowest = np.sort(np.concatenate((done, ages)))  # each unfinished at its age
    for q in PERCENTILES:
        key = f"{name}_p{q}"
        if n == 0:
            out[key] = math.nan
            continue
        rank = q / 100 * (n - 1)
        below, above = math.floor(rank), math.ceil(rank)
        low = float(lowest[below] + (rank - below) * (lowest[above] - lowest[below]))
        # Each unfinished longer than any finished: the highest it can be (infinite if
        # the percentile falls among them).
        high = (float(done[below] + (rank - below) * (done[above] - done[below]))
                if above < len(done) else math.inf)
        if high == low:
            out[key] = low
        else:
            out[key] = math.nan
            lower[key] = low


def order_kpis(v, m: np.ndarray, lo: float, hi: float, end_h: float,
               lower: dict[str, float]) -> dict[str, float]:
    """The order KPIs of the orders ``m`` (a mask over ``v``, an
    :class:`~sim.kpis.views.OrderView`), placed in the window ``[lo, hi)``."""
    placed = m & v.placed
    n = int(placed.sum())
    cancelled = placed & v.cancelled
    lost = placed & v.lost
    delivered = placed & v.delivered
    shipped = placed & ~np.isnan(v.shipped_h)
    should = placed & ~v.cancelled & ~v.lost  # orders that should arrive
    undelivered = should & ~v.delivered
    k: dict[str, float] = {
        "orders_placed": n,
        "orders_cancelled": int(cancelled.sum()),
        "orders_shipped": int(shipped.sum()),
        "orders_delivered": int(delivered.sum()),
        "orders_lost": int(lost.sum()),
        "orders_in_progress": int((placed & v.in_progress).sum()),
        "orders_in_transit": int((placed & v.in_transit).sum()),
        "orders_backordered": int((placed & v.backordered).sum()),
        "orders_undelivered_at_end": int(undelivered.sum()),
        "completion_pct": pct(int((delivered | cancelled | lost).sum()), n),
        "throughput_orders_per_day": int((m & (v.shipped_h >= lo) & (v.shipped_h < hi)).sum())
        / ((hi - lo) / 24.0),
    }
    lead = (v.delivered_h - v.placed_h)
    k["lead_time_hours_mean"] = mean(lead[delivered])
    censored_percentiles(lead[should & v.delivered], end_h - v.placed_h[undelivered],
                         "lead_time_hours", k, lower)
    known = placed & v.on_time_known & ~v.cancelled
    k["on_time_delivery_pct"] = pct(int((known & v.on_time).sum()), int(known.sum()))
    paid = placed & ~v.cancelled & ~np.isnan(v.paid_h)
    wh = v.shipped_h - v.paid_h
    k["warehouse_hours_mean"] = mean(wh[paid & ~np.isnan(v.shipped_h)])
    censored_percentiles(wh[paid & ~np.isnan(v.shipped_h)], end_h - v.paid_h[paid & np.isnan(v.shipped_h)],
                         "warehouse_hours", k, lower)
    eligible = paid & ~np.isnan(v.same_day_cutoff_h)
    same_day = eligible & (v.shipped_h <= v.same_day_pickup_h)
    k["same_day_ship_pct"] = pct(int(same_day.sum()), int(eligible.sum()))
    return k
