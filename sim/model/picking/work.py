"""The picking work of one site: where each line is, how long it takes, what goes wrong.

Everything that belongs to an order or a line (its pick locations, time per line, sort
time, pick errors, whether a scan catches them, re-pick time) is drawn when the site is
built, from the site's ``picking.<site>`` stream, so it does not depend on which picker
or tour the order ends up in (common random numbers across methods and staffing). What
belongs to a tour (set-up time, travel with no layout) is drawn when the tour forms.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.model.picking.layout import Layout, assign_storage
from sim.model.picking.routes import route_distance
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


def _sum_by_order(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Sum consecutive runs of ``values`` of the given lengths (lengths may be 0)."""
    csum = np.concatenate(([0.0], np.cumsum(values)))
    ends = np.cumsum(counts)
    return csum[ends] - csum[ends - counts]


@dataclass
class Tour:
    """What one tour took: hours of work and metres walked."""

    time_h: float
    distance_m: float


@dataclass
class PickWork:
    """Per-order picking inputs for the orders of one site (indexed by order id; only
    this site's orders are filled in)."""

    cfg: Picking
    rng: np.random.Generator
    layout: Layout | None
    line_start: np.ndarray
    line_aisle: np.ndarray  # per line (global line index); -1 outside this site
    line_y: np.ndarray
    line_time_h: np.ndarray  # per line: picking (+ scanning)
    repick_at_pick_h: np.ndarray  # per order: re-picks of errors a pick scan caught
    order_line_time_h: np.ndarray  # picking + scanning + re-picks found at pick
    order_sort_time_h: np.ndarray  # sorting the order's units (batch methods)
    errors_made: np.ndarray  # wrong lines (and sort errors)
    errors_found: np.ndarray  # of those, caught by a scan
    pack_extra_h: np.ndarray  # scan at pack + re-picks found at pack
    centroid_x: np.ndarray
    centroid_y: np.ndarray
    # Per order: the end of its lines to pick. Usually line_start[o + 1]; a part of an
    # order shipped in parts carries only its first lines (sim.model.parts).
    line_end: np.ndarray

    def n_lines(self, order: int) -> int:
        """Lines this order picks."""
        return int(self.line_end[order] - self.line_start[order])

    def lines_of(self, orders: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """(aisle, y) of every line of ``orders``."""
        ls, le = self.line_start, self.line_end
        if len(orders) == 1:
            a, b = ls[orders[0]], le[orders[0]]
            return self.line_aisle[a:b], self.line_y[a:b]
        idx = np.concatenate([np.arange(ls[o], le[o]) for o in orders])
        return self.line_aisle[idx], self.line_y[idx]

    def travel(self, aisle: np.ndarray, y: np.ndarray, layout: Layout | None = None) -> Tour:
        """Travel of one tour through the given locations (hours, metres)."""
        layout = layout or self.layout
        if layout is None:  # travel time given directly: no metres to report
            return Tour(self.cfg.travel_time_s.sample(self.rng, 1)[0] / SECONDS_PER_HOUR, np.nan)
        dist = route_distance(layout, aisle, y, self.cfg.layout.routing)
        return Tour(dist / layout.walk_speed_m_s / SECONDS_PER_HOUR, dist)

    def tour(self, orders: list[int], sort: bool = False) -> Tour:
        """A tour collecting every line of ``orders``: set-up + travel + lines (+ sort)."""
        aisle, y = self.lines_of(orders)
        t = self.travel(aisle, y)
        work = sum(self.order_line_time_h[o] for o in orders)
        if sort:
            work += sum(self.order_sort_time_h[o] for o in orders)
        setup = self.cfg.setup_time_s.sample(self.rng, 1)[0] / SECONDS_PER_HOUR
        return Tour(setup + t.time_h + work, t.distance_m)

    def single_order_tours(self, orders: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Tour time (h) and distance (m) of each order picked alone, all at once."""
        n = len(orders)
        setup = self.cfg.setup_time_s.sample(self.rng, n) / SECONDS_PER_HOUR
        if self.layout is None:  # travel time given directly: no metres to report
            travel_h = self.cfg.travel_time_s.sample(self.rng, n) / SECONDS_PER_HOUR
            dist = np.full(n, np.nan)
        else:
            dist = np.empty(n)
            ls, le, lay = self.line_start, self.line_end, self.layout
            lines = le[orders] - ls[orders]
            one = lines == 1
            # A one-line tour is out and back to one location under every policy.
            first = ls[orders[one]]
            dist[one] = 2 * lay.depot_distance_m(self.line_aisle[first], self.line_y[first])
            policy = self.cfg.layout.routing
            for i in np.flatnonzero(~one):
                o = orders[i]
                dist[i] = route_distance(lay, self.line_aisle[ls[o]:le[o]],
                                         self.line_y[ls[o]:le[o]], policy)
            travel_h = dist / lay.walk_speed_m_s / SECONDS_PER_HOUR
        return setup + travel_h + self.order_line_time_h[orders], dist


@dataclass
class PickArrays:
    """Per-order and per-line arrays shared by every site's :class:`PickWork` (sites own
    disjoint orders and lines, so one set of arrays serves them all)."""

    line_aisle: np.ndarray
    line_y: np.ndarray
    line_time_h: np.ndarray
    repick_at_pick_h: np.ndarray
    order_line_time_h: np.ndarray
    order_sort_time_h: np.ndarray
    errors_made: np.ndarray
    errors_found: np.ndarray
    pack_extra_h: np.ndarray
    centroid_x: np.ndarray
    centroid_y: np.ndarray

    @classmethod
    def empty(cls, n_orders: int, n_lines: int) -> PickArrays:
        # Lengths and durations, not clock times: single precision halves their memory.
        f32 = np.float32
        return cls(
            line_aisle=np.full(n_lines, -1, dtype=np.int32), line_y=np.zeros(n_lines, f32),
            line_time_h=np.zeros(n_lines, f32), repick_at_pick_h=np.zeros(n_orders, f32),
            order_line_time_h=np.zeros(n_orders, f32), order_sort_time_h=np.zeros(n_orders, f32),
            errors_made=np.zeros(n_orders, dtype=np.int16),
            errors_found=np.zeros(n_orders, dtype=np.int16),
            pack_extra_h=np.zeros(n_orders, f32), centroid_x=np.zeros(n_orders, f32),
            centroid_y=np.zeros(n_orders, f32))


def site_storage(cfg: Picking, n_skus: int, popularity: np.ndarray,
                 rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray] | None:
    """Where each SKU is stored at a site: (aisle, y metres) per SKU, or None without a
    layout. Drawn once per site and replication."""
    if cfg.layout is None:
        return None
    return assign_storage(build_layout(cfg.layout), n_skus, popularity, cfg.layout.storage, rng,
                          tuple(cfg.layout.class_shares))


def build_pick_work(cfg: Picking, orders_of_site: np.ndarray, line_start: np.ndarray,
                    line_sku: np.ndarray, units: np.ndarray,
                    storage: tuple[np.ndarray, np.ndarray] | None, rng: np.random.Generator,
                    sorts: bool, arrays: PickArrays) -> PickWork:
    """Draw the picking work of one site's orders into ``arrays`` (``storage``: from
    :func:`site_storage`). ``sorts``: the method sorts units (batch picking), which adds
    sort time and sort errors."""
    layout = build_layout(cfg.layout) if cfg.layout is not None else None
    line_aisle, line_y = arrays.line_aisle, arrays.line_y
    if layout is not None:
        sku_aisle, sku_y = storage
    counts = line_start[orders_of_site + 1] - line_start[orders_of_site]
    idx = np.repeat(line_start[orders_of_site], counts) + (
        np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts))
    if layout is not None:
        line_aisle[idx] = sku_aisle[line_sku[idx]]
        line_y[idx] = sku_y[line_sku[idx]]

    ver = cfg.verification
    per_line_s = cfg.time_per_line_s.sample(rng, len(idx))
    if ver.at_pick:
        per_line_s = per_line_s + ver.scan_time_per_line_s.sample(rng, len(idx))
    arrays.line_time_h[idx] = per_line_s / SECONDS_PER_HOUR
    line_time_h = _sum_by_order(per_line_s, counts) / SECONDS_PER_HOUR

    k = len(orders_of_site)
    site_units = units[orders_of_site]
    made = rng.binomial(counts, cfg.error_prob_per_line)
    sort_h = np.zeros(k)
    if sorts and cfg.batch is not None:
        made = made + rng.binomial(site_units, cfg.batch.sort_error_prob_per_unit)
        sort_h = _sum_by_order(cfg.batch.sort_time_per_unit_s.sample(rng, int(site_units.sum())),
                               site_units) / SECONDS_PER_HOUR
    found_at_pick = rng.binomial(made, ver.detection_prob) if ver.at_pick else np.zeros(k, np.int64)
    left = made - found_at_pick
    found_at_pack = rng.binomial(left, ver.detection_prob) if ver.at_pack else np.zeros(k, np.int64)

    def repick_h(found: np.ndarray) -> np.ndarray:
        return _sum_by_order(ver.repick_time_s.sample(rng, int(found.sum())), found) / SECONDS_PER_HOUR

    pack_extra = repick_h(found_at_pack)
    if ver.at_pack:
        pack_extra = pack_extra + _sum_by_order(
            ver.scan_time_per_line_s.sample(rng, int(counts.sum())), counts) / SECONDS_PER_HOUR

    a, site = arrays, orders_of_site
    repick_at_pick = repick_h(found_at_pick)
    a.repick_at_pick_h[site] = repick_at_pick
    a.order_line_time_h[site] = line_time_h + repick_at_pick
    a.order_sort_time_h[site] = sort_h
    a.errors_made[site] = made
    a.errors_found[site] = found_at_pick + found_at_pack
    a.pack_extra_h[site] = pack_extra
    if layout is not None:
        n_of = np.maximum(counts, 1)
        a.centroid_x[site] = _sum_by_order(line_aisle[idx] * layout.aisle_spacing_m, counts) / n_of
        a.centroid_y[site] = _sum_by_order(line_y[idx], counts) / n_of
    return site_work(cfg, a, line_start, rng)


def site_work(cfg: Picking, a: PickArrays, line_start: np.ndarray,
              rng: np.random.Generator, line_end: np.ndarray | None = None) -> PickWork:
    """A site's :class:`PickWork` over already drawn arrays (shared by every site).
    ``line_end``: per order, the end of its lines to pick (default: all its lines)."""
    return PickWork(
        cfg=cfg, rng=rng, layout=build_layout(cfg.layout) if cfg.layout is not None else None,
        line_start=line_start,
        line_aisle=a.line_aisle, line_y=a.line_y, line_time_h=a.line_time_h,
        repick_at_pick_h=a.repick_at_pick_h, order_line_time_h=a.order_line_time_h,
        order_sort_time_h=a.order_sort_time_h, errors_made=a.errors_made,
        errors_found=a.errors_found, pack_extra_h=a.pack_extra_h,
        centroid_x=a.centroid_x, centroid_y=a.centroid_y,
        line_end=line_start[1:] if line_end is None else line_end,
    )
