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
    "pickers": ("paid_h", "pick_start_h", "picked_h"),
    "packers": ("picked_h", "pack_start_h", "labelled_h"),
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


def replication_kpis(result: RunResult, scenario: Scenario) -> dict[str, float]:
    """The KPIs of one replication (names and definitions: README, "KPIs")."""
    df = result.orders
    lo, hi = window_h(scenario)
    placed = df[(df["placed_h"] >= lo) & (df["placed_h"] < hi)]
    delivered = placed[placed["status"] == "delivered"]
    lead = delivered["lead_time_h"].to_numpy()
    q = np.percentile(lead, [50, 90, 95, 99]) if len(lead) else [math.nan] * 4
    shipped_in_window = df["shipped_h"].between(lo, hi, inclusive="left").sum()
    went_to_payment = (placed["cancel_reason"] != "below_moq").sum()
    wrong_item = (delivered["return_reason"] == "wrong_item").sum()
    units_sold = delivered["units"].sum()
    k: dict[str, float] = {
        "orders_placed": len(placed),
        "orders_cancelled": int((placed["status"] == "cancelled").sum()),
        "orders_shipped": int(placed["shipped_h"].notna().sum()),
        "orders_delivered": len(delivered),
        "orders_lost": int((placed["status"] == "lost").sum()),
        "orders_in_progress": int((placed["status"] == "in_progress").sum()),
        "throughput_orders_per_day": shipped_in_window / ((hi - lo) / HOURS_PER_DAY),
        "lead_time_hours_mean": float(lead.mean()) if len(lead) else math.nan,
        "lead_time_hours_p50": float(q[0]),
        "lead_time_hours_p90": float(q[1]),
        "lead_time_hours_p95": float(q[2]),
        "lead_time_hours_p99": float(q[3]),
        "picking_accuracy_pct": _pct(len(delivered) - wrong_item, len(delivered)),
        "return_rate_pct": _pct(delivered.loc[delivered["returned"], "units"].sum(), units_sold),
        "on_time_delivery_pct": _pct(delivered["on_time"].sum(), len(delivered)),
        "payment_failure_pct": _pct(
            (placed["cancel_reason"] == "payment_declined").sum(), went_to_payment
        ),
        "pick_wait_hours_mean": _mean_or_nan(placed["pick_start_h"] - placed["paid_h"]),
        "pack_wait_hours_mean": _mean_or_nan(placed["pack_start_h"] - placed["picked_h"]),
    }
    for pool in result.pools:
        _, start_col, end_col = POOL_COLUMNS[pool.role]
        at_site = df[df["site"] == pool.site]
        busy = _busy_hours(at_site[start_col].to_numpy(), at_site[end_col].to_numpy(), lo, hi)
        staffed = sum(overlap_hours(d, lo, hi) for d in pool.duty)
        k[f"utilization_{pool.role}_{pool.site}"] = busy / staffed if staffed else math.nan
    return {name: float(v) for name, v in k.items()}


def _mean_or_nan(s: pd.Series) -> float:
    s = s.dropna()
    return float(s.mean()) if len(s) else math.nan


def _count_le(sorted_times: np.ndarray, t: np.ndarray) -> np.ndarray:
    return np.searchsorted(sorted_times, t, side="right")


def pool_timeseries(result: RunResult, step_h: float = TIMESERIES_STEP_H) -> pd.DataFrame:
    """Queue length, busy workers and workers on duty per pool on a regular time grid
    (hours), derived exactly from the per-order timestamps."""
    df = result.orders
    t = np.arange(0.0, result.end_h + step_h / 2, step_h)
    frames = []
    for pool in result.pools:
        enter_col, start_col, end_col = POOL_COLUMNS[pool.role]
        at_site = df[df["site"] == pool.site]

        def times(col: str, at_site=at_site) -> np.ndarray:
            x = at_site[col].to_numpy()
            return np.sort(x[~np.isnan(x)])

        entered, started, ended = (times(c) for c in (enter_col, start_col, end_col))
        busy = _count_le(started, t) - _count_le(ended, t)
        on_duty = on_duty_count(pool.duty, t)
        frames.append(pd.DataFrame({
            "replication": result.replication,
            "site": pool.site,
            "pool": pool.role,
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
