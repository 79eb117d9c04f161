"""One replication's tables as numpy columns, with the indexes that cut them into
chunks of consecutive orders (an order's items, parcels, parcel lines and returns all
fall in its chunk)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.eventlog import ids
from sim.eventlog.picking import Picks, employee_ids, line_picks
from sim.eventlog.source import LogSource, regenerate


def text(df: pd.DataFrame, name: str) -> np.ndarray:
    """A column as Python strings in an object array ("" for missing)."""
    s = df[name]
    if isinstance(s.dtype, pd.CategoricalDtype):
        cats = np.array([str(c) for c in s.cat.categories] + [""], dtype=object)
        return cats[s.cat.codes.to_numpy()]  # code -1 (missing) picks the ""
    return np.array(["" if v is None or v != v else str(v) for v in s.tolist()], dtype=object)


class Columns:
    """A frame's columns by attribute (``cols.placed_h``): numbers as numpy arrays,
    categories and strings as object arrays of str."""

    def __init__(self, df: pd.DataFrame) -> None:
        self._df = df
        self._cache: dict[str, np.ndarray] = {}
        self.n = len(df)

    def __getattr__(self, name: str) -> np.ndarray:
        if name.startswith("_"):
            raise AttributeError(name)
        if name not in self._cache:
            s = self._df[name]
            if isinstance(s.dtype, pd.CategoricalDtype) or s.dtype == object or pd.api.types.is_string_dtype(s):
                self._cache[name] = text(self._df, name)
            elif isinstance(s.dtype, pd.BooleanDtype):
                self._cache[name] = s.to_numpy(dtype=bool, na_value=False)
            else:
                self._cache[name] = s.to_numpy()
        return self._cache[name]


@dataclass
class Chunk:
    """The rows of one chunk: orders ``lo..hi - 1``, their order lines
    (``line_lo..line_hi - 1``), their parcels (``ships``, ordered by order then id),
    and the rows of those parcels' lines (``ship_lines``, likewise), with the ids of
    the chunk's objects (made once, used by every builder)."""

    lo: int
    hi: int
    line_lo: int
    line_hi: int
    ships: np.ndarray
    ship_lines: np.ndarray
    order_ids: np.ndarray  # per order of the chunk
    item_ids: np.ndarray  # per order line of the chunk
    line_offsets: np.ndarray  # the chunk's orders' lines: item_ids[line_offsets[i]:line_offsets[i + 1]]
    package_ids: np.ndarray  # per parcel (``ships``)
    line_ship: np.ndarray  # per parcel line: the parcel's place in ``ships``
    line_item: np.ndarray  # per parcel line: the item's place in ``item_ids``
    ship_offsets: np.ndarray  # parcel i's lines are rows ship_offsets[i]:ship_offsets[i + 1]


def _pick_method(picking) -> str:
    """The way a site's tours are made: ``single`` (a tour per parcel), ``batch`` or
    ``zone`` (waves pick by their ``within`` method)."""
    if picking.method == "wave" and picking.wave is not None:
        return picking.wave.within
    return picking.method


