"""Allocation: a paid order takes its units from its site's stock, or waits for them.

When every line is on hand at the order's nearest site the units are taken and its
original parcel goes to picking at once (filled from stock on the first attempt).
Otherwise the ``fallback`` is tried:

- ``other_site``: the nearest other site that has every line ships the whole order (an
  ``other_site`` parcel); the other sites are tried nearest first;
- ``split``: the same, and else, if the nearest site has some of the units and another
  site (nearest first) all the others, each ships what it has: an ``original`` parcel
  with the nearest site's part and a ``split`` parcel with the rest.

An order the fallback cannot serve is backordered at its nearest site: it waits, first
come first served, until the supplier's deliveries cover all its units
(:class:`sim.model.inventory.Stock` keeps the queue), and then goes to picking. With
``backorder: cancel_after`` it is cancelled if still waiting after
``cancel_after_days``; with ``ship_available`` the units on hand ship at once in an
``original`` parcel and only the rest waits, to follow as a ``rest`` parcel.

A reship takes its units from its site's stock like an order, and waits for them on
the same queue if they are not there (no fallback, no cancelling). Returned units that
pass inspection go back on the shelf.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import simpy

from sim.model.clock import LATER, call_after, call_at
from sim.model.draws import CANCEL_REASONS, OrderBook
from sim.model.factory import ParcelFactory
from sim.model.inventory import Stock
from sim.model.shipments import ORIGINAL, OTHER_SITE, REST, SPLIT
from sim.records import OrderRecord
from sim.scenario.inventory import InventoryConfig
from sim.units import HOURS_PER_DAY


class Allocator:
    """Releases paid orders (and reships) to picking through the stock of their site.
    ``enqueue[site](parcel)`` hands a parcel to a site's picking; ``other_sites[site]``
    lists the other sites nearest first, per region: shape (regions, sites - 1)."""

    def __init__(self, env: simpy.Environment, cfg: InventoryConfig, stocks: list[Stock],
                 book: OrderBook, factory: ParcelFactory, record: OrderRecord,
                 enqueue: list[Callable[[int], None]], other_sites: np.ndarray) -> None:
        self.env, self.cfg, self.stocks = env, cfg, stocks
        self.book, self.factory, self.record, self.enqueue = book, factory, record, enqueue
        self.other_sites = other_sites
        self.n = len(book)
        self.table = factory.table

    # Backorder ids on a stock's queue: an order waiting whole, the rest of an order,
    # a reship (three ranges that cannot meet).
    def _rest_id(self, order: int) -> int:
        return self.n + order

    def _reship_id(self, slot: int) -> int:
        return 2 * self.n + slot

    def _lines(self, order: int) -> tuple[np.ndarray, np.ndarray]:
        orders = self.book.orders
        a, b = orders.line_start.item(order), orders.line_start.item(order + 1)
        return orders.line_sku[a:b], orders.line_units[a:b]

    def release(self, order: int) -> None:
        """Serve a customer's order the moment its payment clears."""
        s = self.book.site.item(order)
        stock = self.stocks[s]
        orders = self.book.orders
        a = orders.line_start.item(order)
        if orders.line_start.item(order + 1) - a == 1:  # one line (most orders): no lists
            taken = stock.take_line_if_available(orders.line_sku.item(a), orders.line_units.item(a))
        else:
            taken = stock.take_if_available(*self._lines(order))
        if taken:
            self.enqueue[s](self.factory.whole(order))
            return
        skus, qty = self._lines(order)
        cfg = self.cfg
        alts = ([] if cfg.fallback == "backorder"
                else self.other_sites[int(self.book.orders.region[order])].tolist())
        for alt in alts:
            if self.stocks[alt].can_fill(skus, qty):
                self.stocks[alt].take(skus, qty)
                self.enqueue[alt](self.factory.make(order, OTHER_SITE, alt, qty))
                return
        split = cfg.fallback == "split"
        if split or cfg.backorder == "ship_available":
            here = stock.available(skus, qty)  # units per line this site can ship now
            if here.any():
                for alt in alts if split else ():
                    if self.stocks[alt].can_fill(skus, qty - here):
                        stock.take(skus, here)
                        self.stocks[alt].take(skus, qty - here)
                        self.enqueue[s](self.factory.make(order, ORIGINAL, s, here))
                        self.enqueue[alt](self.factory.make(order, SPLIT, alt, qty - here))
                        return
                if cfg.backorder == "ship_available":
                    self._ship_available(order, s, skus, here, qty - here)
                    return
        self.record.backordered_h[order] = self.env.now
        stock.backorder(order, skus, qty, self._filled)
        if cfg.backorder == "cancel_after":
            call_after(self.env, cfg.cancel_after_days * HOURS_PER_DAY, LATER,
                       lambda _t, o=order: self._cancel(o))

    def _ship_available(self, order: int, s: int, skus: np.ndarray, here: np.ndarray,
                        later: np.ndarray) -> None:
        """Ship the units on hand now; the rest waits for the supplier."""
        stock = self.stocks[s]
        stock.take(skus, here)
        self.enqueue[s](self.factory.make(order, ORIGINAL, s, here))
        self.record.backordered_h[order] = self.env.now
        stock.backorder(self._rest_id(order), skus, later,
                        lambda _id, o=order, later=later: self._rest_filled(o, later))

    def _rest_filled(self, order: int, later: np.ndarray) -> None:
        self.record.backorder_filled_h[order] = self.env.now
        s = int(self.book.site[order])
        parcel = self.factory.make(order, REST, s, later)
        t = self.table
        t.backordered_h[parcel] = self.record.backordered_h[order]
        t.backorder_filled_h[parcel] = self.env.now
        self.enqueue[s](parcel)

    def _filled(self, order: int) -> None:
        self.record.backorder_filled_h[order] = self.env.now
        self.enqueue[int(self.book.site[order])](self.factory.whole(order))

    def _cancel(self, order: int) -> None:
        s = int(self.book.site[order])
        if self.stocks[s].cancel_backorder(order) is not None:
            self.record.cancel_code[order] = CANCEL_REASONS.index("backorder_timeout")

    def release_reship(self, slot: int) -> None:
        """A reship, created now, takes its units from its site's stock (or waits)."""
        t = self.table
        s = int(t.site[slot])
        a, b = t.line_start[slot], t.line_end[slot]
        skus, qty = t.line_sku[a:b].copy(), t.line_units[a:b].copy()
        if self.stocks[s].take_if_available(skus, qty):
            self.enqueue[s](slot)
            return
        t.backordered_h[slot] = self.env.now
        self.stocks[s].backorder(self._reship_id(slot), skus, qty,
                                 lambda _id, slot=slot: self._reship_filled(slot))

    def _reship_filled(self, slot: int) -> None:
        self.table.backorder_filled_h[slot] = self.env.now
        self.enqueue[int(self.table.site[slot])](slot)

    def restock(self, parcels: np.ndarray, at_h: np.ndarray) -> None:
        """Put the units of the returned ``parcels`` back in stock at the times
        ``at_h`` (after return transit and inspection)."""
        for parcel, t in zip(parcels.tolist(), at_h.tolist(), strict=True):
            call_at(self.env, t, LATER, lambda _t, p=parcel: self._back_on_shelf(p))

    def _back_on_shelf(self, parcel: int) -> None:
        t = self.table
        a, b = t.line_start[parcel], t.line_end[parcel]
        self.stocks[int(t.site[parcel])].receive_return(t.line_sku[a:b], t.line_units[a:b])
        t.restocked_h[parcel] = self.env.now
