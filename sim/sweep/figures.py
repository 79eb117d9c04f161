"""Sweep figures (PNG): each KPI against each numeric swept parameter, means with 95%
CI bands (``sweep_<kpi>.png``), and with two swept parameters on a full grid, a heat
map of the mean (``heatmap_<kpi>.png``).

A point where the KPI is censored (a percentile among unfinished orders: no mean, a
lower bound; points.csv's ``lower_bound``) is drawn at its lower bound as an open
upward triangle, "censored: at least", not left out: the points a saturated
configuration censors are the ones a planner must see. A point where a staff pool was
saturated in some replication (the ``saturated_pools`` KPI: a queue that grows without
bound) is crossed in red: its means are over the orders that got through, and can look
better than a point that keeps up."""

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
    saturated = saturated_points(points)
    for kpi in kpis:
        if kpi not in present:
            continue
        rows = points[points["kpi"] == kpi].assign(saturated=lambda r: r["point"].isin(saturated))
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
    # A legend of the other parameters' lines goes below each panel: room for it.
    below = max((_groups(rows, parameters, p) for p in numeric), default=0)
    below = below + 1 if 1 < below <= MAX_LINES else 0
    fig, axes = plt.subplots(1, len(panels), figsize=(5.2 * len(panels), 3.8 + 0.2 * below),
                             squeeze=False)
    for ax, parameter in zip(axes[0], panels, strict=True):
        if parameter is None:
            _by_point(ax, rows, parameters)
        else:
            _against(ax, rows, parameters, parameter)
        ax.set_ylabel(_with_unit(kpi))
        ax.grid(alpha=0.3)
    fig.suptitle(f"{kpi}: mean and 95% CI per point")
    fig.tight_layout()
    fig.savefig(path, dpi=DPI, bbox_inches="tight")  # (legends below the axes included)
    plt.close(fig)
    return path


def saturated_points(points: pd.DataFrame) -> set[int]:
    """The points where a staff pool was saturated in some replication (the mean of the
    ``saturated_pools`` KPI above 0)."""
    sat = points[(points["kpi"] == "saturated_pools") & (points["mean"].fillna(0) > 0)]
    return set(sat["point"].astype(int).tolist())


def _saturated_markers(ax, x: np.ndarray, y: np.ndarray, saturated: np.ndarray) -> None:
    if saturated.any():
        ax.scatter(x[saturated], y[saturated], marker="x", s=60, color="tab:red", zorder=4)


def _saturated_legend(ax, rows: pd.DataFrame) -> bool:
    """A legend entry for the saturated points' crosses; whether there are any."""
    if "saturated" not in rows or not rows["saturated"].any():
        return False
    ax.scatter([], [], marker="x", s=60, color="tab:red", label=SATURATED_LABEL)
    return True


SATURATED_LABEL = "saturated: a staff pool cannot keep up"


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


def _others(rows: pd.DataFrame, parameters: list[str], parameter: str) -> list[str]:
    """The parameters other than ``parameter`` that vary: one line per combination."""
    return [p for p in parameters if p != parameter and rows[p].nunique() > 1]


def _groups(rows: pd.DataFrame, parameters: list[str], parameter: str) -> int:
    others = _others(rows, parameters, parameter)
    return len(rows.groupby(others)) if others else 1


def _against(ax, rows: pd.DataFrame, parameters: list[str], parameter: str) -> None:
    others = _others(rows, parameters, parameter)
    groups = list(rows.groupby(others, sort=True)) if others else [((), rows)]
    lines = len(groups) <= MAX_LINES and all(g[parameter].nunique() > 1 for _, g in groups)
    for key, group in groups:
        group = group.sort_values(parameter)
        x = group[parameter].to_numpy(dtype=float)
        mean = group["mean"].to_numpy(dtype=float)
        low, high = group["ci95_low"].to_numpy(dtype=float), group["ci95_high"].to_numpy(dtype=float)
        bound = _bounds(group).to_numpy(dtype=float)
        key = key if isinstance(key, tuple) else (key,)
        label = ", ".join(f"{_short(p)}={_value(v)}" for p, v in zip(others, key, strict=True)) or None
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
        if "saturated" in group:
            _saturated_markers(ax, x, np.where(np.isnan(mean), bound, mean), group["saturated"].to_numpy())
    ax.set_xlabel(parameter)
    from matplotlib.ticker import MaxNLocator

    values = rows[parameter].to_numpy(dtype=float)
    swept = np.unique(values[~np.isnan(values)])
    if len(swept) <= 8:  # a tick at each value swept (1, 3, 6 read as 2, 4, 6)
        ax.set_xticks(swept, [_value(float(v)) if v != int(v) else f"{int(v)}" for v in swept])
    else:  # (head counts: no tick at 3.5 people; few ticks, so that long numbers do not meet)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=bool(np.all(values == np.round(values)))))
    censored = _censored_legend(ax, rows)
    saturated = _saturated_legend(ax, rows)
    if others and len(groups) <= MAX_LINES:  # (below the axes: the lines stay visible)
        ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=1)
    elif censored or saturated:
        ax.legend(fontsize=7)


