"""The outputs of a staffing search, written into its folder:

- ``staffing.csv``: one row per plan decided (head counts, cost, replications, status,
  each target's mean, interval and verdict, the planned pools' utilisation);
- ``staffing.json``: the recommendation, its KPIs with intervals, runner-ups, the
  diagnosis when there is none, and what the search cost (runs against the grid);
- ``frontier.png``: cost / service per target, every plan decided;
- ``recommended.yaml``: the input scenario with the recommended head counts (it
  ``extends`` the input file; the full resolved scenario when it cannot);
- ``report.html``: all of it on one self-contained page (``fsim report DIR`` rebuilds it).
"""

from __future__ import annotations

import json
import math
import os
import textwrap
from pathlib import Path

import pandas as pd
import yaml

from sim.scenario.loader import load_scenario, scenario_to_yaml
from sim.staffing.evaluate import guarantee_text
from sim.staffing.pools import plan_scenario, staff_values
from sim.sweep.store import write_atomic

CSV, JSON, FIGURE, RECOMMENDED = "staffing.csv", "staffing.json", "frontier.png", "recommended.yaml"
DPI = 110


def write_outputs(result, inputs, store, outcome, figures: bool = True) -> list[Path]:
    """Write every output (see the module docstring); return the files."""
    out = result.out
    files = []
    tmp = out / f"{CSV}.tmp"
    plans_table(result).to_csv(tmp, index=False)
    tmp.replace(out / CSV)
    files.append(out / CSV)
    if result.recommended is not None:
        files.append(write_recommended(result, inputs, outcome.best.plan, out / RECOMMENDED))
    write_atomic(out / JSON, json.dumps(summary(result, inputs), indent=2, default=_json) + "\n")
    files.append(out / JSON)
    if figures and any(p.replications for p in result.plans):
        files.append(frontier_figure(result, out / FIGURE))
    from sim.html_report import write_report

    files.append(write_report(out))
    return files


def _json(value):
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, Path):
        return str(value)
    raise TypeError(type(value).__name__)


def _num(x: float) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


# --- staffing.csv --------------------------------------------------------------------------


def plans_table(result) -> pd.DataFrame:
    """One row per plan decided, in the order decided: ``plan`` (its number in the
    folder), ``phase`` (the search step that asked for it), one column per variable
    (head count), ``cost`` (over the measurement window), ``cost_per_week``,
    ``person_hours`` (on-duty hours of the planned pools in the window), ``replications``, ``status`` (accepted / rejected), ``recommended``, then per target
    KPI ``<kpi>_mean``, ``<kpi>_ci_low``, ``<kpi>_ci_high`` and per target ``met_<kpi>``
    (met / missed / undecided), the planned pools' ``utilization_pct_<role>_<site>``
    (mean), ``saturated`` (the pools saturated in some replication, space-separated:
    such a plan is rejected whatever its targets say), ``saturated_elsewhere`` (pools
    saturated at a site the targets do not read and no planned pool is at: not held
    against the plan), and ``invalid`` (why the schema refused the plan, if it did)."""
    best = result.recommended.number if result.recommended else None
    rows = []
    for p in result.plans:
        row = {"plan": p.number, "phase": p.phase, **p.staff, "cost": p.cost,
               "cost_per_week": p.cost_per_week, "person_hours": p.person_hours,
               "replications": p.replications,
               "status": "accepted" if p.accepted else "rejected", "recommended": p.number == best}
        seen: dict[str, int] = {}
        for t in p.targets:
            row[f"{t.kpi}_mean"] = t.estimate.mean
            row[f"{t.kpi}_ci_low"] = t.estimate.ci_low
            row[f"{t.kpi}_ci_high"] = t.estimate.ci_high
            seen[t.kpi] = seen.get(t.kpi, 0) + 1
            row[f"met_{t.kpi}" + (f"_{seen[t.kpi]}" if seen[t.kpi] > 1 else "")] = t.verdict
        row.update(p.utilisation_pct)
        row["saturated"] = " ".join(p.saturated)
        row["saturated_elsewhere"] = " ".join(p.saturated_elsewhere)
        row["invalid"] = p.invalid or ""
        rows.append(row)
    return pd.DataFrame(rows)


# --- staffing.json -------------------------------------------------------------------------


