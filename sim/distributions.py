"""The orders a time distribution is over, finished and not: what every lead-time and
warehouse-time figure draws (``fsim run``'s figures, ``fsim compare --plot``, the
planners' page).

The distributions count what the KPIs count (README, KPIs): orders placed in the
measurement window; lead time (placed to delivered) over those neither cancelled nor
lost, warehouse time (paid to shipped) over those paid and not cancelled. An order not
finished by the end of the run is counted but has no time to draw: an ECDF of a group
stops below 1 by the share of its unfinished orders, as the censored percentiles do,
and is never scaled up to 1 over the finished ones alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

MEASURES = {
    "lead": ("lead time, placed to delivered (hours)", "placed_h", "delivered_h"),
    "warehouse": ("warehouse time, paid to shipped (hours)", "paid_h", "shipped_h"),
}
ORDER_COLUMNS = ["placed_h", "paid_h", "shipped_h", "delivered_h", "status"]  # what is read


@dataclass(frozen=True)
class Distribution:
    """One group's times: ``done`` the finished ones (hours, sorted), ``total`` the orders
    they are a share of (finished and unfinished)."""

    group: str
    done: np.ndarray
    total: int

    @property
    def unfinished(self) -> int:
        return self.total - len(self.done)

    def ecdf(self, points: int) -> tuple[np.ndarray, np.ndarray]:
        """(hours, share of the group's orders finished within them), at most ``points``
        steps; the share ends at the finished share, not at 1."""
        n = len(self.done)
        if not n:
            return np.zeros(0), np.zeros(0)
        i = np.unique(np.linspace(0, n - 1, min(n, points)).round().astype(int))
        return self.done[i], (i + 1) / self.total

    def label(self) -> str:
        """``group (n=…)``, with how many of them had not finished by the end."""
        if not self.unfinished:
            return f"{self.group} (n={self.total:,})"
        return (f"{self.group} (n={self.total:,}; {100 * self.unfinished / self.total:.3g}% "
                "not finished by the end)")


def counted(orders: pd.DataFrame, window_h: tuple[float, float], measure: str) -> np.ndarray:
    """Row mask of the orders a ``measure`` (``lead`` or ``warehouse``) is over."""
    lo, hi = window_h
    placed = orders["placed_h"].to_numpy(dtype=float)
    status = orders["status"].astype(str).to_numpy()
    mask = (placed >= lo) & (placed < hi) & (status != "cancelled")
    if measure == "lead":
        return mask & (status != "lost")
    return mask & ~np.isnan(orders["paid_h"].to_numpy(dtype=float))


def distributions_of(orders: pd.DataFrame, window_h: tuple[float, float], measure: str,
                     groups: Sequence[tuple[str, np.ndarray]] | None = None,
                     name: str = "all") -> list[Distribution]:
    """``measure`` over the orders it counts, per group (``(name, row mask)`` pairs; none:
    one group of every order, called ``name``), pooled over replications."""
    _, start_col, end_col = MEASURES[measure]
    mask = counted(orders, window_h, measure)
    start = orders[start_col].to_numpy(dtype=float)
    end = orders[end_col].to_numpy(dtype=float)
    out = []
    for group, rows in groups if groups is not None else [(name, np.ones(len(orders), dtype=bool))]:
        mine = mask & rows
        finished = mine & ~np.isnan(end)
        out.append(Distribution(group, np.sort(end[finished] - start[finished]), int(mine.sum())))
    return out


def by_column(orders: pd.DataFrame, column: str, names: Sequence[str]) -> list[tuple[str, np.ndarray]]:
    """(name, row mask) for each value ``names`` of a column of the orders."""
    values = orders[column].astype(str).to_numpy()
    return [(str(n), values == str(n)) for n in names]