def _by_point(ax, rows: pd.DataFrame, parameters: list[str]) -> None:
    """No numeric parameter: one bar per point, labelled by its values."""
    labels = [", ".join(f"{_short(p)}={_value(r[p])}" for p in parameters) for _, r in rows.iterrows()]
    mean = rows["mean"].to_numpy(dtype=float)
    err = np.vstack([mean - rows["ci95_low"].to_numpy(dtype=float),
                     rows["ci95_high"].to_numpy(dtype=float) - mean])
    ax.bar(range(len(rows)), mean, yerr=np.where(np.isnan(err), 0, err), capsize=3, alpha=0.8)
    bound = _bounds(rows).to_numpy(dtype=float)
    _censored_markers(ax, np.arange(len(rows), dtype=float), bound)
    if "saturated" in rows:
        _saturated_markers(ax, np.arange(len(rows), dtype=float), np.where(np.isnan(mean), bound, mean),
                           rows["saturated"].to_numpy())
    if _censored_legend(ax, rows) | _saturated_legend(ax, rows):
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
    saturated = np.zeros((len(ys), len(xs)), dtype=bool)  # framed in red, "saturated"
    for (_, r), bound in zip(rows.iterrows(), _bounds(rows), strict=True):
        grid[ys.index(r[py]), xs.index(r[px])] = r["mean"]
        bounds[ys.index(r[py]), xs.index(r[px])] = bound
        saturated[ys.index(r[py]), xs.index(r[px])] = bool(r.get("saturated", False))
    plt = _plt()
    fig, ax = plt.subplots(figsize=(1.2 * len(xs) + 3, 0.6 * len(ys) + 2.5))
    # Yellow is better whichever way the KPI points (viridis reversed where lower is).
    from sim.kpis.registry import kpi_of

    kind = kpi_of(kpi)
    lower_better = kind is not None and kind.direction == "lower"
    limits, widened = _colour_limits(grid, rows)
    image = ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis_r" if lower_better else "viridis",
                      vmin=limits[0], vmax=limits[1])
    ax.set_xticks(range(len(xs)), [str(x) for x in xs])
    ax.set_yticks(range(len(ys)), [str(y) for y in ys])
    ax.set_xlabel(px)
    ax.set_ylabel(py)
    mid = (limits[0] + limits[1]) / 2
    decimals = _cell_decimals(grid)
    for (i, j), value in np.ndenumerate(grid):
        if not math.isnan(value):
            ax.text(j, i, _cell(value, decimals), ha="center", va="center", fontsize=8,
                    color="black" if (value > mid) != lower_better else "white")  # (on light: black)
        elif not math.isnan(bounds[i, j]):
            ax.text(j, i, f"> {_cell(bounds[i, j])}\ncensored", ha="center", va="center", fontsize=7)
        if saturated[i, j]:
            ax.add_patch(plt.Rectangle((j - 0.46, i - 0.46), 0.92, 0.92, fill=False, edgecolor="tab:red",
                                       linewidth=2))
            ax.text(j, i - 0.3, "saturated", ha="center", va="center", fontsize=6, color="tab:red",
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 1, "alpha": 0.85})
    fig.colorbar(image, ax=ax, label=_with_unit(kpi) + ("" if kind is None or kind.direction == "none"
                                                        else " (yellow: better)"))
    notes = ((["colours span a typical 95% interval: means closer than that look alike"] if widened else [])
             + (["framed in red: a staff pool cannot keep up"] if saturated.any() else []))
    ax.set_title(f"{kpi}: mean per point" + "".join(f"\n({note})" for note in notes), fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def _with_unit(kpi: str) -> str:
    """A KPI's name with its unit (the KPI table's), for an axis."""
    from sim.kpis.registry import kpi_of

    kind = kpi_of(kpi)
    return f"{kpi} ({kind.unit})" if kind is not None and kind.unit else kpi


def _value(value) -> str:
    """A parameter's value in a label: numbers to 4 significant digits (a Latin
    hypercube's 0.0011401294176196124 reads 0.00114)."""
    if isinstance(value, (float, np.floating)):
        return f"{value:.4g}"
    return str(value)


def _cell(value: float, decimals: int | None = None) -> str:
    """A heat map cell's number: three significant digits, whole numbers with thousands
    separators from 1,000 (1,124, not 1.12e+03); with ``decimals``, that many."""
    if decimals is not None:
        return f"{value:,.{decimals}f}"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def _cell_decimals(grid: np.ndarray) -> int | None:
    """Decimals that tell the cells' means apart where three significant digits do not
    (97.708 and 97.733 both read 97.7): enough to show the smallest gap between two
    different means, at most 4; None where three significant digits do."""
    finite = np.unique(grid[~np.isnan(grid)])
    if len(finite) < 2:
        return None
    gap = float(np.diff(finite).min())
    largest = float(np.abs(finite).max())
    shown = 0 if largest >= 1000 else max(0, 2 - math.floor(math.log10(largest))) if largest > 0 else 2
    needed = max(0, -math.floor(math.log10(gap)))
    return min(needed, 4) if needed > shown else None


def _colour_limits(grid: np.ndarray, rows: pd.DataFrame) -> tuple[tuple[float, float], bool]:
    """The colour scale's limits: the means' range, widened around its middle to the
    median width of the points' 95% intervals where the means are closer than that (so
    differences within the noise do not span the whole scale); and whether it was."""
    finite = grid[~np.isnan(grid)]
    if not len(finite):
        return (0.0, 1.0), False
    low, high = float(finite.min()), float(finite.max())
    widths = (rows["ci95_high"].to_numpy(dtype=float) - rows["ci95_low"].to_numpy(dtype=float))
    widths = widths[np.isfinite(widths)]
    typical = float(np.median(widths)) if len(widths) else 0.0
    if typical > high - low:
        mid = (low + high) / 2
        return (mid - typical / 2, mid + typical / 2), True
    return (low, high), False


def _order(value):
    return (0, value, "") if isinstance(value, (int, float)) else (1, 0, str(value))


def _short(path: str) -> str:
    from sim.scenario.diff import short_path

    return short_path(path)
