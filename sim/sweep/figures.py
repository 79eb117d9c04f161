"""Sweep figures (PNG): each KPI against each numeric swept parameter, means with 95%
CI bands (``sweep_<kpi>.png``), and with two swept parameters on a full grid, a heat
map of the mean (``heatmap_<kpi>.png``).

A point where the KPI is censored (a percentile among unfinished orders: no mean, a
lower bound; points.csv's ``lower_bound``) is drawn at its lower bound as an open
upward triangle, "censored: at least", not left out: the points a saturated
configuration censors are the ones a planner must see."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pandas as pd

# Drawn unless the user names others (those present in the sweep's KPIs).
DEFAULT_FIGURE_KPIS = (
    "lead_time_hours_mean",
    "lead_time_hours_p95",
    "on_time_delivery_pct",
    "pick_wait_hours_mean",
    "throughput_orders_per_day",
    "cost_per_order",
)
MAX_LINES = 8  # more groups than this: points with error bars instead of lines
DPI = 110


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _numeric(points: pd.DataFrame, parameter: str) -> bool:
    col = points[parameter]
    return (pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col)
            and col.nunique() > 1)


def sweep_figures(points: pd.DataFrame, parameters: list[str], kpis: list[str],
                  out: Path) -> list[Path]:
    """Write the figures of ``kpis`` (those in ``points``) into ``out``; return them."""
    written = []
    present = set(points["kpi"])
    for kpi in kpis:
        if kpi not in present:
            continue
        rows = points[points["kpi"] == kpi]
        if rows["mean"].isna().all() and _bounds(rows).isna().all():
            continue  # (no value at any point: nothing to draw)
        written.append(_kpi_figure(rows, parameters, kpi, out / f"sweep_{kpi}.png"))
        heat = _heatmap(rows, parameters, kpi, out / f"heatmap_{kpi}.png")
        if heat is not None:
            written.append(heat)
    return written


def _kpi_figure(rows: pd.DataFrame, parameters: list[str], kpi: str, path: Path) -> Path:
    plt = _plt()
    numeric = [p for p in parameters if _numeric(rows, p)]
    panels = numeric or [None]
    fig, axes = plt.subplots(1, len(panels), figsize=(5.2 * len(panels), 3.8), squeeze=False)
    for ax, parameter in zip(axes[0], panels, strict=True):
        if parameter is None:
            _by_point(ax, rows, parameters)
        else:
            _against(ax, rows, parameters, parameter)
        ax.set_ylabel(kpi)
        ax.grid(alpha=0.3)
    fig.suptitle(f"{kpi}: mean and 95% CI per point")
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def _bounds(rows: pd.DataFrame) -> pd.Series:
    """The lower bound of each point whose mean is censored (NaN elsewhere)."""
    if "lower_bound" not in rows:
        return pd.Series(math.nan, index=rows.index)
    return rows["lower_bound"].where(rows["mean"].isna())


def _censored_markers(ax, x: np.ndarray, bound: np.ndarray, color=None) -> None:
    ok = ~np.isnan(bound)
    if ok.any():
        ax.scatter(x[ok], bound[ok], marker="^", s=36, facecolors="none",
                   edgecolors=color or "tab:red", zorder=3)


def _censored_legend(ax, rows: pd.DataFrame) -> bool:
    """A legend entry for the censored points' markers; whether there are any."""
    censored = bool(_bounds(rows).notna().any())
    if censored:
        ax.scatter([], [], marker="^", s=36, facecolors="none", edgecolors="grey",
                   label="censored: at least")
    return censored


