"""Allocation: a paid order takes its units from its site's stock, or waits for them.

When every line is on hand the units are taken and the order goes to picking at once
(filled from stock on the first attempt). Otherwise the ``fallback`` is tried:

- ``other_site``: its alternative row at the nearest other site that has every line
  takes over (the order is then ``rerouted``; its alternative becomes the customer's
  order); the other sites are tried nearest first;
- ``split``: the same, and else, if the nearest site has some of the units and another
  site (nearest first) all the others, each ships what it has: the order's own row
  carries the first part, that site's alternative row the second (``part_of`` the
  order).

An order the fallback cannot serve is backordered at its site: it waits, first come
first served, until the supplier's deliveries cover all its units
(:class:`sim.model.inventory.Stock` keeps the queue), and then goes to picking. With
``backorder: cancel_after`` it is cancelled if still waiting after
``cancel_after_days``; with ``ship_available`` the units on hand ship at once and only
the rest waits, carried by the order's rest row (``part_of`` the order). A part's
contents are set by :class:`sim.model.parts.Parts`. Returned units that pass inspection
go back on the shelf.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import simpy

from sim.calendar import HOURS_PER_DAY
from sim.model.inventory import Stock
from sim.model.parts import Parts
from sim.records import CANCEL_REASONS, Recorder
from sim.scenario.inventory import InventoryConfig


class Allocator:
    """Releases paid orders to picking through the stock of their site."""

    def __init__(self, env: simpy.Environment, rec: Recorder, cfg: InventoryConfig,
                 stocks: list[Stock], site: np.ndarray, line_start: np.ndarray,
                 line_sku: np.ndarray, line_units: np.ndarray,
                 enqueue: list[Callable[[int], None]], alternative: np.ndarray,
                 rest: np.ndarray | None = None, parts: Parts | None = None) -> None:
        self.env, self.rec, self.cfg = env, rec, cfg
        self.stocks, self.site = stocks, site
        self.line_start, self.line_sku, self.line_units = line_start, line_sku, line_units
        self.enqueue = enqueue
        # Per order: its rows at the other sites, nearest first (shape (orders, sites - 1);
        # -1: none).
        self.alternative = alternative
        self.rest = rest  # per order: its rest row for ship_available (-1: none)
        self.parts = parts  # sets a part's contents (split, ship_available)

    def _lines(self, order: int) -> tuple[np.ndarray, np.ndarray]:
        a, b = self.line_start[order], self.line_start[order + 1]
        return self.line_sku[a:b], self.line_units[a:b]

    def release(self, order: int) -> None:
        s = int(self.site[order])
        stock = self.stocks[s]
        skus, qty = self._lines(order)
        if stock.take_if_available(skus, qty):
            self.enqueue[s](order)
            return
        alts = [a for a in self.alternative[order].tolist() if a >= 0]
        for alt in alts:
            if self.stocks[int(self.site[alt])].can_fill(skus, qty):
                self._reroute(order, alt, skus, qty)
                return
        rest = -1 if self.rest is None else int(self.rest[order])
        split = bool(alts) and self.cfg.fallback == "split"
        if split or rest >= 0:
            here = stock.available(skus, qty)  # units per line this site can ship now
            if here.any():
                for alt in alts if split else ():
                    if self.stocks[int(self.site[alt])].can_fill(skus, qty - here):
                        self._split(order, alt, skus, here, qty - here)
                        return
                if rest >= 0:
                    self._ship_available(order, rest, skus, here, qty - here)
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

    def _start_part(self, order: int, part: int, first: np.ndarray, second: np.ndarray) -> None:
        """``order`` ships ``first`` (units per line) and ``part`` the ``second``."""
        rec = self.rec
        self.parts.set_contents([(order, first), (part, second)])
        rec.part_of[part] = order
        rec.placed_h[part], rec.paid_h[part], rec.due_h[part] = (
            rec.placed_h[order], rec.paid_h[order], rec.due_h[order])

    def _split(self, order: int, alt: int, skus: np.ndarray, here: np.ndarray,
               there: np.ndarray) -> None:
        """Ship what the nearest site has now, and the rest from the alternative's site."""
        s, t = int(self.site[order]), int(self.site[alt])
        skus = skus.copy()  # a view of the order's lines, which set_contents rewrites
        self.stocks[s].take(skus, here)
        self.stocks[t].take(skus, there)
        self._start_part(order, alt, here, there)
        self.enqueue[s](order)
        self.enqueue[t](alt)

    def _ship_available(self, order: int, rest: int, skus: np.ndarray, here: np.ndarray,
                        later: np.ndarray) -> None:
        """Ship the units on hand now; the rest row waits for the others."""
        s = int(self.site[order])
        stock = self.stocks[s]
        skus = skus.copy()  # a view of the order's lines, which set_contents rewrites
        stock.take(skus, here)
        self._start_part(order, rest, here, later)
        self.rec.backordered_h[order] = self.rec.backordered_h[rest] = self.env.now
        self.enqueue[s](order)
        stock.backorder(rest, skus, later, self._rest_filled)

    def _rest_filled(self, rest: int) -> None:
        rec = self.rec
        rec.backorder_filled_h[rest] = rec.backorder_filled_h[rec.part_of[rest]] = self.env.now
        self.enqueue[int(self.site[rest])](rest)

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
