"""What the page draws, as small tables made from a :class:`~sim.experiment.Result`:
lead-time and warehouse-time distributions per site or channel (ECDF and histogram),
staff pools over time, and the KPI table with confidence intervals. Nothing is
simulated or estimated here; the KPIs and their intervals are the summary's.

The distributions count what the KPIs count (:mod:`sim.distributions`): an ECDF stops
below 1 by the share of orders not finished by the end of the run.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.cli.tables import fmt_entry
from sim.distributions import MEASURES, Distribution, by_column, distributions_of
from sim.experiment import Result
from sim.kpis.views import window_h
from sim.units import HOURS_PER_DAY

__all__ = [  # (MEASURES and Distribution re-exported: the page's views read them here)
    "ALL", "CI_NOTE", "GROUP_KPIS", "MEASURES", "NO_VALUE", "SCHEME", "SITE_KPIS", "Distribution",
    "censored_kpis", "distributions", "ecdf_chart", "ecdf_frame", "histogram_chart",
    "histogram_frame", "kpi_cell", "kpi_table", "pool_chart", "pool_series", "saturated_text",
]

ALL = "all"  # the group of every order


def distributions(result: Result, measure: str, by: str | None) -> list[Distribution]:
    """``measure`` (``lead`` or ``warehouse``) per site (``by="site"``), per channel, or
    over all orders (``by=None``), pooled over replications."""
    orders = result.orders
    groups = None
    if by is not None:
        names = result.scenario.sites if by == "site" else list(result.scenario.demand.channels)
        groups = by_column(orders, by, names)
    return distributions_of(orders, window_h(result.scenario), measure, groups, ALL)


def ecdf_frame(dists: list[Distribution], points: int = 200) -> pd.DataFrame:
    """``group, hours, share``: the share of a group's orders finished within ``hours``
    (at most ``points`` steps a group, enough for a line on a screen)."""
    frames = []
    for d in dists:
        if not len(d.done):
            continue
        hours, share = d.ecdf(points)
        frames.append(pd.DataFrame({"group": d.group, "hours": hours, "share": share}))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["group", "hours", "share"])


def histogram_frame(dists: list[Distribution], bins: int = 40) -> pd.DataFrame:
    """``group, start_h, end_h, share``: the share of a group's finished orders in each
    bin, on bins common to the groups (up to the 99.5th percentile of every finished
    time, so one straggler does not squash the picture)."""
    finished = [d.done for d in dists if len(d.done)]
    if not finished:
        return pd.DataFrame(columns=["group", "start_h", "end_h", "share"])
    top = float(np.percentile(np.concatenate(finished), 99.5)) or 1.0
    edges = np.linspace(0.0, top, bins + 1)
    frames = []
    for d in dists:
        if not len(d.done):
            continue
        counts, _ = np.histogram(np.minimum(d.done, top), bins=edges)
        frames.append(pd.DataFrame({"group": d.group, "start_h": edges[:-1], "end_h": edges[1:],
                                    "share": counts / len(d.done)}))
    return pd.concat(frames, ignore_index=True)


def pool_series(result: Result, step_h: float = 1.0) -> pd.DataFrame:
    """``site, pool, day, utilization_pct, queue_length``: staff pools over time, the mean
    over replications on a grid of ``step_h`` hours (from ``Result.timeseries``;
    utilisation is busy / on duty, empty while nobody is on duty)."""
    ts = result.timeseries
    if ts.empty:
        return pd.DataFrame(columns=["site", "pool", "day", "utilization_pct", "queue_length"])
    frame = pd.DataFrame({"site": ts["site"].astype(str), "pool": ts["pool"].astype(str),
                          "slot": np.floor(ts["t_h"].to_numpy(dtype=float) / step_h),
                          "utilization_pct": 100 * ts["utilization"].to_numpy(dtype=float),
                          "queue_length": ts["queue_length"].to_numpy(dtype=float)})
    out = frame.groupby(["site", "pool", "slot"], sort=False, observed=True).mean().reset_index()
    out["day"] = out.pop("slot") * step_h / HOURS_PER_DAY
    return out[["site", "pool", "day", "utilization_pct", "queue_length"]]


# --- the KPI table --------------------------------------------------------------------------

# (KPI base name, what it is in plain words) per group, then per site only.
GROUP_KPIS = (
    ("orders_placed", "orders placed"),
    ("completion_pct", "finished by the end of the run (%)"),
    ("on_time_delivery_pct", "on-time delivery (%)"),
    ("same_day_ship_pct", "shipped the day it was paid, before the cut-off (%)"),
    ("lead_time_hours_mean", "lead time, mean (h)"),
    ("lead_time_hours_p95", "lead time, 95th percentile (h)"),
    ("warehouse_hours_mean", "warehouse time, mean (h)"),
    ("warehouse_hours_p95", "warehouse time, 95th percentile (h)"),
    ("pick_wait_hours_mean", "wait to be picked, mean (h)"),
    ("pack_wait_hours_mean", "wait to be packed, mean (h)"),
    ("picking_accuracy_pct", "picking accuracy (%)"),
    ("return_rate_pct", "return rate (%)"),
    ("cost_per_order", "cost per order"),
)
SITE_KPIS = (
    ("utilization_pct_pickers", "pickers busy (% of on-duty time)"),
    ("utilization_pct_packers", "packers busy (% of on-duty time)"),
    ("queue_length_mean_pickers", "waiting to be picked, mean (parcels)"),
    ("queue_length_mean_packers", "waiting to be packed, mean (parcels)"),
    ("backlog_at_end_pickers", "waiting to be picked at the end (parcels)"),
    ("backlog_at_end_packers", "waiting to be packed at the end (parcels)"),
)
CI_NOTE = "mean [95% confidence interval over replications]"
_PLAIN = dict(GROUP_KPIS + SITE_KPIS)


def plain_name(kpi: str) -> str:
    """A KPI in the page's plain words (``on_time_delivery_pct``: "on-time delivery
    (%)"), or its own name where the page has none."""
    return _PLAIN.get(kpi, kpi)


