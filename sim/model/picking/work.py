"""The picking work of parcels: where each line is, how long it takes, what goes wrong.

:func:`draw_pick_work` draws, when a parcel is made, everything that belongs to its
lines and units: pick locations (from the site's storage), time per line, scanning,
pick and sort errors, whether a scan catches them, re-pick and sort times. Each draw is
keyed by the line (or unit) and the parcel (one keyed stream per variate,
``picking.<variate>``), so it does not depend on which picker or tour the parcel ends
up in, on the picking method, or on other parcels (common random numbers across
methods, staffing and options).

:class:`PickWork` is what a picking method asks during the run: the travel of a tour
through some parcels' lines, and the tour's set-up, drawn keyed by the tour's first
parcel (so a tour's draws do not depend on the order in which tours formed).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.model.picking.layout import Layout, assign_storage
from sim.model.picking.routes import route_distance
from sim.model.shipments import Shipments
from sim.rng import Streams
from sim.scenario.picking import LayoutConfig, Picking
from sim.units import SECONDS_PER_HOUR


def build_layout(cfg: LayoutConfig, n_aisles: int | None = None) -> Layout:
    return Layout(
        n_aisles=n_aisles or cfg.aisles,
        aisle_length_m=cfg.aisle_length_m,
        aisle_spacing_m=cfg.aisle_spacing_m,
        locations_per_side=cfg.locations_per_side,
        walk_speed_m_s=cfg.walk_speed_m_s,
        cross_aisle_width_m=cfg.cross_aisle_width_m,
        depot=cfg.depot,
        middle_cross_aisle=cfg.middle_cross_aisle,
    )


def site_storage(cfg: Picking, n_skus: int, popularity: np.ndarray,
                 rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray] | None:
    """Where each SKU is stored at a site: (aisle, y metres) per SKU, or None without a
    layout. Drawn once per site and replication."""
    if cfg.layout is None:
        return None
    return assign_storage(build_layout(cfg.layout), n_skus, popularity, cfg.layout.storage, rng,
                          tuple(cfg.layout.class_shares))


def method_sorts(cfg: Picking) -> bool:
    """Whether the site's method sorts units into orders (batch picking)."""
    return cfg.method == "batch" or (cfg.method == "wave" and cfg.wave is not None
                                     and cfg.wave.within == "batch")


def consolidates(cfg: Picking) -> bool:
    """Whether the site's method leaves zone-picked parts to consolidate at packing."""
    zoned = cfg.method == "zone" or (cfg.method == "wave" and cfg.wave is not None
                                     and cfg.wave.within == "zone")
    return zoned and cfg.zone is not None and cfg.zone.mode == "parallel"


_FIRST = np.zeros(1, dtype=np.intp)  # (reduceat's index of a single run)


