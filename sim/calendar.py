"""Time: shifts and breaks, carrier pick-ups, business days.

The simulation clock is in **hours** from the start of day 0 at midnight. Day ``d`` is
weekday ``(start_weekday + d) % 7`` (0 = Monday). Business days are Monday to Friday.
"""

from __future__ import annotations

import math

import numpy as np

from sim.scenario.schema import WEEKDAYS, Shift
from sim.units import HOURS_PER_DAY, MINUTES_PER_HOUR

# A Monday, used only to map day numbers onto numpy's business-day calendar.
_MONDAY = np.datetime64("2024-01-01", "D")


def weekday_of(day: int | np.ndarray, start_weekday: str) -> np.ndarray | int:
    """Weekday number (0 = Monday) of simulation day ``day``."""
    return (np.asarray(day) + WEEKDAYS.index(start_weekday)) % 7


def _merge(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Sort and join touching or overlapping intervals."""
    out: list[list[float]] = []
    for start, end in sorted(intervals):
        if out and start <= out[-1][1] + 1e-9:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return [(a, b) for a, b in out]


def shift_duty_intervals(
    shift: Shift, start_weekday: str, until_h: float
) -> list[tuple[float, float]]:
    """The (start, end) hours at which a worker of ``shift`` is on duty, breaks removed,
    from hour 0 up to ``until_h``; touching intervals are merged."""
    days = {WEEKDAYS.index(d) for d in shift.days}
    out: list[tuple[float, float]] = []
    n_days = int(math.ceil(until_h / HOURS_PER_DAY)) + 1
    for day in range(-1, n_days):  # day -1: a night shift that runs past midnight
        if (day + WEEKDAYS.index(start_weekday)) % 7 not in days:
            continue
        base = day * HOURS_PER_DAY
        cuts = sorted((base + b.start_h, base + b.start_h + b.minutes / MINUTES_PER_HOUR) for b in shift.breaks)
        t = base + shift.start_h
        for b_start, b_end in cuts:
            if b_start > t:
                out.append((t, b_start))
            t = max(t, b_end)
        if base + shift.end_h > t:
            out.append((t, base + shift.end_h))
    clipped = [(max(a, 0.0), min(b, until_h)) for a, b in out if b > 0 and a < until_h]
    return _merge([iv for iv in clipped if iv[1] > iv[0]])


def overlap_hours(intervals: list[tuple[float, float]], lo: float, hi: float) -> float:
    """Total hours of ``intervals`` inside the window ``[lo, hi)``."""
    return float(sum(max(0.0, min(b, hi) - max(a, lo)) for a, b in intervals))


def pickup_times(
    times_h: list[float], days: list[str], start_weekday: str, until_h: float
) -> np.ndarray:
    """Every carrier pick-up (hours) from 0 to ``until_h``, in order."""
    wanted = {WEEKDAYS.index(d) for d in days}
    out = []
    for day in range(int(math.ceil(until_h / HOURS_PER_DAY)) + 1):
        if (day + WEEKDAYS.index(start_weekday)) % 7 in wanted:
            out.extend(day * HOURS_PER_DAY + t for t in times_h)
    arr = np.asarray(out, dtype=float)
    return arr[arr <= until_h]


def _as_dates(day: np.ndarray, start_weekday: str) -> np.ndarray:
    return _MONDAY + (np.asarray(day, dtype=np.int64) + WEEKDAYS.index(start_weekday))


def add_business_days(day: np.ndarray, n: np.ndarray, start_weekday: str,
                      weekend_counts_from: str = "monday") -> np.ndarray:
    """Simulation day reached ``n`` business days after ``day``. A weekend ``day``
    counts from the Monday (``"monday"``: a promise made on a Saturday, like one made
    on the Monday) or from the Friday before (``"friday"``: a carrier's transit, whose
    first business day is the one after the pick-up: a parcel picked up on Saturday
    with one transit day arrives on Monday, as one picked up on Friday)."""
    dates = _as_dates(day, start_weekday)
    roll = {"monday": "forward", "friday": "backward"}[weekend_counts_from]
    out = np.busday_offset(dates, np.asarray(n, dtype=np.int64), roll=roll)
    return (out - _MONDAY).astype(np.int64) - WEEKDAYS.index(start_weekday)
