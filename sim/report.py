"""Figures (PNG, matplotlib's Agg backend: no screen needed).

- ``lead_time_by_site.png`` / ``lead_time_by_channel.png``: histogram and ECDF of order
  lead time (hours), delivered orders placed after warm-up, all replications pooled.
- ``picking_accuracy_by_day.png``: picking accuracy (%) per day of placement, one thin
  line per replication and the mean across replications.
- ``staff_pools.png``: per staff pool, utilisation (busy / on duty) and queue length
  over time, hourly means across replications.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from sim.calendar import HOURS_PER_DAY  # noqa: E402
from sim.experiment import Result  # noqa: E402
from sim.stats import window_h  # noqa: E402

DPI = 110


def _measured(result: Result) -> pd.DataFrame:
    lo, hi = window_h(result.scenario)
    df = result.orders
    return df[(df["placed_h"] >= lo) & (df["placed_h"] < hi)]


def _lead_time_figure(delivered: pd.DataFrame, by: str, path: Path) -> Path:
    fig, (ax_hist, ax_ecdf) = plt.subplots(1, 2, figsize=(11, 4))
    groups = [(name, g["lead_time_h"].to_numpy()) for name, g in delivered.groupby(by, observed=True)]
    top = max((np.percentile(x, 99.5) for _, x in groups if len(x)), default=1.0)
    bins = np.linspace(0, top, 60)
    for name, x in groups:
        if not len(x):
            continue
        ax_hist.hist(x, bins=bins, density=True, histtype="step", linewidth=1.5,
                     label=f"{name} (n={len(x):,})")
        xs = np.sort(x)
        ax_ecdf.step(xs, np.arange(1, len(xs) + 1) / len(xs), where="post", label=str(name))
    ax_hist.set(xlabel="lead time, placed to delivered (hours)", ylabel="density",
                title=f"Lead-time distribution by {by}")
    ax_ecdf.set(xlabel="lead time (hours)", ylabel="share of orders delivered within",
                title=f"Lead-time ECDF by {by}", xlim=(0, top), ylim=(0, 1))
    for q in (0.5, 0.9, 0.95):
        ax_ecdf.axhline(q, color="grey", linewidth=0.5, linestyle=":")
    ax_hist.legend(fontsize=8)
    ax_ecdf.legend(fontsize=8, loc="lower right")
    ax_ecdf.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def _accuracy_figure(measured: pd.DataFrame, path: Path) -> Path:
    delivered = measured[measured["status"] == "delivered"].copy()
    delivered["day"] = (delivered["placed_h"] // HOURS_PER_DAY).astype(int)
    delivered["wrong"] = delivered["return_reason"] == "wrong_item"
    daily = delivered.groupby(["replication", "day"])["wrong"].agg(["sum", "count"])
    daily["accuracy_pct"] = 100 * (1 - daily["sum"] / daily["count"])
    table = daily["accuracy_pct"].unstack("replication")
    fig, ax = plt.subplots(figsize=(9, 4))
    for rep in table.columns:
        ax.plot(table.index, table[rep], color="tab:blue", alpha=0.25, linewidth=0.8)
    ax.plot(table.index, table.mean(axis=1), color="tab:blue", linewidth=2,
            label=f"mean of {table.shape[1]} replication(s)")
    ax.set(xlabel="day the order was placed", ylabel="picking accuracy (%)",
           title="Picking accuracy by day (orders delivered; wrong-item returns count against)")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def _pools_figure(ts: pd.DataFrame, end_h: float, path: Path) -> Path:
    pools = list(ts.groupby(["site", "pool"], sort=False).groups)
    fig, axes = plt.subplots(len(pools), 2, figsize=(12, 2.2 * len(pools) + 0.6),
                             squeeze=False, sharex=True)
    for row, (site, pool) in enumerate(pools):
        sel = ts[(ts["site"] == site) & (ts["pool"] == pool) & (ts["t_h"] <= end_h)]
        # Hourly means (across the hour's grid points and the replications) keep a
        # month readable.
        hour = np.floor(sel["t_h"].to_numpy())
        mean = sel.groupby(hour)[["utilization", "queue_length", "on_duty"]].mean()
        days = mean.index / HOURS_PER_DAY
        ax_u, ax_q = axes[row]
        ax_u.plot(days, mean["utilization"], linewidth=0.7)
        ax_u.set(ylabel="utilisation", ylim=(0, 1.05), title=f"{site} {pool}: busy / on duty")
        ax_q.plot(days, mean["queue_length"], linewidth=0.7, color="tab:red")
        ax_q.set(ylabel="orders waiting", title=f"{site} {pool}: queue length")
        for ax in (ax_u, ax_q):
            ax.grid(alpha=0.3)
    for ax in axes[-1]:
        ax.set_xlabel("day")
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def write_figures(result: Result, out: Path) -> list[Path]:
    """Write every figure into ``out``; return their paths."""
    measured = _measured(result)
    delivered = measured[measured["status"] == "delivered"]
    paths = [
        _lead_time_figure(delivered, "site", out / "lead_time_by_site.png"),
        _lead_time_figure(delivered, "channel", out / "lead_time_by_channel.png"),
        _accuracy_figure(measured, out / "picking_accuracy_by_day.png"),
    ]
    if len(result.timeseries):
        end_h = result.scenario.horizon.days * HOURS_PER_DAY
        paths.append(_pools_figure(result.timeseries, end_h, out / "staff_pools.png"))
    return paths
