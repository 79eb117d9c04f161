"""A pinned run and the comparison of the current run with it: B − A per KPI with a 95%
CI, paired on common random numbers when both runs used the same seed (replication r
with replication r), Welch's interval otherwise, with the reason; all of it from
:mod:`sim.paired` (what ``fsim compare`` uses). The page keeps a pin small: the
summary, the resolved scenario and the distributions to draw, not the order tables."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from sim.cli.tables import digits_for, enough_digits, fmt
from sim.experiment import Result
from sim.invocation import command_text
from sim.paired import RunData, available_kpis, comparison_rows, expand, groups_of, why_not_paired
from sim.scenario.diff import format_value, resolved_diff
from sim.ui.figures import ALL, NO_VALUE, Distribution, distributions, plain_name

# The KPIs compared, by base name (each also per site or channel where it exists).
COMPARED = ("on_time_delivery_pct", "same_day_ship_pct", "lead_time_hours_mean", "lead_time_hours_p95",
            "warehouse_hours_mean", "warehouse_hours_p95", "pick_wait_hours_mean", "pack_wait_hours_mean",
            "picking_accuracy_pct", "return_rate_pct", "cost_per_order",
            "utilization_pct_pickers", "utilization_pct_packers", "backlog_at_end_pickers")


@dataclass
class Pin:
    """What the page keeps of a run to compare with: its data for :mod:`sim.paired`,
    the command that reproduces it, and its lead-time distributions."""

    run: RunData
    command: str
    lead: dict[str, list[Distribution]] = field(default_factory=dict)  # by "site" / "channel"


def resolved(result: Result) -> dict:
    """The resolved scenario as a mapping (what ``scenario.resolved.yaml`` holds)."""
    return result.scenario.model_dump(mode="json", by_alias=True, exclude_none=True)


def pin(result: Result, label: str, source: str, command: str) -> Pin:
    data = RunData(label, result.summary, resolved(result), source)
    return Pin(data, command, {by: distributions(result, "lead", by) for by in ("site", "channel")})


def comparison(pinned: Pin, current: Pin, by: str | None) -> tuple[pd.DataFrame, str | None]:
    """``fsim compare``'s table (comparison.csv columns) for the pinned run (A) and the
    current one (B), and why they are not paired (None: paired)."""
    runs = [pinned.run, current.run]
    groups = groups_of(runs, by) if by else []
    names = available_kpis(runs)
    kpis = [k for k in COMPARED if k in names]
    table, reasons = comparison_rows(runs, expand(kpis, names, by, groups), by)
    return table, reasons[current.run.label]


def scenario_changes(pinned: Pin, current: Pin) -> pd.DataFrame:
    """``setting, pinned, current``: every resolved scenario value that differs."""
    rows = [(path, format_value(a), format_value(b))
            for path, a, b in resolved_diff(pinned.run.resolved or {}, current.run.resolved or {})]
    return pd.DataFrame(rows, columns=["setting", pinned.run.label, current.run.label])


__all__ = ["COMPARED", "Pin", "comparison", "differences_table", "pin", "resolved", "run_command",
           "scenario_changes", "why_not_paired"]


def number(value, digits: int, bound=None) -> str:
    """``value`` with ``digits`` decimals; where it is censored (NaN with a lower
    ``bound``) ``above X (censored)``, as the results table says it; else ``–``."""
    if pd.isna(value) and bound is not None and not pd.isna(bound):
        return f"above {fmt(bound, digits)} (censored)"
    text = fmt(value, digits)
    return NO_VALUE if text == "-" else text


def differences_table(table: pd.DataFrame, by: str | None, sites, channels) -> pd.DataFrame:
    """One row per KPI (in the page's plain words): both means, the difference and its
    interval, with the decimals of
    the KPI's unit, or more where those would hide a difference (as ``fsim compare``
    keeps significant digits: a wait of 0.18 against 0.22 h is not "0.2" against "0.2")."""
    rows = []
    for _, r in table.iterrows():
        name = r["kpi"] if by is None or r[by] == ALL else f"{r['kpi']}_{r[by]}"
        unit = digits_for(name, sites, channels)
        # (the two means alike, and the difference with its interval alike)
        dm = enough_digits(unit, float(r["mean_a"]), float(r["mean_b"]))
        dd = enough_digits(unit, *(float(r[c]) for c in ("diff_mean", "diff_ci95_low", "diff_ci95_high")))
        ci = (NO_VALUE if pd.isna(r["diff_ci95_low"]) else
              f"[{number(r['diff_ci95_low'], dd)}, {number(r['diff_ci95_high'], dd)}]")
        row = {"KPI": plain_name(r["kpi"])}
        if by is not None:
            row[by] = r[by]
        row.update({"pinned": number(r["mean_a"], dm, r.get("lower_bound_a")),
                    "current": number(r["mean_b"], dm, r.get("lower_bound_b")),
                    "current − pinned": number(r["diff_mean"], dd), "95% CI": ci,
                    "differs": "yes" if r["significant"] else "",
                    # (paired: the replications paired; Welch's: the smaller run's)
                    ("pairs" if r["paired"] else "n (smaller run)"): int(r["n"])})
        rows.append(row)
    return pd.DataFrame(rows)


def run_command(result, fallback: str) -> str:
    """The command that reproduces ``result``, as the page ran it (``fallback`` for a run
    that did not record one)."""
    words = result.summary.get("provenance", {}).get("command")
    return command_text(words) if words else fallback
