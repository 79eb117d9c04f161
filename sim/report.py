"""Figures (PNG, matplotlib's Agg backend: no screen needed).

- ``lead_time_by_site.png`` / ``lead_time_by_channel.png``: histogram and ECDF of order
  lead time (hours) of the orders placed after warm-up that the lead-time KPIs count, all
  replications pooled: an order not delivered by the end is counted, not drawn, so the
  ECDF stops below 1 by that share and the histogram's area is the delivered share
  (:mod:`sim.distributions`).
- ``picking_accuracy_by_day.png``: picking accuracy (%) per day of placement, one thin
  line per replication and the mean across replications.
- ``lead_time_by_method.png``: lead-time ECDF per picking method.
- ``picking_distributions.png``: per site, histograms of metres per tour, orders per
  tour and the wait in the pick queue (with how many parcels were not picked by the end).
- ``pick_routes_<site>.png``: a sample tour on the site's layout under each routing
  policy (sites with a layout only).
- ``stock_levels.png``: units on hand per site over time, and the ECDF of backorder
  waits per site (with ``inventory``).
- ``returns_per_day.png``: returns arriving back per day, stacked by reason.
- ``csat.png``: satisfaction scores per channel and site, and why customers were
  dissatisfied.
- ``staff_pools.png``: per staff pool, utilisation (busy / on duty) and queue length
  over time, hourly means across replications.
"""

from __future__ import annotations

import gc
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from sim import memory  # noqa: E402
from sim.calendar import HOURS_PER_DAY  # noqa: E402
from sim.distributions import (  # noqa: E402
    MEASURES,
    ORDER_COLUMNS,
    Distribution,
    by_column,
    distributions_of,
)
from sim.experiment import Result  # noqa: E402
from sim.stats import window_h  # noqa: E402

DPI = 110


# The only order columns the figures read: filtering these, not the whole table, keeps
# the figures' memory small on million-order runs.
ECDF_POINTS = 2000  # an ECDF drawn through this many quantiles looks the same as all
# The columns of the order and parcel tables the figures read (a run that does not hold
# its tables reads only these back: sim.outputs.write_results; the tours, time series
# and stock levels are read whole). tests/test_outputs_flat.py draws the figures from
# these columns alone and checks they are the same files.
FIGURE_COLUMNS = {
    "orders": ["replication", *ORDER_COLUMNS, "site", "channel", "return_reason", "csat",
               "dissatisfied_reason", "backordered_h", "backorder_filled_h"],
    "shipments": ["replication", "site", "released_h", "pick_start_h", "returned_h", "return_reason"],
}


def _save(fig, path: Path, left: float = 0.75, bottom: float = 0.6, gap_w: float = 0.75,
          gap_h: float = 0.75, top: float | None = None) -> Path:
    """Write the figure as PNG. Margins (``left``, ``bottom``) and gaps between axes
    (``gap_w``, ``gap_h``) are set in inches (a layout engine would draw every figure
    twice to measure its text: most of the time figures took); PNG compression is
    light (files a little larger, written faster)."""
    width, height = fig.get_size_inches()
    grid = fig.axes[0].get_subplotspec().get_gridspec() if fig.axes else None
    rows, cols = (grid.nrows, grid.ncols) if grid is not None else (1, 1)
    if top is None:
        top = 0.75 if fig._suptitle is not None else 0.45
    right = 0.2
    axis_w = (width - left - right - gap_w * (cols - 1)) / cols
    axis_h = (height - top - bottom - gap_h * (rows - 1)) / rows
    fig.subplots_adjust(left=left / width, right=1 - right / width, bottom=bottom / height,
                        top=1 - top / height, wspace=gap_w / max(axis_w, 0.5),
                        hspace=gap_h / max(axis_h, 0.5))
    fig.savefig(path, dpi=DPI, pil_kwargs={"compress_level": 1})
    plt.close(fig)
    return path


