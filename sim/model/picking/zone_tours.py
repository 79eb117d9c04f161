"""Zone picking's tours, planned when the parcels are known rather than when picked.

In zone picking a parcel is picked in parts: one tour in each zone it has lines in.
What each part takes (the zone's set-up, the walk through the parcel's lines in that
zone, their picking time, the re-picks caught at pick on its first zone and, in
``pick_and_pass`` mode, the hand-over to the next zone) depends only on the parcel, so
:func:`plan_zone_tours` works it out for many parcels at once: all of a site's parcels
drawn before the run, in one call, and a parcel made during the run alone, with the
same function (so a parcel's parts take the same time whenever it is planned).

Every draw is keyed by the parcel and the zone (``picking.setup``, ``picking.pass``),
as before; a part's lines are summed in line order (``np.add.reduceat``: each part's
sum depends on its own lines only).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.model.picking.layout import Layout
from sim.model.picking.routes import route_distance
from sim.model.picking.work import PickWork
from sim.units import SECONDS_PER_HOUR

ZONE, HOURS, METRES, LINES = range(4)  # the columns of a part's row


@dataclass
class ZoneTours:
    """The parts of some parcels, parcel by parcel and, within a parcel, zone by zone
    (ascending): rows ``first[i] .. first[i + 1] - 1`` are the ``i``-th parcel's parts,
    each ``(zone, hours, metres, lines)`` (float64, exact for the whole numbers): what
    the zone's picker spends on it, the walk, and the lines picked."""

    first: np.ndarray  # int64, one per parcel + 1 (CSR offsets into the rows)
    rows: np.ndarray  # float64, (parts, 4)

    @property
    def zone(self) -> np.ndarray:
        return self.rows[:, ZONE].astype(np.int64)

    def parts_of(self, i: int) -> dict[int, list[float]]:
        """The ``i``-th parcel's parts by zone (ascending), each a row as a list."""
        parts = {}
        for row in self.rows[self.first.item(i):self.first.item(i + 1)].tolist():  # (a loop: no
            parts[int(row[ZONE])] = row  # comprehension's call, once per parcel in the run)
        return parts

    def of(self, i: int) -> tuple[list[int], list[float], list[float], list[int]]:
        """The ``i``-th parcel's parts as Python lists (zones, hours, metres, lines)."""
        rows = list(self.parts_of(i).values())
        return ([int(r[ZONE]) for r in rows], [r[HOURS] for r in rows], [r[METRES] for r in rows],
                [int(r[LINES]) for r in rows])


def plan_zone_tours(work: PickWork, layout: Layout, aisles_per_zone: int, pass_draw,
                    parcels: np.ndarray) -> ZoneTours:
    """Each part of each of ``parcels`` (slots of ``work.table``, every one with at
    least one line): see the module docstring. ``layout``: one zone's layout;
    ``pass_draw``: the keyed stream of hand-over times."""
    t, cfg = work.table, work.cfg
    parcels = np.asarray(parcels, dtype=np.int64)
    rows, offsets = t.line_rows(parcels)
    counts = np.diff(offsets)
    if len(parcels) and counts.min() < 1:
        raise ValueError("zone picking: a parcel without lines")
    owner = np.repeat(np.arange(len(parcels), dtype=np.int64), counts)
    zone_of_line = t.line_aisle[rows] // aisles_per_zone
    n_zones = cfg.zone.zones
    # Parts: the lines sorted by (parcel, zone), in line order within each part.
    order = np.argsort(owner * n_zones + zone_of_line, kind="stable")
    rows, owner, zone_of_line = rows[order], owner[order], zone_of_line[order]
    part_key = owner * n_zones + zone_of_line
    starts = np.flatnonzero(np.r_[True, part_key[1:] != part_key[:-1]]) if len(rows) else np.zeros(0, np.int64)
    part_owner, part_zone = owner[starts], zone_of_line[starts].astype(np.int32)
    part_lines = np.diff(np.r_[starts, len(rows)]).astype(np.int32)
    first = np.searchsorted(part_owner, np.arange(len(parcels) + 1)).astype(np.int64)

    lines_h = (np.add.reduceat(t.line_time_h[rows].astype(np.float64), starts)
               if len(starts) else np.zeros(0))
    metres = _walks(layout, cfg.layout.routing, t.line_aisle[rows] - zone_of_line * aisles_per_zone,
                    t.line_y[rows], starts, part_lines)
    keys = t.key[parcels][part_owner]
    setup_h = cfg.setup_time_s.ppf(work.setup.uniform(keys, part_zone)) / SECONDS_PER_HOUR
    hours = setup_h + metres / layout.walk_speed_m_s / SECONDS_PER_HOUR + lines_h
    # The re-picks caught at pick go with the parcel's first part.
    is_first = np.zeros(len(starts), dtype=bool)
    is_first[first[:-1]] = True
    hours[is_first] += t.repick_at_pick_h[parcels].astype(np.float64)
    if cfg.zone.mode == "pick_and_pass":  # each part but the last hands the tote on
        passing = np.ones(len(starts), dtype=bool)
        passing[first[1:] - 1] = False
        if passing.any():
            hours[passing] += cfg.zone.pass_time_s.ppf(
                pass_draw.uniform(keys[passing], part_zone[passing])) / SECONDS_PER_HOUR
    return ZoneTours(first, np.column_stack([part_zone, hours, metres, part_lines]).astype(np.float64))


def _walks(layout: Layout, routing: str, aisle: np.ndarray, y: np.ndarray, starts: np.ndarray,
           counts: np.ndarray) -> np.ndarray:
    """Metres walked by each part (lines ``starts[i] .. + counts[i]``): a one-line part
    is out and back to its location under every policy; the others are routed."""
    metres = np.empty(len(starts))
    one = counts == 1
    metres[one] = 2 * layout.depot_distance_m(aisle[starts[one]], y[starts[one]])
    for i in np.flatnonzero(~one).tolist():
        a = starts[i]
        b = a + counts[i]
        metres[i] = route_distance(layout, aisle[a:b], y[a:b], routing)
    return metres
