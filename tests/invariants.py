"""Invariants every replication must satisfy, whatever the scenario: used by the
conservation tests over random scenarios (hypothesis) and by the model tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.model.shipments import KINDS
from sim.records import ORDER_STATUSES, SHIPMENT_STATUSES

# A parcel's steps in the order they happen.
PARCEL_STEPS = ["created_h", "released_h", "pick_start_h", "picked_h", "pack_start_h", "packed_h",
                "labelled_h", "shipped_h", "delivered_h", "returned_h", "restocked_h"]
# Up to here, a step reached means every earlier step was reached.
_CHAIN_END = PARCEL_STEPS.index("shipped_h")


def _ordered(df: pd.DataFrame, steps: list[str], what: str) -> None:
    times = df[steps].to_numpy(dtype=float)
    for i in range(len(steps) - 1):
        for j in range(i + 1, len(steps)):
            a, b = times[:, i], times[:, j]
            both = ~np.isnan(a) & ~np.isnan(b)
            assert (a[both] <= b[both] + 1e-9).all(), f"{what}: {steps[i]} after {steps[j]}"


def check_shipments(sh: pd.DataFrame, orders: pd.DataFrame, end_h: float) -> None:
    assert set(sh["kind"].astype(str)) <= set(KINDS)
    assert set(sh["status"].astype(str)) <= set(SHIPMENT_STATUSES)
    assert sh["status"].notna().all() and sh["kind"].notna().all()
    assert sh["shipment_id"].is_unique and (sh["shipment_id"].to_numpy() == np.arange(len(sh))).all()
    assert sh["order_id"].isin(orders["order_id"]).all()
    # Nothing after the end of the run.
    times = sh[PARCEL_STEPS + ["lost_h", "notify_label_h", "notify_pickup_h", "notify_delivered_h"]]
    assert (times.fillna(-np.inf).to_numpy() <= end_h + 1e-9).all(), "a time after the end"
    _ordered(sh, PARCEL_STEPS, "parcel")
    t = sh[PARCEL_STEPS].to_numpy(dtype=float)
    for i in range(1, _CHAIN_END + 1):
        later = ~np.isnan(t[:, i])
        assert (~np.isnan(t[later, i - 1])).all(), f"{PARCEL_STEPS[i]} without {PARCEL_STEPS[i - 1]}"
    assert sh["created_h"].notna().all(), "a parcel in the table that was never created"
    # Reships: of a parcel of the same order, one level deeper.
    reship = (sh["kind"] == "reship").to_numpy()
    parent = sh["parent_shipment"].to_numpy()
    assert (parent[~reship] == -1).all() and (parent[reship] >= 0).all()
    par = sh.iloc[parent[reship]]
    assert (par["order_id"].to_numpy() == sh.loc[reship, "order_id"].to_numpy()).all()
    assert (par["created_h"].to_numpy() <= sh.loc[reship, "created_h"].to_numpy()).all()
    # Each kind of first-attempt parcel at most once per order.
    first = sh[~reship]
    assert not first.duplicated(["order_id", "kind"]).any()
    status = sh["status"].astype(str).to_numpy()
    assert sh.loc[status == "delivered", "delivered_h"].notna().all()
    assert sh.loc[status == "lost", "lost_h"].notna().all()
    assert sh.loc[status == "in_transit", "shipped_h"].notna().all()
    assert sh.loc[status == "in_transit", "delivered_h"].isna().all()
    assert sh.loc[status == "in_warehouse", "shipped_h"].isna().all()
    # Returns only of delivered parcels; wrong-item returns only of mis-picks.
    assert sh.loc[sh["returned"], "delivered_h"].notna().all()
    assert sh.loc[sh["return_reason"] == "wrong_item", "pick_error"].all()
    assert ((sh["units_returned"] > 0) == sh["returned"]).all()
    assert (sh["lines"] >= 1).all() and (sh["units"] >= sh["lines"]).all()


def check_orders(orders: pd.DataFrame, sh: pd.DataFrame, end_h: float) -> None:
    status = orders["status"].astype(str)
    assert set(status) <= set(ORDER_STATUSES) and orders["status"].notna().all()
    assert (orders["order_id"].to_numpy() == np.arange(len(orders))).all()
    steps = ["placed_h", "paid_h", "released_h", "pick_start_h"]
    _ordered(orders, steps, "order")
    _ordered(orders, ["paid_h", "picked_h", "shipped_h", "delivered_h"], "order")
    _ordered(orders, ["paid_h", "packed_h", "shipped_h"], "order")
    tcols = ["placed_h", "paid_h", "released_h", "picked_h", "packed_h", "shipped_h", "delivered_h"]
    assert (orders[tcols].fillna(-np.inf).to_numpy() <= end_h + 1e-9).all()
    cancelled = status == "cancelled"
    assert (orders.loc[cancelled, "cancel_reason"].astype(str) != "").all()
    assert (orders.loc[~cancelled, "cancel_reason"].astype(str) == "").all()
    timed_out = orders["cancel_reason"] == "backorder_timeout"  # paid, then waited too long
    assert orders.loc[cancelled & ~timed_out, "paid_h"].isna().all()
    delivered = status == "delivered"
    assert orders.loc[delivered, "delivered_h"].notna().all()
    assert orders.loc[delivered, "shipped_h"].notna().all()
    assert orders.loc[~delivered, "delivered_h"].isna().all()
    assert (orders["lead_time_h"].dropna() > 0).all()
    # Lost: a first-attempt parcel was declared lost.
    first = sh[sh["kind"] != "reship"]
    lost_orders = set(first.loc[first["status"] == "lost", "order_id"])
    assert set(orders.loc[status == "lost", "order_id"]) == lost_orders - set(orders.loc[cancelled, "order_id"])
    assert orders.loc[status == "in_transit", "shipped_h"].notna().all()
    # Parcels: the count, and whole orders add up to the order.
    parcels = first.groupby("order_id").size().reindex(orders["order_id"], fill_value=0).to_numpy()
    assert (parcels == orders["parcels"].to_numpy()).all()
    units = first.groupby("order_id")["units"].sum().reindex(orders["order_id"], fill_value=0).to_numpy()
    done = delivered.to_numpy()
    assert (units[done] == orders["units"].to_numpy()[done]).all(), "a delivered order's parcels miss units"
    assert (units <= orders["units"].to_numpy()).all()
    assert (orders.loc[cancelled, "parcels"] == 0).all()
    # The on-time flag: known once delivered, past due or lost (a lost order is late).
    on_time = orders["on_time"]
    assert on_time[delivered].notna().all()
    lost = (orders["status"] == "lost").to_numpy()
    assert on_time[lost].notna().all() and not on_time[lost].astype(bool).any(), "a lost order not late"
    assert (orders.loc[on_time.fillna(False).astype(bool), "delivered_h"]
            <= orders.loc[on_time.fillna(False).astype(bool), "due_h"]).all()


def check_stock(result) -> None:
    """Units are conserved, from the shipments table alone: what each site's stock
    shipped is what its parcels carry (reships still waiting for stock took none)."""
    inv, sh = result.inventory, result.shipments
    assert (inv["beginning_units"] + inv["receipts_units"] + inv["returned_units"]
            - inv["shipped_units"] == inv["ending_units"]).all()
    waiting = sh["backordered_h"].notna() & sh["backorder_filled_h"].isna()
    took = sh[~waiting]
    per_site = took.groupby("site", observed=False)["units"].sum()
    for _, row in inv.iterrows():
        assert row["shipped_units"] == per_site.get(row["site"], 0), row["site"]
    restocked = sh[sh["restocked_h"].notna()].groupby("site", observed=False)["units_returned"].sum()
    for _, row in inv.iterrows():
        assert row["returned_units"] == restocked.get(row["site"], 0), row["site"]


def check_replication(result) -> None:
    """Every invariant, for one replication (a RunResult) or a one-replication Result."""
    hz = getattr(result, "scenario", None)
    end_h = getattr(result, "end_h", None) or (hz.horizon.days + hz.horizon.drain_days) * 24
    check_shipments(result.shipments, result.orders, end_h)
    check_orders(result.orders, result.shipments, end_h)
    if len(result.inventory):
        check_stock(result)
