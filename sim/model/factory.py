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
Most reships replace an original parcel, whose fate is drawn before the run: the reships
every original will need if it ships (and theirs) are drawn then too, in bulk, in a
table of their own (:class:`ReshipDraws`), and copied into the reship's slot when it
is created; none is a row of the parcels' table until then.

The world calls both before it collects. Drawing one parcel costs about half a
millisecond of fixed numpy overhead whatever the batch; a batch of a thousand, a few.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import simpy

from sim.model.delivery import needs_reship
from sim.model.draws import DRAW_CHUNK, REMEDY_PRIORITY, OrderBook, parcel_key
from sim.model.parcel_draws import ParcelMaker
from sim.model.shipments import DRAWN_COLUMNS, DRAWN_LINE_COLUMNS, ORIGINAL, RESHIP, Shipments
from sim.scenario.schema import Remedies


def set_reship_identity(dst: Shipments, ids: np.ndarray, src: Shipments, parents: np.ndarray) -> None:
    """Give the slots ``ids`` of ``dst`` the identity of reships of the parcels
    ``parents`` of ``src``: the same lines (new line rows of ``dst``), order, site and
    distance; their own key, depth and top priority."""
    rows, offsets = src.line_rows(parents)
    first = dst.new_lines(len(rows))
    new_rows = slice(first, first + len(rows))
    for col in ("line_sku", "line_units", "line_index"):
        getattr(dst, col)[new_rows] = getattr(src, col)[rows]
    dst.order[ids] = src.order[parents]
    dst.kind[ids] = RESHIP
    dst.parent[ids] = parents
    dst.depth[ids] = src.depth[parents] + 1
    dst.site[ids] = src.site[parents]
    dst.key[ids] = parcel_key(src.key[parents], RESHIP)
    dst.line_start[ids] = first + offsets[:-1]
    dst.line_end[ids] = first + offsets[1:]
    dst.distance_km[ids] = src.distance_km[parents]
    dst.priority[ids] = REMEDY_PRIORITY


class ReshipDraws:
    """The reships that parcels drawn before the run will need if they ship, drawn then
    too, in bulk, in a table of their own: the first reship of every original parcel
    whose drawn fate calls for one under the remedies (lost, damaged or a wrong item),
    the reship of each of those whose own fate calls for one, and so on to
    ``max_reships``. A reship's draws are keyed by its parent's key, so these are the
    draws it would get if drawn when it is created; it becomes a parcel only if its
    parent ships and the trouble comes to light in the run
    (:meth:`ParcelFactory.reship` copies its draws into its slot)."""

    def __init__(self, table: Shipments, maker: ParcelMaker, remedies: Remedies) -> None:
        n = table.n_orders
        originals = np.flatnonzero(table.kind[:n] == ORIGINAL)
        wrong = table.errors_made[originals] > table.errors_found[originals]
        first = originals[needs_reship(remedies, table.exception[originals], wrong)]
        # Room for the first reships and a tenth more (their reships: a few per hundred).
        rows, _ = table.line_rows(first)
        self.drawn = Shipments(0, 0, extra=len(first) + len(first) // 10 + 16,
                               extra_lines=len(rows) + len(rows) // 10 + 32)
        roots = []  # each row's original (a reship of a reship replaces the same one)
        src, parents, root, depth = table, originals, originals, 0
        while depth < remedies.max_reships and len(parents):
            wrong = src.errors_made[parents] > src.errors_found[parents]
            need = needs_reship(remedies, src.exception[parents], wrong)
            parents, root = parents[need], root[need]
            ids = self.drawn.new(len(parents))
            set_reship_identity(self.drawn, ids, src, parents)
            for lo in range(0, len(ids), DRAW_CHUNK):
                maker.draw(self.drawn, ids[lo:lo + DRAW_CHUNK])
            roots.append(root)
            src, parents, depth = self.drawn, ids, depth + 1
        self.n_orders = n
        # A reship is identified by its original and its depth (not by its key, which a
        # part of the same order, made during the run, shares).
        ident = self._ident(np.concatenate([np.zeros(0, dtype=np.int64), *roots]),
                            self.drawn.depth[: self.drawn.size].astype(np.int64))
        self._rows = np.argsort(ident, kind="stable")
        self._ident_sorted = ident[self._rows]

    def _ident(self, root: np.ndarray, depth: np.ndarray) -> np.ndarray:
        return root * 256 + depth  # (depth <= max_reships <= 5)

    def rows_of(self, table: Shipments, ids: np.ndarray) -> np.ndarray:
        """The rows here of the prepared reships ``ids`` of ``table`` (-1: not drawn
        here: not a reship of an original parcel drawn before the run, or not one
        its drawn fate called for)."""
        depth = table.depth[ids].astype(np.int64)
        root = ids.copy()
        for _ in range(int(depth.max(initial=0))):  # (up the chain to the first parcel)
            up = table.depth[root] > 0
            root[up] = table.parent[root[up]]
        whole = (root < self.n_orders) & (table.kind[root] == ORIGINAL)
        ident = self._ident(root, depth)
        found = np.full(len(ids), -1, dtype=np.int64)
        if len(self._ident_sorted):
            pos = np.minimum(np.searchsorted(self._ident_sorted, ident), len(self._ident_sorted) - 1)
            hit = whole & (self._ident_sorted[pos] == ident)
            found[hit] = self._rows[pos[hit]]
        return found

    def copy_to(self, table: Shipments, ids: np.ndarray, rows: np.ndarray) -> None:
        """Write the draws of the reships at ``rows`` here into their slots ``ids`` of
        ``table`` (prepared: the same lines)."""
        for col in DRAWN_COLUMNS:
            getattr(table, col)[ids] = getattr(self.drawn, col)[rows]
        to_rows, _ = table.line_rows(ids)
        from_rows, _ = self.drawn.line_rows(rows)
        for col in DRAWN_LINE_COLUMNS:
            getattr(table, "line_" + col)[to_rows] = getattr(self.drawn, "line_" + col)[from_rows]


class ParcelFactory:
    """Creates parcels (see the module docstring). ``draw_together``: draw the parcels
    :meth:`make` makes when the first is needed, and the reships the originals will
    need before the run (False: each at once, the reference the tests compare with)."""

    def __init__(self, env: simpy.Environment, table: Shipments, book: OrderBook,
                 maker: ParcelMaker, remedies: Remedies, draw_together: bool = True) -> None:
        self.env, self.table, self.book, self.maker = env, table, book, maker
        self.draw_together = draw_together
        self.reships_ahead = ReshipDraws(table, maker, remedies) if draw_together else None
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
        ids = t.new(len(parents))
        set_reship_identity(t, ids, t, parents)
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
        """Draw the prepared reships ``ids`` (copied, where drawn before the run)."""
        rows = (self.reships_ahead.rows_of(self.table, ids) if self.reships_ahead is not None
                else np.full(len(ids), -1))
        copied = rows >= 0
        if copied.any():
            self.reships_ahead.copy_to(self.table, ids[copied], rows[copied])
        if not copied.all():
            self.maker.draw(self.table, ids[~copied])
        self._drawn(ids)
