"""Creating parcels during the run, at the moment the model decides each is needed.

- :meth:`ParcelFactory.whole` creates an order's original parcel shipped whole from its
  nearest site (drawn before the run in the order's own slot: see
  :mod:`sim.model.draws`);
- :meth:`ParcelFactory.make` creates any other first-attempt parcel: the whole order
  from another site, or a part (``units`` per order line) from any site;
- :meth:`ParcelFactory.reship` creates a reship of a troubled parcel (same lines, same
  site, top priority).

A parcel's draws are keyed by what it is (its order, its kind, its parent), so they do
not depend on when it is made or on anything else in the run.
"""

from __future__ import annotations

import numpy as np
import simpy

from sim.model.draws import REMEDY_PRIORITY, OrderBook, parcel_key
from sim.model.parcel_draws import ParcelMaker
from sim.model.shipments import RESHIP, Shipments


class ParcelFactory:
    def __init__(self, env: simpy.Environment, table: Shipments, book: OrderBook,
                 maker: ParcelMaker) -> None:
        self.env, self.table, self.book, self.maker = env, table, book, maker

    def whole(self, order: int) -> int:
        """The order's original parcel, whole, from its nearest site."""
        self.table.created_h[order] = self.env.now
        return order

    def make(self, order: int, kind: int, site: int, units: np.ndarray) -> int:
        """A new first-attempt parcel of ``order`` of ``kind`` from ``site`` carrying
        ``units`` of each of the order's lines (in the order's line order; lines with 0
        units are left out)."""
        t, orders = self.table, self.book.orders
        a = int(orders.line_start[order])
        units = np.asarray(units, dtype=np.int64)
        keep = np.flatnonzero(units > 0)
        first = t.new_lines(len(keep))
        rows = slice(first, first + len(keep))
        t.line_sku[rows] = orders.line_sku[a + keep]
        t.line_units[rows] = units[keep]
        t.line_index[rows] = keep
        s = int(t.new(1)[0])
        t.order[s], t.kind[s], t.site[s] = order, kind, site
        t.key[s] = parcel_key(int(orders.key[order]), kind)
        t.line_start[s], t.line_end[s] = first, first + len(keep)
        t.distance_km[s] = self.book.distance_km[orders.region[order], site]
        t.priority[s] = self.book.priority[order]
        self.maker.draw(t, np.array([s]))
        t.created_h[s] = self.env.now
        return s

    def prepare_reships(self, parents: np.ndarray) -> np.ndarray:
        """Slots for the reships of ``parents``, drawn now in one batch (their draws are
        keyed by their parents, so drawing them early changes nothing); each exists
        once :meth:`reship` creates it."""
        t = self.table
        rows, offsets = t.line_rows(parents)
        first = t.new_lines(len(rows))
        new_rows = slice(first, first + len(rows))
        for col in ("line_sku", "line_units", "line_index"):
            getattr(t, col)[new_rows] = getattr(t, col)[rows]
        ids = t.new(len(parents))
        t.order[ids] = t.order[parents]
        t.kind[ids] = RESHIP
        t.parent[ids] = parents
        t.depth[ids] = t.depth[parents] + 1
        t.site[ids] = t.site[parents]
        t.key[ids] = parcel_key(t.key[parents], RESHIP)
        t.line_start[ids] = first + offsets[:-1]
        t.line_end[ids] = first + offsets[1:]
        t.distance_km[ids] = t.distance_km[parents]
        t.priority[ids] = REMEDY_PRIORITY
        self.maker.draw(t, ids)
        return ids

    def reship(self, slot: int) -> int:
        """Create a prepared reship now."""
        self.table.created_h[slot] = self.env.now
        return slot
