"""The staffing planner's page, over :func:`sim.staffing.plan_staffing` (``fsim staff``):
what to ask it in plain words, the command that asks the same, its answer as tables and
a cost / service chart, and the recommended plan as lever values to run on the page.

Nothing here imports :mod:`sim.staffing`: the page checks that it is installed
(:func:`installed`) and calls it; what is read of its result is named in
:func:`plans_frame` and :func:`plan_values` (``StaffingResult.plans`` and
``.recommended``, a ``PlanResult``'s ``staff``, ``label``, ``cost_per_week``,
``accepted``, ``replications`` and ``targets``, each with ``target`` and an ``estimate``
of ``mean``, ``ci_low``, ``ci_high``, and a ``verdict``).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import math
import os
import shlex
from pathlib import Path
from typing import Any

import pandas as pd

from sim.scenario.schema import Scenario
from sim.ui.levers import command_line

# KPIs a planner sets a target on, per site: (base name, in plain words, usual operator).
TARGET_KPIS = {
    "on_time_delivery_pct": ("on-time delivery (%)", ">="),
    "same_day_ship_pct": ("shipped the day it was paid, before the cut-off (%)", ">="),
    "warehouse_hours_p95": ("warehouse time, 95th percentile (h)", "<="),
    "warehouse_hours_mean": ("warehouse time, mean (h)", "<="),
    "lead_time_hours_p95": ("lead time, 95th percentile (h)", "<="),
    "lead_time_hours_mean": ("lead time, mean (h)", "<="),
    "pick_wait_hours_mean": ("wait to be picked, mean (h)", "<="),
    "pack_wait_hours_mean": ("wait to be packed, mean (h)", "<="),
}
ROLES = ("pickers", "packers")


def installed() -> bool:
    """Whether this version has the staffing planner (``sim.staffing``)."""
    return importlib.util.find_spec("sim.staffing") is not None


def search_folder(key: str) -> Path:
    """Where the page keeps the search ``key`` (:func:`search_key`): in the user's own
    cache folder (``$XDG_CACHE_HOME``, else ``~/.cache``), ``fsim/ui-staff/<key>``, so
    that asking the same again reuses its finished runs, and no other user of the
    machine shares or can tamper with them (as under the shared temporary folder)."""
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "fsim" / "ui-staff" / key


def whole_scenario_text(path: Path) -> str:
    """The scenario file ``path`` written whole (its ``extends`` chain resolved, every
    value given), after its leading comment lines: a copy that loads anywhere as the same
    scenario."""
    from itertools import takewhile

    from sim.scenario import load_scenario
    from sim.scenario.loader import scenario_to_yaml

    lines = path.read_text(encoding="utf-8").splitlines()
    head = "".join(line + "\n" for line in takewhile(lambda line: line.startswith("#"), lines))
    return head + scenario_to_yaml(load_scenario(path))


def target_text(kpi: str, op: str, value: float) -> str:
    """``"on_time_delivery_pct_east >= 95"`` (as ``fsim staff --target`` takes it)."""
    number = f"{value:g}"
    return f"{kpi} {op} {number}"


def bounds_text(bounds: dict[str, tuple[int, int]]) -> list[str]:
    return [f"{name}={low}..{high}" for name, (low, high) in bounds.items()]


def staff_command(source: str, overrides: dict[str, Any], pools: list[str], targets: list[str],
                  bounds: dict[str, tuple[int, int]], per_shift: bool, confidence: float,
                  replications: int, max_replications: int, seed: int, workers: int) -> str:
    """The ``fsim staff`` command that asks what the page asks."""
    parts = [command_line(source, overrides, command="fsim staff")]
    parts += [f"--pool {p}" for p in pools]
    parts += [f"--target {shlex.quote(t)}" for t in targets]
    parts += [f"--bounds {b}" for b in bounds_text(bounds)]
    if per_shift:
        parts.append("--per-shift")
    parts += [f"--confidence {confidence:g}", f"-r {replications}", f"--max-replications {max_replications}",
              f"--seed {seed}"]
    parts.append("--executor serial" if workers == 1 else f"--executor processes -w {workers}")
    return " ".join(parts)


def search_key(scenario_sha: str, **asked: Any) -> str:
    """A name for a search: the same question gets the same folder, which the planner
    resumes (every finished run reused)."""
    text = json.dumps({"scenario": scenario_sha, **asked}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def plan_values(scenario: Scenario, staff: dict[str, int]) -> dict[str, int]:
    """A plan's head counts (``{"east.pickers": 9}``: that number on every shift, or
    around the clock; ``{"east.pickers.day": 4}``: one shift) as lever values
    (:mod:`sim.ui.levers` paths)."""
    out: dict[str, int] = {}
    for name, count in staff.items():
        site, role, *shift = name.split(".")
        shifts = list(scenario.warehouses[site].staff.shifts)
        prefix = f"warehouses.{site}.staff.{role}"
        if shift:
            out[f"{prefix}.{shift[0]}"] = int(count)
        elif shifts:
            out.update({f"{prefix}.{s}": int(count) for s in shifts})
        else:
            out[prefix] = int(count)
    return out


def _interval(estimate) -> str:
    if math.isnan(estimate.ci_low) or math.isnan(estimate.ci_high):
        return f"{estimate.mean:,.2f}"
    return f"{estimate.mean:,.2f} [{estimate.ci_low:,.2f}, {estimate.ci_high:,.2f}]"


def plans_frame(plans) -> pd.DataFrame:
    """One row per plan: head counts, cost per week, replications, accepted (with the
    saturated pools that reject it), and per target the mean [CI] and the verdict."""
    rows = []
    for p in plans:
        row = {"plan": p.label, "cost per week": f"{p.cost_per_week:,.0f}"}
        hours = getattr(p, "person_hours", None)  # (what decides when nothing is priced)
        if hours is not None:
            row["person-hours"] = f"{hours:,.0f}"
        saturated = getattr(p, "saturated", ())
        row.update({"replications": p.replications,
                    "accepted": "yes" if p.accepted else
                    f"no (saturated: {', '.join(saturated)})" if saturated else "no"})
        for t in p.targets:
            row[t.target] = f"{_interval(t.estimate)}: {t.verdict}"
        rows.append(row)
    return pd.DataFrame(rows)


def frontier_frame(result) -> pd.DataFrame:
    """``plan, cost_per_week, target, mean, low, high, accepted, frontier, recommended``:
    every plan decided, per target (for the cost / service chart)."""
    on_frontier = {p.label for p in result.frontier}
    best = result.recommended.label if result.recommended is not None else None
    rows = []
    for p in result.plans:
        if not p.replications:
            continue
        for t in p.targets:
            rows.append({"plan": p.label, "cost_per_week": p.cost_per_week, "target": t.target,
                         "mean": t.estimate.mean, "low": t.estimate.ci_low, "high": t.estimate.ci_high,
                         "accepted": "accepted" if p.accepted else "rejected",
                         "frontier": p.label in on_frontier, "recommended": p.label == best})
    return pd.DataFrame(rows)


def frontier_chart(frame: pd.DataFrame, target: str, value: float):
    """Cost per week against the target's KPI for every plan (interval as a bar), the
    frontier as a line, the target as a rule, the recommended plan as a star."""
    import altair as alt

    mine = frame[frame["target"] == target]
    base = alt.Chart(mine)
    x = alt.X("cost_per_week:Q", title="labour cost of the planned pools per week")
    y = alt.Y("mean:Q", title=target.split(" ")[0], scale=alt.Scale(zero=False))
    bars = base.mark_rule(color="#bbb").encode(x=x, y="low:Q", y2="high:Q")
    points = base.mark_point(filled=True, size=60).encode(
        x=x, y=y, color=alt.Color("accepted:N", title="plan", scale=alt.Scale(
            domain=["accepted", "rejected"], range=["#1f77b4", "#999999"])),
        tooltip=["plan", alt.Tooltip("cost_per_week:Q", format=",.0f"), alt.Tooltip("mean:Q", format=".2f")])
    line = alt.Chart(mine[mine["frontier"]]).mark_line(color="#2ca02c").encode(x=x, y="mean:Q")
    rule = alt.Chart(pd.DataFrame({"value": [value]})).mark_rule(color="#d62728", strokeDash=[4, 3]).encode(
        y="value:Q")
    star = alt.Chart(mine[mine["recommended"]]).mark_point(shape="diamond", size=220, filled=True,
                                                           color="#ff7f0e").encode(x=x, y="mean:Q")
    return (bars + line + rule + points + star).properties(height=300)
