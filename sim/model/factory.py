"""Creating parcels during the run, at the moment the model decides each is needed.

- :meth:`ParcelFactory.whole` creates an order's original parcel shipped whole from its
  nearest site (drawn before the run in the order's own slot: see
  :mod:`sim.model.draws`);
- :meth:`ParcelFactory.make` creates any other first-attempt parcel: the whole order
  from another site, or a part (``units`` per order line) from any site;
- :meth:`ParcelFactory.reship` creates a reship of a troubled parcel (same lines, same
  site, top priority), prepared when its parent shipped
  (:meth:`ParcelFactory.prepare_reships`).

A parcel's draws are keyed by what it is (its order, its kind, its parent), so they do
not depend on when it is made or on anything else in the run. That lets the factory
draw the parcels it makes *together*, in two steps, each when the first of them is
needed, instead of one at a time:

- what picking and packing read (contents, box, pick and pack times):
  :meth:`ParcelFactory.draw_made`, which the picking methods call before they read a
  made parcel's pick data (see :class:`~sim.model.picking.methods.PickContext`);
- what only the carrier and the customer read (delivery fate, shipping cost, return
  draws): :meth:`ParcelFactory.draw_shipping_made`, which the delivery calls when a
  pick-up ships parcels, so the parcels made since the last pick-up get it together.

Reships are prepared (their slots and lines) at their parents' pick-up and drawn whole
when the first of them is created, so the reships of every pick-up since the last
reship was created (both sites' evening pick-ups, a weekend's) are drawn together.

The world calls both before it collects. Drawing one parcel costs about half a
millisecond of fixed numpy overhead whatever the batch; a batch of a thousand, a few.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import simpy

from sim.model.draws import REMEDY_PRIORITY, OrderBook, parcel_key
from sim.model.parcel_draws import ParcelMaker
from sim.model.shipments import RESHIP, Shipments


class ParcelFactory:
    """Creates parcels (see the module docstring). ``draw_together``: draw the parcels
    :meth:`make` makes when the first is needed (False: each at once, the reference
    the tests compare with)."""

    def __init__(self, env: simpy.Environment, table: Shipments, book: OrderBook,
                 maker: ParcelMaker, draw_together: bool = True) -> None:
        self.env, self.table, self.book, self.maker = env, table, book, maker
        self.draw_together = draw_together
        self._undrawn: list[int] = []  # made, not drawn yet (in the order made)
        self._unshipped: list[int] = []  # drawn but for their shipping draws
        self._undrawn_reships: list[int] = []  # prepared, not drawn yet
        # Per site: called with the parcels of that site just drawn during the run
        # (made ones and reships; e.g. to compute their tours).
        self.on_drawn: dict[int, Callable[[np.ndarray], None]] = {}

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
        t.lines[s] = len(keep)  # (identity: read before the draws, e.g. a cart's totes)
        t.units[s] = int(units[keep].sum())
        t.created_h[s] = self.env.now
        self._undrawn.append(s)
        if not self.draw_together:
            self.draw_made()
        return s

    def draw_made(self) -> None:
        """Draw every parcel made and not drawn yet, in one batch (a no-op when there
        are none: cheap enough to call before every read of a drawn column)."""
        if not self._undrawn:
            return
        ids = np.array(self._undrawn, dtype=np.int64)
        self._undrawn.clear()
        self.maker.draw(self.table, ids, shipping=not self.draw_together)
        if self.draw_together:
            self._unshipped.extend(ids.tolist())
        self._drawn(ids)

    def _drawn(self, ids: np.ndarray) -> None:
        """Tell each site's ``on_drawn`` which of its parcels were just drawn."""
        if self.on_drawn:
            site = self.table.site[ids]
            for s, callback in self.on_drawn.items():
                mine = ids[site == s]
                if len(mine):
                    callback(mine)

    def draw_shipping_made(self) -> None:
        """Draw the shipping facts (:meth:`ParcelMaker.draw_shipping`) of every parcel
        made and drawn otherwise, in one batch (a no-op when there are none)."""
        if not self._unshipped:
            return
        ids = np.array(self._unshipped, dtype=np.int64)
        self._unshipped.clear()
        self.maker.draw_shipping(self.table, ids)

    def prepare_reships(self, parents: np.ndarray) -> np.ndarray:
        """Slots for the reships of ``parents``, with their lines; each exists once
        :meth:`reship` creates it, which draws it with the others prepared by then
        (their draws are keyed by their parents, so when they are drawn changes
        nothing; without ``draw_together``, drawn now)."""
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
        if self.draw_together:
            self._undrawn_reships.extend(ids.tolist())
        else:
            self._draw_reships(ids)
        return ids

    def reship(self, slot: int) -> int:
        """Create a prepared reship now (drawn, with every reship prepared and not drawn
        yet, if it is not drawn)."""
        if self._undrawn_reships:
            ids = np.array(self._undrawn_reships, dtype=np.int64)
            self._undrawn_reships.clear()
            self._draw_reships(ids)
        self.table.created_h[slot] = self.env.now
        return slot

    def _draw_reships(self, ids: np.ndarray) -> None:
        self.maker.draw(self.table, ids)
        self._drawn(ids)
