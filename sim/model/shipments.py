"""Parcels: the columnar table of every shipment of one replication, and its lines.

A shipment is one parcel: a set of order lines (with units) leaving one site in one
box. Kinds (``KINDS``):

- ``original``: the order's first parcel at its nearest site (the whole order, or with
  ``split`` / ``ship_available`` the part that site has);
- ``other_site``: the whole order from another site (``fallback: other_site``);
- ``split``: the second part of a split order, from another site;
- ``rest``: the backordered rest of an order (``backorder: ship_available``);
- ``reship``: a remedy replacing a lost, damaged or wrong parcel (``parent``).

Slots. Slot ``o`` (for ``o`` below the number of orders) is reserved for order ``o``'s
original parcel shipped whole from its nearest site, the common case: its draws are made
in bulk before the run (:mod:`sim.model.draws`) and it *exists* only once it is created
(``created_h`` set, when the order is released to picking). Every other parcel gets a
new slot when the model creates it. Draws depend only on the parcel's key (see
:mod:`sim.rng`), so drawing early changes nothing; the output keeps created parcels
only, renumbered (:meth:`Shipments.created`).

Lines. A parcel's lines are ``line_*[line_start[s]:line_end[s]]``. Slots below the
number of orders use the order's own lines (drawn for its nearest site); other parcels
get lines of their own, appended.

The table grows (doubling) when full. **Rule:** no component keeps a column array
across a ``yield`` or between calls: read ``table.column[s]`` each time, so a growth
never leaves anyone with a stale array (``tests/test_shipments.py`` runs a scenario
with a tiny initial capacity and checks identical results).
"""

from __future__ import annotations

import numpy as np

KINDS = ("original", "other_site", "split", "rest", "reship")
ORIGINAL, OTHER_SITE, SPLIT, REST, RESHIP = range(len(KINDS))

# name: (dtype, empty value). Identity, set by whoever creates the parcel:
_IDENTITY = {
    "order": (np.int64, -1),
    "kind": (np.int8, -1),
    "parent": (np.int64, -1),  # the parcel a reship replaces
    "depth": (np.int8, 0),  # reships deep (0: not a reship)
    "site": (np.int16, -1),
    "key": (np.uint64, 0),
    "line_start": (np.int64, 0),
    "line_end": (np.int64, 0),
    "lines": (np.int32, 0),
    "units": (np.int32, 0),
    "distance_km": (np.float32, np.nan),
    "priority": (np.int8, 0),
}
# Drawn when the parcel is made (sim.model.parcel_draws):
_DRAWN = {
    "service": (np.int16, -1),
    "weight_kg": (np.float32, np.nan),
    "volume_cm3": (np.float32, np.nan),
    "fragile_units": (np.int16, 0),
    "box": (np.int16, -1),
    "no_box": (np.bool_, False),
    "box_fill": (np.float32, np.nan),
    "packaging_cost": (np.float32, np.nan),
    "billable_kg": (np.float32, np.nan),
    "shipping_cost": (np.float32, np.nan),
    "pick_lines_h": (np.float32, 0.0),  # picking + scanning its lines + re-picks at pick
    "repick_at_pick_h": (np.float32, 0.0),
    "sort_h": (np.float32, 0.0),  # sorting its units (batch methods)
    "centroid_x": (np.float32, 0.0),
    "centroid_y": (np.float32, 0.0),
    "pack_h": (np.float32, 0.0),  # the packer's time, dunnage, scans and sorting included
    "label_h": (np.float32, 0.0),
    "errors_made": (np.int16, 0),
    "errors_found": (np.int16, 0),
    "wrong_units": (np.int32, 0),  # units a wrong-item return would bring back
    "transit_days": (np.int16, 0),
    "late_by_carrier": (np.bool_, False),
    "exception": (np.int8, 0),  # sim.model.delivery.EXCEPTIONS
    "delivery_hour": (np.float32, 0.0),
    "notify_label_lag_h": (np.float32, 0.0),
    "notify_pickup_lag_h": (np.float32, 0.0),
    "notify_delivered_lag_h": (np.float32, 0.0),
    "return_u": (np.float32, 1.0),  # uniform: returned for its own trouble if below the prob
    "return_delay_h": (np.float32, 0.0),  # delivery to back at the warehouse, if returned
    "restock": (np.bool_, False),  # passes inspection, if returned for an ordinary reason
    "inspection_h": (np.float32, 0.0),
    "tour_h": (np.float32, np.nan),  # alone on a tour (single-order picking): hours ...
    "tour_m": (np.float32, np.nan),  # ... and metres
}
# Written during the run:
_RUN = {
    "created_h": (np.float64, np.nan),
    "released_h": (np.float64, np.nan),
    "pick_start_h": (np.float64, np.nan),
    "picked_h": (np.float64, np.nan),
    "pack_start_h": (np.float64, np.nan),
    "packed_h": (np.float64, np.nan),
    "packer_done_h": (np.float64, np.nan),
    "labelled_h": (np.float64, np.nan),
    "shipped_h": (np.float64, np.nan),
    "delivered_h": (np.float64, np.nan),  # when it arrives (lost: never)
    "lost_h": (np.float64, np.nan),  # declared lost
    "returned_h": (np.float64, np.nan),
    "restocked_h": (np.float64, np.nan),
    "backordered_h": (np.float64, np.nan),  # a rest: waited for stock from ...
    "backorder_filled_h": (np.float64, np.nan),  # ... until
    "picker": (np.int32, -1),
    "packer": (np.int32, -1),
    "tour_id": (np.int64, -1),
    "batch_size": (np.int16, 0),
    "wave_id": (np.int32, -1),
    "zones_touched": (np.int8, 0),
    "pick_travel_m": (np.float32, np.nan),
    "return_reason": (np.int8, -1),  # sim.model.returns.RETURN_REASONS; -1 kept
    "units_returned": (np.int32, 0),
}
COLUMNS = {**_IDENTITY, **_DRAWN, **_RUN}
# What :meth:`sim.model.parcel_draws.ParcelMaker.draw` writes: the drawn columns, the
# parcel's line and unit counts, and the drawn line columns.
DRAWN_COLUMNS = (*_DRAWN, "lines", "units")
DRAWN_LINE_COLUMNS = ("aisle", "y", "time_h")

