"""``report.html``: one self-contained page for a run, a comparison or a sweep folder.

Figures are embedded as base64 PNG data URIs and the style is inline: the page opens
in any browser with no network and no other file. Built from the folder's files alone
(summary.json, comparison.csv/json, manifest.json, points.csv, runs.parquet, PNGs),
with the standard library's ``html`` and ``base64``; every text is escaped.
"""

from __future__ import annotations

import base64
import html
import json
import math
import numbers
import shlex
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from sim import __version__
from sim.errors import ScenarioError

STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2em auto;max-width:1100px;
color:#222;line-height:1.4;padding:0 1em}
h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:1.8em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.6em 0;font-size:.9em}
th,td{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums}th{background:#f4f4f4}
tr.sig td{background:#fff4e5}pre{background:#f8f8f8;padding:.8em;overflow:auto;font-size:.8em;
max-height:40em}img{max-width:100%;border:1px solid #eee;margin:.5em 0}
.muted{color:#777}.warn{color:#a35200}figure{margin:1em 0}figcaption{color:#555;font-size:.9em}
.wide{overflow-x:auto}
"""


def folder_kind(folder: Path) -> str:
    """``staff``, ``sweep``, ``comparison`` or ``run`` (ScenarioError, exit 2, if none):
    what :func:`sim.outdir.fsim_output_kind` finds, a sweep also by its tables alone,
    a run only once finished (``summary.json``)."""
    from sim.outdir import fsim_output_kind

    kind = fsim_output_kind(folder)
    if kind == "staffing search":
        return "staff"
    if kind == "sweep" or (folder / "manifest.json").exists() or (folder / "points.csv").exists():
        return "sweep"
    if kind == "comparison":
        return "comparison"
    if (folder / "summary.json").exists():
        return "run"
    raise ScenarioError([f"{folder}: not a run, comparison, sweep or staffing folder (no "
                         "summary.json, comparison.csv or manifest.json)"])


def build_report(folder: str | Path, name: str | None = None) -> str:
    """The HTML page for ``folder`` (see :func:`folder_kind`). ``name``: what the page
    calls it (default: the folder's name, and its path at the foot of the page), for a
    folder that is not the user's own (the planners' page writes a run to a temporary
    one)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ScenarioError([f"{folder}: is a file, not a folder (give the folder a command "
                             "wrote)" if folder.exists() else f"{folder}: no such folder"])
    kind = folder_kind(folder)
    body = {"run": _run, "comparison": _comparison, "sweep": _sweep, "staff": _staff}[kind](folder)
    stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{_e(name or folder.name)}: fsim {kind} report</title><style>{STYLE}</style></head>"
            f"<body>{body}<p class=\"muted\">fsim {__version__} report of {_e(name or str(folder))}, "
            f"made {stamp}.</p></body></html>\n")


def write_report(folder: str | Path, out: str | Path | None = None) -> Path:
    """Write the page (default ``folder/report.html``); return its path."""
    from sim.sweep.store import write_atomic

    text = build_report(folder)
    path = Path(out) if out else Path(folder) / "report.html"
    write_atomic(path, text)
    return path


# --- pieces ----------------------------------------------------------------------------


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def fmt(value) -> str:
    """A number for a table: thousands separated, about four significant digits."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}"
    if not isinstance(value, numbers.Real):
        return _e(value)
    value = float(value)
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 1 or value == 0:
        return f"{value:,.2f}"
    return f"{value:.3g}"


def _table(header: list[str], rows: list[list], numeric_from: int = 1,
           row_class: list[str] | None = None) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = []
    for i, row in enumerate(rows):
        cells = "".join(
            f"<td class=\"num\">{_e(v) if isinstance(v, _Num) else fmt(v)}</td>"
            if j >= numeric_from and (isinstance(v, _Num) or not isinstance(v, str))
            else f"<td>{_e(v) if isinstance(v, str) else fmt(v)}</td>" for j, v in enumerate(row))
        cls = f" class=\"{row_class[i]}\"" if row_class and row_class[i] else ""
        body.append(f"<tr{cls}>{cells}</tr>")
    # (in a box that scrolls sideways: a sweep's points table is wider than the page)
    return (f"<div class=\"wide\"><table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}"
            "</tbody></table></div>")


def _pairs(items: list[tuple[str, object]]) -> str:
    rows = "".join(f"<tr><th>{_e(k)}</th><td>{v if isinstance(v, _Html) else _e(v)}</td></tr>"
                   for k, v in items if v not in (None, "", {}, []))
    return f"<table>{rows}</table>"


class _Html(str):
    """Text that is already HTML."""


class _Num(str):
    """A number already written out, aligned as a number."""


# A run's figures in the order a planner reads them, each with what it shows.
RUN_FIGURES = {
    "lead_time_by_site.png": "Lead time by site: histogram and ECDF (orders not delivered by the "
                             "end are counted, not drawn: the ECDF stops below 1)",
    "lead_time_by_channel.png": "Lead time by sales channel",
    "staff_pools.png": "Staff pools over time: utilisation while on duty and parcels waiting",
    "picking_distributions.png": "Picking: metres per tour, orders per tour, wait in the pick queue",
    "lead_time_by_method.png": "Lead time by picking method",
    "picking_accuracy_by_day.png": "Picking accuracy by day of placement",
    "stock_levels.png": "Stock on hand per site and backorder waits",
    "returns_per_day.png": "Returns arriving back per day, by reason",
    "csat.png": "Customer satisfaction, and why customers were dissatisfied",
}


def _figure_order(png: Path) -> tuple:
    names = list(RUN_FIGURES)
    return (names.index(png.name), "") if png.name in names else (len(names), png.name)


def _figures(folder: Path, captions: dict[str, str] | None = None) -> str:
    out = []
    for png in sorted(folder.glob("*.png"), key=_figure_order):
        data = base64.b64encode(png.read_bytes()).decode("ascii")
        caption = (captions or {}).get(png.name) or (
            f"Warm-up by MSER (fsim warmup) on the daily {png.stem[len('warmup_'):]}"
            if png.name.startswith("warmup_") else png.name)
        out.append(f"<figure><img alt=\"{_e(png.name)}\" src=\"data:image/png;base64,{data}\">"
                   f"<figcaption>{_e(caption)}</figcaption></figure>")
    return "<h2>Figures</h2>" + "".join(out) if out else ""


def _pre(title: str, text: str, open_: bool = False) -> str:
    return (f"<details{' open' if open_ else ''}><summary>{_e(title)}</summary>"
            f"<pre>{_e(text)}</pre></details>")


def _read_json(path: Path) -> dict:
    """A JSON object written by fsim ({} when the file is absent); a file that cannot be
    read as one is bad input (exit 2), not an empty report."""
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ScenarioError([f"{path}: cannot be read as JSON written by fsim ({exc}); was the "
                             "run interrupted?"]) from None
    if not isinstance(data, dict):
        raise ScenarioError([f"{path}: not written by fsim (expected a JSON object, got "
                             f"{type(data).__name__})"])
    return data


def _read_text(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.exists() else None


def _sites(folder: Path) -> list[str]:
    """The sites of a run's resolved scenario (none when it is not there)."""
    import yaml

    text = _read_text(folder / "scenario.resolved.yaml")
    try:
        data = yaml.safe_load(text) if text else None
    except yaml.YAMLError:
        return []
    return list((data or {}).get("warehouses") or {}) if isinstance(data, dict) else []


def _provenance(summary: dict) -> list[tuple[str, object]]:
    p = summary.get("provenance") or {}
    overrides = p.get("overrides") or {}
    over = _Html(_table(["path", "value"], [[k, json.dumps(v) if not isinstance(v, str) else v]
                                          for k, v in overrides.items()], numeric_from=9)
                 ) if overrides else "none"
    return [("scenario file", p.get("scenario_file")), ("overrides (--set)", over),
            ("command", shlex.join(map(str, p["command"])) if isinstance(p.get("command"), list)
             else p.get("command")), ("Python", p.get("python_version")),
            ("started", p.get("started_at")), ("finished", p.get("finished_at")),
            ("wall time (s)", p.get("wall_time_s"))]


def _kpi_rows(summary: dict) -> list[list]:
    """KPI, unit, mean, CI low, CI high, replications, note: numbers as the terminal
    prints them (sim.cli.tables: counts whole, shares and hours with one decimal, money
    with two)."""
    from sim.cli.tables import digits_for
    from sim.cli.tables import fmt as fmt_digits
    from sim.kpis.registry import kpi_of

    rows = []
    for name, entry in (summary.get("kpis") or {}).items():
        if not isinstance(entry, dict):
            continue
        kpi = kpi_of(name)
        d = digits_for(name)
        mean, low, high = (_Num(fmt_digits(entry.get(k), d)) if entry.get(k) is not None else None
                           for k in ("mean", "ci95_low", "ci95_high"))
        note = "censored" if entry.get("censored") else ""
        if entry.get("censored") and entry.get("lower_bound") is not None:
            mean = _Num(f"> {fmt_digits(entry['lower_bound'], d)}")  # (as the terminal shows it)
        rows.append([name, kpi.unit if kpi else "", mean, low, high,
                     len(entry.get("per_replication") or []), note])
    return rows


def _precision_text(precision: dict | None) -> str | None:
    if not precision:
        return None
    kpis = ", ".join(f"{k['kpi']} ±{fmt(100 * k['relative_half_width'])}%"
                     if k.get("relative_half_width") is not None else k["kpi"]
                     for k in precision.get("kpis", []))
    state = "reached" if precision.get("reached") else "NOT reached"
    return (f"target ±{100 * precision.get('relative', 0):g}% of the mean, {state} with "
            f"{precision.get('replications')} replications ({kpis})")


# --- a run -----------------------------------------------------------------------------


def _run(folder: Path) -> str:
    from sim.compare import load_run

    summary, _ = load_run(folder)  # (exit 2 for a summary fsim did not write)
    reps = summary.get("replications")
    meta = [("scenario", summary.get("scenario")), ("seed", summary.get("seed")),
            ("precision", _precision_text(summary.get("precision"))),
            ("replications", reps), ("simulator version", summary.get("sim_version")),
            ("horizon (days)", summary.get("horizon_days")),
            ("warm-up (days)", summary.get("warmup_days")),
            ("scenario SHA-256", summary.get("scenario_sha256")), *_provenance(summary)]
    warnings = summary.get("warnings") or []
    parts = [f"<h1>Run: {_e(summary.get('scenario', folder.name))}</h1>",
             "<h2>What was run</h2>", _pairs(meta)]
    if warnings:
        parts.append("<h2>Warnings</h2><ul>" + "".join(f"<li class=\"warn\">{_e(w)}</li>"
                                                       for w in warnings) + "</ul>")
    ci_note = ("" if (reps or 0) > 1 else
               "<p class=\"warn\">One replication: no confidence intervals (run with -r 5 or more).</p>")
    figures = _figures(folder, {**RUN_FIGURES, **{f"pick_routes_{s}.png": f"A sample tour at {s} under "
                                                  "each routing policy" for s in _sites(folder)}})
    parts.append(figures or "<h2>Figures</h2><p class=\"muted\">None: the run was made with "
                            "--no-figures or --outputs kpis (fsim run writes them).</p>")
    parts += ["<h2>KPIs: mean and 95% confidence interval over replications</h2>", ci_note,
              _table(["KPI", "unit", "mean", "95% CI low", "95% CI high", "replications", ""],
                     _kpi_rows(summary), numeric_from=2)]
    resolved = _read_text(folder / "scenario.resolved.yaml")
    if resolved:
        parts.append("<h2>Resolved scenario</h2>" + _pre("scenario.resolved.yaml", resolved))
    return "".join(parts)


# --- a comparison ------------------------------------------------------------------------


def _comparison(folder: Path) -> str:
    meta = _read_json(folder / "comparison.json")
    table = pd.read_csv(folder / "comparison.csv")
    runs = meta.get("runs") or []
    by = meta.get("by")
    parts = [f"<h1>Comparison: {_e(' vs '.join(r.get('label', '?') for r in runs) or folder.name)}</h1>",
             "<h2>What was compared</h2>"]
    parts.append(_table(["run", "scenario", "source", "seed", "replications", "paired with A",
                         "why not paired"],
                        [[r.get("label"), r.get("scenario"), r.get("source"), str(r.get("seed")),
                          str(r.get("replications")),
                          "(reference)" if i == 0 else ("yes" if r.get("paired_with_reference") else "no"),
                          r.get("why_not_paired") or ""] for i, r in enumerate(runs)],
                        numeric_from=9))
    diff = meta.get("differences") or []
    if diff:
        def shown(value) -> str:
            return "(not set)" if value is None else json.dumps(value, default=str)
        parts.append("<h3>What differs between the first two scenarios</h3>" + _table(
            ["path", "A", "B"], [[p, shown(a), shown(b)] for p, a, b in diff], numeric_from=9))
    overrides = [(r.get("label"), r.get("overrides")) for r in runs if r.get("overrides")]
    if overrides:
        parts.append("<h3>Overrides</h3>" + _table(
            ["run", "overrides"], [[label, json.dumps(o)] for label, o in overrides], numeric_from=9))
    warned = [(r.get("label"), w) for r in runs for w in _run_warnings(folder, r)]
    if warned:
        parts.append("<h2>Warnings of the runs</h2><ul>" + "".join(
            f"<li class=\"warn\">{_e(label)}: {_e(w)}</li>" for label, w in warned) + "</ul>")
    if len(table):
        # One pair (the usual A against B): named once, above the table, not on every row.
        many = table[["run_a", "run_b"]].drop_duplicates().shape[0] > 1
        header = ["KPI", *([by] if by else []), *(["B"] if many else []), "mean A", "mean B", "B − A",
                  "95% CI low", "95% CI high", "pairs", "paired", "significant"]
        rows = [[r["kpi"], *([r[by]] if by else []), *([r["run_b"]] if many else []),
                 _mean_or_bound(r["mean_a"], r.get("lower_bound_a")),
                 _mean_or_bound(r["mean_b"], r.get("lower_bound_b")), r["diff_mean"],
                 r["diff_ci95_low"], r["diff_ci95_high"], r["n"],
                 bool(r["paired"]), bool(r["significant"])] for _, r in table.iterrows()]
        classes = ["sig" if bool(r["significant"]) else "" for _, r in table.iterrows()]
        names = (f"A: {_e(table['run_a'].iloc[0])}" + ("" if many else f"; B: {_e(table['run_b'].iloc[0])}"))
        parts += ["<h2>Differences B − A with 95% confidence intervals</h2>",
                  f"<p>{names}. Paired: the interval comes from the per-replication differences "
                  "(the runs used the same seeds: common random numbers). Highlighted rows: the "
                  "interval excludes 0.</p>",
                  _table(header, rows, numeric_from=1 + (1 if by else 0) + (1 if many else 0),
                         row_class=classes)]
    parts.append(_figures(folder))
    for r in runs:
        sub = r.get("folder")
        if sub and (folder / sub / "scenario.resolved.yaml").exists():
            parts.append(_pre(f"resolved scenario of {r.get('label')}",
                              (folder / sub / "scenario.resolved.yaml").read_text(encoding="utf-8")))
    return "".join(parts)


def _run_warnings(folder: Path, run: dict) -> list[str]:
    """The warnings in the summary.json of a compared run's folder (a run folder given,
    or the one fsim compare wrote for a scenario file); none when it is not there."""
    sub = run.get("folder")
    if not sub:
        return []
    path = Path(sub) if Path(sub).is_absolute() else folder / sub
    try:
        summary = json.loads((path / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    warnings = summary.get("warnings") if isinstance(summary, dict) else None
    return [str(w) for w in warnings] if isinstance(warnings, list) else []


def _mean_or_bound(mean, bound):
    """A run's mean, or ``> bound (censored)`` when it is censored (only a lower bound
    known: comparison.csv's ``lower_bound_a`` / ``lower_bound_b``, absent before 0.5.7)."""
    if pd.isna(mean) and bound is not None and not pd.isna(bound):
        return f"> {fmt(bound)} (censored)"
    return mean


def _saturated_replications(folder: Path) -> dict[int, tuple[int, int]]:
    """Per point, (replications with a saturated staff pool, replications run), from
    runs.parquet (:func:`sim.sweep.tables.saturated_by_point`); empty when the sweep has
    no such column."""
    from sim.sweep.tables import saturated_by_point

    path = folder / "runs.parquet"
    if not path.exists():
        return {}
    try:
        runs = pd.read_parquet(path, columns=["point", "saturated_pools"])
    except (KeyError, ValueError, OSError):  # (an older sweep, a partial file)
        return {}
    return saturated_by_point(runs)


def _staff(folder: Path) -> str:
    from sim.staffing.report import staff_body

    return staff_body(folder)


# --- a sweep -----------------------------------------------------------------------------


def _sweep(folder: Path) -> str:
    from sim.sweep.figures import DEFAULT_FIGURE_KPIS

    manifest = _read_json(folder / "manifest.json")
    points = pd.read_csv(folder / "points.csv") if (folder / "points.csv").exists() else None
    parameters = manifest.get("parameters") or []
    complete = manifest.get("complete")
    meta = [("sweep", manifest.get("name")), ("sweep file", manifest.get("sweep_file")),
            ("base scenario", manifest.get("base")), ("design", manifest.get("design")),
            ("parameters", ", ".join(parameters)), ("points", len(manifest.get("points") or [])),
            ("replications per point", manifest.get("replications")),
            ("seed (every point: common random numbers)", manifest.get("seed")),
            ("set on every point", json.dumps(manifest.get("set")) if manifest.get("set") else None),
            ("simulator version", manifest.get("sim_version")), ("command", manifest.get("command")),
            ("executor", manifest.get("executor")), ("runs", manifest.get("tasks")),
            ("failed runs", manifest.get("failed")), ("finished", manifest.get("finished_at")),
            ("sweep SHA-256", manifest.get("sweep_sha256"))]
    parts = [f"<h1>Sweep: {_e(manifest.get('name', folder.name))}</h1>"]
    if not complete or points is None:
        parts.append("<p class=\"warn\">This sweep is not complete: its tables are missing or "
                     "partial. Rerun the same fsim sweep command to finish it.</p>")
    parts += ["<h2>What was run</h2>", _pairs(meta)]
    precision = manifest.get("precision")
    if precision:
        parts.append(f"<p>Precision target: 95% CI half-width within {100 * precision.get('relative', 0):g}% "
                     f"of the mean for {_e(', '.join(precision.get('kpis', [])))}; reached at "
                     f"{precision.get('points_reached')} of {len(precision.get('points', {}))} points.</p>")
    if points is not None and len(points):
        # The KPIs asked for (precision, --kpi: those with a figure), then the usual ones.
        drawn = sorted(f.stem[len("sweep_"):] for f in folder.glob("sweep_*.png"))
        wanted = [k for k in (*(precision or {}).get("kpis", []), *drawn, *DEFAULT_FIGURE_KPIS)
                  if k in set(points["kpi"])]
        wanted = list(dict.fromkeys(wanted))
        saturated = _saturated_replications(folder)
        header = ["point", *parameters, "n", *(["saturated"] if saturated else []), *wanted]
        rows = []
        for point, group in points.groupby("point", sort=True):
            by = group.set_index("kpi")
            first = group.iloc[0]
            cells = [str(point), *(str(first[p]) for p in parameters),
                     int(by["n"].max()) if len(by) else 0]
            if saturated:  # (next to the point, where it is read before its means)
                sat, ran = saturated.get(int(point), (0, 0))
                cells.append(f"in {sat} of {ran} replications" if sat else "")
            for k in wanted:
                m, lo, hi = by.loc[k, ["mean", "ci95_low", "ci95_high"]]
                bound = by.loc[k, "lower_bound"] if "lower_bound" in by else math.nan
                if pd.isna(m) and not pd.isna(bound):  # censored in some replication
                    cells.append(f"> {fmt(bound)} (censored)")
                    continue
                cells.append(f"{fmt(m)}" + ("" if pd.isna(lo) else f" [{fmt(lo)}, {fmt(hi)}]"))
            rows.append(cells)
        parts += ["<h2>Points: mean [95% CI] of the main KPIs</h2>",
                  "<p class=\"muted\">Every KPI of every point is in points.csv; every run in "
                  "runs.parquet / runs.csv.</p>",
                  *(["<p class=\"warn\">At the points marked saturated a staff pool's queue grew "
                     "without bound in some replication: their means are over the orders that got "
                     "through, and can look better than those of a point that keeps up (crossed "
                     "in red in the figures).</p>"] if any(k for k, _ in saturated.values()) else []),
                  _table(header, rows, numeric_from=len(parameters) + 1)]
    runs_path = folder / "runs.parquet"
    if runs_path.exists():
        runs = pd.read_parquet(runs_path, columns=None)
        failed = runs[runs["error"].notna()] if "error" in runs else runs.iloc[0:0]
        if len(failed):
            parts.append("<h2>Failed runs</h2>" + _table(
                ["point", "replication", "error"],
                [[str(r["point"]), str(r["replication"]), str(r["error"])] for _, r in failed.iterrows()],
                numeric_from=9))
    parts.append(_figures(folder, {
        **{f.name: f"{f.stem[len('sweep_'):]}: mean and 95% CI against each swept parameter (a red "
                   "cross: a saturated point; an open triangle: censored, at its lower bound)"
           for f in folder.glob("sweep_*.png")},
        **{f.name: f"{f.stem[len('heatmap_'):]}: mean per point (framed in red: saturated)"
           for f in folder.glob("heatmap_*.png")}}))
    sweep_text = _read_text(folder / "sweep.yaml")
    if sweep_text:
        parts.append("<h2>Sweep file</h2>" + _pre("sweep.yaml", sweep_text, open_=True))
    base = _read_text(folder / "base.resolved.yaml")
    if base:
        parts.append("<h2>Resolved base scenario</h2><p>Each point is this scenario with the "
                     "point's values set.</p>" + _pre("base.resolved.yaml", base))
    return "".join(parts)
