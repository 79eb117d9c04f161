"""Columnar records of the run: tours and what happens to orders beyond their parcels
(the parcels themselves are in :class:`sim.model.shipments.Shipments`).

Stages write ``table.picked_h[parcel] = env.now``; nothing per event is kept as a
Python object, so a million orders cost a few hundred megabytes, not gigabytes. Times
are hours from the start of the run; ``NaN`` means the step never happened.
"""

from __future__ import annotations

from array import array

import numpy as np
import pandas as pd

# An order's status at the end of the run (README, orders.parquet).
ORDER_STATUSES = ("delivered", "lost", "cancelled", "backordered", "in_progress", "in_transit")
# A parcel's status at the end of the run (README, shipments.parquet).
SHIPMENT_STATUSES = ("in_warehouse", "backordered", "in_transit", "delivered", "lost")

class TourLog:
    """One row per picking tour, appended to compact typed arrays (``array.array``:
    a fast append, 4 or 8 bytes a value, no Python object per value): the whole-number
    columns interleaved in one array, the times and metres in another."""

    INT_COLUMNS = ("site", "zone", "worker", "orders", "lines", "parcel")
    FLOAT_COLUMNS = ("start_h", "end_h", "distance_m")
    # ``parcel``: the slot of the one parcel a single-order or zone tour picks (-1 for a
    # batch); the frame names it by its shipment id.
    COLUMNS = ("site", "zone", "worker", "start_h", "end_h", "orders", "lines", "distance_m", "parcel")

    def __init__(self, capacity: int = 0) -> None:
        del capacity  # (kept for callers; arrays grow as needed)
        self._ints = array("i")
        self._floats = array("d")

    def __len__(self) -> int:
        return len(self._floats) // len(self.FLOAT_COLUMNS)

    def add(self, site: int, zone: int, worker: int, start_h: float, end_h: float,
            orders: int, lines: int, distance_m: float, parcel: int = -1) -> int:
        """Record a tour (``parcel``: the one parcel it picks, whole or a zone's part
        of it; -1: a batch); return its id. (Two appends of a row each: this runs once
        per tour, the model's hottest path.)"""
        i = len(self._floats) // 3
        self._ints.extend((site, zone, worker, orders, lines, parcel))
        self._floats.extend((start_h, end_h, distance_m))
        return i

    def columns(self) -> dict[str, np.ndarray]:
        """Each column as an array (int32 or float64), in :attr:`COLUMNS` order."""
        ints = np.frombuffer(self._ints, dtype=np.int32) if len(self._ints) else np.zeros(0, np.int32)
        floats = np.frombuffer(self._floats, dtype=np.float64) if len(self._floats) else np.zeros(0)
        ints = ints.reshape(-1, len(self.INT_COLUMNS))
        floats = floats.reshape(-1, len(self.FLOAT_COLUMNS))
        out = {c: ints[:, k].copy() for k, c in enumerate(self.INT_COLUMNS)}
        out.update({c: floats[:, k].copy() for k, c in enumerate(self.FLOAT_COLUMNS)})
        return {c: out[c] for c in self.COLUMNS}

    def frame(self, sites: list[str], replication: int, created: np.ndarray) -> pd.DataFrame:
        """The tours table; ``created``: the slots of the parcels that exist, ascending
        (their shipment ids are their ranks)."""
        n = len(self)
        cols = self.columns()
        parcel = cols.pop("parcel").astype(np.int64)
        df = pd.DataFrame(cols)
        df.insert(0, "tour_id", np.arange(n, dtype=np.int64))
        df.insert(0, "replication", np.int32(replication))
        df["site"] = pd.Categorical.from_codes(df["site"].to_numpy().astype(np.int64), sites)
        df["shipment_id"] = np.where(parcel >= 0, np.searchsorted(created, parcel), -1)
        return df


class OrderRecord:
    """What happens to each customer's order in the run beyond its parcels (index:
    order id): waiting for stock, and a cancellation (payment and minimum-quantity
    cancellations are known before the run)."""

    def __init__(self, cancel_code: np.ndarray) -> None:
        n = len(cancel_code)
        self.cancel_code = cancel_code.copy()  # index into CANCEL_REASONS
        self.backordered_h = np.full(n, np.nan)  # waited for stock from ...
        self.backorder_filled_h = np.full(n, np.nan)  # ... until
