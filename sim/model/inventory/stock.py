"""Stock keeping at one site: the ledger, the backorder book and the replenishment
policy, working together.

A :class:`Stock` holds integer units per SKU (numpy arrays indexed by SKU id). Orders
take units (:meth:`Stock.take`); an order that cannot be filled waits on the backorder
book (:meth:`Stock.backorder`, first come first served per SKU: see
:mod:`~sim.model.inventory.backorders`) until supplier receipts or inspected returns
(:meth:`Stock.receive_return`) make it whole. After every movement that lowers the
inventory position the touched SKUs are reviewed (:mod:`~sim.model.inventory.policy`).

Callbacks of filled backorders run when the outermost call into the stock returns, once
its state is settled, so a callback may call back into the stock.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import simpy

from sim.model.clock import RELEASE, call_after
from sim.model.inventory.backorders import Backorder, BackorderBook, OnFilled
from sim.model.inventory.ledger import Ledger
from sim.model.inventory.policy import Replenishment


def _lines(skus, qty) -> list[tuple[int, int]]:
    """(SKU, total units) per SKU asked for, in order of first appearance (sorted by SKU
    where lines repeat a SKU). Orders have a few lines: plain Python beats numpy here."""
    ks = skus.tolist() if isinstance(skus, np.ndarray) else [int(k) for k in skus]
    qs = qty.tolist() if isinstance(qty, np.ndarray) else [int(q) for q in qty]
    if len(ks) != len(qs):
        raise ValueError(f"skus and qty differ in length: {len(ks)} vs {len(qs)}")
    if len(ks) == 1:  # most orders: one line
        if qs[0] < 0:
            raise ValueError(f"quantities must be >= 0, got {qs}")
        return [(ks[0], qs[0])]
    if min(qs, default=0) < 0:
        raise ValueError(f"quantities must be >= 0, got {qs}")
    if len(set(ks)) == len(ks):
        return list(zip(ks, qs, strict=True))
    tot: dict[int, int] = {}
    for k, q in zip(ks, qs, strict=True):
        tot[k] = tot.get(k, 0) + q
    return sorted(tot.items())


def _aliases(part: str, *names: str) -> tuple[property, ...]:
    """Read-only views of a component's attributes, under the stock's own names."""
    return tuple(property(lambda self, n=n: getattr(getattr(self, part), n),
                          doc=f"The same as ``{part}.{n}``.") for n in names)


class _Settled:
    """``with stock._settled:`` around every call that moves units: the callbacks of
    backorders filled inside run when the outermost such call ends, once the stock's
    state is settled (a callback may call back into the stock)."""

    def __init__(self) -> None:
        self.callbacks: list[tuple[OnFilled, int]] = []
        self._depth = 0

    def __enter__(self) -> None:
        self._depth += 1

    def __exit__(self, *_exc) -> None:
        self._depth -= 1
        if self._depth == 0:
            while self.callbacks:
                cb, order_id = self.callbacks.pop(0)
                cb(order_id)


class Stock:
    """One site's stock of every SKU.

    ``on_hand``: start units per SKU; the policy arguments are those of
    :class:`~sim.model.inventory.policy.Replenishment`. State (units, per SKU):
    ``on_hand`` (physically at the site, including units held back for backorders),
    ``on_order`` (ordered from the supplier, not yet received), ``owed`` (still needed
    by waiting backorders). Records: ``beginning``, ``received``, ``shipped``,
    ``returned`` (per SKU), ``supplier_orders`` ((placed h, sku, units, due h)),
    ``filled`` and ``cancelled`` ((order id, queued h, filled/cancelled h)).
    """

    on_hand, beginning, received, shipped, returned, stockouts = _aliases(
        "ledger", "on_hand", "beginning", "received", "shipped", "returned", "stockouts")
    owed, queue, filled, cancelled = _aliases("book", "owed", "queue", "filled", "cancelled")
    on_order, supplier_orders, s = _aliases("replenishment", "on_order", "supplier_orders", "s")

    def __init__(self, env: simpy.Environment, rng: np.random.Generator, on_hand,
                 *, policy: Literal["sS", "RQ"], reorder_point, lead_time_days,
                 order_up_to=None, order_quantity=None, name: str = "") -> None:
        self.env = env
        self.name = name
        self.ledger = Ledger(env, on_hand, name)
        n = self.ledger.n_skus
        self.replenishment = Replenishment(
            n, rng, policy=policy, reorder_point=reorder_point, lead_time_days=lead_time_days,
            order_up_to=order_up_to, order_quantity=order_quantity)
        self.book = BackorderBook(n, name)
        self._settled = _Settled()
        with self._settled:
            self._review(np.arange(n).tolist())

    # --- queries -----------------------------------------------------------------------

    def free(self, skus=None) -> np.ndarray:
        """Units new demand may take now: on hand beyond what backorders are owed."""
        oh, ow = self.ledger.on_hand, self.book.owed
        if skus is None:
            return np.maximum(oh - ow, 0)
        idx = np.asarray(skus, dtype=np.int64)  # (only these: not every SKU per order)
        return np.maximum(oh[idx] - ow[idx], 0)

    @property
    def position(self) -> np.ndarray:
        """Inventory position per SKU: on hand + on order - owed to backorders."""
        return self.ledger.on_hand + self.replenishment.on_order - self.book.owed

    def can_fill(self, skus, qty) -> bool:
        """Whether every line (SKU ids, units; a SKU may repeat) can be taken now."""
        oh, ow = self.ledger.on_hand, self.book.owed
        return all(q <= max(int(oh[k]) - int(ow[k]), 0) for k, q in _lines(skus, qty))

    def available(self, skus, qty) -> np.ndarray:
        """Units that can be taken now for each line, lines served in the given order
        (two lines of one SKU share its free stock)."""
        skus = np.asarray(skus, dtype=np.int64)
        qty = np.asarray(qty, dtype=np.int64)
        u = np.unique(skus)
        left = dict(zip(u.tolist(), self.free(u).tolist(), strict=True))
        out = np.zeros(len(skus), dtype=np.int64)
        for i, (k, q) in enumerate(zip(skus.tolist(), qty.tolist(), strict=True)):
            out[i] = min(q, left[k])
            left[k] -= out[i]
        return out

    # --- movements ---------------------------------------------------------------------

    def take_if_available(self, skus, qty) -> bool:
        """Take the lines if every one can be filled now (:meth:`can_fill`, then
        :meth:`take`, in one pass); return whether they were taken."""
        lines = _lines(skus, qty)
        oh, ow = self.ledger.on_hand, self.book.owed
        for k, q in lines:  # (``item``: a Python int, cheaper than int(oh[k]))
            if q and q > oh.item(k) - ow.item(k):
                return False
        self._take(lines)
        return True

    def take_line_if_available(self, sku: int, units: int) -> bool:
        """:meth:`take_if_available` for an order of one line (most orders): the same
        moves and the same review, without building the lines' list."""
        ledger, owed = self.ledger, self.book.owed
        if units and units > ledger.on_hand.item(sku) - owed.item(sku):
            return False
        ledger.ship_line(sku, units)
        if self.replenishment.due(sku, ledger.on_hand, owed):  # (rarely: most takes order nothing)
            with self._settled:  # (a supplier order due at once may fill backorders)
                self._review([sku])
        return True

    def take(self, skus, qty) -> None:
        """Ship the lines from stock. Taking more than :meth:`free` is a bug in the
        caller (check :meth:`can_fill` first): it raises ValueError."""
        lines = _lines(skus, qty)
        oh, ow = self.ledger.on_hand, self.book.owed
        for k, q in lines:
            if q > max(int(oh[k]) - int(ow[k]), 0):
                raise ValueError(f"stock {self.name!r}: take {q} of SKU {k} but only "
                                 f"{max(int(oh[k]) - int(ow[k]), 0)} free (on hand {oh[k]}, "
                                 f"owed to backorders {ow[k]})")
        self._take(lines)

    def _take(self, lines: list[tuple[int, int]]) -> None:
        with self._settled:
            self.ledger.ship(lines)
            self._review([k for k, _ in lines])

    def backorder(self, order_id: int, skus, qty, on_filled: OnFilled) -> None:
        """Queue an order whose lines (``qty`` units still needed) wait for stock; when
        it is its turn and all of it is on hand, the units are shipped and
        ``on_filled(order_id)`` is called (at once, from inside this call, if the stock
        is there already and nobody is ahead). Its units count as owed, which lowers
        the inventory position and may trigger a supplier order."""
        lines = [(k, q) for k, q in _lines(skus, qty) if q > 0]
        bo = self.book.add(order_id, lines, self.env.now, on_filled)
        with self._settled:
            self._review([k for k, _ in lines])
            if self.book.newcomer_fillable(bo, self.ledger.on_hand):
                self._fill(bo)

    def cancel_backorder(self, order_id: int) -> Backorder | None:
        """Take a waiting order off the queue (``cancel_after``). Returns it (with the
        units it was still owed, now released to the orders behind it and to new
        demand), or None if it is not waiting (already filled or cancelled)."""
        with self._settled:
            bo = self.book.cancel(order_id, self.env.now)
            if bo is not None:
                self._serve([k for k, _ in bo.lines])
        return bo

    def receive_return(self, skus, qty) -> None:
        """Returned units that passed inspection go back on the shelf."""
        lines = _lines(skus, qty)
        with self._settled:
            self.ledger.put_back(lines)
            self._serve([k for k, _ in lines])

    # --- outputs -----------------------------------------------------------------------

    def stockout_hours(self) -> np.ndarray:
        """Hours each SKU has had nothing on hand, up to now (open spells included)."""
        return self.ledger.stockout_hours()

    def stockout_days_by_class(self, classes: np.ndarray) -> np.ndarray:
        """SKU-days out of stock per class (see :meth:`Ledger.stockout_days_by_class`)."""
        return self.ledger.stockout_days_by_class(classes)

    def backorder_waits_h(self) -> np.ndarray:
        """Hours each filled backorder waited, in order of filling."""
        return self.book.waits_h()

    def level_series(self) -> tuple[np.ndarray, np.ndarray]:
        """(time h, total units on hand from then on): a step function."""
        return self.ledger.level_series()

    def statement(self, unit_cost) -> dict[str, float]:
        """The inventory statement (see :meth:`Ledger.statement`), with what is on order."""
        return self.ledger.statement(unit_cost, self.replenishment.on_order)

    # --- internals ---------------------------------------------------------------------

    def _review(self, skus: list[int]) -> None:
        """Place supplier orders for the ``skus`` whose position is <= the reorder point;
        one due at once is received at once, the others when their lead time is up."""
        orders = self.replenishment.orders_for(skus, self.ledger.on_hand, self.book.owed)
        if not orders:
            return
        lead_h = self.replenishment.place(orders, self.env.now)
        for (sku, units), d in zip(orders, lead_h, strict=True):
            if d <= 0:
                self._receive(sku, units)
            else:
                call_after(self.env, d, RELEASE, lambda _e, sku=sku, units=units: self._arrive(sku, units))

    def _arrive(self, sku: int, units: int) -> None:
        with self._settled:
            self._receive(sku, units)

    def _receive(self, sku: int, units: int) -> None:
        self.replenishment.on_order[sku] -= units
        self.ledger.receive(sku, units)
        self._serve([sku])

    def _serve(self, freed: list[int]) -> None:
        """Fill, in arrival order, the waiting orders that units of ``freed`` SKUs (come
        in or released) make whole."""
        for bo in self.book.fillable(freed, self.ledger.on_hand):
            self._fill(bo)

    def _fill(self, bo: Backorder) -> None:
        """Ship a waiting order whole and queue its callback."""
        self.book.settle(bo, self.env.now)
        self.ledger.ship(bo.lines)
        self._settled.callbacks.append((bo.on_filled, bo.order_id))
