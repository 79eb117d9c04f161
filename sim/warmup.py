"""The warm-up of a finished run: a daily series of a KPI from ``orders.parquet``
(averaged over replications), the MSER-5 truncation point on it
(:func:`sim.analysis.mser`), and a figure.

Reads only the order columns it needs, and only those present (the order table's
columns are not fixed): ``replication``, ``placed_h``, ``paid_h``, ``shipped_h``,
``delivered_h``, ``lead_time_h``, ``status``, ``on_time``, ``customer_order``.
"""

from __future__ import annotations

import difflib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis import MSER_BATCH, MSER_LATE_MARGIN, MSER_MIN_TAIL_BATCHES, MserResult, mser
from sim.errors import ScenarioError
from sim.units import HOURS_PER_DAY

# Daily series a warm-up can be judged on: name -> what it is.
SERIES = {
    "lead_time_hours_mean": "mean lead time (h) of delivered orders, by day placed",
    "warehouse_hours_mean": "mean time in the warehouse (h, paid to shipped), by day placed",
    "on_time_delivery_pct": "on-time % of delivered orders, by day placed",
    "throughput_orders_per_day": "orders shipped, by day shipped",
}
DEFAULT_SERIES = "lead_time_hours_mean"
ORDER_COLUMNS = ("replication", "placed_h", "paid_h", "shipped_h", "delivered_h", "lead_time_h",
                 "status", "on_time", "customer_order")


def read_orders(path: Path, columns=ORDER_COLUMNS) -> pd.DataFrame:
    """The columns of ``columns`` that the parquet file has (others are skipped). A file
    that is not the orders table of a run is bad input (exit 2)."""
    import pyarrow.parquet as pq

    try:
        present = set(pq.read_schema(path).names)
        orders = pd.read_parquet(path, columns=[c for c in columns if c in present])
    except Exception as exc:  # pyarrow raises several kinds for a bad file
        raise ScenarioError([f"{path}: cannot be read as the orders of a run "
                             f"({type(exc).__name__}: {str(exc).splitlines()[0]}); truncated, "
                             "or not written by fsim run?"]) from None
    if "placed_h" not in orders:
        raise ScenarioError([f"{path}: not the orders of a run (no placed_h column); give a "
                             "folder written by fsim run"])
    return orders


def _delivered_lead_time(orders: pd.DataFrame) -> pd.Series:
    """Lead time (h) of delivered orders, NaN for the others."""
    if "lead_time_h" in orders:
        lead = orders["lead_time_h"].astype(float)
    elif {"delivered_h", "placed_h"} <= set(orders):
        lead = orders["delivered_h"].astype(float) - orders["placed_h"].astype(float)
    else:
        raise ScenarioError(["orders.parquet has neither lead_time_h nor delivered_h"])
    if "status" in orders:
        lead = lead.where(orders["status"].astype(str) == "delivered")
    return lead


def daily_series(orders: pd.DataFrame, kpi: str, days: int) -> tuple[np.ndarray, np.ndarray]:
    """(day, value) for days 0..days-1 of the KPI's daily series, the mean over
    replications of each replication's daily value (NaN where a day has none)."""
    if "customer_order" in orders:  # reships and later parts are not customers' orders
        orders = orders[orders["customer_order"].astype(bool)]
    if kpi == "throughput_orders_per_day":
        if "shipped_h" not in orders:
            raise ScenarioError(["orders.parquet has no shipped_h column"])
        day = np.floor(orders["shipped_h"].astype(float) / HOURS_PER_DAY)
        value = pd.Series(1.0, index=orders.index).where(day.notna())
        how = "sum"
    else:
        day = np.floor(orders["placed_h"].astype(float) / HOURS_PER_DAY)
        how = "mean"
        if kpi == "lead_time_hours_mean":
            value = _delivered_lead_time(orders)
        elif kpi == "warehouse_hours_mean":
            if not {"shipped_h", "paid_h"} <= set(orders):
                raise ScenarioError(["orders.parquet has no shipped_h or paid_h column"])
            value = orders["shipped_h"].astype(float) - orders["paid_h"].astype(float)
        else:  # on_time_delivery_pct
            if "on_time" not in orders:
                raise ScenarioError(["orders.parquet has no on_time column"])
            delivered = _delivered_lead_time(orders).notna()
            value = (100.0 * orders["on_time"].astype(float)).where(delivered)
    replication = orders["replication"] if "replication" in orders else pd.Series(0, index=orders.index)
    frame = pd.DataFrame({"replication": replication.to_numpy(), "day": day.to_numpy(),
                          "value": value.to_numpy(dtype=float)})
    frame = frame[frame["value"].notna() & frame["day"].between(0, days - 1)]
    per_rep = frame.groupby(["replication", "day"])["value"].agg(how).unstack("day")
    per_rep = per_rep.reindex(columns=range(days))
    if how == "sum":  # a day with nothing shipped shipped zero
        per_rep = per_rep.fillna(0.0)
    return np.arange(days), per_rep.mean(axis=0).to_numpy(dtype=float)


