"""Orders shipped in parts: giving a pre-drawn row the part of an order it carries.

With ``inventory.fallback: split`` or ``backorder: ship_available`` an order may leave
in two parcels whose contents are known only when its stock is allocated, during the
run. The second parcel of every order that may need one is a dormant row drawn before
the run (its other-site alternative, or a row at its own site for the rest; see
:mod:`sim.model.draws`), holding a copy of all the order's lines. When the order
splits, :meth:`Parts.set_contents` tells both rows the units each carries:

- its lines are compacted in place, the carried ones first; the others keep 0 units
  and are not picked (``line_end``, the end of the lines each row picks, moves back);
- what depends on the contents is drawn again for them, from streams of their own
  (``<component>.part``): box, weight, dunnage, packaging and carrier charges, pick
  locations, pick and sort times, and the pack time;
- what belongs to the parcel rather than to its contents stays as drawn for the whole
  order: carrier service, delivery fate (transit, late, lost, damaged), pick errors
  (and the re-picks and scans they cost), returns, label time. So the reships drawn
  from that fate still fit; they are copies of the row's lines and get the same
  contents.

The picking method of the row's site is told (``refresh``) before the row is queued.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sim.model.catalogue import SkuTable
from sim.model.delivery import wrong_units
from sim.model.demand import Orders
from sim.model.draws import OrderDraws, _Renamed, draw_orders
from sim.rng import Streams
from sim.scenario.schema import Scenario

# Drawn again for a part's contents (the rest of Parcels is the parcel's fate).
_CONTENT_FIELDS = ("weight_kg", "volume_cm3", "fragile_units", "box", "no_box", "fill",
                   "dunnage_h", "packaging_cost", "billable_kg", "shipping_cost")


class Parts:
    """Re-fills rows with the part of an order they carry (see the module docstring).

    ``line_end``: per row, the end of the lines it picks (shared with every site's
    :class:`sim.model.picking.work.PickWork`); ``child``: per row, the row that reships
    it (-1: none). The world sets ``refresh`` (per site: the picking method's
    ``refresh``) and ``wrong_units`` (the delivery's array)."""

    def __init__(self, scenario: Scenario, draws: OrderDraws, skus: SkuTable, storages: list,
                 streams: Streams, line_end: np.ndarray, child: np.ndarray) -> None:
        self.scenario, self.d, self.skus, self.storages = scenario, draws, skus, storages
        self.streams = _Renamed(streams, ".part")
        self.line_end, self.child = line_end, child
        self.refresh: list[Callable[[int], None]] = []
        self.wrong_units: np.ndarray | None = None

    def _chain(self, row: int) -> list[int]:
        """The row and the reships that copy it, reship of reship included."""
        rows = [row]
        while self.child[rows[-1]] >= 0:
            rows.append(int(self.child[rows[-1]]))
        return rows

    def set_contents(self, parts: list[tuple[int, np.ndarray]]) -> None:
        """Make each ``(row, units)`` row (and its reships) carry ``units`` of each of
        its lines (one number per line, in the row's line order, as copied from the
        order; at least one unit in all). Call once per row, before it is queued for
        picking; the parts of one order together (one draw for all of them)."""
        d, orders = self.d, self.d.orders
        ls = orders.line_start
        rows, counts = [], []
        for row, units in parts:
            units = np.asarray(units, dtype=np.int64)
            keep = units > 0
            k = int(keep.sum())
            if k == 0 or (units < 0).any():
                raise ValueError(f"a part needs >= 1 unit and none negative, got {units.tolist()}")
            for r in self._chain(row):
                a, b = int(ls[r]), int(ls[r + 1])
                if b - a != len(units) or self.line_end[r] != b:
                    raise ValueError(f"row {r} has {b - a} lines ({self.line_end[r] - a} to pick), "
                                     f"got units for {len(units)}")
                orders.line_sku[a:a + k] = orders.line_sku[a:b][keep]
                orders.line_units[a:a + k] = units[keep]
                orders.line_units[a + k:b] = 0
                self.line_end[r] = a + k
                orders.lines[r], orders.units[r] = k, units.sum()
                rows.append(r)
                counts.append(k)
        rows = np.array(rows, dtype=np.int64)
        counts = np.array(counts, dtype=np.int64)
        line_start = np.concatenate(([0], np.cumsum(counts)))
        lines = np.repeat(ls[rows], counts) + np.arange(line_start[-1]) - np.repeat(line_start[:-1], counts)
        sub = Orders(placed_h=np.full(len(rows), np.nan), channel=orders.channel[rows],
                     region=orders.region[rows], lines=orders.lines[rows], units=orders.units[rows],
                     below_moq=np.zeros(len(rows), dtype=bool), line_start=line_start,
                     line_sku=orders.line_sku[lines], line_units=orders.line_units[lines])
        new = draw_orders(self.scenario, sub, d.site[rows], d.distance_km[rows], self.skus,
                          self.storages, self.streams, d.reship_of[rows],
                          service=d.parcels.service[rows], fate=False)
        for name in _CONTENT_FIELDS:
            getattr(d.parcels, name)[rows] = getattr(new.parcels, name)
        old, fresh = d.pick, new.pick
        for name in ("line_aisle", "line_y", "line_time_h"):
            getattr(old, name)[lines] = getattr(fresh, name)
        # Line times are the new contents'; re-picks and scans stay the order's.
        old.order_line_time_h[rows] = (fresh.order_line_time_h - fresh.repick_at_pick_h
                                       + old.repick_at_pick_h[rows])
        old.order_sort_time_h[rows] = fresh.order_sort_time_h
        old.centroid_x[rows], old.centroid_y[rows] = fresh.centroid_x, fresh.centroid_y
        d.pack_h[rows] = new.pack_h - fresh.pack_extra_h + old.pack_extra_h[rows]
        if self.wrong_units is not None:
            self.wrong_units[rows] = wrong_units(orders.units[rows], orders.lines[rows],
                                                 old.errors_made[rows], old.errors_found[rows])
        for r in rows.tolist():
            self.refresh[int(d.site[r])](r)