def _plan_json(p, with_kpis: bool) -> dict:
    out = {"plan": p.number, "staff": p.staff, "label": p.label, "cost": p.cost,
           "cost_per_week": p.cost_per_week, "person_hours": p.person_hours,
           "replications": p.replications, "accepted": p.accepted, "phase": p.phase,
           "targets": [{"target": t.target, "kpi": t.kpi, "op": t.op, "value": t.value,
                        "mean": _num(t.estimate.mean), "ci_low": _num(t.estimate.ci_low),
                        "ci_high": _num(t.estimate.ci_high), "verdict": t.verdict}
                       for t in p.targets],
           "utilisation_pct": {k: _num(v) for k, v in p.utilisation_pct.items()},
           "saturated": list(p.saturated), "saturated_elsewhere": list(p.saturated_elsewhere)}
    if with_kpis:
        out["kpis"] = {k: {"mean": _num(e.mean), "ci_low": _num(e.ci_low), "ci_high": _num(e.ci_high),
                           "n": e.n} for k, e in p.kpis.items()}
    return out


def summary(result, inputs) -> dict:
    return {
        "kind": "fsim-staff",
        "scenario": result.scenario,
        "scenario_file": str(inputs.path) if inputs.path else None,
        "overrides": inputs.overrides,
        "seed": result.seed,
        "confidence": result.confidence,
        "decision_confidence": result.decision_confidence,
        "looks": result.looks,
        "replications_start": result.start_replications,
        "max_replications": result.max_replications,
        "window_days": result.window_days,
        "cost_basis": ("head count x hourly cost x on-duty hours per shift inside the measurement "
                       f"window ({result.window_days:g} days), summed over the planned pools"),
        "variables": [{"name": v.name, "low": v.low, "high": v.high, "current": v.current,
                       "cost_per_head": v.cost_per_head, "hours_per_head": v.hours_per_head}
                      for v in result.variables],
        "targets": [str(t) for t in result.targets],
        "feasible": result.feasible,
        "recommended": _plan_json(result.recommended, True) if result.recommended else None,
        "runner_ups": [_plan_json(p, True) for p in result.runner_ups],
        "diagnosis": result.diagnosis,
        "search": {"plans_decided": len(result.plans), "runs": result.runs,
                   "runs_now": result.runs_now, "grid_plans": result.grid_plans,
                   "grid_runs_at_start": result.grid_plans * result.start_replications,
                   "share_of_grid": result.share_of_grid},
        "frontier": [p.number for p in result.frontier],
    }


# --- recommended.yaml ----------------------------------------------------------------------


def _nested(values: dict[str, object]) -> dict:
    """Dotted paths to a nested mapping (later paths on top of earlier ones)."""
    out: dict = {}
    for path, value in values.items():
        node = out
        keys = path.split(".")
        for key in keys[:-1]:
            if not isinstance(node.get(key), dict):
                node[key] = {}
            node = node[key]
        node[keys[-1]] = value
    return out


def write_recommended(result, inputs, plan, path: Path) -> Path:
    """The recommended scenario: ``extends:`` the input file, with the search's seed (when
    ``--seed`` was given), the ``--set`` values and the recommended head counts on top;
    it is checked to load as exactly the
    scenario the search ran, and written whole (every value resolved) when it does not
    (a ``--set`` into a list, say) or when the input was no file."""
    # The search's seed, when it is not the scenario's (--seed): the file runs as searched.
    seed = {"seed": result.seed} if result.seed != inputs.scenario.seed else {}
    planned = plan_scenario({**inputs.data, **seed}, inputs.lines, inputs.scenario, result.variables, plan)
    want = scenario_to_yaml(planned)
    head = (f"# fsim staff: the recommended plan {result.recommended.label}\n"
            f"# targets: {'; '.join(str(t) for t in result.targets)} "
            f"({result.guarantee})\n"
            f"# labour cost of the planned pools: {result.recommended.cost:,.2f} over the "
            f"{result.window_days:g}-day measurement window "
            f"({result.recommended.cost_per_week:,.2f} per week)\n")
    if inputs.path is not None:
        parent = Path(os.path.relpath(inputs.path.resolve(), path.parent.resolve()))
        body = {"extends": parent.as_posix(), **seed,
                **_nested({**inputs.overrides,
                           **staff_values(inputs.scenario, result.variables, plan)})}
        text = head + yaml.safe_dump(body, sort_keys=False, default_flow_style=None, width=100)
        write_atomic(path, text)
        try:
            same = scenario_to_yaml(load_scenario(path)) == want
        except Exception:  # noqa: BLE001 - any failure: fall back to the whole scenario
            same = False
        if same:
            return path
        head += "# (written whole: the --set values cannot be expressed on top of the input file)\n"
    write_atomic(path, head + want)
    return path


