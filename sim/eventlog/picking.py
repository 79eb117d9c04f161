"""When each item was picked, and by whom.

The model draws a tour's total time (set-up, travel, picks and re-picks), not a time
per line, and records the tour's start and end. So the log spreads a tour's lines
evenly over it, in the order they are on the tour (its parcels by id, each parcel's
lines in order): line ``k`` of ``L`` at ``start + (k + 1) / L x (end - start)``. The
tour's last line is picked as it ends (when each of its parcels is ``picked_h``), and no
pick lies before the tour starts; spreading (rather than stamping every line with the
tour's end) keeps the picker busy over the tour in the log as in the model, and shows
the order in which a batch was picked.

Zone picking picks a parcel in several zone tours, one per zone it has lines in (each
tour names its parcel: ``tours.shipment_id``): each line is on the tour of its zone
(``shipment_lines.zone``), spread over that tour and linked to it and its picker, like
any tour's. (Tables written before 0.5.9 have no line zones: there the lines are
spread over the parcel's whole pick, ``pick_start_h`` to ``picked_h``, on its first
zone tour, ``shipments.tour_id``.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


def employee_ids(site: np.ndarray, role: str, worker: np.ndarray,
                 zone: np.ndarray | None = None) -> np.ndarray:
    """``<site>.<role>.<worker>`` (``<site>.<role>.zone<z>.<worker>`` for a zone's
    pickers, whose worker numbers count per zone); None where ``worker`` < 0."""
    zone = np.full(len(worker), -1) if zone is None else zone
    made: dict[tuple, str | None] = {}

    def name(key: tuple) -> str | None:
        s, w, z = key
        if w < 0:
            return None
        return f"{s}.{role}.{w}" if z < 0 else f"{s}.{role}.zone{z}.{w}"

    out = np.empty(len(worker), dtype=object)
    out[:] = [made[k] if k in made else made.setdefault(k, name(k))
              for k in zip(site.tolist(), worker.tolist(), zone.tolist(), strict=True)]
    return out


@dataclass
class Picks:
    """Per row of the shipment lines: when it was picked (NaN: not by the end), the
    picker's employee id (None: none) and the pick tour's id (-1: none)."""

    time_h: np.ndarray
    picker: np.ndarray
    tour: np.ndarray


def line_picks(shipments: pd.DataFrame, lines: pd.DataFrame, tours: pd.DataFrame) -> Picks:
    """Pick time, picker and tour of every parcel line (module docstring)."""
    n = len(lines)
    time_h = np.full(n, np.nan)
    picker = np.empty(n, dtype=object)
    tour_of_line = np.full(n, -1, dtype=np.int64)
    if not n or not len(tours):
        return Picks(time_h, picker, tour_of_line)
    ship = lines["shipment_id"].to_numpy()
    tour = shipments["tour_id"].to_numpy()[ship]
    picked = ~np.isnan(shipments["picked_h"].to_numpy()[ship]) & (tour >= 0)
    t_start = tours["start_h"].to_numpy()
    t_end = tours["end_h"].to_numpy()
    t_zone = tours["zone"].to_numpy()
    t_worker = tours["worker"].to_numpy()
    t_site = tours["site"].astype(str).to_numpy()
    if not np.array_equal(tours["tour_id"].to_numpy(), np.arange(len(tours))):
        raise ValueError("tours: tour_id must count from 0 in row order")
    zoned = picked & (t_zone[np.maximum(tour, 0)] >= 0)
    if zoned.any() and "zone" in lines and "shipment_id" in tours:
        # Zone picking: each line on the tour of its zone's part of its parcel.
        tour = tour.copy()
        tour[zoned] = _zone_tours(tours, ship[zoned], lines["zone"].to_numpy()[zoned])
        picked &= tour >= 0
        zoned[:] = False
    whole = picked & ~zoned

    # Tours: rank each line within its tour.
    rows = np.flatnonzero(whole)
    order = rows[np.lexsort((rows, tour[rows]))]  # by tour, then shipment and line order
    t = tour[order]
    first = np.concatenate(([True], t[1:] != t[:-1])) if len(t) else np.zeros(0, dtype=bool)
    group_start = np.maximum.accumulate(np.where(first, np.arange(len(t)), 0))
    k = np.arange(len(t)) - group_start
    count = np.bincount(t, minlength=len(tours))[t]
    time_h[order] = t_start[t] + (k + 1) / count * (t_end[t] - t_start[t])

    # Zone picking, read from tables written before 0.5.9 (no line zones): spread over
    # the parcel's whole pick, on its first zone tour.
    rows = np.flatnonzero(zoned)
    s = ship[rows]
    begin = shipments["pick_start_h"].to_numpy()[s]
    end = shipments["picked_h"].to_numpy()[s]
    first = np.concatenate(([True], s[1:] != s[:-1])) if len(s) else np.zeros(0, dtype=bool)
    group_start = np.maximum.accumulate(np.where(first, np.arange(len(s)), 0))
    k = np.arange(len(s)) - group_start
    count = np.bincount(s, minlength=len(shipments))[s]
    time_h[rows] = begin + (k + 1) / count * (end - begin)

    on_tour = np.flatnonzero(picked)
    tour_of_line[on_tour] = tour[on_tour]
    tt = tour[on_tour]
    picker[on_tour] = employee_ids(t_site[tt], "pickers", t_worker[tt], t_zone[tt])
    return Picks(time_h, picker, tour_of_line)


def _zone_tours(tours: pd.DataFrame, shipment: np.ndarray, zone: np.ndarray) -> np.ndarray:
    """The tour that picked each (parcel, zone) part (-1: none by the end)."""
    t_zone = tours["zone"].to_numpy().astype(np.int64)
    t_ids = np.flatnonzero(t_zone >= 0)
    if not len(t_ids):
        return np.full(len(shipment), -1, dtype=np.int64)
    width = int(max(t_zone.max(), zone.max(initial=0))) + 1
    keys = tours["shipment_id"].to_numpy()[t_ids].astype(np.int64) * width + t_zone[t_ids]
    order = np.argsort(keys, kind="stable")
    keys, t_ids = keys[order], t_ids[order]
    want = shipment.astype(np.int64) * width + zone
    pos = np.minimum(np.searchsorted(keys, want), len(keys) - 1)
    return np.where(keys[pos] == want, t_ids[pos], -1)
