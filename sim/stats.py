"""KPIs per replication, time series per staff pool, and confidence intervals.

Everything here is computed from the per-order table and the duty calendars, after the
run: the model itself keeps no counters. Counts and per-order KPIs use the orders
*placed* inside the measurement window ``[warmup_days, days)``; throughput and
utilisation use the *activity* inside that window (see README, "KPIs").
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pandas as pd

from sim.calendar import HOURS_PER_DAY, on_duty_count, overlap_hours
from sim.model.world import RunResult
from sim.scenario.schema import Scenario

TIMESERIES_STEP_H = 0.25

# Each pool: (role, column when work enters its queue, start of service, end of service).
POOL_COLUMNS = {
    "pickers": ("released_h", "pick_start_h", "picked_h"),
    "packers": ("picked_h", "pack_start_h", "packer_done_h"),
}


def window_h(scenario: Scenario) -> tuple[float, float]:
    """The measurement window in hours: after warm-up, up to the last arrival."""
    hz = scenario.horizon
    return hz.warmup_days * HOURS_PER_DAY, hz.days * HOURS_PER_DAY


def _pct(num: float, den: float) -> float:
    return 100.0 * num / den if den else math.nan


def _busy_hours(start: np.ndarray, end: np.ndarray, lo: float, hi: float) -> float:
    ok = ~np.isnan(start) & ~np.isnan(end)
    return float((np.clip(end[ok], lo, hi) - np.clip(start[ok], lo, hi)).sum())


def _col(df: pd.DataFrame, name: str) -> np.ndarray:
    """A column as a numpy array without copying the table (nullable booleans: NA is
    False)."""
    s = df[name]
    if str(s.dtype) == "boolean":
        return s.to_numpy(dtype=bool, na_value=False)
    return s.to_numpy()


def _is(df: pd.DataFrame, name: str, value: str) -> np.ndarray:
    """Rows whose categorical column ``name`` equals ``value`` (a boolean mask)."""
    s = df[name]
    cats = list(s.cat.categories)
    if value not in cats:
        return np.zeros(len(s), dtype=bool)
    return s.cat.codes.to_numpy() == cats.index(value)


def _mean(x: np.ndarray) -> float:
    x = x[~np.isnan(x)]
    return float(x.mean()) if len(x) else math.nan


def replication_kpis(result: RunResult, scenario: Scenario) -> dict[str, float]:
    """The KPIs of one replication (names and definitions: README, "KPIs").

    Works on column arrays and row masks: a million-order table is never copied."""
    df = result.orders
    lo, hi = window_h(scenario)
    placed_h = _col(df, "placed_h")
    # Customers' orders only: a reship is a remedy, counted apart; a rerouted order
    # counts once, as the row that served it.
    customer = _col(df, "customer_order")
    placed = (placed_h >= lo) & (placed_h < hi) & customer
    # An order shipped in parts (split, ship_available) has further rows, part_of it:
    # per-parcel, per-unit and per-job KPIs count them with their order.
    part_of = _col(df, "part_of")
    shipments = placed | ((part_of >= 0) & placed[np.maximum(part_of, 0)])
    delivered = placed & _is(df, "status", "delivered")
    shipped_h = _col(df, "shipped_h")
    units = _col(df, "units")
    lead = _col(df, "lead_time_h")[delivered]
    q = np.percentile(lead, [50, 90, 95, 99]) if len(lead) else [math.nan] * 4
    n_delivered = int(delivered.sum())
    wrong_item = int((delivered & _is(df, "return_reason", "wrong_item")).sum())
    went_to_payment = int((placed & ~_is(df, "cancel_reason", "below_moq")).sum())
    paid_h, picked_h = _col(df, "paid_h"), _col(df, "picked_h")
    parcels_delivered = shipments & ~np.isnan(_col(df, "delivered_h"))
    units_sold = units[parcels_delivered].sum()
    k: dict[str, float] = {
        "orders_placed": int(placed.sum()),
        "orders_cancelled": int((placed & _is(df, "status", "cancelled")).sum()),
        "orders_shipped": int((placed & ~np.isnan(shipped_h)).sum()),
        "orders_delivered": n_delivered,
        "orders_lost": int((placed & _is(df, "status", "lost")).sum()),
        "orders_in_progress": int((placed & _is(df, "status", "in_progress")).sum()),
        # Customers' orders only (not reships, nor the second parcel of an order).
        "throughput_orders_per_day": int(((shipped_h >= lo) & (shipped_h < hi) & customer).sum())
        / ((hi - lo) / HOURS_PER_DAY),
        "lead_time_hours_mean": float(lead.mean()) if len(lead) else math.nan,
        "lead_time_hours_p50": float(q[0]),
        "lead_time_hours_p90": float(q[1]),
        "lead_time_hours_p95": float(q[2]),
        "lead_time_hours_p99": float(q[3]),
        "picking_accuracy_pct": _pct(n_delivered - wrong_item, n_delivered),
        "return_rate_pct": _pct(_col(df, "units_returned")[parcels_delivered].sum(), units_sold),
        "on_time_delivery_pct": _pct(int((delivered & _col(df, "on_time")).sum()), n_delivered),
        "payment_failure_pct": _pct(
            int((placed & _is(df, "cancel_reason", "payment_declined")).sum()), went_to_payment),
        # Time in the pick queue (from release: waves and backorders are release waits).
        "pick_wait_hours_mean": _mean((_col(df, "pick_start_h") - _col(df, "released_h"))[shipments]),
        "pack_wait_hours_mean": _mean((_col(df, "pack_start_h") - picked_h)[shipments]),
    }
    reason = df["return_reason"]
    codes = reason.cat.codes.to_numpy()
    returned_units = _col(df, "units_returned")
    for code, name in enumerate(reason.cat.categories[1:], start=1):
        k[f"return_rate_pct_{name}"] = _pct(returned_units[parcels_delivered & (codes == code)].sum(),
                                            units_sold)
    picked = shipments & ~np.isnan(picked_h)
    shipped = shipments & ~np.isnan(shipped_h)
    k.update(_picking_kpis(df, picked, shipped, ""))
    k.update(_parcel_kpis(result, shipments, shipped, placed & ~np.isnan(shipped_h), lo, hi))
    k["orders_backordered"] = int((placed & _is(df, "status", "backordered")).sum())
    k.update(_aftersales_kpis(df, placed))
    k.update(_reship_kpis(df, placed, (placed_h >= lo) & (placed_h < hi) & (_col(df, "reship_of") >= 0)))
    if len(result.inventory):
        k.update(_stock_kpis(df, placed, part_of))
        k.update(result.extra_kpis)
    tours = result.tours
    t_start, t_end = _col(tours, "start_h"), _col(tours, "end_h")
    t_lines, t_orders = _col(tours, "lines"), _col(tours, "orders")
    t_ended = (t_end >= lo) & (t_end < hi)
    released_h = _col(df, "released_h")
    pools = _pools_by_site_role(result)
    for site, roles in pools.items():
        at_site = _is(df, "site", site)
        for role, duty in roles.items():
            staffed = sum(overlap_hours(d, lo, hi) for d in duty)
            if role == "pickers":
                mine = _is(tours, "site", site)
                busy = _busy_hours(t_start[mine], t_end[mine], lo, hi)
                ended = mine & t_ended
                lines = t_lines[ended].sum()
                worked = (t_end[ended] - t_start[ended]).sum()
                k[f"picks_per_picker_hour_{site}"] = lines / staffed if staffed else math.nan
                k[f"picks_per_busy_picker_hour_{site}"] = lines / worked if worked else math.nan
                k[f"orders_per_tour_{site}"] = float(t_orders[ended].mean()) if ended.any() else math.nan
            else:
                _, start_col, end_col = POOL_COLUMNS[role]
                busy = _busy_hours(_col(df, start_col)[at_site], _col(df, end_col)[at_site], lo, hi)
                jobs = result.label_jobs
                if len(jobs):
                    mine = (jobs["site"] == site).to_numpy()
                    busy += _busy_hours(jobs["start_h"].to_numpy()[mine], jobs["end_h"].to_numpy()[mine], lo, hi)
            k[f"utilization_{role}_{site}"] = busy / staffed if staffed else math.nan
        k.update(_picking_kpis(df, picked & at_site, shipped & at_site, f"_{site}"))
        k[f"release_wait_hours_mean_{site}"] = _mean((released_h - paid_h)[shipments & at_site])
    k.update(_cost_kpis(result, scenario, df, pools, placed, shipments, lo, hi))
    staffed = sum(overlap_hours(d, lo, hi) for roles in pools.values() for d in roles.get("pickers", []))
    lines = t_lines[t_ended].sum()
    worked = (t_end[t_ended] - t_start[t_ended]).sum()
    k["picks_per_picker_hour"] = lines / staffed if staffed else math.nan
    k["picks_per_busy_picker_hour"] = lines / worked if worked else math.nan
    return {name: float(v) for name, v in k.items()}


def _picking_kpis(df: pd.DataFrame, picked: np.ndarray, shipped: np.ndarray,
                  suffix: str) -> dict[str, float]:
    """Travel and error KPIs of the picked / shipped orders (row masks)."""
    travel = _col(df, "pick_travel_m")[picked]
    lines = _col(df, "lines")[picked].sum()
    n_picked, n_shipped = int(picked.sum()), int(shipped.sum())
    return {
        f"pick_travel_m_per_order{suffix}": _mean(travel),
        f"pick_travel_m_per_line{suffix}":
            float(np.nansum(travel) / lines) if lines and not np.isnan(travel).all() else math.nan,
        f"pick_errors_found_per_1000_orders{suffix}":
            1000 * _col(df, "pick_errors_found")[picked].sum() / n_picked if n_picked else math.nan,
        f"pick_errors_shipped_per_1000_orders{suffix}":
            1000 * _col(df, "pick_error")[shipped].sum() / n_shipped if n_shipped else math.nan,
    }


def _per_order(x: np.ndarray, parcels: np.ndarray, orders: np.ndarray) -> float:
    """A parcel cost per order: its total over the ``parcels`` (row mask) per order of
    ``orders`` (row mask) where it is modelled (not NaN); NaN where it never is. Orders
    shipped whole: the mean over the orders."""
    vals = x[parcels]
    n = int((orders & ~np.isnan(x)).sum())
    return float(np.nansum(vals) / n) if n and not np.isnan(vals).all() else math.nan


def _parcel_kpis(result: RunResult, placed: np.ndarray, shipped: np.ndarray,
                 orders_shipped: np.ndarray, lo: float, hi: float) -> dict[str, float]:
    """Packing, label, cost and delivery-exception KPIs (parcels of the orders placed in
    the window, ``shipped``: those that left; costs per order of ``orders_shipped``;
    label labour: work done inside the window per parcel labelled inside it)."""
    df = result.orders
    n_shipped = int(shipped.sum())
    n_orders = int(orders_shipped.sum())
    labelled_h, packed_h = _col(df, "labelled_h"), _col(df, "packed_h")
    labelled_inside = (labelled_h >= lo) & (labelled_h < hi)
    # One by one, a label is the end of the packer's job; in bulk, the print jobs.
    one_by_one = labelled_inside & (_col(df, "packer_done_h") == labelled_h)
    label_h = float(np.nansum((labelled_h - packed_h)[one_by_one]))
    jobs = result.label_jobs
    if len(jobs):
        starts = jobs["start_h"].to_numpy()
        inside = (starts >= lo) & (starts < hi)
        label_h += float((jobs["end_h"].to_numpy() - starts)[inside].sum())
    n_labelled = int(labelled_inside.sum())
    out = {
        "packaging_cost_per_order": _per_order(_col(df, "packaging_cost"), shipped, orders_shipped),
        "shipping_cost_per_order": _per_order(_col(df, "shipping_cost"), shipped, orders_shipped),
        "box_fill_pct_mean": 100 * _mean(_col(df, "box_fill")[shipped]),
        "no_box_per_1000_orders":
            1000 * _col(df, "no_box")[shipped].sum() / n_orders if n_orders else math.nan,
        "label_wait_hours_mean": _mean((labelled_h - packed_h)[placed]),
        "label_labour_hours_per_1000_orders": 1000 * label_h / n_labelled if n_labelled else math.nan,
    }
    for name in ("lost", "damaged", "address_problem"):
        out[f"{name}_pct"] = _pct(int((shipped & _is(df, "exception", name)).sum()), n_shipped)
    return out


def _aftersales_kpis(df: pd.DataFrame, placed: np.ndarray) -> dict[str, float]:
    """Remedies and satisfaction of the orders placed in the window."""
    from sim.model.aftersales import DISSATISFACTION_REASONS

    n = int(placed.sum())
    csat = _col(df, "csat")[placed]
    answered = ~np.isnan(csat)
    reason = df["dissatisfied_reason"].cat.codes.to_numpy()[placed]
    unhappy = reason > 0
    out = {
        "remedy_cost_per_order": float(_col(df, "remedy_cost")[placed].sum() / n) if n else math.nan,
        "refunds_per_1000_orders": 1000 * int((placed & _is(df, "remedy", "refund")).sum()) / n if n else math.nan,
        "discounts_per_1000_orders": 1000 * int((placed & _is(df, "remedy", "discount")).sum()) / n if n else math.nan,
        "csat_mean": float(csat[answered].mean()) if answered.any() else math.nan,
        "csat_responses": int(answered.sum()),
        "dissatisfied_pct": _pct(int(unhappy.sum()), int(answered.sum())),
    }
    for i, name in enumerate(DISSATISFACTION_REASONS[1:], start=1):
        out[f"dissatisfied_pct_{name}"] = _pct(int((reason == i).sum()), int(answered.sum()))
    return out


def _cost_kpis(result: RunResult, scenario: Scenario, df: pd.DataFrame, pools: dict,
               placed: np.ndarray, shipments: np.ndarray, lo: float, hi: float) -> dict[str, float]:
    """What fulfilling an order costs: labour (on-duty hours inside the window at each
    pool's hourly cost, per order shipped inside it) plus packaging, carrier charge and
    remedies (of every parcel, per order placed in the window)."""
    labour = 0.0
    for site, roles in pools.items():
        staff = scenario.warehouses[site].staff
        rate = {"pickers": staff.picker_hourly_cost, "packers": staff.packer_hourly_cost}
        for role, duty in roles.items():
            labour += rate[role] * sum(overlap_hours(d, lo, hi) for d in duty)
    shipped_h = _col(df, "shipped_h")
    n_shipped = int(((shipped_h >= lo) & (shipped_h < hi) & _col(df, "customer_order")).sum())
    per_order = 0.0
    labour_per_order = labour / n_shipped if n_shipped else math.nan
    n = int(placed.sum())
    for col in ("packaging_cost", "shipping_cost", "remedy_cost"):
        per_order += float(np.nansum(_col(df, col)[shipments])) / n if n else math.nan
    return {
        "labour_cost_per_order": labour_per_order,
        "cost_per_order": labour_per_order + per_order,
    }


def _reship_kpis(df: pd.DataFrame, placed: np.ndarray, reships: np.ndarray) -> dict[str, float]:
    """Reships placed in the window per 1,000 orders, and the lead time to a correct
    delivery: from placing the order to the first delivery in its chain of reships that
    arrived intact and right (orders placed in the window that got one; an order shipped
    in parts: when the last of its parts did)."""
    n = int(placed.sum())
    delivered_h = _col(df, "delivered_h")
    ok = (~np.isnan(delivered_h) & ~_is(df, "exception", "damaged") & ~_col(df, "pick_error"))
    # Follow each order's chain of reships (order ids are row positions within a
    # replication's table; this table may hold several replications: offset by its start).
    start = np.flatnonzero(np.r_[True, np.diff(_col(df, "replication")) != 0])
    offset = np.repeat(start, np.diff(np.r_[start, len(df)]))
    correct = np.where(ok, delivered_h, np.nan)
    current = np.arange(len(df))
    child = _col(df, "reship_id")
    for _ in range(8):  # deeper than any max_reships
        nxt = child[current]
        todo = np.isnan(correct) & (nxt >= 0)
        if not todo.any():
            break
        idx = np.flatnonzero(todo)
        rows = nxt[idx] + offset[idx]
        correct[idx] = np.where(ok[rows], delivered_h[rows], np.nan)
        current[idx] = rows
    # An order shipped in parts is right when every part is (each through its reships).
    part_of = _col(df, "part_of")
    parts = np.flatnonzero(part_of >= 0)
    with np.errstate(invalid="ignore"):  # NaN wins: a part never arrived right
        np.maximum.at(correct, part_of[parts] + offset[parts], correct[parts])
    lead = (correct - _col(df, "placed_h"))[placed]
    lead = lead[~np.isnan(lead)]
    return {
        "reships_per_1000_orders": 1000 * int(reships.sum()) / n if n else math.nan,
        "lead_time_to_correct_delivery_hours_mean": float(lead.mean()) if len(lead) else math.nan,
    }


def _stock_kpis(df: pd.DataFrame, placed: np.ndarray, part_of: np.ndarray) -> dict[str, float]:
    """Fill rate and backorders, over the orders placed in the window that reached
    stock allocation (paid). Filled: shipped whole from its nearest site's stock at
    once (not backordered, rerouted or split)."""
    allocated = placed & ~np.isnan(_col(df, "paid_h"))
    backordered = allocated & ~np.isnan(_col(df, "backordered_h"))
    rerouted = allocated & (_col(df, "alternative_of") >= 0)
    in_parts = np.zeros(len(part_of), dtype=bool)
    in_parts[part_of[part_of >= 0]] = True
    in_parts &= allocated
    n = int(allocated.sum())
    wait = (_col(df, "backorder_filled_h") - _col(df, "backordered_h"))[backordered]
    wait = wait[~np.isnan(wait)]
    return {
        "fill_rate_pct": _pct(int((allocated & ~backordered & ~rerouted & ~in_parts).sum()), n),
        "rerouted_pct": _pct(int(rerouted.sum()), n),
        "shipped_in_parts_pct": _pct(int(in_parts.sum()), n),
        "backorder_rate_pct": _pct(int(backordered.sum()), n),
        "backorder_wait_hours_mean": float(wait.mean()) if len(wait) else math.nan,
        "backorder_wait_hours_p90": float(np.percentile(wait, 90)) if len(wait) else math.nan,
    }


def _pools_by_site_role(result: RunResult) -> dict[str, dict[str, list]]:
    """Duty calendars of every worker, grouped by site and role (zones merged)."""
    out: dict[str, dict[str, list]] = {}
    for pool in result.pools:
        out.setdefault(pool.site, {}).setdefault(pool.role, []).extend(pool.duty)
    return out


def _count_le(sorted_times: np.ndarray, t: np.ndarray) -> np.ndarray:
    return np.searchsorted(sorted_times, t, side="right")


def pool_timeseries(result: RunResult, step_h: float = TIMESERIES_STEP_H) -> pd.DataFrame:
    """Queue length, busy workers and workers on duty per pool on a regular time grid
    (hours), derived exactly from the per-order timestamps."""
    df = result.orders
    t = np.arange(0.0, result.end_h + step_h / 2, step_h)
    frames = []
    tours = result.tours

    def times(x: np.ndarray) -> np.ndarray:
        return np.sort(x[~np.isnan(x)])

    for site, pools in _pools_by_site_role(result).items():
        at_site = _is(df, "site", site)
        for role, duty in pools.items():
            enter_col, start_col, end_col = POOL_COLUMNS[role]
            entered, started = (times(_col(df, c)[at_site]) for c in (enter_col, start_col))
            if role == "pickers":
                mine = _is(tours, "site", site)
                busy = (_count_le(times(_col(tours, "start_h")[mine]), t)
                        - _count_le(times(_col(tours, "end_h")[mine]), t))
            else:
                busy = _count_le(started, t) - _count_le(times(_col(df, end_col)[at_site]), t)
            on_duty = on_duty_count(duty, t)
            frames.append(pd.DataFrame({
                "replication": result.replication,
                "site": site,
                "pool": role,
                "t_h": t,
                "queue_length": _count_le(entered, t) - _count_le(started, t),
                "busy": busy,
                "on_duty": on_duty,
                "utilization": np.where(on_duty > 0, busy / np.maximum(on_duty, 1), np.nan),
            }))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


# --- confidence intervals ------------------------------------------------------------

# Two-sided 95% Student-t critical values, t_{0.975, df}, df = 1..30.
_T975 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
         2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
         2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042)


def t975(df: int) -> float:
    """The 97.5% quantile of Student's t with ``df`` degrees of freedom (table up to 30,
    then the Cornish-Fisher expansion, accurate to 1e-4)."""
    if df < 1:
        return math.nan
    if df <= len(_T975):
        return _T975[df - 1]
    z = NormalDist().inv_cdf(0.975)
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    return z + g1 / df + g2 / df**2 + g3 / df**3


def mean_ci95(values: np.ndarray) -> tuple[float, float, float]:
    """(mean, low, high) of the 95% t-interval over replications; NaN bounds with one
    replication (no spread to estimate). NaN values (a KPI undefined in a replication)
    are left out."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if not len(x):
        return math.nan, math.nan, math.nan
    mean = float(x.mean())
    if len(x) < 2:
        return mean, math.nan, math.nan
    half = t975(len(x) - 1) * float(x.std(ddof=1)) / math.sqrt(len(x))
    return mean, mean - half, mean + half


def summarise_kpis(kpis: pd.DataFrame) -> dict[str, dict]:
    """``{kpi: {mean, ci95_low, ci95_high, per_replication}}`` from the per-replication
    KPI frame (one row per replication, ``replication`` column first)."""
    out = {}
    for name in kpis.columns.drop("replication"):
        values = kpis[name].to_numpy(dtype=float)
        mean, low, high = mean_ci95(values)
        out[name] = {
            "mean": _json_float(mean),
            "ci95_low": _json_float(low),
            "ci95_high": _json_float(high),
            "per_replication": [_json_float(v) for v in values],
        }
    return out


def _json_float(v: float) -> float | None:
    return None if v is None or math.isnan(v) else float(v)