NO_VALUE = "–"  # (a plain "-" or "> " would read as Markdown in a table cell)


def kpi_cell(name: str, summary: dict, sites: list[str], channels: list[str]) -> str:
    """One KPI as the page shows it: ``97.8 [95.6, 100.1]``, ``above 120.0 (censored)``
    (``fsim run`` prints ``> 120.0``), the mean alone with one replication, ``–`` where
    it has no value. Numbers as ``fsim run`` prints them (:func:`sim.cli.tables.fmt_entry`)."""
    entry = summary.get("kpis", {}).get(name)
    if entry is None:
        return NO_VALUE
    mean, ci = fmt_entry(name, entry, sites, channels)
    if ci == "censored":
        return f"above {mean.removeprefix('> ')} (censored)"
    if mean == "-":
        return NO_VALUE
    if ci == "-":
        return mean
    low, high = ci.split(" .. ")
    return f"{mean} [{low}, {high}]"


def kpi_table(summary: dict, sites: list[str], channels: list[str], by: str) -> pd.DataFrame:
    """Rows: KPIs in plain words; columns: ``all`` and each site (``by="site"``) or
    channel; cells: :func:`kpi_cell`."""
    groups = sites if by == "site" else channels
    rows = list(GROUP_KPIS) + (list(SITE_KPIS) if by == "site" else [])
    table = {ALL: [kpi_cell(base, summary, sites, channels) for base, _ in rows]}
    for g in groups:
        table[g] = [kpi_cell(f"{base}_{g}", summary, sites, channels) for base, _ in rows]
    return pd.DataFrame(table, index=[label for _, label in rows])


def censored_kpis(summary: dict) -> list[str]:
    """KPIs (pooled, per site and per channel) with only a lower bound."""
    return sorted(name for name, entry in summary.get("kpis", {}).items() if entry.get("censored"))


def saturated_text(summary: dict) -> list[str]:
    """Each saturated staff pool in plain words."""
    reps = summary.get("replications", 0)
    out = []
    for pool, count in (summary.get("saturated_pools") or {}).items():
        site, _, role = pool.partition(".")
        out.append(f"{site} {role}: cannot keep up in {count} of {reps} replication(s) (saturated); "
                   "the KPIs of this site describe a backlog, not a steady state")
    return out


# --- charts (Altair, which Streamlit brings; titles are the page's, above each chart) ----------

SCHEME = "tableau10"  # colours far apart: one per site or channel


def ecdf_chart(frame: pd.DataFrame, color_title: str, dash: str | None = None):
    """Step lines of ``ecdf_frame`` per group (and, with ``dash``, a dash per value of
    that column: pinned and current)."""
    import altair as alt

    encoding = dict(
        x=alt.X("hours:Q", title="hours"),
        y=alt.Y("share:Q", title="share of orders finished within", scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("group:N", title=color_title, scale=alt.Scale(scheme=SCHEME)),
        tooltip=["group", alt.Tooltip("hours:Q", format=".1f"), alt.Tooltip("share:Q", format=".3f")],
    )
    if dash:
        encoding["strokeDash"] = alt.StrokeDash(f"{dash}:N", title="run")
    return alt.Chart(frame).mark_line(interpolate="step-after").encode(**encoding).properties(height=260)


def histogram_chart(frame: pd.DataFrame, color_title: str):
    """``histogram_frame`` as step lines, one per group (bars would hide each other)."""
    import altair as alt

    return alt.Chart(frame).mark_line(interpolate="step-after").encode(
        x=alt.X("start_h:Q", title="hours"),
        y=alt.Y("share:Q", title="share of finished orders per bin"),
        color=alt.Color("group:N", title=color_title, scale=alt.Scale(scheme=SCHEME)),
        tooltip=["group", alt.Tooltip("start_h:Q", title="from (h)", format=".1f"),
                 alt.Tooltip("end_h:Q", title="to (h)", format=".1f"), alt.Tooltip("share:Q", format=".3f")],
    ).properties(height=260)


def pool_chart(frame: pd.DataFrame, column: str, y_title: str):
    import altair as alt

    return alt.Chart(frame).mark_line().encode(
        x=alt.X("day:Q", title="day of the run"),
        y=alt.Y(f"{column}:Q", title=y_title),
        color=alt.Color("pool:N", title="staff", scale=alt.Scale(scheme=SCHEME)),
        tooltip=["pool", alt.Tooltip("day:Q", format=".2f"), alt.Tooltip(f"{column}:Q", format=".1f")],
    ).properties(height=220)