# --- frontier.png --------------------------------------------------------------------------


def frontier_figure(result, path: Path) -> Path:
    """Per target: every plan decided (cost per week against the KPI's mean, with its
    interval; filled: accepted, hollow: rejected), the frontier (the best mean at that
    cost or less), the target's value and the recommended plan."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    targets = result.targets
    priced = any(p.cost > 0 for p in result.plans)
    # Without hourly costs every plan costs 0: plot against the head count instead.
    x_of = (lambda p: p.cost_per_week) if priced else (lambda p: sum(p.staff.values()))
    fig, axes = plt.subplots(1, len(targets), figsize=(5.6 * len(targets), 5.0), squeeze=False)
    plans = [p for p in result.plans if p.replications]
    for ax, (i, target) in zip(axes[0], enumerate(targets), strict=True):
        for accepted, style in ((False, {"facecolors": "none", "edgecolors": "#888"}),
                                (True, {"color": "#1f77b4"})):
            chosen = [p for p in plans if p.accepted == accepted]
            if not chosen:
                continue
            x = [x_of(p) for p in chosen]
            y = [p.targets[i].estimate.mean for p in chosen]
            err = [[max(p.targets[i].estimate.mean - p.targets[i].estimate.ci_low, 0)
                    if not math.isnan(p.targets[i].estimate.ci_low) else 0 for p in chosen],
                   [max(p.targets[i].estimate.ci_high - p.targets[i].estimate.mean, 0)
                    if not math.isnan(p.targets[i].estimate.ci_high) else 0 for p in chosen]]
            ax.errorbar(x, y, yerr=err, fmt="none", ecolor="#bbb", elinewidth=1, zorder=1)
            ax.scatter(x, y, s=28, zorder=2, label="accepted" if accepted else "rejected", **style)
        saturated = [p for p in plans if p.saturated]
        if saturated:  # (their means are over the orders that got through: no steady state)
            ax.scatter([x_of(p) for p in saturated], [p.targets[i].estimate.mean for p in saturated],
                       marker="x", s=40, color="#d62728", zorder=3,
                       label="saturated: a staff pool cannot keep up (not on the frontier)")
        line = _best_so_far(plans, i, target.higher_is_better, x_of)
        if line:
            ax.step(*zip(*line, strict=True), where="post", color="#2ca02c", lw=1.2,
                    label="frontier (best mean at this cost or less)", zorder=0)
        ax.axhline(target.value, color="#d62728", ls="--", lw=1, label=f"target {target.op} {target.value:g}")
        if result.recommended is not None:
            best = result.recommended
            ax.scatter([x_of(best)], [best.targets[i].estimate.mean], marker="*", s=220,
                       color="#ff7f0e", edgecolors="k", zorder=3,
                       label="recommended: " + textwrap.fill(best.label, 48, subsequent_indent="  "))
        ax.set_xlabel("labour cost of the planned pools per week" if priced else
                      "head count of the planned pools (they have no hourly cost)")
        means = [p.targets[i].estimate.mean for p in plans]
        if means and min(means) > 0 and max(means) > 50 * min(means):
            ax.set_yscale("log")  # e.g. waits of an overloaded plan next to the target's
        ax.set_ylabel(target.kpi)
        ax.grid(alpha=0.3)
        # (one column: a per-shift plan's label is long and two columns would overlap)
        ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=1)
    fig.suptitle(f"{result.scenario}: cost / service frontier "
                 f"(mean and {100 * result.decision_confidence:.4g}% CI per plan, as decided)")
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def _best_so_far(plans, i: int, higher: bool, x_of) -> list[tuple[float, float]]:
    """The frontier's steps for target ``i``: the best mean at each cost or less, among
    the plans neither invalid nor saturated (as :func:`sim.staffing.planner.frontier`: a
    saturated plan's means are over the orders that got through, and look too good)."""
    points = []
    best = None
    for p in sorted((p for p in plans if p.invalid is None and not p.saturated), key=x_of):
        m = p.targets[i].estimate.mean
        if math.isnan(m):
            continue
        if best is None or (m > best if higher else m < best):
            best = m
            points.append((x_of(p), m))
    last = max((x_of(p) for p in plans), default=None)
    if points and last is not None and last > points[-1][0]:
        points.append((last, points[-1][1]))  # the best so far holds up to the dearest plan
    return points


# --- report.html ---------------------------------------------------------------------------


def staff_body(folder: Path) -> str:
    """The body of ``report.html`` for a staffing folder, from its files alone."""
    from sim.html_report import _e, _figures, _pairs, _pre, _read_json, _read_text, _table, fmt

    data = _read_json(folder / JSON)
    manifest = _read_json(folder / "manifest.json")
    conf = 100 * (data.get("confidence") or 0.95)
    parts = [f"<h1>Staffing plan: {_e(data.get('scenario', folder.name))}</h1>"]
    if not data:
        return "".join(parts) + ("<p class=\"warn\">This search is not complete (no staffing.json): "
                                 "rerun the same fsim staff command to finish it.</p>")
    search = data.get("search", {})
    meta = [("scenario file", data.get("scenario_file")),
            ("overrides (--set)", json.dumps(data.get("overrides")) if data.get("overrides") else None),
            ("targets", "; ".join(data.get("targets", [])) + " (" + guarantee_text(
                conf / 100, data.get("decision_confidence") or conf / 100, data.get("looks") or []) + ")"),
            ("planned", ", ".join(f"{v['name']} {v['low']}..{v['high']} (now {v['current']})"
                                  for v in data.get("variables", []))),
            ("seed (every plan: common random numbers)", data.get("seed")),
            ("replications per plan", f"{data.get('replications_start')} at first, up to "
                                      f"{data.get('max_replications')} where a decision is close"),
            ("cost", data.get("cost_basis")),
            ("search", f"{search.get('plans_decided')} plans decided with {search.get('runs')} runs; "
                       f"an exhaustive grid over the bounds has {search.get('grid_plans'):,} plans, "
                       f"at least {search.get('grid_runs_at_start'):,} runs "
                       f"({100 * (search.get('share_of_grid') or 0):.1f}%)"),
            ("command", manifest.get("command"))]
    parts += ["<h2>What was searched</h2>", _pairs(meta)]
    best = data.get("recommended")
    if best is None:
        parts.append("<h2>No plan within the bounds meets the targets</h2><ul>"
                     + "".join(f"<li class=\"warn\">{_e(line)}</li>" for line in data.get("diagnosis", []))
                     + "</ul>")
    else:
        parts.append(f"<h2>Recommended: {_e(best['label'])}</h2>")
        parts.append(f"<p>Labour cost of the planned pools {fmt(best['cost'])} over the "
                     f"{fmt(data.get('window_days'))}-day window ({fmt(best['cost_per_week'])} per "
                     f"week), {best['replications']} replications. Scenario: recommended.yaml.</p>")
        parts.append(_targets_table(best, conf, _table))
        plans = [best, *data.get("runner_ups", [])]
        parts.append("<h3>Runner-up plans</h3>" + (_table(
            ["plan", "cost per week", "replications", *[t["target"] for t in best["targets"]]],
            [[p["label"], p["cost_per_week"], p["replications"],
              *[f"{fmt(t['mean'])} [{fmt(t['ci_low'])}, {fmt(t['ci_high'])}]" for t in p["targets"]]]
             for p in plans[1:]]) if len(plans) > 1 else "<p class=\"muted\">none decided</p>"))
        kpis = best.get("kpis", {})
        parts.append(f"<h3>Every KPI of the recommended plan: mean and {conf:g}% CI</h3>" + _table(
            ["KPI", "mean", "CI low", "CI high", "replications"],
            [[k, e["mean"], e["ci_low"], e["ci_high"], e["n"]] for k, e in kpis.items()]))
    csv = folder / CSV
    if csv.exists():
        table = pd.read_csv(csv)
        parts.append("<h2>Every plan decided</h2>" + _table(
            list(table.columns), [[_cell(v) for v in row] for row in table.itertuples(index=False)],
            numeric_from=2))
    parts.append(_figures(folder, {FIGURE: "cost / service frontier: every plan decided"}))
    text = _read_text(folder / RECOMMENDED)
    if text:
        parts.append("<h2>recommended.yaml</h2>" + _pre(RECOMMENDED, text, open_=True))
    return "".join(parts)


def _cell(value):
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def _targets_table(plan: dict, conf: float, table) -> str:
    return table(["target", "mean", f"{conf:g}% CI low", f"{conf:g}% CI high", "verdict"],
                 [[t["target"], t["mean"], t["ci_low"], t["ci_high"], t["verdict"]]
                  for t in plan["targets"]])
