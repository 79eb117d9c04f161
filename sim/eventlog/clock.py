"""Real date-times for the event log: the run's hour 0 is midnight (UTC) of a start
date whose weekday is the scenario's ``horizon.start_weekday`` (so weekends and
business days in the log are the model's own).
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np

from sim.scenario.schema import WEEKDAYS

MS_PER_HOUR = 3_600_000
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def default_start(start_weekday: str, today: dt.date | None = None) -> dt.date:
    """The default start: ``today`` (default: today's date, UTC) if it falls on
    ``start_weekday``, else the next such date. Give a fixed start
    (:func:`parse_start`) for a log that is identical from one day to the next."""
    today = today or dt.datetime.now(dt.timezone.utc).date()
    ahead = (WEEKDAYS.index(start_weekday) - today.weekday()) % 7
    return today + dt.timedelta(days=ahead)


def start_problem(start: dt.date, start_weekday: str, run_days: float = 0.0) -> str | None:
    """Why ``start`` cannot be day 0 of a run starting on ``start_weekday`` and lasting
    ``run_days`` (None: it can): another weekday, or a run that would end after the last
    date timestamps can hold (9999-12-31)."""
    last = dt.date.max - dt.timedelta(days=math.ceil(run_days) + 1)
    if start > last:
        return (f"the run ({run_days:g} days with the drain) would end after {dt.date.max.isoformat()}, "
                f"the last date a timestamp can hold; start on or before {last.isoformat()}")
    want = WEEKDAYS.index(start_weekday)
    if start.weekday() == want:
        return None
    ahead = (want - start.weekday()) % 7
    return (f"{start.isoformat()} is a {_WEEKDAY_NAMES[start.weekday()]}, but the scenario's "
            f"horizon.start_weekday is {start_weekday} (day 0 of the run must fall on that "
            f"weekday); e.g. {(start + dt.timedelta(days=ahead)).isoformat()}")


def parse_start(text: str) -> dt.date:
    """A start date written ``YYYY-MM-DD`` (ValueError with the reason otherwise)."""
    try:
        return dt.date.fromisoformat(text)
    except (TypeError, ValueError):
        raise ValueError(f"must be a date written YYYY-MM-DD, got {text!r}") from None


class Clock:
    """Turns hours from the start of the run into ISO 8601 date-times (UTC, to the
    millisecond)."""

    def __init__(self, start: dt.date) -> None:
        self.start = start
        self._base = np.datetime64(start.isoformat(), "ms")

    def _stamps(self, hours: np.ndarray) -> np.ndarray:
        ms = np.rint(np.asarray(hours, dtype=float) * MS_PER_HOUR).astype(np.int64)
        return self._base + ms.astype("timedelta64[ms]")

    def iso(self, hours: np.ndarray) -> np.ndarray:
        """``2026-01-05T08:30:00.000`` (no zone suffix: writers add ``Z``)."""
        return np.datetime_as_string(self._stamps(hours), unit="ms")

    def sql(self, hours: np.ndarray) -> np.ndarray:
        """``2026-01-05 08:30:00.000`` (SQLite's own date-time layout)."""
        return np.char.replace(self.iso(hours), "T", " ")