def sum_by_parcel(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Sum consecutive runs of ``values`` of the given lengths (lengths may be 0), each
    from its own values only (``np.add.reduceat``), so a parcel's sums are the same to
    the last bit whatever else is in the batch: drawn alone during the run or in bulk
    before it. (Differences of one running total would carry the rounding of every
    parcel before it.)"""
    if len(counts) == 1:  # one parcel (made during the run): the same call, less around it
        if counts[0] == 0:
            return np.zeros(1)
        return np.add.reduceat(np.asarray(values, dtype=float)[:counts[0]], _FIRST)
    counts = np.asarray(counts)
    out = np.zeros(len(counts))
    full = counts > 0
    if full.any():
        starts = np.cumsum(counts) - counts
        out[full] = np.add.reduceat(np.asarray(values, dtype=float), starts[full])
    return out


@dataclass
class Items:
    """The lines (or units) of a batch of parcels, flattened: the parcel each belongs to
    (position in the batch), and its key for keyed draws."""

    parcel: np.ndarray
    key: np.ndarray
    counts: np.ndarray  # per parcel


def draw_pick_work(cfg: Picking, storage, table: Shipments, ids: np.ndarray,
                   rows: np.ndarray, lines: Items, units: Items, streams: Streams) -> np.ndarray:
    """Draw the picking work of the parcels ``ids`` (all at one site with picking
    ``cfg``; their line rows ``rows``) into ``table``; return the work each leaves for
    the pack station (scanning at pack, re-picks found there, sorting after a batch
    tour, consolidating zone parts), in hours."""
    def u(variate: str, items: Items, k: int = 0) -> np.ndarray:
        return streams.keyed(f"picking.{variate}").uniform(items.key, k)

    n = len(ids)
    if storage is not None:
        sku = table.line_sku[rows]
        table.line_aisle[rows] = storage[0][sku]
        table.line_y[rows] = storage[1][sku]
    ver = cfg.verification
    line_s = cfg.time_per_line_s.ppf(u("line_time", lines))
    if ver.at_pick:
        line_s = line_s + ver.scan_time_per_line_s.ppf(u("scan", lines, 0))
    table.line_time_h[rows] = line_s / SECONDS_PER_HOUR
    sorts = method_sorts(cfg) and cfg.batch is not None

    # Errors: a wrong line (each line), a unit sorted into the wrong tote (each unit).
    # A scan at pick, then one at pack, each catches an error with detection_prob.
    def caught(error: np.ndarray, items: Items, k: int) -> np.ndarray:
        return error & (u("detect", items, k) < ver.detection_prob)

    def repick_s(found: np.ndarray, items: Items, k: int) -> np.ndarray:
        t = np.zeros(len(found))
        if found.any():
            t[found] = ver.repick_time_s.ppf(u("repick", items, k)[found])
        return sum_by_parcel(t, items.counts)

    groups = [(u("errors", lines) < cfg.error_prob_per_line, lines)]
    sort_s = np.zeros(n)
    if sorts:
        groups.append((u("sort_errors", units) < cfg.batch.sort_error_prob_per_unit, units))
        sort_s = sum_by_parcel(cfg.batch.sort_time_per_unit_s.ppf(u("sort_time", units)), units.counts)
    made = np.zeros(n, dtype=np.int64)
    found = np.zeros(n, dtype=np.int64)
    repick_pick_s = np.zeros(n)
    pack_extra_s = np.zeros(n)
    for error, items in groups:
        at_pick = caught(error, items, 0) if ver.at_pick else np.zeros(len(error), dtype=bool)
        at_pack = caught(error & ~at_pick, items, 1) if ver.at_pack else np.zeros(len(error), dtype=bool)
        made += sum_by_parcel(error, items.counts).astype(np.int64)
        found += sum_by_parcel(at_pick | at_pack, items.counts).astype(np.int64)
        repick_pick_s += repick_s(at_pick, items, 0)
        pack_extra_s += repick_s(at_pack, items, 1)
    if ver.at_pack:
        pack_extra_s += sum_by_parcel(ver.scan_time_per_line_s.ppf(u("scan", lines, 1)), lines.counts)
    if sorts and cfg.batch.sort == "after_pick":
        pack_extra_s += sort_s
    if consolidates(cfg):
        pack_extra_s += cfg.zone.consolidation_time_s.ppf(
            streams.keyed("picking.consolidation").uniform(table.key[ids]))

    table.errors_made[ids] = made
    table.errors_found[ids] = found
    table.repick_at_pick_h[ids] = repick_pick_s / SECONDS_PER_HOUR
    table.pick_lines_h[ids] = (sum_by_parcel(line_s, lines.counts) + repick_pick_s) / SECONDS_PER_HOUR
    table.sort_h[ids] = sort_s / SECONDS_PER_HOUR
    if storage is not None:
        spacing = cfg.layout.aisle_spacing_m
        n_of = np.maximum(lines.counts, 1)
        table.centroid_x[ids] = sum_by_parcel(table.line_aisle[rows] * spacing, lines.counts) / n_of
        table.centroid_y[ids] = sum_by_parcel(table.line_y[rows], lines.counts) / n_of
    return pack_extra_s / SECONDS_PER_HOUR


@dataclass
class Tour:
    """What one tour took: hours of work and metres walked."""

    time_h: float
    distance_m: float


class PickWork:
    """Tours at one site during the run (see the module docstring)."""

    def __init__(self, cfg: Picking, table: Shipments, streams: Streams) -> None:
        self.cfg, self.table, self.streams = cfg, table, streams
        self.layout = build_layout(cfg.layout) if cfg.layout is not None else None
        self.setup = streams.keyed("picking.setup")
        self.travel_draw = streams.keyed("picking.travel")
        self._lead_setup_h = np.zeros(0)  # set-up of a tour led by a bulk parcel (NaN: none)

    def lead_setups(self, ids: np.ndarray) -> None:
        """Draw, all at once, the set-up of a tour led by each of the parcels ``ids``
        (the same keyed draw :meth:`setup_h` makes for one)."""
        t = self.table
        self._lead_setup_h = np.full(t.n_orders, np.nan)
        ids = np.asarray(ids, dtype=np.int64)
        self._lead_setup_h[ids] = self.cfg.setup_time_s.ppf(self.setup.uniform(t.key[ids])) / SECONDS_PER_HOUR

    def lines_of(self, parcels: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """(aisle, y) of every line of ``parcels``."""
        t = self.table
        if len(parcels) == 1:
            a, b = t.line_start[parcels[0]], t.line_end[parcels[0]]
            return t.line_aisle[a:b], t.line_y[a:b]
        rows, _offsets = t.line_rows(np.array(parcels))
        return t.line_aisle[rows], t.line_y[rows]

    def setup_h(self, lead: int, k: int = 0) -> float:
        """A tour's set-up, keyed by its first parcel (and ``k``: the zone)."""
        if k == 0 and lead < len(self._lead_setup_h):
            hours = self._lead_setup_h.item(lead)
            if hours == hours:  # drawn with the others (:meth:`lead_setups`)
                return hours
        u = self.setup.uniform1(int(self.table.key[lead]), k)
        return float(self.cfg.setup_time_s.ppf(np.array([u]))[0]) / SECONDS_PER_HOUR

    def travel(self, aisle: np.ndarray, y: np.ndarray, lead: int, k: int = 0,
               layout: Layout | None = None) -> Tour:
        """Travel of one tour through the given locations (hours, metres); without a
        layout, a ``travel_time_s`` draw keyed by the tour's first parcel."""
        layout = layout or self.layout
        if layout is None:  # travel time given directly: no metres to report
            u = self.travel_draw.uniform1(int(self.table.key[lead]), k)
            return Tour(float(self.cfg.travel_time_s.ppf(np.array([u]))[0]) / SECONDS_PER_HOUR,
                        np.nan)
        dist = route_distance(layout, aisle, y, self.cfg.layout.routing)
        return Tour(dist / layout.walk_speed_m_s / SECONDS_PER_HOUR, dist)

    def tour(self, parcels: list[int], sort: bool = False) -> Tour:
        """A tour collecting every line of ``parcels``: set-up + travel + lines (+ sort)."""
        t = self.table
        aisle, y = self.lines_of(parcels)
        lead = parcels[0]
        trip = self.travel(aisle, y, lead)
        work = sum(float(t.pick_lines_h[p]) for p in parcels)
        if sort:
            work += sum(float(t.sort_h[p]) for p in parcels)
        return Tour(self.setup_h(lead) + trip.time_h + work, trip.distance_m)

    def single_tours(self, ids: np.ndarray) -> None:
        """Tour time and distance of each parcel picked alone, into the table's
        ``tour_h`` and ``tour_m`` (all at once)."""
        t = self.table
        n = len(ids)
        keys = t.key[ids]
        setup = self.cfg.setup_time_s.ppf(self.setup.uniform(keys)) / SECONDS_PER_HOUR
        if self.layout is None:  # travel time given directly: no metres to report
            travel_h = self.cfg.travel_time_s.ppf(self.travel_draw.uniform(keys)) / SECONDS_PER_HOUR
            dist = np.full(n, np.nan)
        else:
            dist = np.empty(n)
            ls, le, lay = t.line_start[ids], t.line_end[ids], self.layout
            one = (le - ls) == 1
            # A one-line tour is out and back to one location under every policy.
            first = ls[one]
            dist[one] = 2 * lay.depot_distance_m(t.line_aisle[first], t.line_y[first])
            policy = self.cfg.layout.routing
            for i in np.flatnonzero(~one):
                a, b = ls[i], le[i]
                dist[i] = route_distance(lay, t.line_aisle[a:b], t.line_y[a:b], policy)
            travel_h = dist / lay.walk_speed_m_s / SECONDS_PER_HOUR
        t.tour_h[ids] = setup + travel_h + t.pick_lines_h[ids]
        t.tour_m[ids] = dist
