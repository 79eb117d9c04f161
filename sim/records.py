"""The columnar recorder: one numpy array per per-order field, indexed by order id.

Stages write ``rec.picked_h[order] = env.now``; nothing per event is kept as a Python
object, so a million orders cost a few hundred megabytes, not gigabytes. Times are hours
from the start of the run; ``NaN`` means the order never reached that step.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# "unplaced": a reship row whose original's trouble had not come to light when the run
# ended (no order was placed); it is kept so the order table needs no copy.
# "rerouted": an order served from another site, by its alternative row.
STATUSES = ("delivered", "lost", "cancelled", "backordered", "in_progress", "unplaced",
            "rerouted")
CANCEL_REASONS = ("", "payment_declined", "below_moq", "backorder_timeout")

# Timestamps every order carries, in the order the steps happen.
TIME_COLUMNS = (
    "placed_h",
    "paid_h",
    "pick_start_h",
    "picked_h",
    "pack_start_h",
    "packed_h",
    "labelled_h",
    "shipped_h",
    "delivered_h",
    "returned_h",
)


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


class Recorder:
    """Per-order arrays of one replication. Attributes set at order creation
    (channel, region, site, lines, units...) and timestamps filled in by the stages."""

    def __init__(self, n_orders: int, n_lines: int = 0) -> None:
        self.n = n_orders
        for col in TIME_COLUMNS:
            setattr(self, col, np.full(n_orders, np.nan))
        self.due_h = np.full(n_orders, np.nan)
        self.exception = np.zeros(n_orders, dtype=np.int8)  # 0 none, 1 lost, 2 damaged
        self.late_by_carrier = np.zeros(n_orders, dtype=bool)
        self.returned = np.zeros(n_orders, dtype=bool)
        self.units_returned = np.zeros(n_orders, dtype=np.int32)
        self.return_reason = np.full(n_orders, -1, dtype=np.int16)
        self.picker = np.full(n_orders, -1, dtype=np.int32)
        self.packer = np.full(n_orders, -1, dtype=np.int32)
        self.released_h = np.full(n_orders, np.nan)  # entered the pick queue
        self.tour_id = np.full(n_orders, -1, dtype=np.int64)  # (first) picking tour
        self.wave_id = np.full(n_orders, -1, dtype=np.int32)
        self.batch_size = np.zeros(n_orders, dtype=np.int16)  # orders on its tour
        self.zones_touched = np.zeros(n_orders, dtype=np.int8)  # zone picking only
        self.packer_done_h = np.full(n_orders, np.nan)  # packer free again (labels aside)
        # When the customer hears of it (tracking): label created, picked up, delivered.
        self.notify_label_h = np.full(n_orders, np.nan)
        self.notify_pickup_h = np.full(n_orders, np.nan)
        self.notify_delivered_h = np.full(n_orders, np.nan)
        self.cancel_code = np.zeros(n_orders, dtype=np.int8)  # index into CANCEL_REASONS
        self.backordered_h = np.full(n_orders, np.nan)  # waited for stock from ...
        self.backorder_filled_h = np.full(n_orders, np.nan)  # ... until
        self.restocked_h = np.full(n_orders, np.nan)  # its returned units back in stock
        self.customer_order = np.zeros(n_orders, dtype=bool)  # counts as a customer's order
        self.rerouted_to = np.full(n_orders, -1, dtype=np.int64)  # its other-site row
        self.part_of = np.full(n_orders, -1, dtype=np.int64)  # the order it is a part of
        self.pick_travel_m = np.full(n_orders, np.nan)  # its share of tour metres
        self.tours = TourLog(capacity=max(n_lines, n_orders))

    def order_delivered_h(self) -> np.ndarray:
        """Per row, when the customer had the whole order: its delivery, or for an order
        shipped in parts the last part's (NaN until every part is delivered); hours.
        The recorder's own ``delivered_h`` array when no order was split."""
        parts = np.flatnonzero(self.part_of >= 0)
        if not len(parts):
            return self.delivered_h
        done = self.delivered_h.copy()
        with np.errstate(invalid="ignore"):  # NaN wins: a part not delivered yet
            np.maximum.at(done, self.part_of[parts], self.delivered_h[parts])
        return done

    def frame(self, attrs: dict[str, np.ndarray | pd.Categorical], replication: int,
              return_reasons: list[str]) -> pd.DataFrame:
        """The tidy per-order table of this replication (see README, orders.parquet)."""
        n = self.n
        status = np.full(n, STATUSES.index("in_progress"), dtype=np.int8)
        cancel = self.cancel_code
        waiting = ~np.isnan(self.backordered_h) & np.isnan(self.backorder_filled_h)
        status[waiting] = STATUSES.index("backordered")
        status[np.isnan(self.placed_h)] = STATUSES.index("unplaced")
        status[self.rerouted_to >= 0] = STATUSES.index("rerouted")
        status[cancel > 0] = STATUSES.index("cancelled")
        status[self.exception == 1] = STATUSES.index("lost")
        # An order shipped in parts is delivered when its last part is, and lost if a
        # part is lost (like an order shipped whole: a reship is a row of its own).
        parts = np.flatnonzero(self.part_of >= 0)
        order_delivered_h = self.order_delivered_h()
        status[self.part_of[parts[self.exception[parts] == 1]]] = STATUSES.index("lost")
        status[~np.isnan(order_delivered_h)] = STATUSES.index("delivered")
        exception = pd.Categorical.from_codes(self.exception, ["", "lost", "damaged", "address_problem"])
        # Code 0 is "" (not returned), like cancel_reason and exception.
        reasons = ["", "wrong_item", "damaged", "late", *return_reasons]
        return_reason = pd.Categorical.from_codes(self.return_reason.astype(np.int64) + 1, reasons)
        delivered = ~np.isnan(order_delivered_h)
        columns = {
            "replication": np.full(n, replication, dtype=np.int32),
            "order_id": np.arange(n, dtype=np.int64),
            **attrs,
            **{col: getattr(self, col) for col in TIME_COLUMNS},
            "due_h": self.due_h,
            "order_delivered_h": order_delivered_h,
            "lead_time_h": order_delivered_h - self.placed_h,
            "status": pd.Categorical.from_codes(status, STATUSES),
            "cancel_reason": pd.Categorical.from_codes(cancel.astype(np.int8), CANCEL_REASONS),
            "exception": exception,
            "on_time": pd.arrays.BooleanArray(delivered & (order_delivered_h <= self.due_h), ~delivered),
            "late_by_carrier": self.late_by_carrier,
            "returned": self.returned,
            "units_returned": self.units_returned,
            "return_reason": return_reason,
        }
        columns.update({name: getattr(self, name) for name in (
            "picker", "packer", "released_h", "tour_id", "wave_id", "batch_size", "zones_touched",
            "packer_done_h", "notify_label_h", "notify_pickup_h", "notify_delivered_h",
            "pick_travel_m", "backordered_h", "backorder_filled_h", "restocked_h",
            "customer_order", "rerouted_to", "part_of")})
        # One construction, no column added afterwards (each would copy), and the
        # recorder's arrays become the frame's without a second copy.
        return pd.DataFrame(columns, copy=False)