def _against(ax, rows: pd.DataFrame, parameters: list[str], parameter: str) -> None:
    others = [p for p in parameters if p != parameter and rows[p].nunique() > 1]
    groups = list(rows.groupby(others, sort=True)) if others else [((), rows)]
    lines = len(groups) <= MAX_LINES and all(g[parameter].nunique() > 1 for _, g in groups)
    for key, group in groups:
        group = group.sort_values(parameter)
        x = group[parameter].to_numpy(dtype=float)
        mean = group["mean"].to_numpy(dtype=float)
        low, high = group["ci95_low"].to_numpy(dtype=float), group["ci95_high"].to_numpy(dtype=float)
        bound = _bounds(group).to_numpy(dtype=float)
        key = key if isinstance(key, tuple) else (key,)
        label = ", ".join(f"{_short(p)}={v}" for p, v in zip(others, key, strict=True)) or None
        if lines:
            (line,) = ax.plot(x, mean, marker="o", label=label)
            color = line.get_color()
            ok = ~np.isnan(low)
            if ok.any():
                ax.fill_between(x[ok], low[ok], high[ok], alpha=0.2, color=color)
        else:
            err = np.vstack([mean - low, high - mean])
            # Too many groups to tell apart (a Latin hypercube): one colour for all.
            many = len(groups) > MAX_LINES
            bars = ax.errorbar(x, mean, yerr=np.where(np.isnan(err), 0, err), fmt="o", ms=3, alpha=0.7,
                               color="tab:blue" if many else None, label=None if many else label)
            color = bars.lines[0].get_color()
        _censored_markers(ax, x, bound, color)
    ax.set_xlabel(parameter)
    censored = _censored_legend(ax, rows)
    if (others and len(groups) <= MAX_LINES) or censored:
        ax.legend(fontsize=7)


def _by_point(ax, rows: pd.DataFrame, parameters: list[str]) -> None:
    """No numeric parameter: one bar per point, labelled by its values."""
    labels = [", ".join(f"{_short(p)}={r[p]}" for p in parameters) for _, r in rows.iterrows()]
    mean = rows["mean"].to_numpy(dtype=float)
    err = np.vstack([mean - rows["ci95_low"].to_numpy(dtype=float),
                     rows["ci95_high"].to_numpy(dtype=float) - mean])
    ax.bar(range(len(rows)), mean, yerr=np.where(np.isnan(err), 0, err), capsize=3, alpha=0.8)
    _censored_markers(ax, np.arange(len(rows), dtype=float), _bounds(rows).to_numpy(dtype=float))
    if _censored_legend(ax, rows):
        ax.legend(fontsize=7)
    ax.set_xticks(range(len(rows)), labels, rotation=30, ha="right", fontsize=7)


def _heatmap(rows: pd.DataFrame, parameters: list[str], kpi: str, path: Path) -> Path | None:
    """A heat map of the mean, with two swept parameters whose points form a full grid."""
    if len(parameters) != 2:
        return None
    px, py = parameters
    xs, ys = sorted(rows[px].unique(), key=_order), sorted(rows[py].unique(), key=_order)
    if len(xs) < 2 or len(ys) < 2 or len(rows) != len(xs) * len(ys):
        return None
    if {(r[px], r[py]) for _, r in rows.iterrows()} != set(itertools.product(xs, ys)):
        return None
    grid = np.full((len(ys), len(xs)), math.nan)
    bounds = np.full((len(ys), len(xs)), math.nan)  # censored cells: "> bound", uncoloured
    for (_, r), bound in zip(rows.iterrows(), _bounds(rows), strict=True):
        grid[ys.index(r[py]), xs.index(r[px])] = r["mean"]
        bounds[ys.index(r[py]), xs.index(r[px])] = bound
    plt = _plt()
    fig, ax = plt.subplots(figsize=(1.2 * len(xs) + 3, 0.6 * len(ys) + 2.5))
    image = ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis")
    ax.set_xticks(range(len(xs)), [str(x) for x in xs])
    ax.set_yticks(range(len(ys)), [str(y) for y in ys])
    ax.set_xlabel(px)
    ax.set_ylabel(py)
    finite = grid[~np.isnan(grid)]
    mid = (finite.min() + finite.max()) / 2 if len(finite) else 0
    for (i, j), value in np.ndenumerate(grid):
        if not math.isnan(value):
            ax.text(j, i, f"{value:.3g}", ha="center", va="center", fontsize=8,
                    color="black" if value > mid else "white")
        elif not math.isnan(bounds[i, j]):
            ax.text(j, i, f"> {bounds[i, j]:.3g}\ncensored", ha="center", va="center", fontsize=7)
    fig.colorbar(image, ax=ax, label=kpi)
    ax.set_title(f"{kpi}: mean per point")
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def _order(value):
    return (0, value, "") if isinstance(value, (int, float)) else (1, 0, str(value))


def _short(path: str) -> str:
    from sim.scenario.diff import short_path

    return short_path(path)
