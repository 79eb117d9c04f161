"""Stock keeping: one site's stock of every SKU, re-stocked from a supplier.

A :class:`Stock` holds integer units per SKU (numpy arrays indexed by SKU id) at one
site. Orders take units (:meth:`Stock.take`); an order that cannot be filled waits on a
first-come-first-served backorder queue (:meth:`Stock.backorder`) until supplier
receipts or inspected returns (:meth:`Stock.receive_return`) make it whole. After every
movement that lowers the *inventory position* (on hand + on order - owed to backorders)
the touched SKUs are reviewed (continuous review) and a supplier order is placed when
the position is at or below the reorder point: ``sS`` orders up to S, ``RQ`` orders as
many batches of Q as lift the position above R. A supplier order arrives after a lead
time drawn per order (days; 0 = at once, synchronously).

Backorders are served in arrival order, SKU by SKU: scanning the queue oldest first,
each waiting order claims the units it needs, and an order is filled as soon as every
line is covered by units that no earlier waiting order has claimed. So nobody overtakes
an earlier order on a SKU they share, but an order waiting for one SKU does not hold up
later orders for other SKUs. New demand only gets stock beyond what waiting backorders
are owed (:meth:`Stock.free`), so it never overtakes a backorder either.

Units are pieces of one SKU; times are hours on the simulation clock (``env.now``).
The record kept for outputs is per-SKU totals (received, shipped, returned), the total
on hand at each change, stock-out time per SKU, supplier orders, and backorder waits.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import simpy

from sim.calendar import HOURS_PER_DAY
from sim.dists import (
    Constant,
    Empirical,
    Exponential,
    Lognormal,
    Normal,
    Triangular,
    Uniform,
)
from sim.model import demand, routing
from sim.scenario.inventory import InventoryConfig
from sim.scenario.schema import Scenario

OnFilled = Callable[[int], None]  # (order id) -> None, called when a backorder is filled


# --- reorder-point formula -------------------------------------------------------------


def reorder_point(mean_daily, sd_daily, lead_days: float, z: float,
                  sd_lead_days: float = 0.0) -> np.ndarray:
    """Reorder point (units, not rounded) = expected demand over the lead time plus
    safety stock:

        ROP = d·L + z·√(L·σ_d² + d²·σ_L²)

    with d, σ_d the mean and sd of daily demand (units/day), L the mean supplier lead
    time and σ_L its sd (days), z the safety factor (1.65 ≈ 95% cycle service level for
    normal lead-time demand). With a fixed lead time (σ_L = 0) this is the textbook
    ROP = d·L + z·σ_d·√L (Silver, Pyke & Peterson, *Inventory and Production
    Management in Supply Chains*, 4th ed., ch. 6; the σ_L term assumes independent
    daily demands and lead time).
    """
    d = np.asarray(mean_daily, dtype=float)
    sd = np.asarray(sd_daily, dtype=float)
    return d * lead_days + z * np.sqrt(lead_days * sd**2 + d**2 * sd_lead_days**2)


def compound_poisson_daily(lines_per_day, units_mean: float,
                           units_sd: float) -> tuple[np.ndarray, np.ndarray]:
    """(mean, sd) of a SKU's daily demand in units when its order lines arrive as a
    Poisson stream of ``lines_per_day`` each asking for a random number of units with
    the given mean and sd: mean = r·E[U], variance = r·E[U²] (compound Poisson)."""
    r = np.asarray(lines_per_day, dtype=float)
    return r * units_mean, np.sqrt(r * (units_sd**2 + units_mean**2))


def dist_sd(d) -> float:
    """The standard deviation of a distribution from :mod:`sim.dists` (for the normal
    and lognormal, the sd before truncation)."""
    if isinstance(d, Constant):
        return 0.0
    if isinstance(d, Exponential):
        return d.mean
    if isinstance(d, Uniform):
        return (d.high - d.low) / math.sqrt(12)
    if isinstance(d, Triangular):
        a, c, b = d.low, d.mode, d.high
        return math.sqrt((a * a + b * b + c * c - a * b - a * c - b * c) / 18)
    if isinstance(d, (Normal, Lognormal)):
        return d.sd
    if isinstance(d, Empirical):
        v = np.asarray(d.values, dtype=float)
        p = d._p()
        m = np.average(v, weights=p)
        return float(np.sqrt(np.average((v - m) ** 2, weights=p)))
    raise TypeError(f"no sd for {d!r}")  # pragma: no cover


# --- stock -----------------------------------------------------------------------------


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


def _lines(skus, qty) -> list[tuple[int, int]]:
    """(SKU, total units) per SKU asked for, in order of first appearance (sorted by SKU
    where lines repeat a SKU). Orders have a few lines: plain Python beats numpy here."""
    ks = skus.tolist() if isinstance(skus, np.ndarray) else [int(k) for k in skus]
    qs = qty.tolist() if isinstance(qty, np.ndarray) else [int(q) for q in qty]
    if len(ks) != len(qs):
        raise ValueError(f"skus and qty differ in length: {len(ks)} vs {len(qs)}")
    if min(qs, default=0) < 0:
        raise ValueError(f"quantities must be >= 0, got {qs}")
    if len(ks) == 1 or len(set(ks)) == len(ks):
        return list(zip(ks, qs, strict=True))
    tot: dict[int, int] = {}
    for k, q in zip(ks, qs, strict=True):
        tot[k] = tot.get(k, 0) + q
    return sorted(tot.items())


class Stock:
    """One site's stock of every SKU.

    ``on_hand``: start units per SKU. Policy arrays (scalars are broadcast): ``sS`` needs
    ``reorder_point`` (s) < ``order_up_to`` (S); ``RQ`` needs ``order_quantity`` (Q) >= 1.
    ``lead_time_days``: supplier lead time, a :mod:`sim.dists` distribution in days,
    sampled with ``rng`` per supplier order.

    State (units, per SKU): ``on_hand`` (physically at the site, including units held
    back for backorders), ``on_order`` (ordered from the supplier, not yet received),
    ``owed`` (still needed by waiting backorders). Records: ``beginning``, ``received``,
    ``shipped``, ``returned`` (per SKU), ``level_h``/``level_units`` (total on hand after
    each change), ``supplier_orders`` ((placed h, sku, units, due h)), ``filled`` and
    ``cancelled`` ((order id, queued h, filled/cancelled h)).
    """

    def __init__(self, env: simpy.Environment, rng: np.random.Generator, on_hand,
                 *, policy: Literal["sS", "RQ"], reorder_point, lead_time_days,
                 order_up_to=None, order_quantity=None, name: str = "") -> None:
        self.env = env
        self.rng = rng
        self.name = name
        self.on_hand = np.array(on_hand, dtype=np.int64).reshape(-1)
        n = self.n_skus = len(self.on_hand)
        if (self.on_hand < 0).any():
            raise ValueError(f"on_hand must be >= 0, got {self.on_hand.min()} for SKU "
                             f"{int(np.argmin(self.on_hand))}")
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

        self.on_order = np.zeros(n, dtype=np.int64)
        self.owed = np.zeros(n, dtype=np.int64)
        self.beginning = self.on_hand.copy()
        self.received = np.zeros(n, dtype=np.int64)
        self.shipped = np.zeros(n, dtype=np.int64)
        self.returned = np.zeros(n, dtype=np.int64)
        self._total = int(self.on_hand.sum())
        self.level_h: list[float] = [env.now]
        self.level_units: list[int] = [self._total]
        self._out_since = np.where(self.on_hand == 0, env.now, np.nan)
        self._stockout_h = np.zeros(n)
        self.stockouts = (self.on_hand == 0).astype(np.int64)  # times each SKU ran out
        self.supplier_orders: list[tuple[float, int, int, float]] = []
        self.queue: OrderedDict[int, Backorder] = OrderedDict()
        # Per SKU, the waiting orders that need it and how many units, in arrival order.
        self.waiting: dict[int, dict[int, int]] = {}
        self._arrivals = 0  # backorders queued so far (their seq)
        self.filled: list[tuple[int, float, float]] = []
        self.cancelled: list[tuple[int, float, float]] = []
        self._callbacks: list[tuple[OnFilled, int]] = []
        self._depth = 0
        self._enter()
        try:
            self._review(np.arange(n))
        finally:
            self._leave()

    # --- queries -----------------------------------------------------------------------

    def free(self, skus=None) -> np.ndarray:
        """Units new demand may take now: on hand beyond what backorders are owed."""
        f = np.maximum(self.on_hand - self.owed, 0)
        return f if skus is None else f[np.asarray(skus, dtype=np.int64)]

    @property
    def position(self) -> np.ndarray:
        """Inventory position per SKU: on hand + on order - owed to backorders."""
        return self.on_hand + self.on_order - self.owed

    def can_fill(self, skus, qty) -> bool:
        """Whether every line (SKU ids, units; a SKU may repeat) can be taken now."""
        oh, ow = self.on_hand, self.owed
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
        oh, ow = self.on_hand, self.owed
        if not all(q <= int(oh[k]) - int(ow[k]) for k, q in lines if q):
            return False
        self._take(lines)
        return True

    def take(self, skus, qty) -> None:
        """Ship the lines from stock. Taking more than :meth:`free` is a bug in the
        caller (check :meth:`can_fill` first): it raises ValueError."""
        lines = _lines(skus, qty)
        oh, ow = self.on_hand, self.owed
        for k, q in lines:
            if q > max(int(oh[k]) - int(ow[k]), 0):
                raise ValueError(f"stock {self.name!r}: take {q} of SKU {k} but only "
                                 f"{max(int(oh[k]) - int(ow[k]), 0)} free (on hand {oh[k]}, "
                                 f"owed to backorders {ow[k]})")
        self._take(lines)

    def _take(self, lines: list[tuple[int, int]]) -> None:
        self._enter()
        try:
            self._move([(k, -q) for k, q in lines])
            shipped = self.shipped
            for k, q in lines:
                shipped[k] += q
            self._review([k for k, _ in lines])
        finally:
            self._leave()

    def backorder(self, order_id: int, skus, qty, on_filled: OnFilled) -> None:
        """Queue an order whose lines (``qty`` units still needed) wait for stock; when
        it is its turn and all of it is on hand, the units are shipped and
        ``on_filled(order_id)`` is called (at once, from inside this call, if the stock
        is there already and nobody is ahead). Its units count as owed, which lowers
        the inventory position and may trigger a supplier order."""
        if order_id in self.queue:
            raise ValueError(f"order {order_id} is already backordered at {self.name!r}")
        lines = [(k, q) for k, q in _lines(skus, qty) if q > 0]
        u = np.array([k for k, _ in lines], dtype=np.int64)
        tot = np.array([q for _, q in lines], dtype=np.int64)
        self._enter()
        try:
            self._arrivals += 1
            self.queue[order_id] = Backorder(order_id, u, tot, self.env.now, on_filled, lines,
                                             self._arrivals)
            ow = self.owed
            for k, q in lines:
                ow[k] += q
                self.waiting.setdefault(k, {})[order_id] = q
            self._review([k for k, _ in lines])
            # Only the newcomer can have become fillable (it is last in line, so every
            # other waiting order's claim stands): no need to scan the whole queue.
            oh = self.on_hand
            if order_id in self.queue and all(int(oh[k]) - (int(ow[k]) - q) >= q for k, q in lines):
                self._fill(self.queue[order_id])
        finally:
            self._leave()

    def cancel_backorder(self, order_id: int) -> Backorder | None:
        """Take a waiting order off the queue (``cancel_after``). Returns it (with the
        units it was still owed, now released to the orders behind it and to new
        demand), or None if it is not waiting (already filled or cancelled)."""
        bo = self.queue.pop(order_id, None)
        if bo is None:
            return None
        self._enter()
        try:
            for k, q in bo.lines:
                self.owed[k] -= q
                del self.waiting[k][order_id]
            self.cancelled.append((order_id, bo.queued_h, self.env.now))
            self._serve([k for k, _ in bo.lines])
        finally:
            self._leave()
        return bo

    def receive_return(self, skus, qty) -> None:
        """Returned units that passed inspection go back on the shelf."""
        lines = _lines(skus, qty)
        self._enter()
        try:
            self._move(lines)
            for k, q in lines:
                self.returned[k] += q
            self._serve([k for k, _ in lines])
        finally:
            self._leave()

    # --- outputs -----------------------------------------------------------------------

    def stockout_hours(self) -> np.ndarray:
        """Hours each SKU has had nothing on hand, up to now (open spells included)."""
        open_h = np.where(np.isnan(self._out_since), 0.0, self.env.now - self._out_since)
        return self._stockout_h + open_h

    def stockout_days_by_class(self, classes: np.ndarray) -> np.ndarray:
        """SKU-days out of stock per class (``classes``: class index per SKU, e.g. the
        catalogue's ABC class ``SkuTable.abc`` from :mod:`sim.model.catalogue`)."""
        return np.bincount(classes, weights=self.stockout_hours() / HOURS_PER_DAY)

    def backorder_waits_h(self) -> np.ndarray:
        """Hours each filled backorder waited, in order of filling."""
        return np.array([f - q for _, q, f in self.filled], dtype=float)

    def level_series(self) -> tuple[np.ndarray, np.ndarray]:
        """(time h, total units on hand from then on): a step function."""
        return np.asarray(self.level_h), np.asarray(self.level_units, dtype=np.int64)

    def statement(self, unit_cost) -> dict[str, float]:
        """Finished-goods inventory statement: beginning + receipts + returned - shipped
        = ending, in units (exact) and at cost (``unit_cost``: per unit, one number or
        one per SKU; the value identity holds to rounding). ``on_order`` (bought, not
        yet received) is reported but is not part of ending stock."""
        cost = np.broadcast_to(np.asarray(unit_cost, dtype=float), (self.n_skus,))
        rows = {"beginning": self.beginning, "receipts": self.received,
                "returned": self.returned, "shipped": self.shipped,
                "ending": self.on_hand, "on_order": self.on_order}
        out: dict[str, float] = {}
        for key, arr in rows.items():
            out[f"{key}_units"] = int(arr.sum())
            out[f"{key}_value"] = float(cost @ arr)
        return out

    # --- internals ---------------------------------------------------------------------

    def _enter(self) -> None:
        self._depth += 1

    def _leave(self) -> None:
        """Leaving the outermost call: run the callbacks of filled backorders, now that
        the stock's state is settled (a callback may call back into this stock)."""
        self._depth -= 1
        if self._depth == 0:
            while self._callbacks:
                cb, order_id = self._callbacks.pop(0)
                cb(order_id)

    def _move(self, moves: list[tuple[int, int]]) -> None:
        """Change on hand by (SKU, units) pairs (SKUs unique), keeping the level series
        and stock-out spells (a SKU out and back at one instant is no stock-out)."""
        oh, out_since = self.on_hand, self._out_since
        now = self.env.now
        for k, delta in moves:
            new = int(oh[k]) + delta
            if new < 0:  # pragma: no cover - guarded by the callers
                raise AssertionError(f"stock {self.name!r} went negative")
            oh[k] = new
            since = out_since[k]
            if new == 0:
                if since != since:  # NaN: it was in stock
                    out_since[k] = now
                    self.stockouts[k] += 1
            elif since == since:  # back in stock
                spell = now - since
                self._stockout_h[k] += spell
                if spell == 0:
                    self.stockouts[k] -= 1
                out_since[k] = np.nan
            self._total += delta
        if self.level_h[-1] == now:
            self.level_units[-1] = self._total
        else:
            self.level_h.append(now)
            self.level_units.append(self._total)

    def _review(self, skus) -> None:
        """Place supplier orders for the ``skus`` (a list of SKU ids) whose position is
        <= the reorder point."""
        if isinstance(skus, np.ndarray):
            skus = skus.tolist()
        oh, oo, ow, s = self.on_hand, self.on_order, self.owed, self.s
        orders: list[tuple[int, int]] = []
        for k in skus:
            pos = int(oh[k]) + int(oo[k]) - int(ow[k])
            r = int(s[k])
            if pos <= r:
                if self.policy == "sS":
                    orders.append((k, int(self.S[k]) - pos))
                else:
                    q = int(self.Q[k])
                    orders.append((k, ((r - pos) // q + 1) * q))
        if not orders:
            return
        lead_h = self.lead_time_days.sample(self.rng, len(orders)) * HOURS_PER_DAY
        now = self.env.now
        for sku, units in orders:
            oo[sku] += units
        for (sku, units), d in zip(orders, lead_h.tolist(), strict=True):
            self.supplier_orders.append((now, sku, units, now + d))
            if d <= 0:
                self._receive(sku, units)
            else:
                ev = self.env.timeout(d)
                ev.callbacks.append(lambda _e, sku=sku, units=units: self._arrive(sku, units))

    def _arrive(self, sku: int, units: int) -> None:
        self._enter()
        try:
            self._receive(sku, units)
        finally:
            self._leave()

    def _receive(self, sku: int, units: int) -> None:
        self.on_order[sku] -= units
        self.received[sku] += units
        self._move([(sku, units)])
        self._serve([sku])

    def _claimed_before(self, sku: int, order_id: int) -> int:
        """Units of ``sku`` that orders waiting ahead of ``order_id`` need."""
        total = 0
        for oid, q in self.waiting[sku].items():
            if oid == order_id:
                return total
            total += q
        raise AssertionError(f"order {order_id} does not wait for SKU {sku}")  # pragma: no cover

    def _serve(self, freed: list[int]) -> None:
        """Fill waiting backorders in arrival order, SKU by SKU (see the module
        docstring), after units of the SKUs ``freed`` came in or were released.

        Before the units came, no waiting order could be filled; filling one moves its
        units from on hand and from the claims alike, which changes nobody else's
        chances. So only orders that need a freed SKU can have become fillable, and each
        is judged once against the units not claimed by orders ahead of it (filled or
        not, as every decision is made before any is carried out). For a freed SKU the
        scan of its waiting orders stops as soon as its units are all claimed. Filled
        orders are shipped, and called back, in arrival order."""
        if not self.queue:
            return
        oh, waiting = self.on_hand, self.waiting
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
        for bo in fill:
            self._fill(bo)

    def _fill(self, bo: Backorder) -> None:
        """Ship a waiting order whole and queue its callback."""
        del self.queue[bo.order_id]
        ow, shipped = self.owed, self.shipped
        for k, q in bo.lines:
            ow[k] -= q
            shipped[k] += q
            del self.waiting[k][bo.order_id]
        self._move([(k, -q) for k, q in bo.lines])
        self.filled.append((bo.order_id, bo.queued_h, self.env.now))
        self._callbacks.append((bo.on_filled, bo.order_id))


def expected_daily_units(scenario: Scenario, popularity: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and sd of daily units demanded per (site, SKU): compound Poisson over the
    channels' lines (units per line moments estimated from 20,000 draws)."""
    per_region = routing.site_per_region(scenario)
    n_sites = len(scenario.sites)
    mean = np.zeros((n_sites, len(popularity)))
    second = np.zeros_like(mean)
    rng = np.random.default_rng(0)  # for the moments only: not part of the run's draws
    for ch in scenario.demand.channels.values():
        share = np.bincount(per_region, weights=demand.region_weights(ch), minlength=n_sites)
        units = ch.units_per_line.sample(rng, 20_000).astype(float)
        lines_per_day = ch.orders_per_day * ch.lines_per_order.mean * share
        mean += np.outer(lines_per_day * units.mean(), popularity)
        second += np.outer(lines_per_day * (units**2).mean(), popularity)
    return mean, np.sqrt(second)


def order_up_to_problems(scenario: Scenario) -> list[tuple[str, str]]:
    """(dotted path, message) for each site whose automatic reorder points reach a fixed
    ``order_up_to`` (policy sS): S must lie above every s. The reorder points follow
    from the scenario alone (popularity and demand are configured, not drawn), so this
    is checked when the scenario is loaded."""
    from sim.model.catalogue import popularity

    cfg = scenario.inventory
    if cfg is None:
        return []
    out: dict[str, str] = {}  # one message per place in the file
    mean = sd = None
    for s, name in enumerate(scenario.sites):
        rep = cfg.for_site(name).replenishment
        path = cfg.replenishment_path(name) + ".order_up_to"
        if rep.policy != "sS" or rep.reorder_point != "auto" or rep.order_up_to is None or path in out:
            continue
        if mean is None:
            mean, sd = expected_daily_units(scenario, popularity(scenario.catalogue))
        lead = rep.supplier_lead_time_days
        rop = np.ceil(reorder_point(mean[s], sd[s], lead.mean, rep.service_z, dist_sd(lead)) - 1e-9)
        if (rop >= rep.order_up_to).any():
            i = int(np.argmax(rop))
            out[path] = (f"must be above every automatic reorder point; SKU {i} at site {name!r} "
                         f"gets {int(rop[i])} from its demand (reorder_point: auto), got "
                         f"{rep.order_up_to}; raise order_up_to, or use order_up_to_days")
    return list(out.items())


def stock_from_config(env: simpy.Environment, rng: np.random.Generator, cfg: InventoryConfig,
                      mean_daily, sd_daily, name: str = "") -> Stock:
    """A site's :class:`Stock` from the scenario: start stock from ``initial_units`` or
    ``initial_days_of_cover`` × ``mean_daily`` (rounded up), and reorder points given or
    ``auto`` (:func:`reorder_point` with the supplier lead time's mean and sd, rounded
    up). ``mean_daily``/``sd_daily``: this site's daily demand per SKU (units), e.g.
    from :func:`compound_poisson_daily`."""
    mean_daily = np.asarray(mean_daily, dtype=float)
    n = len(mean_daily)
    if cfg.initial_units is not None:
        start = np.full(n, cfg.initial_units, dtype=np.int64)
    else:
        start = np.ceil(cfg.initial_days_of_cover * mean_daily - 1e-9).astype(np.int64)
    rep = cfg.replenishment
    lead = rep.supplier_lead_time_days
    if rep.reorder_point == "auto":
        # (An order_up_to below these is caught at load: order_up_to_problems.)
        s = np.ceil(reorder_point(mean_daily, sd_daily, lead.mean, rep.service_z,
                                  dist_sd(lead)) - 1e-9).astype(np.int64)
    else:
        s = rep.reorder_point
    q = rep.order_quantity
    if rep.policy == "RQ" and rep.order_quantity_days is not None:
        q = np.maximum(1, np.ceil(rep.order_quantity_days * mean_daily - 1e-9)).astype(np.int64)
    big_s = rep.order_up_to
    if rep.policy == "sS" and rep.order_up_to_days is not None:
        big_s = np.asarray(s) + np.maximum(1, np.ceil(rep.order_up_to_days * mean_daily - 1e-9)).astype(np.int64)
    return Stock(env, rng, start, policy=rep.policy, reorder_point=s,
                 order_up_to=big_s, order_quantity=q,
                 lead_time_days=lead, name=name)