def _measured_delivered(result: Result) -> np.ndarray:
    """Row mask: delivered orders placed in the measurement window."""
    lo, hi = window_h(result.scenario)
    df = result.orders
    placed = df["placed_h"].to_numpy()
    return (placed >= lo) & (placed < hi) & (df["status"] == "delivered").to_numpy()


def _lead_times_by(result: Result, by: str) -> list[Distribution]:
    """Lead times of the orders the lead-time KPIs count, finished or not
    (:mod:`sim.distributions`), per value of column ``by`` (``pick_method``: the method
    of the site each order was routed to); groups without orders left out."""
    df, sc = result.orders, result.scenario
    if by == "pick_method":
        method = np.array([sc.warehouses[s].picking.method for s in df["site"].cat.categories])
        values = method[df["site"].cat.codes.to_numpy()]
        groups = [(m, values == m) for m in sorted(set(method.tolist()))]
    else:
        groups = by_column(df, by, [str(c) for c in df[by].cat.categories])
    return [d for d in distributions_of(df, window_h(sc), "lead", groups) if d.total]


def _lead_time_figure(groups: list[Distribution], by: str, path: Path, replications: int = 1) -> Path:
    fig, (ax_hist, ax_ecdf) = plt.subplots(1, 2, figsize=(11, 4))
    if replications > 1:  # (the orders, and so the n in the legend, of them all)
        fig.suptitle(f"orders placed after warm-up in all {replications} replications together",
                     fontsize=9, color="0.3")
    drawn = [d for d in groups if len(d.done)]
    top, beyond = _axis_end(drawn)
    _say_beyond(ax_hist, beyond)
    bins = np.linspace(0, top, 60)
    _enough_colours(ax_hist, len(drawn))
    for d in drawn:
        # Area: the group's share delivered (an unfinished order has no bar).
        ax_hist.hist(d.done, bins=bins, weights=np.full(len(d.done), 1 / (d.total * (bins[1] - bins[0]))),
                     histtype="step", linewidth=1.5, label=d.label())
    ax_hist.set(xlabel="lead time, placed to delivered (hours)", ylabel="share of orders per hour",
                title=f"Lead-time distribution by {by}")
    _ecdf_axes(ax_ecdf, groups, f"Lead-time ECDF by {by}", "lead time (hours)", legend=False)
    for q in (0.5, 0.9, 0.95):
        ax_ecdf.axhline(q, color="grey", linewidth=0.5, linestyle=":")
        ax_ecdf.text(0, q, f"p{int(q * 100)} ", fontsize=7, color="grey", ha="right", va="center",
                     transform=ax_ecdf.get_yaxis_transform())
    if drawn:
        ax_hist.legend(fontsize=8)
    else:
        _nothing_to_draw(ax_hist, NO_DELIVERED)
    return _save(fig, path, left=0.95)  # (room for the density's ticks, 0.0200)


def _axis_end(drawn: list[Distribution]) -> tuple[float, int]:
    """Where a lead-time axis ends (the largest group's 99.5th percentile of finished
    times, so a few stragglers do not squeeze the rest) and how many finished orders
    lie beyond it."""
    top = max((np.percentile(d.done, 99.5) for d in drawn), default=1.0)
    return top, sum(int((d.done > top).sum()) for d in drawn)


def _say_beyond(ax, beyond: int) -> None:
    """Say in the axes' top left corner (empty in an ECDF) how many orders lie beyond
    the axis's end, when any do."""
    if beyond:
        ax.text(0.01, 0.98, f"{beyond:,} order{'s' * (beyond > 1)} beyond the axis\n(it ends at the "
                "99.5th percentile)", transform=ax.transAxes, ha="left", va="top", fontsize=7,
                color="0.35")


NO_DELIVERED = "no order placed after warm-up was delivered by the end of the run"


