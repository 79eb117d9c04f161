"""Parcel, picking, after-sales, stock and cost KPIs (see the registry for each one's
meaning). They count the first-attempt parcels of the orders placed in the window, and
reships where a KPI is about remedies."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.kpis.orders import mean, pct
from sim.kpis.views import col
from sim.model.aftersales import DISSATISFACTION_REASONS


def picking_kpis(sh: pd.DataFrame, parcels: np.ndarray) -> dict[str, float]:
    """Travel, errors and waits of the ``parcels`` (a mask over the shipments)."""
    picked = parcels & ~np.isnan(col(sh, "picked_h"))
    packed = parcels & ~np.isnan(col(sh, "packed_h"))
    travel = col(sh, "pick_travel_m")[picked].astype(float)
    lines = col(sh, "lines")[picked].sum()
    n_packed = int(packed.sum())
    return {
        "pick_travel_m_per_order": mean(travel),
        "pick_travel_m_per_line":
            float(np.nansum(travel) / lines) if lines and not np.isnan(travel).all() else math.nan,
        "pick_errors_found_per_1000_orders":
            1000 * col(sh, "pick_errors_found")[packed].sum() / n_packed if n_packed else math.nan,
        "pick_errors_shipped_per_1000_orders":
            1000 * col(sh, "pick_error")[packed].sum() / n_packed if n_packed else math.nan,
        "pick_wait_hours_mean": mean((col(sh, "pick_start_h") - col(sh, "released_h"))[parcels]),
        "pack_wait_hours_mean": mean((col(sh, "pack_start_h") - col(sh, "picked_h"))[parcels]),
    }


def quality_kpis(orders: pd.DataFrame, sh: pd.DataFrame, placed: np.ndarray,
                 parcels: np.ndarray, wrong_item_order: np.ndarray) -> dict[str, float]:
    """Picking accuracy, return rate (and by reason), payment failures and CSAT of the
    orders ``placed`` (a mask over orders) and their first-attempt ``parcels``."""
    delivered = placed & (orders["status"] == "delivered").to_numpy()
    n_delivered = int(delivered.sum())
    got = parcels & ~np.isnan(col(sh, "delivered_h"))
    units_sold = col(sh, "units")[got].sum()
    returned = col(sh, "units_returned")
    went_to_payment = placed & (orders["cancel_reason"] != "below_moq").to_numpy()
    csat = col(orders, "csat")[placed].astype(float)
    k = {
        "picking_accuracy_pct": pct(n_delivered - int((delivered & wrong_item_order).sum()), n_delivered),
        "return_rate_pct": pct(returned[got].sum(), units_sold),
        "payment_failure_pct": pct(int((placed & (orders["cancel_reason"] == "payment_declined").to_numpy()).sum()),
                                   int(went_to_payment.sum())),
        "csat_mean": mean(csat),
    }
    reason = sh["return_reason"]
    codes = reason.cat.codes.to_numpy()
    return k, {f"return_rate_pct_{name}": pct(returned[got & (codes == c)].sum(), units_sold)
               for c, name in enumerate(reason.cat.categories[1:], start=1)}


def parcel_kpis(result, parcels: np.ndarray, shipped_orders: np.ndarray, order_of: np.ndarray,
                lo: float, hi: float) -> dict[str, float]:
    """Packing, label, cost and delivery-exception KPIs of the first-attempt parcels of
    the orders placed in the window (``parcels``); costs those of the orders shipped
    (``shipped_orders``, every parcel handed over) per order of them (``order_of``:
    each parcel's order)."""
    sh = result.shipments
    shipped = parcels & ~np.isnan(col(sh, "shipped_h"))
    of_shipped_orders = parcels & shipped_orders[order_of]
    orders_shipped = int(shipped_orders.sum())
    n_shipped = int(shipped.sum())
    labelled_h, packed_h = col(sh, "labelled_h"), col(sh, "packed_h")
    labelled_inside = (labelled_h >= lo) & (labelled_h < hi)
    # One by one, a label is the end of the packer's job; in bulk, the print jobs.
    one_by_one = labelled_inside & (col(sh, "packer_done_h") == labelled_h)
    label_h = float(np.nansum((labelled_h - packed_h)[one_by_one]))
    jobs = result.label_jobs
    if len(jobs):
        starts = jobs["start_h"].to_numpy()
        inside = (starts >= lo) & (starts < hi)
        label_h += float((jobs["end_h"].to_numpy() - starts)[inside].sum())
    n_labelled = int(labelled_inside.sum())

    def per_order(name: str) -> float:
        x = col(sh, name)[of_shipped_orders].astype(float)
        return float(np.nansum(x) / orders_shipped) if orders_shipped and not np.isnan(x).all() else math.nan

    out = {
        "packaging_cost_per_order": per_order("packaging_cost"),
        "shipping_cost_per_order": per_order("shipping_cost"),
        "box_fill_pct_mean": 100 * mean(col(sh, "box_fill")[shipped].astype(float)),
        "no_box_per_1000_orders": 1000 * col(sh, "no_box")[shipped].sum() / orders_shipped
        if orders_shipped else math.nan,
        "label_wait_hours_mean": mean((labelled_h - packed_h)[parcels]),
        "label_labour_hours_per_1000_orders": 1000 * label_h / n_labelled if n_labelled else math.nan,
    }
    exc = sh["exception"]
    for name in ("lost", "damaged", "address_problem"):
        out[f"{name}_pct"] = pct(int((shipped & (exc == name).to_numpy()).sum()), n_shipped)
    return out


def aftersales_kpis(orders: pd.DataFrame, sh: pd.DataFrame, placed: np.ndarray,
                    reships_in_window: int, shipped_orders: np.ndarray) -> dict[str, float]:
    """Remedies, satisfaction and reships of the orders placed in the window (remedies'
    cost: that of the orders shipped, ``shipped_orders``, per order of them)."""
    orders_shipped = int(shipped_orders.sum())
    n = int(placed.sum())
    csat = col(orders, "csat")[placed].astype(float)
    answered = ~np.isnan(csat)
    reason = orders["dissatisfied_reason"].cat.codes.to_numpy()[placed]
    remedy = orders["remedy"]
    # An order refunded: any of its parcels was (its ``remedy`` names only one remedy,
    # and a reship comes first: an order reshipped, then refunded, is both).
    refunded = np.isin(col(orders, "order_id"), col(sh, "order_id")[(sh["remedy"] == "refund").to_numpy()])
    lead = (col(orders, "correct_delivery_h") - col(orders, "placed_h"))[placed]
    out = {
        "remedy_cost_per_order": float(col(orders, "remedy_cost")[shipped_orders].astype(float).sum()
                                       / orders_shipped)
        if orders_shipped else math.nan,
        "refunds_per_1000_orders": 1000 * int((placed & refunded).sum()) / n if n else math.nan,
        "discounts_per_1000_orders": 1000 * int((placed & (remedy == "discount").to_numpy()).sum()) / n if n else math.nan,
        "csat_responses": int(answered.sum()),
        "dissatisfied_pct": pct(int((reason > 0).sum()), int(answered.sum())),
        "reships_per_1000_orders": 1000 * reships_in_window / n if n else math.nan,
        "lead_time_to_correct_delivery_hours_mean": mean(lead),
    }
    for i, name in enumerate(DISSATISFACTION_REASONS[1:], start=1):
        out[f"dissatisfied_pct_{name}"] = pct(int((reason == i).sum()), int(answered.sum()))
    return out


def stock_kpis(orders: pd.DataFrame, sh: pd.DataFrame, placed: np.ndarray) -> dict[str, float]:
    """Fill rate and backorders over the orders placed in the window that reached stock
    allocation (paid). Filled: shipped whole from its nearest site's stock at once."""
    allocated = placed & ~np.isnan(col(orders, "paid_h"))
    backordered = allocated & ~np.isnan(col(orders, "backordered_h"))
    n_orders = len(orders)
    kind = sh["kind"]
    order_of = col(sh, "order_id")
    rerouted = allocated & (np.bincount(order_of[(kind == "other_site").to_numpy()], minlength=n_orders) > 0)
    in_parts = allocated & (col(orders, "parcels") >= 2)
    n = int(allocated.sum())
    wait = (col(orders, "backorder_filled_h") - col(orders, "backordered_h"))[backordered]
    wait = wait[~np.isnan(wait)]
    # (returns of the orders placed in the window, as every order KPI)
    restocked = ~np.isnan(col(sh, "restocked_h")) & placed[order_of]
    return {
        "fill_rate_pct": pct(int((allocated & ~backordered & ~rerouted & ~in_parts).sum()), n),
        "rerouted_pct": pct(int(rerouted.sum()), n),
        "shipped_in_parts_pct": pct(int(in_parts.sum()), n),
        "backorder_rate_pct": pct(int(backordered.sum()), n),
        "backorder_wait_hours_mean": float(wait.mean()) if len(wait) else math.nan,
        "backorder_wait_hours_p90": float(np.percentile(wait, 90)) if len(wait) else math.nan,
        "dock_to_stock_hours_mean": mean((col(sh, "restocked_h") - col(sh, "returned_h"))[restocked]),
    }


def cost_kpis(labour: float, shipped_in_window: int, orders_shipped: int, parcel_costs: float,
              remedy_costs: float) -> dict[str, float]:
    """Labour per order shipped in the window, plus the packaging, carrier charge and
    remedies of the window's orders shipped, per order of them (the sum of the four
    cost KPIs: an order cancelled or not yet shipped adds to neither side)."""
    labour_per_order = labour / shipped_in_window if shipped_in_window else math.nan
    other = (parcel_costs + remedy_costs) / orders_shipped if orders_shipped else math.nan
    return {"labour_cost_per_order": labour_per_order, "cost_per_order": labour_per_order + other}
