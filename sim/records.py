"""Columnar records of the run: tours and what happens to orders beyond their parcels
(the parcels themselves are in :class:`sim.model.shipments.Shipments`).

Stages write ``table.picked_h[parcel] = env.now``; nothing per event is kept as a
Python object, so a million orders cost a few hundred megabytes, not gigabytes. Times
are hours from the start of the run; ``NaN`` means the step never happened.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# An order's status at the end of the run (README, orders.parquet).
ORDER_STATUSES = ("delivered", "lost", "cancelled", "backordered", "in_progress", "in_transit")
# A parcel's status at the end of the run (README, shipments.parquet).
SHIPMENT_STATUSES = ("in_warehouse", "backordered", "in_transit", "delivered", "lost")

class TourLog:
    """One row per picking tour, in preallocated numpy columns (a tour has at least one
    line, so the number of order lines bounds the number of tours; the columns grow if
    ever needed)."""

    COLUMNS = ("site", "zone", "worker", "start_h", "end_h", "orders", "lines", "distance_m")

    def __init__(self, capacity: int = 1024) -> None:
        self.n = 0
        self._alloc(max(capacity, 1))

    def _alloc(self, capacity: int) -> None:
        old = {c: getattr(self, c, None) for c in self.COLUMNS}
        for c in self.COLUMNS:
            dtype = float if c.endswith(("_h", "_m")) else np.int32
            new = np.zeros(capacity, dtype=dtype)
            if old[c] is not None:
                new[: self.n] = old[c][: self.n]
            setattr(self, c, new)
        self.capacity = capacity

    def __len__(self) -> int:
        return self.n

    def add(self, site: int, zone: int, worker: int, start_h: float, end_h: float,
            orders: int, lines: int, distance_m: float) -> int:
        """Record a tour; return its id."""
        i = self.n
        if i == self.capacity:
            self._alloc(2 * self.capacity)
        self.site[i] = site
        self.zone[i] = zone
        self.worker[i] = worker
        self.start_h[i] = start_h
        self.end_h[i] = end_h
        self.orders[i] = orders
        self.lines[i] = lines
        self.distance_m[i] = distance_m
        self.n = i + 1
        return i

    def frame(self, sites: list[str], replication: int) -> pd.DataFrame:
        n = self.n
        df = pd.DataFrame({c: getattr(self, c)[:n] for c in self.COLUMNS})
        df.insert(0, "tour_id", np.arange(n, dtype=np.int64))
        df.insert(0, "replication", np.int32(replication))
        df["site"] = pd.Categorical.from_codes(df["site"].to_numpy(), sites)
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