class Tables:
    """Everything the builders read for one replication (module docstring)."""

    def __init__(self, src: LogSource) -> None:
        self.src = src
        self.scenario = src.scenario
        self.end_h = src.end_h
        self.lines, self.payments = regenerate(src)  # OrderLines, Payments
        self.orders = Columns(src.orders)
        self.ships = Columns(src.shipments)
        self.ship_lines = Columns(src.shipment_lines)
        self.tours = Columns(src.tours)
        self.supplier_orders = Columns(src.supplier_orders)
        n = len(src.orders)
        if not np.array_equal(src.orders["order_id"].to_numpy(), np.arange(n)):
            raise ValueError("orders: order_id must count from 0 in row order (one replication)")
        m = len(src.shipments)
        if not np.array_equal(src.shipments["shipment_id"].to_numpy(), np.arange(m)):
            raise ValueError("shipments: shipment_id must count from 0 in row order (one replication)")
        self.n_orders = n
        order_of_ship = self.ships.order_id if m else np.zeros(0, dtype=np.int64)
        self._ship_by_order = np.argsort(order_of_ship, kind="stable")
        self._ship_order_sorted = order_of_ship[self._ship_by_order]
        line_ship = self.ship_lines.shipment_id if len(src.shipment_lines) else np.zeros(0, dtype=np.int64)
        line_order = order_of_ship[line_ship]
        self._line_by_order = np.argsort(line_order, kind="stable")
        self._line_order_sorted = line_order[self._line_by_order]
        self.picks: Picks = line_picks(src.shipments, src.shipment_lines, src.tours)
        self.label_packer = self._label_packers()
        self.tour_sites = {name for name, wh in self.scenario.warehouses.items()
                           if _pick_method(wh.picking) != "single"}
        tour_site = self.tours.site if self.tours.n else np.zeros(0, dtype=object)
        self._tour_shown = np.isin(tour_site, list(self.tour_sites))

    def tour_ids(self, tour: np.ndarray) -> np.ndarray:
        """The pick-tour object of each tour id (None: no tour, or a single-order
        picking site's, where the tour is its one parcel's pick)."""
        shown = (tour >= 0) & self._tour_shown[np.maximum(tour, 0)] if len(self._tour_shown) else tour >= 0
        return ids.where(shown, ids.tours(np.maximum(tour, 0)))

    def chunk(self, lo: int, hi: int) -> Chunk:
        a, b = np.searchsorted(self._ship_order_sorted, [lo, hi])
        c, d = np.searchsorted(self._line_order_sorted, [lo, hi])
        ships, rows = self._ship_by_order[a:b], self._line_by_order[c:d]
        line_lo, line_hi = int(self.lines.start[lo]), int(self.lines.start[hi])
        offsets = self.lines.start[lo:hi + 1] - line_lo
        counts = np.diff(offsets)
        order_of_line = np.repeat(np.arange(lo, hi), counts)
        line = np.arange(line_hi - line_lo) - np.repeat(offsets[:-1], counts)
        local = np.full(self.ships.n, -1, dtype=np.int64)
        local[ships] = np.arange(len(ships))
        ship_of_row = self.ship_lines.shipment_id[rows] if len(rows) else np.zeros(0, dtype=np.int64)
        line_ship = local[ship_of_row]
        order_of_row = self.ships.order_id[ship_of_row] if len(rows) else np.zeros(0, dtype=np.int64)
        line_item = (self.lines.start[order_of_row] - line_lo
                     + (self.ship_lines.line[rows] if len(rows) else 0))
        ship_offsets = np.concatenate(([0], np.cumsum(np.bincount(line_ship, minlength=len(ships)))))
        return Chunk(lo, hi, line_lo, line_hi, ships, rows, ids.orders(np.arange(lo, hi)),
                     ids.items(order_of_line, line), offsets, ids.packages(ships), line_ship,
                     line_item.astype(np.int64), ship_offsets)

    def _label_packers(self) -> np.ndarray:
        """Who labelled each parcel: its packer, or at a site with bulk labels the packer
        who ran the print job that ended when it was labelled."""
        s = self.ships
        site, packer, labelled = s.site, s.packer, s.labelled_h
        worker = np.where(np.isnan(labelled), -1, packer) if s.n else np.zeros(0, dtype=np.int64)
        jobs = self.src.label_jobs
        bulk = [name for name, wh in self.scenario.warehouses.items() if wh.shipping.labels == "bulk"]
        if bulk and len(jobs):
            by_end = {(st, end): p for st, end, p in zip(text(jobs, "site").tolist(),
                                                         jobs["end_h"].tolist(), jobs["packer"].tolist(),
                                                         strict=True)}
            for i in np.flatnonzero(np.isin(site, bulk) & ~np.isnan(labelled)).tolist():
                worker[i] = by_end.get((site[i], float(labelled[i])), -1)
        return employee_ids(site, "packers", worker)
