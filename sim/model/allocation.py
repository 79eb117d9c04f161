"""Allocation: a paid order takes its units from its site's stock, or waits for them.

When every line is on hand the units are taken and the order goes to picking at once
(filled from stock on the first attempt). Otherwise, with ``fallback: other_site``, its
alternative row at the next nearest site takes over if that site has every line (the
order is then ``rerouted``; its alternative becomes the customer's order). Otherwise it
is backordered at its site: it
waits, first come first served, until the supplier's deliveries cover all its lines
(:class:`sim.model.inventory.Stock` keeps the queue), and then goes to picking; with
``backorder: cancel_after`` it is cancelled if still waiting after
``cancel_after_days``. Returned units that pass inspection go back on the shelf.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import simpy

from sim.calendar import HOURS_PER_DAY
from sim.model.inventory import Stock
from sim.records import CANCEL_REASONS, Recorder
from sim.scenario.inventory import InventoryConfig


class Allocator:
    """Releases paid orders to picking through the stock of their site."""

    def __init__(self, env: simpy.Environment, rec: Recorder, cfg: InventoryConfig,
                 stocks: list[Stock], site: np.ndarray, line_start: np.ndarray,
                 line_sku: np.ndarray, line_units: np.ndarray,
                 enqueue: list[Callable[[int], None]], alternative: np.ndarray) -> None:
        self.env, self.rec, self.cfg = env, rec, cfg
        self.stocks, self.site = stocks, site
        self.line_start, self.line_sku, self.line_units = line_start, line_sku, line_units
        self.enqueue = enqueue
        self.alternative = alternative  # per order: its other-site row (-1: none)

    def _lines(self, order: int) -> tuple[np.ndarray, np.ndarray]:
        a, b = self.line_start[order], self.line_start[order + 1]
        return self.line_sku[a:b], self.line_units[a:b]

    def release(self, order: int) -> None:
        s = int(self.site[order])
        stock = self.stocks[s]
        skus, qty = self._lines(order)
        if stock.can_fill(skus, qty):
            stock.take(skus, qty)
            self.enqueue[s](order)
            return
        alt = int(self.alternative[order])
        if alt >= 0 and self.stocks[int(self.site[alt])].can_fill(skus, qty):
            self._reroute(order, alt, skus, qty)
            return
        self.rec.backordered_h[order] = self.env.now
        stock.backorder(order, skus, qty, self._filled)
        if self.cfg.backorder == "cancel_after":
            timer = self.env.timeout(self.cfg.cancel_after_days * HOURS_PER_DAY)
            timer.callbacks.append(lambda _t, o=order: self._cancel(o))

    def _reroute(self, order: int, alt: int, skus: np.ndarray, qty: np.ndarray) -> None:
        """Ship from the other site: the alternative row becomes the customer's order."""
        rec = self.rec
        self.stocks[int(self.site[alt])].take(skus, qty)
        rec.rerouted_to[order] = alt
        rec.customer_order[order], rec.customer_order[alt] = False, True
        rec.placed_h[alt], rec.paid_h[alt], rec.due_h[alt] = (
            rec.placed_h[order], rec.paid_h[order], rec.due_h[order])
        self.enqueue[int(self.site[alt])](alt)

    def _filled(self, order: int) -> None:
        self.rec.backorder_filled_h[order] = self.env.now
        self.enqueue[int(self.site[order])](order)

    def _cancel(self, order: int) -> None:
        if self.stocks[int(self.site[order])].cancel_backorder(order) is not None:
            self.rec.cancel_code[order] = CANCEL_REASONS.index("backorder_timeout")

    def restock(self, orders: np.ndarray, at_h: np.ndarray) -> None:
        """Put the units of returned ``orders`` back in stock at the times ``at_h``
        (after return transit and inspection)."""
        for order, t in zip(orders.tolist(), at_h.tolist(), strict=True):
            timer = self.env.timeout(max(0.0, t - self.env.now))
            timer.callbacks.append(lambda _t, o=order: self._back_on_shelf(o))

    def _back_on_shelf(self, order: int) -> None:
        skus, qty = self._lines(order)
        self.stocks[int(self.site[order])].receive_return(skus, qty)
        self.rec.restocked_h[order] = self.env.now
