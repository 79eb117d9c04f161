"""The backorder book of one site: orders waiting for stock, first come first served.

Backorders are served in arrival order, SKU by SKU: scanning the queue oldest first,
each waiting order claims the units it needs, and an order is filled as soon as every
line is covered by units that no earlier waiting order has claimed. So nobody overtakes
an earlier order on a SKU they share, but an order waiting for one SKU does not hold up
later orders for other SKUs. The book keeps ``owed`` (units per SKU still needed by
waiting orders): new demand only gets stock beyond it, so it never overtakes a
backorder either.

The book decides; the stock (:class:`sim.model.inventory.Stock`) moves the units.
Times are hours on the simulation clock.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

OnFilled = Callable[[int], None]  # (order id) -> None, called when a backorder is filled


@dataclass
class Backorder:
    """An order waiting for stock: its SKUs (unique) and the units it still needs
    (also as ``lines``, (SKU, units) pairs, for the scalar hot paths)."""

    order_id: int
    skus: np.ndarray
    qty: np.ndarray
    queued_h: float
    on_filled: OnFilled = field(repr=False)
    lines: list[tuple[int, int]] = field(default_factory=list, repr=False)
    seq: int = 0  # place in the order of arrival at this stock


class BackorderBook:
    """Waiting orders in arrival order (``queue``), per SKU the orders that need it and
    how many units (``waiting``), units owed per SKU (``owed``), and the record of
    ``filled`` and ``cancelled`` orders ((order id, queued h, filled/cancelled h))."""

    def __init__(self, n_skus: int, name: str = "") -> None:
        self.name = name
        self.queue: OrderedDict[int, Backorder] = OrderedDict()
        # Per SKU, the waiting orders that need it and how many units, in arrival order.
        self.waiting: dict[int, dict[int, int]] = {}
        self.owed = np.zeros(n_skus, dtype=np.int64)
        self._arrivals = 0  # backorders queued so far (their seq)
        self.filled: list[tuple[int, float, float]] = []
        self.cancelled: list[tuple[int, float, float]] = []

    def add(self, order_id: int, lines: list[tuple[int, int]], now_h: float,
            on_filled: OnFilled) -> Backorder:
        """Queue an order for its (SKU, units) lines (SKUs unique, units > 0); its
        units count as owed from now on."""
        if order_id in self.queue:
            raise ValueError(f"order {order_id} is already backordered at {self.name!r}")
        u = np.array([k for k, _ in lines], dtype=np.int64)
        tot = np.array([q for _, q in lines], dtype=np.int64)
        self._arrivals += 1
        bo = self.queue[order_id] = Backorder(order_id, u, tot, now_h, on_filled, lines,
                                              self._arrivals)
        ow = self.owed
        for k, q in lines:
            ow[k] += q
            self.waiting.setdefault(k, {})[order_id] = q
        return bo

    def newcomer_fillable(self, bo: Backorder, on_hand: np.ndarray) -> bool:
        """Whether the order queued last can be filled now. Only the newcomer can have
        become fillable (it is last in line, so every other waiting order's claim
        stands): no need to scan the whole queue."""
        ow = self.owed
        return bo.order_id in self.queue and all(
            int(on_hand[k]) - (int(ow[k]) - q) >= q for k, q in bo.lines)

    def cancel(self, order_id: int, now_h: float) -> Backorder | None:
        """Take a waiting order off the queue, releasing what it was owed; None if it
        is not waiting (already filled or cancelled)."""
        bo = self.queue.pop(order_id, None)
        if bo is None:
            return None
        for k, q in bo.lines:
            self.owed[k] -= q
            del self.waiting[k][order_id]
        self.cancelled.append((order_id, bo.queued_h, now_h))
        return bo

    def settle(self, bo: Backorder, now_h: float) -> None:
        """A waiting order is filled: off the queue, its units no longer owed."""
        del self.queue[bo.order_id]
        ow = self.owed
        for k, q in bo.lines:
            ow[k] -= q
            del self.waiting[k][bo.order_id]
        self.filled.append((bo.order_id, bo.queued_h, now_h))

    def fillable(self, freed: list[int], on_hand: np.ndarray) -> list[Backorder]:
        """The waiting orders to fill, in arrival order, after units of the SKUs
        ``freed`` came in or were released.

        Before the units came, no waiting order could be filled; filling one moves its
        units from on hand and from the claims alike, which changes nobody else's
        chances. So only orders that need a freed SKU can have become fillable, and each
        is judged once against the units not claimed by orders ahead of it (filled or
        not, as every decision is made before any is carried out). For a freed SKU the
        scan of its waiting orders stops as soon as its units are all claimed."""
        if not self.queue:
            return []
        oh, waiting = on_hand, self.waiting
        judged: set[int] = set()
        fill: list[Backorder] = []
        for k in freed:
            wk = waiting.get(k)
            if not wk:
                continue  # units nobody waits for (most supplier receipts)
            have = int(oh[k])
            claimed = 0
            for oid, q in wk.items():
                if have - claimed <= 0:
                    break
                if oid not in judged:
                    judged.add(oid)
                    if q <= have - claimed:
                        bo = self.queue[oid]
                        if all(int(oh[j]) - self._claimed_before(j, oid) >= qj
                               for j, qj in bo.lines if j != k):
                            fill.append(bo)
                claimed += q
        fill.sort(key=lambda bo: bo.seq)
        return fill

    def _claimed_before(self, sku: int, order_id: int) -> int:
        """Units of ``sku`` that orders waiting ahead of ``order_id`` need."""
        total = 0
        for oid, q in self.waiting[sku].items():
            if oid == order_id:
                return total
            total += q
        raise AssertionError(f"order {order_id} does not wait for SKU {sku}")  # pragma: no cover

    def waits_h(self) -> np.ndarray:
        """Hours each filled backorder waited, in order of filling."""
        return np.array([f - q for _, q, f in self.filled], dtype=float)