def _enough_colours(ax, groups: int) -> None:
    """Twenty colours instead of ten where more than ten groups share the axes (eleven
    sites drew two in the same blue)."""
    if groups > 10:
        ax.set_prop_cycle(color=plt.cm.tab20.colors)


def _nothing_to_draw(ax, why: str) -> None:
    """Say on the axes why they are empty (an overloaded site: nothing delivered)."""
    ax.text(0.5, 0.5, why, transform=ax.transAxes, ha="center", va="center", fontsize=9,
            color="0.3", wrap=True)


def _accuracy_figure(result: Result, path: Path) -> Path:
    df = result.orders
    mask = _measured_delivered(result)
    daily = pd.DataFrame({
        "replication": df["replication"].to_numpy()[mask],
        "day": (df["placed_h"].to_numpy()[mask] // HOURS_PER_DAY).astype(int),
        "wrong": (df["return_reason"] == "wrong_item").to_numpy()[mask],
    }).groupby(["replication", "day"])["wrong"].agg(["sum", "count"])
    daily["accuracy_pct"] = 100 * (1 - daily["sum"] / daily["count"])
    table = daily["accuracy_pct"].unstack("replication")
    fig, ax = plt.subplots(figsize=(9, 4))
    for rep in table.columns:
        ax.plot(table.index, table[rep], color="tab:blue", alpha=0.25, linewidth=0.8)
    ax.plot(table.index, table.mean(axis=1), color="tab:blue", linewidth=2,
            label="daily" if table.shape[1] == 1 else f"daily, mean of {table.shape[1]} replications")
    if daily["count"].sum():
        overall = 100 * (1 - daily["sum"].sum() / daily["count"].sum())
        ax.axhline(overall, color="black", linestyle="--", linewidth=1,
                   label=f"whole window: {overall:.2f}%")
        ax.legend(loc="best", fontsize=8, framealpha=0.85)  # (where it hides the fewest points)
    else:
        _nothing_to_draw(ax, NO_DELIVERED)
    ax.set(xlabel="day the order was placed", ylabel="picking accuracy (%)",
           title="Picking accuracy by day (orders delivered; wrong-item returns count against)")
    ax.grid(alpha=0.3)
    return _save(fig, path)


def _pools_figure(ts: pd.DataFrame, scenario, path: Path, saturated: dict[str, int] | None = None) -> Path:
    """Per pool: utilisation while on duty and queue length, as daily means (line) with
    the hourly values behind (light); warm-up shaded; a pool saturated in some
    replication (``saturated``: ``{"site.role": replications}``) says so in red."""
    pools = list(ts.groupby(["site", "pool"], sort=False).groups)
    fig, axes = plt.subplots(len(pools), 2, figsize=(12, 2.3 * len(pools) + 1.0),
                             squeeze=False, sharex=True)
    warmup = scenario.horizon.warmup_days
    end_day = scenario.horizon.days + scenario.horizon.drain_days
    reps = ts["replication"].nunique()
    for row, (site, pool) in enumerate(pools):
        sel = ts[(ts["site"] == site) & (ts["pool"] == pool)]
        hour = np.floor(sel["t_h"].to_numpy())
        hourly = sel.groupby(hour)[["utilization", "queue_length"]].mean()
        day = np.floor(sel["t_h"].to_numpy() / HOURS_PER_DAY)
        daily = sel.groupby(day)[["utilization", "queue_length"]].mean()
        ax_u, ax_q = axes[row]
        for ax, col, colour, label in ((ax_u, "utilization", "tab:blue", "utilisation while on duty"),
                                       (ax_q, "queue_length", "tab:purple", "parcels waiting")):
            ax.plot(hourly.index / HOURS_PER_DAY, hourly[col], color=colour, alpha=0.25, linewidth=0.6,
                    label="hourly mean")
            ax.plot(daily.index + 0.5, daily[col], color=colour, linewidth=1.8, label="daily mean")
            ax.axvspan(0, warmup, color="0.9", zorder=0, label="warm-up (not in KPIs)")
            ax.axvline(scenario.horizon.days, color="0.5", linestyle="--", linewidth=0.8)
            ax.set(ylabel=label, title=f"{site} {pool}", xlim=(0, end_day))
            n = (saturated or {}).get(f"{site}.{pool}")
            if n:
                ax.set_title(f"{site} {pool}: saturated in {n} of {reps} replication{'s' * (reps > 1)}, "
                             "it cannot keep up", color="tab:red", fontsize=10)
            ax.grid(alpha=0.3)
        ax_u.set_ylim(0, 1.1)
    axes[0][0].legend(fontsize=7, loc="lower right")
    for ax in axes[-1]:
        ax.set_xlabel("day (dashed: last arrival; after it the run drains)")
    fig.suptitle(f"{scenario.name}: staff pools over time"
                 + (f" (mean of {reps} replications)" if reps > 1 else ""))
    return _save(fig, path)


def _ecdf_axes(ax, groups: list[Distribution], title: str,
               xlabel: str = "lead time, placed to delivered (hours)", legend: bool = True) -> None:
    """One ECDF per group, each ending at its finished share (the orders not finished
    by the end are counted, not drawn: :mod:`sim.distributions`)."""
    drawn = [d for d in groups if len(d.done)]
    top, beyond = _axis_end(drawn)
    _say_beyond(ax, beyond)
    _enough_colours(ax, len(drawn))
    for d in drawn:
        ax.plot(*d.ecdf(ECDF_POINTS), label=d.label() if legend else str(d.group))
    ax.set(xlabel=xlabel, ylabel="share of orders within", title=title, xlim=(0, top), ylim=(0, 1))
    ax.grid(alpha=0.3)
    if drawn:
        ax.legend(fontsize=8, loc="lower right")
    else:
        _nothing_to_draw(ax, NO_DELIVERED)


def lead_time_ecdf_figure(groups: list[Distribution], title: str, path: Path) -> Path:
    """One ECDF per group of lead times."""
    fig, ax = plt.subplots(figsize=(8, 4.5))
    _ecdf_axes(ax, groups, title)
    return _save(fig, path)


def comparison_figure(lead: list[Distribution], warehouse: list[Distribution], path: Path) -> Path:
    """Runs side by side: ECDFs of order lead time and of time in the warehouse."""
    fig, (ax_l, ax_w) = plt.subplots(1, 2, figsize=(12, 4.5))
    _ecdf_axes(ax_l, lead, "Order lead time")
    _ecdf_axes(ax_w, warehouse, "Time in the warehouse", MEASURES["warehouse"][0])
    return _save(fig, path)


def _routes_figure(result: Result, site: str, path: Path) -> Path | None:
    """A sample tour of 10 lines on the site's layout, routed by every policy."""
    from sim.model.catalogue import popularity as sku_popularity
    from sim.model.picking.layout import assign_storage
    from sim.model.picking.routes import POLICIES, path_length, route_path
    from sim.model.picking.work import build_layout

    cfg = result.scenario.warehouses[site].picking.layout
    if cfg is None:
        return None
    layout = build_layout(cfg)
    rng = np.random.default_rng(result.scenario.seed)
    popularity = sku_popularity(result.scenario.catalogue)
    sku_aisle, sku_y = assign_storage(layout, len(popularity), popularity, cfg.storage, rng,
                                      tuple(cfg.class_shares))
    skus = rng.choice(len(popularity), size=10, p=popularity)
    aisle, y = sku_aisle[skus], sku_y[skus]
    fig, axes = plt.subplots(1, len(POLICIES), figsize=(3.2 * len(POLICIES), 4.2), sharey=True)
    width = (layout.n_aisles - 1) * layout.aisle_spacing_m
    half = layout.cross_aisle_width_m / 2
    for ax, policy in zip(axes, POLICIES, strict=True):
        block_y = [(0.0, layout.aisle_length_m)] if not layout.middle_cross_aisle else [
            (0.0, layout.aisle_length_m / 2),
            (layout.aisle_length_m / 2 + layout.cross_aisle_width_m,
             layout.aisle_length_m + layout.cross_aisle_width_m)]
        for i in range(layout.n_aisles):
            x = i * layout.aisle_spacing_m
            for y0, y1 in block_y:
                ax.plot([x, x], [y0, y1], color="0.85", linewidth=3, zorder=0)
        pts = route_path(layout, aisle, y, policy)
        ax.plot(pts[:, 0], pts[:, 1], color="tab:blue", linewidth=1.2)
        ax.scatter(aisle * layout.aisle_spacing_m, layout.pick_y_m(y), color="tab:red", s=18,
                   zorder=3, label="pick")
        ax.scatter([layout.depot_x], [-half], marker="s", color="black", s=30, zorder=3, label="depot")
        marker = " (chosen)" if policy == cfg.routing else ""
        ax.set(title=f"{policy}{marker}\n{path_length(pts):.0f} m", xlim=(-2, width + 2),
               xlabel="x (m)")
    axes[0].set_ylabel("y along aisle (m)")
    axes[0].legend(fontsize=7, loc="upper right")
    picking = result.scenario.warehouses[site].picking
    zoned = picking.method == "zone" or (picking.method == "wave" and picking.wave is not None
                                         and picking.wave.within == "zone")
    zones = (f"\nacross the whole layout: this site picks by zone ({picking.zone.zones} zones), "
             "each picker's tours stay in its zone" if zoned and picking.zone is not None else "")
    fig.suptitle(f"{site}: one sample 10-line tour under each routing policy "
                 f"({layout.n_aisles} aisles x {layout.aisle_length_m:g} m, {cfg.storage} storage)" + zones)
    return _save(fig, path)


def _picking_figure(result: Result, path: Path) -> Path | None:
    """Per site: distributions of tour length, parcels per tour and wait for release."""
    tours, parcels = result.tours, result.shipments
    lo, hi = window_h(result.scenario)
    if not len(tours):
        return None
    sites = [s for s in result.scenario.sites if (tours["site"] == s).any()]
    fig, axes = plt.subplots(len(sites), 3, figsize=(13, 2.8 * len(sites) + 0.6), squeeze=False)
    for row, site in enumerate(sites):
        method = result.scenario.warehouses[site].picking.method
        t = tours[(tours["site"] == site) & (tours["end_h"] >= lo) & (tours["end_h"] < hi)]
        ax_d, ax_b, ax_w = axes[row]
        metres = t["distance_m"].to_numpy()
        metres = metres[~np.isnan(metres)]
        if len(metres):
            ax_d.hist(metres, bins=40, color="tab:blue", histtype="stepfilled")
        else:
            ax_d.text(0.5, 0.5, "no layout:\ntravel is given as a time", ha="center", va="center",
                      transform=ax_d.transAxes)
            ax_d.set(xticks=[], yticks=[])  # (no empty 0-1 scales)
        ax_d.set(xlabel="metres walked per tour", ylabel="tours", title=f"{site} ({method}): tour length")
        counts = t["orders"].value_counts().sort_index()
        ax_b.bar(counts.index, counts.to_numpy(), color="tab:green", width=0.8)
        if 0 < len(counts) <= 12:  # (whole orders only: one tick per tour size)
            ax_b.set_xticks(counts.index.to_numpy())
            ax_b.set_xlim(counts.index.min() - 0.6, counts.index.max() + 0.6)
        else:
            ax_b.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax_b.set(xlabel="parcels on the tour", ylabel="tours", title=f"{site}: parcels per tour")
        released = parcels["released_h"].to_numpy()
        mine = (parcels["site"] == site).to_numpy() & (released >= lo) & (released < hi)
        wait = (parcels["pick_start_h"] - parcels["released_h"]).to_numpy()[mine]
        waiting = int(np.isnan(wait).sum())  # never picked: their wait is not known
        wait = wait[~np.isnan(wait)]
        ax_w.hist(wait, bins=40, color="tab:orange", histtype="stepfilled")
        ax_w.set(xlabel="hours from release to pick start", ylabel="parcels",
                 title=f"{site}: wait in the pick queue")
        if waiting:
            ax_w.text(0.98, 0.95, f"{waiting:,} of {waiting + len(wait):,} parcels "
                      f"({100 * waiting / (waiting + len(wait)):.3g}%)\nnot picked by the end: not drawn",
                      transform=ax_w.transAxes, ha="right", va="top", fontsize=8, color="tab:red")
    reps = result.shipments["replication"].nunique() if "replication" in result.shipments else 1
    fig.suptitle(f"{result.scenario.name}: picking (tours ending and parcels released in the measurement window"
                 + (f"; counts of all {reps} replications together)" if reps > 1 else ")"))
    return _save(fig, path)


def write_figures(result: Result, out: Path, workers: int | None = None) -> list[Path]:
    """Write every figure into ``out``; return their paths (in the order listed in this
    module's docstring, whatever order they were drawn in).

    The figures are independent, so with more than one core they are drawn by up to
    ``workers`` (default: the cores this process may use, at most 3) forked processes
    that share ``result`` with this one (forked, not sent: nothing is copied); the
    files are the same as drawn here one by one. Where forking is not safe (another
    thread running, no ``fork``), they are drawn here."""
    jobs = _figure_jobs(result, out)
    workers = min(workers or _usable_cores(), MAX_FIGURE_WORKERS, len(jobs))
    from sim.processes import mp_context

    context = mp_context()
    if workers <= 1 or context.get_start_method() != "fork":
        with memory.built_objects_frozen():  # (the run's result: see _figure_worker_start)
            paths = [job() for job in jobs]
    else:
        global _JOBS
        _JOBS = jobs  # the forked workers inherit the list and run jobs by index
        try:
            with context.Pool(workers, initializer=_figure_worker_start) as pool:
                # The slowest figures first, so that the last one to start is short.
                order = sorted(range(len(jobs)), key=lambda i: -jobs[i].cost)
                drawn = dict(zip(order, pool.map(_run_job, order, chunksize=1), strict=True))
        finally:
            _JOBS = []
        paths = [drawn[i] for i in range(len(jobs))]
    return [Path(p) for p in paths if p is not None]


def _figure_worker_start() -> None:
    """A figure worker's initializer: interrupts are the parent's
    (:func:`~sim.processes.leave_interrupts_to_the_parent`), and what it inherited
    (the result's tables and every module: ~190,000 objects) is frozen out of the cycle
    collector's scans, which walked it all in each full collection: about 0.2 s of a
    set of figures' 1.8 s CPU (and they would write to the inherited pages, which
    forking shares until written). Never unfrozen: the worker ends with the figures."""
    from sim.processes import leave_interrupts_to_the_parent

    leave_interrupts_to_the_parent()
    gc.freeze()


MAX_FIGURE_WORKERS = 3  # the two slowest figures take half the time: more would add memory, not speed
_JOBS: list = []


class _Job:
    """One figure to draw: ``fn(*args)`` gives its path (or None when there is nothing
    to draw); ``cost``, a rough relative drawing time, orders the parallel queue."""

    __slots__ = ("fn", "args", "cost")

    def __init__(self, fn, *args, cost: float = 1.0) -> None:
        self.fn, self.args, self.cost = fn, args, cost

    def __call__(self):
        with matplotlib.rc_context(FIGURE_RC):
            path = self.fn(*self.args)
        return None if path is None else str(path)


# Titles sit at the top of their axes (where matplotlib puts them when nothing is drawn
# above an axes, as in every figure here) instead of being placed by measuring every
# axes' tick labels at each draw: a tenth fewer calls in a figure of many axes, the
# same pixels. (Set for fsim's own figures only: a user's plots keep their settings.)
FIGURE_RC = {"axes.titley": 1.0}


def _run_job(i: int):
    return _JOBS[i]()


def _usable_cores() -> int:
    import os

    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _replications(result: Result) -> int:
    return int(result.orders["replication"].nunique()) if len(result.orders) else 1


def _figure_jobs(result: Result, out: Path) -> list[_Job]:
    """Every figure of ``result``, as jobs that draw it into ``out``."""
    jobs = [
        _Job(lambda: _lead_time_figure(_lead_times_by(result, "site"), "site",
                                       out / "lead_time_by_site.png", _replications(result)), cost=2),
        _Job(lambda: _lead_time_figure(_lead_times_by(result, "channel"), "channel",
                                       out / "lead_time_by_channel.png", _replications(result)), cost=2),
        _Job(_accuracy_figure, result, out / "picking_accuracy_by_day.png"),
        _Job(lambda: lead_time_ecdf_figure(_lead_times_by(result, "pick_method"),
                                           "Lead-time ECDF by picking method",
                                           out / "lead_time_by_method.png")),
        _Job(_picking_figure, result, out / "picking_distributions.png", cost=5),
    ]
    for site in result.scenario.sites:
        jobs.append(_Job(_routes_figure, result, site, out / f"pick_routes_{site}.png", cost=2))
    if len(result.timeseries):
        jobs.append(_Job(_pools_figure, result.timeseries, result.scenario,
                         out / "staff_pools.png", (result.summary or {}).get("saturated_pools"), cost=5))
    if len(result.stock_levels):
        jobs.append(_Job(_stock_figure, result, out / "stock_levels.png", cost=2))
    jobs.append(_Job(_csat_figure, result, out / "csat.png", cost=2))
    jobs.append(_Job(_returns_figure, result, out / "returns_per_day.png", cost=1.5))
    return jobs


def _csat_figure(result: Result, path: Path) -> Path:
    """Share of survey answers 1..5 per channel and per site, and why customers were
    dissatisfied (orders placed after warm-up, all replications)."""
    df = result.orders
    lo, hi = window_h(result.scenario)
    placed = df["placed_h"].to_numpy()
    csat = df["csat"].to_numpy()
    keep = (placed >= lo) & (placed < hi) & ~np.isnan(csat)
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    colours = ["#b2182b", "#ef8a62", "#bdbdbd", "#67a9cf", "#2166ac"]
    for ax, by in zip(axes[:2], ("channel", "site"), strict=True):
        groups = df[by].to_numpy()[keep]
        names = [str(c) for c in df[by].cat.categories if (groups == c).any()]
        left = np.zeros(len(names))
        for score in range(1, 6):
            share = np.array([np.mean(csat[keep][groups == g] == score) for g in names])
            ax.barh(names, share, left=left, color=colours[score - 1], edgecolor="0.6",
                    label=str(score))
            left += share
        ax.set(xlim=(0, 1), xlabel="share of survey answers", title=f"Satisfaction (1-5) by {by}")
    axes[0].legend(title="score", fontsize=7, ncols=5, loc="upper center", bbox_to_anchor=(0.5, -0.2))
    reasons = df["dissatisfied_reason"].to_numpy()[keep]
    counts = pd.Series(reasons).value_counts()
    counts = counts[counts.index != ""]
    axes[2].bar(counts.index.astype(str), counts.to_numpy() / max(keep.sum(), 1) * 100, color="tab:red")
    axes[2].set(ylabel="% of all survey answers", title="Why customers were dissatisfied")
    axes[2].tick_params(axis="x", rotation=30)
    fig.suptitle(f"{result.scenario.name}: customer satisfaction (orders placed after warm-up)")
    return _save(fig, path, left=1.1, bottom=1.25, gap_w=1.2)


def _returns_figure(result: Result, path: Path) -> Path:
    """Returns arriving back per day, by reason (every parcel; mean over replications),
    stacked, with the measurement window marked."""
    df = result.shipments
    back_h = df["returned_h"].to_numpy()
    came = ~np.isnan(back_h)
    day = (back_h[came] // HOURS_PER_DAY).astype(np.int64)
    reason = df["return_reason"].cat.codes.to_numpy()[came]
    names = list(df["return_reason"].cat.categories)
    n_rep = max(df["replication"].nunique(), 1)
    n_days = int(day.max()) + 1 if len(day) else 1
    fig, ax = plt.subplots(figsize=(10, 4))
    bottom = np.zeros(n_days)
    for code in range(1, len(names)):
        per_day = np.bincount(day[reason == code], minlength=n_days) / n_rep
        if per_day.any():
            # (one filled step outline per reason: as bars, but a single shape to draw)
            ax.stairs(bottom + per_day, np.arange(n_days + 1), baseline=bottom.copy(), fill=True,
                      label=names[code])
            bottom += per_day
    hz = result.scenario.horizon
    ax.axvspan(0, hz.warmup_days, color="0.9", zorder=0, label="warm-up")
    ax.axvline(hz.days, color="0.5", linestyle="--", linewidth=0.8, label="last order placed")
    ax.set(xlabel="day", ylabel="returns arriving (parcels per day)",
           title=f"{result.scenario.name}: returns arriving per day, by reason"
                 f" (mean of {n_rep} replication{'s' if n_rep > 1 else ''})")
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize=8)
    return _save(fig, path)


def _stock_figure(result: Result, path: Path) -> Path:
    """Units on hand per site over time (the first replication, 0), warm-up shaded; and how long
    backorders waited for stock (ECDF per site, orders placed in the window, every
    replication)."""
    levels = result.stock_levels[result.stock_levels["replication"] == 0]
    fig, (ax, wait_ax) = plt.subplots(1, 2, figsize=(14, 4), gridspec_kw={"width_ratios": [2, 1]})
    for a in (ax, wait_ax):
        _enough_colours(a, len(result.scenario.sites))
    for site, g in levels.groupby("site", sort=False):
        ax.step(g["t_h"] / HOURS_PER_DAY, g["units_on_hand"], where="post", label=str(site), linewidth=1)
    ax.axvspan(0, result.scenario.horizon.warmup_days, color="0.9", zorder=0, label="warm-up")
    ax.axvline(result.scenario.horizon.days, color="0.5", linestyle="--", linewidth=0.8,
               label="last arrival (then the run drains)")
    ax.set_ylim(bottom=0)
    ax.set(xlabel="day", ylabel="units on hand (all SKUs)",
           title=f"{result.scenario.name}: finished-goods stock per site (the first replication)")
    ax.grid(alpha=0.3)
    ax.legend()
    df = result.orders
    lo, hi = window_h(result.scenario)
    placed = df["placed_h"].to_numpy()
    wait = df["backorder_filled_h"].to_numpy() - df["backordered_h"].to_numpy()
    keep = (placed >= lo) & (placed < hi) & ~np.isnan(wait)
    site = df["site"].to_numpy()
    groups = [Distribution(str(s), np.sort(wait[keep & (site == s)]), int((keep & (site == s)).sum()))
              for s in df["site"].cat.categories]
    _ecdf_axes(wait_ax, [d for d in groups if d.total],
               "Backorder wait (orders placed after warm-up,\nfilled; all replications)",
               "hours waiting for stock")
    if not keep.any():
        wait_ax.text(0.5, 0.5, "no backorder was filled", ha="center", va="center",
                     transform=wait_ax.transAxes)
    return _save(fig, path, left=1.0, top=0.75)
