"""Replenishment of one site from its supplier, under continuous review.

After every movement that lowers the *inventory position* of a SKU (on hand + on order
- owed to backorders) the stock asks :meth:`Replenishment.orders_for` whether to order:
when the position is at or below the reorder point, ``sS`` orders up to S and ``RQ``
orders as many batches of Q as lift the position above R. A supplier order arrives after
a lead time drawn per order (days; 0 = at once): with a keyed stream (the model's), the
k-th supplier order of a SKU draws its lead time keyed by (SKU, k), so it does not
depend on the other SKUs' orders; with a plain generator (tests, standalone use), in
the order the orders are placed.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from sim.calendar import HOURS_PER_DAY
from sim.rng import Keyed, mix_keys


class Replenishment:
    """Policy arrays per SKU (scalars are broadcast): ``sS`` needs ``reorder_point`` (s)
    < ``order_up_to`` (S); ``RQ`` needs ``order_quantity`` (Q) >= 1. ``lead_time_days``:
    supplier lead time, a :mod:`sim.dists` distribution in days, drawn per supplier
    order from ``rng`` (a :class:`sim.rng.Keyed` stream, or a numpy generator). State: ``on_order`` (units ordered, not yet received, per SKU)
    and ``supplier_orders`` ((placed h, sku, units, due h))."""

    def __init__(self, n_skus: int, rng: np.random.Generator, *, policy: Literal["sS", "RQ"],
                 reorder_point, lead_time_days, order_up_to=None, order_quantity=None) -> None:
        n = n_skus
        self.rng = rng
        self.policy = policy
        self.s = np.broadcast_to(np.asarray(reorder_point, dtype=np.int64), (n,)).copy()
        if policy == "sS":
            if order_up_to is None:
                raise ValueError("policy 'sS' needs order_up_to")
            self.S = np.broadcast_to(np.asarray(order_up_to, dtype=np.int64), (n,)).copy()
            bad = np.flatnonzero(self.s >= self.S)
            if len(bad):
                i = bad[0]
                raise ValueError(f"reorder_point must be < order_up_to, got {self.s[i]} >= "
                                 f"{self.S[i]} for SKU {i}")
        elif policy == "RQ":
            if order_quantity is None:
                raise ValueError("policy 'RQ' needs order_quantity")
            self.Q = np.broadcast_to(np.asarray(order_quantity, dtype=np.int64), (n,)).copy()
            if (self.Q < 1).any():
                raise ValueError(f"order_quantity must be >= 1, got {self.Q.min()}")
        else:
            raise ValueError(f"policy must be 'sS' or 'RQ', got {policy!r}")
        self.lead_time_days = lead_time_days
        self.placed = np.zeros(n, dtype=np.int64)  # supplier orders placed so far, per SKU
        self.on_order = np.zeros(n, dtype=np.int64)
        self.supplier_orders: list[tuple[float, int, int, float]] = []

    def orders_for(self, skus: list[int], on_hand: np.ndarray,
                   owed: np.ndarray) -> list[tuple[int, int]]:
        """(SKU, units) to order for those of ``skus`` whose position is <= the reorder
        point."""
        oo, s = self.on_order, self.s
        orders: list[tuple[int, int]] = []
        for k in skus:  # (``item``: a Python int, cheaper than int(a[k]))
            pos = on_hand.item(k) + oo.item(k) - owed.item(k)
            r = s.item(k)
            if pos <= r:
                if self.policy == "sS":
                    orders.append((k, int(self.S[k]) - pos))
                else:
                    q = int(self.Q[k])
                    orders.append((k, ((r - pos) // q + 1) * q))
        return orders

    def due(self, sku: int, on_hand: np.ndarray, owed: np.ndarray) -> bool:
        """Whether ``sku``'s position is at or below its reorder point (then
        :meth:`orders_for` orders it)."""
        return on_hand.item(sku) + self.on_order.item(sku) - owed.item(sku) <= self.s.item(sku)

    def place(self, orders: list[tuple[int, int]], now_h: float) -> list[float]:
        """Place the supplier orders at ``now_h``: each one's lead time in hours, drawn
        now, in order."""
        if isinstance(self.rng, Keyed):
            skus = np.array([sku for sku, _ in orders], dtype=np.int64)
            u = self.rng.uniform(mix_keys(skus, 0) + self.placed[skus].astype(np.uint64))
            self.placed[skus] += 1
            lead_days = self.lead_time_days.ppf(u)
        else:
            lead_days = self.lead_time_days.sample(self.rng, len(orders))
        lead_h = (lead_days * HOURS_PER_DAY).tolist()
        oo = self.on_order
        for sku, units in orders:
            oo[sku] += units
        for (sku, units), d in zip(orders, lead_h, strict=True):
            self.supplier_orders.append((now_h, sku, units, now_h + d))
        return lead_h