LINE_COLUMNS = {
    "sku": (np.int32, -1),
    "units": (np.int32, 0),
    "index": (np.int16, 0),  # the line's place in its order (keys its draws)
    "aisle": (np.int32, -1),
    "y": (np.float32, 0.0),
    "time_h": (np.float32, 0.0),  # picking (and scanning at pick)
}


def _grow(obj, columns: dict, capacity: int, new_capacity: int, prefix: str = "") -> None:
    for name, (dtype, empty) in columns.items():
        attr = prefix + name
        old = getattr(obj, attr, None)
        new = np.full(new_capacity, empty, dtype=dtype)
        if old is not None:
            new[:capacity] = old[:capacity]
        setattr(obj, attr, new)


class Shipments:
    """The parcels of one replication (see the module docstring). Columns are
    attributes (``table.picked_h``); line columns are prefixed ``line_``."""

    def __init__(self, n_orders: int, n_order_lines: int, extra: int = 1024,
                 extra_lines: int = 2048) -> None:
        self.n_orders = n_orders
        self.n_order_lines = n_order_lines
        self.size = n_orders  # slots in use (the reserved ones count)
        self.capacity = 0
        self._resize(n_orders + max(extra, 1))
        self.line_size = n_order_lines
        self.line_capacity = 0
        self._resize_lines(n_order_lines + max(extra_lines, 1))

    def _resize(self, capacity: int) -> None:
        _grow(self, COLUMNS, self.capacity, capacity)
        self.capacity = capacity

    def _resize_lines(self, capacity: int) -> None:
        _grow(self, LINE_COLUMNS, self.line_capacity, capacity, prefix="line_")
        self.line_capacity = capacity

    def new(self, count: int) -> np.ndarray:
        """Reserve ``count`` new slots; return their ids."""
        if self.size + count > self.capacity:
            self._resize(max(2 * self.capacity, self.size + count))
        ids = np.arange(self.size, self.size + count, dtype=np.int64)
        self.size += count
        return ids

    def new_lines(self, count: int) -> int:
        """Reserve ``count`` new line rows; return the first one's index."""
        if self.line_size + count > self.line_capacity:
            self._resize_lines(max(2 * self.line_capacity, self.line_size + count))
        first = self.line_size
        self.line_size += count
        return first

    def line_rows(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(line rows of the parcels ``ids`` concatenated, per-parcel start offsets into
        them with one extra at the end: a CSR index)."""
        start = self.line_start[ids]
        counts = self.line_end[ids] - start
        offsets = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
        rows = np.repeat(start - offsets[:-1], counts) + np.arange(offsets[-1])
        return rows, offsets

    def created(self) -> np.ndarray:
        """Ids of the parcels that exist (were created), in slot order."""
        return np.flatnonzero(~np.isnan(self.created_h[: self.size]))

    def keep_columns(self, columns: set[str], line_columns: set[str]) -> None:
        """After the run: drop every column (and line column, named unprefixed) but
        these, freeing their memory at once: what is left to read of the run."""
        for name in [c for c in COLUMNS if c not in columns and hasattr(self, c)]:
            delattr(self, name)
        for name in [c for c in LINE_COLUMNS if c not in line_columns and hasattr(self, "line_" + c)]:
            delattr(self, "line_" + name)

    def keep_only(self, ids: np.ndarray) -> None:
        """After the run: keep the parcels ``ids`` (ascending), renumbered 0, 1, ... in
        that order (``parent`` too: a parent not kept becomes -1), in place, so the
        output frames can take the columns as they are (``column[:size]``) instead of
        copies. The reserved slots no longer follow the orders: nothing may be created
        afterwards."""
        ids = np.asarray(ids, dtype=np.int64)
        m = len(ids)
        new_id = np.full(self.capacity, -1, dtype=np.int64)
        new_id[ids] = np.arange(m)
        parent = self.parent[ids]
        self.parent[:m] = np.where(parent >= 0, new_id[np.maximum(parent, 0)], -1)
        for name, (_dtype, empty) in COLUMNS.items():
            if name == "parent" or not hasattr(self, name):
                continue
            col = getattr(self, name)
            col[:m] = col[ids]  # (ascending ids: each read comes before its write)
            col[m:] = empty
        self.parent[m:] = -1
        self.size = m