@dataclass(frozen=True)
class WarmupReport:
    """MSER-5 on a run's daily series, with what the run was configured with."""

    kpi: str
    days: np.ndarray
    values: np.ndarray
    result: MserResult
    suggested_days: float
    configured_days: float
    horizon_days: float
    replications: int
    # Pools saturated in some replication (summary.json): their queue grows without
    # bound, so the run has no steady state for a warm-up to reach.
    saturated: dict[str, int] = field(default_factory=dict)

    @property
    def long_enough(self) -> bool:
        return self.result.long_enough

    @property
    def warmup_enough(self) -> bool:
        return self.configured_days >= self.suggested_days


def check_series(kpi: str) -> None:
    if kpi not in SERIES:
        close = difflib.get_close_matches(kpi, list(SERIES), n=3, cutoff=0.5)
        hint = f"did you mean {', '.join(close)}? " if close else ""
        raise ScenarioError([f"--kpi {kpi}: no daily series of that name; {hint}"
                             f"allowed: {', '.join(SERIES)}"])


def analyse_run(folder: str | Path, kpi: str = DEFAULT_SERIES, batch: int = MSER_BATCH) -> WarmupReport:
    """MSER-``batch`` (MSER-5 by default) on the daily ``kpi`` series of the run in
    ``folder``. Daily series of a fulfilment centre often follow the week (carriers do
    not pick up at weekends): ``batch=7`` averages that cycle out."""
    check_series(kpi)
    folder = Path(folder)
    summary_path, orders_path = folder / "summary.json", folder / "orders.parquet"
    if not summary_path.exists():
        raise ScenarioError([f"{folder}: not a run folder (no summary.json)"])
    if not orders_path.exists():
        raise ScenarioError([f"{folder}: has no orders.parquet (a KPIs-only run); the warm-up "
                             "needs the per-order table: fsim run without --outputs kpis"])
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    horizon = float(summary.get("horizon_days") or 0)
    orders = read_orders(orders_path)
    days, values = daily_series(orders, kpi, int(math.ceil(horizon)))
    kept = ~np.isnan(values)
    if not kept.any():  # (a longer run would not help)
        raise ScenarioError([f"{folder}: no day has a value of the daily {kpi} series (no order placed "
                             "in the run was delivered?): there is nothing to find a warm-up on"])
    if kept.sum() < 3 * batch:
        raise ScenarioError([f"{folder}: {int(kept.sum())} days with a value; MSER-{batch} needs "
                             f"at least {3 * batch} (three batches of {batch} days): run longer "
                             "(horizon.days)"])
    result = mser(values[kept], batch)
    suggested = float(days[kept][result.truncation])
    return WarmupReport(kpi=kpi, days=days, values=values, result=result,
                        suggested_days=suggested,
                        configured_days=float(summary.get("warmup_days") or 0),
                        horizon_days=horizon, replications=int(summary.get("replications") or 1),
                        saturated=dict(summary.get("saturated_pools") or {}))


def warmup_figure(report: WarmupReport, path: Path) -> Path:
    """The daily series with its batch means, the suggested and configured warm-ups,
    and the MSER statistic against the days deleted."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 6), sharex=True)
    top.plot(report.days + 0.5, report.values, color="tab:gray", lw=1, marker=".",
             label="daily (mean over replications)")
    kept_days = report.days[~np.isnan(report.values)]
    b = report.result.batch
    starts = kept_days[:: b][: len(report.result.batch_means)]
    top.step(np.append(starts, starts[-1] + b), np.append(report.result.batch_means,
                                                          report.result.batch_means[-1]),
             where="post", color="tab:blue", label=f"means of {b}-day batches")
    for ax in (top, bottom):
        if not report.saturated:  # (no steady state: no warm-up to suggest)
            ax.axvline(report.suggested_days, color="tab:red", ls="--",
                       label=f"MSER-{b}: {report.suggested_days:g} days")
        ax.axvline(report.configured_days, color="black", ls=":",
                   label=f"configured: {report.configured_days:g} days")
        ax.grid(alpha=0.3)
    top.set_ylabel(report.kpi)
    top.set_title(SERIES[report.kpi])
    top.legend(fontsize=8)
    stat = report.result.statistic
    bottom.plot(starts[: len(stat)], stat, marker="o")
    # The regions the verdict reads (sim.analysis.mser): a minimum in the second half
    # counts (the run is then too short) while enough batches are left, below the margin.
    r = report.result
    first_unjudged = max(r.late_from, r.late_to + 1)
    if r.late_from <= r.late_to:
        bottom.axvspan(starts[r.late_from], starts[r.late_to], color="tab:orange", alpha=0.1,
                       label="second half: a minimum here below the dashed line means the run\n"
                             "is too short (as does one on the first half's last point)")
        bottom.hlines(r.late_threshold, starts[r.late_from], starts[r.late_to], color="tab:orange",
                      ls="--", lw=1, label=f"{MSER_LATE_MARGIN:g} x the first half's minimum")
    if first_unjudged < len(stat):
        bottom.axvspan(starts[first_unjudged], report.horizon_days, facecolor="none", edgecolor="0.6",
                       hatch="//", lw=0, label=f"second half with fewer than {MSER_MIN_TAIL_BATCHES} batches "
                                               "left: a dip here is chance, not counted")
    if report.saturated:
        top.set_title(f"{SERIES[report.kpi]}\nsaturated staff pools ({', '.join(report.saturated)}): "
                      "no steady state for a warm-up to reach", color="tab:red", fontsize=10)
    bottom.set_ylabel("MSER statistic")
    bottom.set_xlabel("days deleted at the start")
    bottom.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
