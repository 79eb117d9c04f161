"""The columnar recorder: one numpy array per per-order field, indexed by order id.

Stages write ``rec.picked_h[order] = env.now``; nothing per event is kept as a Python
object, so a million orders cost a few hundred megabytes, not gigabytes. Times are hours
from the start of the run; ``NaN`` means the order never reached that step.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

STATUSES = ("delivered", "lost", "cancelled", "in_progress")
CANCEL_REASONS = ("", "payment_declined", "below_moq")

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


class Recorder:
    """Per-order arrays of one replication. Attributes set at order creation
    (channel, region, site, lines, units...) and timestamps filled in by the stages."""

    def __init__(self, n_orders: int) -> None:
        self.n = n_orders
        for col in TIME_COLUMNS:
            setattr(self, col, np.full(n_orders, np.nan))
        self.due_h = np.full(n_orders, np.nan)
        self.exception = np.zeros(n_orders, dtype=np.int8)  # 0 none, 1 lost, 2 damaged
        self.late_by_carrier = np.zeros(n_orders, dtype=bool)
        self.returned = np.zeros(n_orders, dtype=bool)
        self.return_reason = np.full(n_orders, -1, dtype=np.int16)
        self.picker = np.full(n_orders, -1, dtype=np.int32)
        self.packer = np.full(n_orders, -1, dtype=np.int32)

    def frame(self, attrs: dict[str, np.ndarray | pd.Categorical], replication: int,
              return_reasons: list[str]) -> pd.DataFrame:
        """The tidy per-order table of this replication (see README, orders.parquet)."""
        n = self.n
        status = np.full(n, STATUSES.index("in_progress"), dtype=np.int8)
        cancel = attrs.pop("cancel_reason_code")
        status[cancel > 0] = STATUSES.index("cancelled")
        status[self.exception == 1] = STATUSES.index("lost")
        status[~np.isnan(self.delivered_h)] = STATUSES.index("delivered")
        exception = pd.Categorical.from_codes(self.exception, ["", "lost", "damaged"])
        reasons = ["wrong_item", "damaged", *return_reasons]
        return_reason = pd.Categorical.from_codes(
            self.return_reason.astype(np.int64), reasons, validate=False
        ) if n else pd.Categorical([], categories=reasons)
        df = pd.DataFrame(
            {
                "replication": np.full(n, replication, dtype=np.int32),
                "order_id": np.arange(n, dtype=np.int64),
                **attrs,
                **{col: getattr(self, col) for col in TIME_COLUMNS},
                "due_h": self.due_h,
            }
        )
        df["lead_time_h"] = df["delivered_h"] - df["placed_h"]
        df["status"] = pd.Categorical.from_codes(status, STATUSES)
        df["cancel_reason"] = pd.Categorical.from_codes(cancel.astype(np.int8), CANCEL_REASONS)
        df["exception"] = exception
        df["on_time"] = pd.array(
            np.where(np.isnan(self.delivered_h), pd.NA, self.delivered_h <= self.due_h),
            dtype="boolean",
        )
        df["late_by_carrier"] = self.late_by_carrier
        df["returned"] = self.returned
        df["return_reason"] = return_reason
        df["picker"] = self.picker
        df["packer"] = self.packer
        return df
