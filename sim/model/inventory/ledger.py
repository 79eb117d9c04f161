"""The stock ledger of one site: units on hand per SKU and the record of their moves.

Units are pieces of one SKU; times are hours on the simulation clock (``env.now``). The
record kept for outputs: per-SKU totals (beginning, received, shipped, returned), the
total on hand after each change (a step series), and stock-out spells per SKU (a SKU
with nothing on hand; out and back at one instant is no stock-out).
"""

from __future__ import annotations

import numpy as np
import simpy

from sim.calendar import HOURS_PER_DAY


class Ledger:
    """Units on hand per SKU (``on_hand``, int64, indexed by SKU id) and their record."""

    def __init__(self, env: simpy.Environment, on_hand, name: str = "") -> None:
        self.env = env
        self.name = name
        self.on_hand = np.array(on_hand, dtype=np.int64).reshape(-1)
        n = self.n_skus = len(self.on_hand)
        if (self.on_hand < 0).any():
            raise ValueError(f"on_hand must be >= 0, got {self.on_hand.min()} for SKU "
                             f"{int(np.argmin(self.on_hand))}")
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

    # --- moves -------------------------------------------------------------------------

    def ship(self, lines: list[tuple[int, int]]) -> None:
        """Units leave for customers: (SKU, units) pairs, SKUs unique."""
        self.move(lines, -1)
        shipped = self.shipped
        for k, q in lines:
            shipped[k] += q

    def ship_line(self, sku: int, units: int) -> None:
        """:meth:`ship` of one (SKU, units) pair, written out (once per order)."""
        oh = self.on_hand
        new = oh.item(sku) - units
        if new < 0:  # pragma: no cover - guarded by the callers
            raise AssertionError(f"stock {self.name!r} went negative")
        oh[sku] = new
        now = self.env.now
        if new == 0 and self._out_since.item(sku) != self._out_since.item(sku):  # (NaN: in stock)
            self._out_since[sku] = now
            self.stockouts[sku] += 1
        # (units > 0 leave: a SKU out of stock before cannot come back here)
        self._total -= units
        if self.level_h[-1] == now:
            self.level_units[-1] = self._total
        else:
            self.level_h.append(now)
            self.level_units.append(self._total)
        self.shipped[sku] += units

    def receive(self, sku: int, units: int) -> None:
        """A supplier delivery comes in."""
        self.received[sku] += units
        self.move([(sku, units)])

    def put_back(self, lines: list[tuple[int, int]]) -> None:
        """Returned units that passed inspection go back on the shelf."""
        self.move(lines)
        for k, q in lines:
            self.returned[k] += q

    def move(self, moves: list[tuple[int, int]], sign: int = 1) -> None:
        """Change on hand by (SKU, units) pairs (SKUs unique), times ``sign`` (-1: the
        units leave), keeping the level series and stock-out spells."""
        oh, out_since = self.on_hand, self._out_since
        now = self.env.now
        for k, units in moves:
            delta = sign * units
            new = oh.item(k) + delta
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

    # --- outputs -----------------------------------------------------------------------

    def stockout_hours(self) -> np.ndarray:
        """Hours each SKU has had nothing on hand, up to now (open spells included)."""
        open_h = np.where(np.isnan(self._out_since), 0.0, self.env.now - self._out_since)
        return self._stockout_h + open_h

    def stockout_days_by_class(self, classes: np.ndarray) -> np.ndarray:
        """SKU-days out of stock per class (``classes``: class index per SKU, e.g. the
        catalogue's ABC class ``SkuTable.abc`` from :mod:`sim.model.catalogue`)."""
        return np.bincount(classes, weights=self.stockout_hours() / HOURS_PER_DAY)

    def level_series(self) -> tuple[np.ndarray, np.ndarray]:
        """(time h, total units on hand from then on): a step function."""
        return np.asarray(self.level_h), np.asarray(self.level_units, dtype=np.int64)

    def statement(self, unit_cost, on_order: np.ndarray) -> dict[str, float]:
        """Finished-goods inventory statement: beginning + receipts + returned - shipped
        = ending, in units (exact) and at cost (``unit_cost``: per unit, one number or
        one per SKU; the value identity holds to rounding). ``on_order`` (bought, not
        yet received) is reported but is not part of ending stock."""
        cost = np.broadcast_to(np.asarray(unit_cost, dtype=float), (self.n_skus,))
        rows = {"beginning": self.beginning, "receipts": self.received,
                "returned": self.returned, "shipped": self.shipped,
                "ending": self.on_hand, "on_order": on_order}
        out: dict[str, float] = {}
        for key, arr in rows.items():
            out[f"{key}_units"] = int(arr.sum())
            out[f"{key}_value"] = float(cost @ arr)
        return out
