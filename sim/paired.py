"""Comparing alternatives: B − A per KPI with a 95% CI, paired on common random numbers
when the runs allow it (same seed: replication r of A and of B saw the same random
draws), Welch's unpaired interval otherwise, with the reason.

Runs come from finished run folders (their ``summary.json`` holds each KPI's
per-replication values) or are made here from scenario files, KPIs only
(:func:`run_alternatives`); either way a run is a :class:`RunData`.
"""

from __future__ import annotations

import difflib
import json
import math
import platform
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from sim import __version__
from sim.analysis import Difference, finite_mean, paired_difference, welch_difference
from sim.errors import OutputDirError, ScenarioError
from sim.invocation import command_text
from sim.kpis.registry import clip_difference
from sim.outdir import make_output_folder, refuse_other_output

BY_CHOICES = ("site", "channel")
POOLED = "all"  # the group name of a pooled KPI in a --by table


@dataclass
class RunData:
    """One alternative: a label, its summary (as in summary.json), its resolved
    scenario (None when unknown) and where it came from."""

    label: str
    summary: dict
    resolved: dict | None
    source: str
    path: Path | None = None
    kpis: pd.DataFrame | None = field(default=None, repr=False)

    def values(self, kpi: str) -> list[float | None] | None:
        entry = self.summary.get("kpis", {}).get(kpi)
        return None if entry is None else entry.get("per_replication")

    def censored(self, kpi: str) -> bool:
        """Whether ``kpi`` is censored in some replication (only a lower bound known)."""
        entry = self.summary.get("kpis", {}).get(kpi)
        return bool(entry and entry.get("censored"))

    def lower_bound(self, kpi: str) -> float:
        """The lower bound of a censored ``kpi``'s mean (NaN when it is not censored)."""
        entry = self.summary.get("kpis", {}).get(kpi) or {}
        bound = entry.get("lower_bound") if entry.get("censored") else None
        return math.nan if bound is None else float(bound)


def read_resolved(folder: Path) -> dict | None:
    """The resolved scenario of a run folder (None when it has none)."""
    path = Path(folder) / "scenario.resolved.yaml"
    if not path.exists():
        return None
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else None


def load_folders(folders: Sequence[str | Path]) -> list[RunData]:
    """Run folders written by ``fsim run`` (or by this module), labelled by what
    differs between them."""
    from sim.compare import load_run, run_labels

    labels = run_labels(list(folders))
    runs = []
    for label, folder in zip(labels, folders, strict=True):
        summary, path = load_run(folder)
        runs.append(RunData(label, summary, read_resolved(path), str(folder), path))
    return runs


# --- KPI names ---------------------------------------------------------------------


def groups_of(runs: Sequence[RunData], by: str) -> list[str]:
    """The sites (``by="site"``) or channels of the runs' resolved scenarios."""
    found: dict[str, None] = {}
    for run in runs:
        data = run.resolved or {}
        if by == "site":
            found.update(dict.fromkeys(data.get("warehouses") or {}))
        else:
            found.update(dict.fromkeys((data.get("demand") or {}).get("channels") or {}))
    return list(found)


def available_kpis(runs: Sequence[RunData]) -> list[str]:
    names: dict[str, None] = {}
    for run in runs:
        names.update(dict.fromkeys(run.summary.get("kpis", {})))
    return list(names)


def check_kpis(wanted: Sequence[str], available: Sequence[str], groups: Sequence[str] = ()) -> None:
    """Exit 2 (ScenarioError) for a KPI name that is not there, naming the closest
    ones. With groups (``--by``), a name is valid if it exists pooled or per group."""
    names = set(available)
    bases = set(names)
    for name in available:  # what a per-group name is a variant of
        for g in groups:
            if name.endswith(f"_{g}"):
                bases.add(name[: -len(g) - 1])
    problems = []
    for kpi in wanted:
        if kpi in names or any(f"{kpi}_{g}" in names for g in groups):
            continue
        close = difflib.get_close_matches(kpi, sorted(bases), n=5, cutoff=0.6)
        hint = f"; did you mean {', '.join(close)}?" if close else (
            "; the KPI names are the keys of kpis in summary.json")
        problems.append(f"--kpi {kpi}: no such KPI{hint}")
    if problems:
        raise ScenarioError(problems)


def expand(kpis: Sequence[str], available: Sequence[str], by: str | None,
           groups: Sequence[str]) -> list[tuple[str, str | None, str]]:
    """(KPI, group, name in the summaries) rows: the pooled KPI, then (with ``by``) its
    ``<kpi>_<group>`` variants that exist."""
    names = set(available)
    rows = []
    for kpi in kpis:
        if by is None:
            rows.append((kpi, None, kpi))
            continue
        if kpi in names:
            rows.append((kpi, POOLED, kpi))
        rows.extend((kpi, g, f"{kpi}_{g}") for g in groups if f"{kpi}_{g}" in names)
    return rows


# --- pairing ---------------------------------------------------------------------------


def why_not_paired(a: RunData, b: RunData) -> str | None:
    """None if replication r of ``a`` and of ``b`` used the same random numbers (same
    seed), else the reason they cannot be paired."""
    sa, sb = a.summary, b.summary
    if sa.get("seed") is None or sb.get("seed") is None:
        return "a summary.json without a seed"
    if sa["seed"] != sb["seed"]:
        return f"their seeds differ ({a.label}: {sa['seed']}, {b.label}: {sb['seed']})"
    if not sa.get("kpis") or not any("per_replication" in v for v in sa["kpis"].values()):
        return f"{a.label} has no per-replication values"
    if not sb.get("kpis") or not any("per_replication" in v for v in sb["kpis"].values()):
        return f"{b.label} has no per-replication values"
    return None


def difference(a: RunData, b: RunData, kpi: str, paired: bool) -> Difference | None:
    """B − A for one KPI name (None when neither run has it; NaN, with the mean of the
    run that has it, when one lacks it: a site only one run has). Paired over the
    replications both runs have (replication r with replication r). A KPI censored in
    some replication of either run has no difference (NaN): its censored replications
    are its longest, so the others' difference would be biased."""
    va, vb = a.values(kpi), b.values(kpi)
    if va is None and vb is None:
        return None
    if va is None or vb is None:
        nan = math.nan
        return Difference(nan if va is None else finite_mean(va), nan if vb is None else finite_mean(vb),
                          nan, nan, nan, 0, paired)
    if a.censored(kpi) or b.censored(kpi):
        nan = math.nan
        return Difference(nan, nan, nan, nan, nan, 0, paired)
    if paired:
        n = min(len(va), len(vb))
        d = paired_difference(va[:n], vb[:n])
        # Each run's mean over all its replications, as the table and --csv show it (the
        # difference is over the pairs: with unequal replications, not mean_b - mean_a).
        return replace(d, mean_a=finite_mean(va), mean_b=finite_mean(vb))
    return welch_difference(va, vb)


def comparison_rows(runs: Sequence[RunData], rows: Sequence[tuple[str, str | None, str]],
                    by: str | None = None) -> tuple[pd.DataFrame, dict[str, str | None]]:
    """Every run after the first against the first, per KPI row: the tidy table written
    to comparison.csv, and per run the reason it could not be paired (None: paired)."""
    reference = runs[0]
    reasons = {run.label: why_not_paired(reference, run) for run in runs[1:]}
    out = []
    for run in runs[1:]:
        paired = reasons[run.label] is None
        for kpi, group, name in rows:
            d = difference(reference, run, name, paired)
            if d is None:
                continue
            row = {"kpi": kpi}
            if by is not None:
                row[by] = group
            low, high = clip_difference(name, d.mean, d.ci95_low, d.ci95_high)
            row.update({"run_a": reference.label, "run_b": run.label, "mean_a": d.mean_a,
                        "mean_b": d.mean_b, "lower_bound_a": reference.lower_bound(name),
                        "lower_bound_b": run.lower_bound(name), "diff_mean": d.mean,
                        "diff_ci95_low": low, "diff_ci95_high": high, "n": d.n,
                        "paired": d.paired, "significant": d.significant})
            out.append(row)
    columns = ["kpi", *([by] if by else []), "run_a", "run_b", "mean_a", "mean_b", "lower_bound_a",
               "lower_bound_b", "diff_mean", "diff_ci95_low", "diff_ci95_high", "n", "paired",
               "significant"]
    return pd.DataFrame(out, columns=columns), reasons


# --- running alternatives from scenario files -------------------------------------------


def run_alternatives(scenarios: Sequence, labels: Sequence[str], sources: Sequence[str],
                     overrides: Sequence[dict], replications: int, seed: int,
                     workers: int = 1, console=None, check_names=None) -> list[RunData]:
    """Run every scenario ``replications`` times with the same ``seed`` (replication r
    of each uses the same random numbers), KPIs only. ``check_names(kpi_names)`` is
    called with the first replication's KPIs, before waiting for the rest."""
    from sim.outputs import tidy_kpi_frame
    from sim.sweep.executors import make_executor
    from sim.sweep.progress import TaskProgress
    from sim.sweep.task import Task, run_task

    started, t0 = _now(), time.perf_counter()
    tasks = [Task(i, r, seed, s) for r in range(replications) for i, s in enumerate(scenarios)]
    rows: dict[tuple[int, int], dict] = {}
    checked = check_names is None
    with make_executor("serial" if workers == 1 else "processes", workers) as executor, \
            TaskProgress(console, "compare", len(tasks), len(scenarios),
                         quiet=console is None, unit="scenarios") as progress:
        for task, record in executor.map_unordered(run_task, tasks):
            if not isinstance(record, dict) or record.get("error"):
                error = record.get("error") if isinstance(record, dict) else repr(record)
                raise RuntimeError(f"{labels[task.point]}, replication {task.replication}: {error}")
            if not checked:
                check_names(list(record["kpis"]))
                checked = True
            rows[task.key] = record
            progress.advance(point_done=all((task.point, r) in rows for r in range(replications)))
    finished = _now()
    runs = []
    for i, scenario in enumerate(scenarios):
        kpis = pd.DataFrame([{"replication": r, **{k: (math.nan if v is None else v)
                                                     for k, v in rows[(i, r)]["kpis"].items()}}
                             for r in range(replications)])
        records = [rows[(i, r)] for r in range(replications)]
        summary = _summary(scenario, seed, kpis, [rec.get("lower_bounds", {}) for rec in records],
                           [rec.get("saturated", []) for rec in records], sources[i], overrides[i],
                           started, finished, time.perf_counter() - t0,
                           [rec.get("warnings", []) for rec in records])
        resolved = yaml.safe_load(_scenario_yaml(scenario))
        tidy = tidy_kpi_frame(scenario, kpis, [rec.get("lower_bounds", {}) for rec in records])
        runs.append(RunData(labels[i], summary, resolved, sources[i], None, tidy))
    return runs


def _scenario_yaml(scenario) -> str:
    from sim.scenario.loader import scenario_to_yaml

    return scenario_to_yaml(scenario)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _summary(scenario, seed: int, kpis: pd.DataFrame, lower_bounds: list[dict],
             saturated: list[list[str]], source: str, overrides: dict, started: str,
             finished: str, wall_s: float, warnings: list[list[str]] = ()) -> dict:
    """The same summary as ``fsim run`` writes (censored KPIs, saturated pools and
    warnings included: ``warnings``, the model's per replication), with the comparison's
    provenance."""
    from sim.experiment import merge_warnings, summarise_replications

    return {
        **summarise_replications(scenario, seed, kpis, lower_bounds, saturated,
                                 merge_warnings(list(warnings))),
        "outputs": "kpis",
        "provenance": {
            "scenario_file": source,
            "overrides": overrides,
            "command": command_text(),
            "python_version": platform.python_version(),
            "started_at": started,
            "finished_at": finished,
            "wall_time_s": round(wall_s, 3),
        },
    }


RUN_FOLDER_FILES = ("scenario.resolved.yaml", "kpis.csv", "summary.json", "report.html")  # (write_run's)


def write_run(run: RunData, folder: Path) -> None:
    """A KPIs-only run folder (summary.json, kpis.csv, scenario.resolved.yaml), which
    ``fsim compare`` and ``fsim report`` read like any run folder."""
    from sim.sweep.store import write_atomic

    folder.mkdir(parents=True, exist_ok=True)
    write_atomic(folder / "scenario.resolved.yaml",
                 yaml.safe_dump(run.resolved, sort_keys=False, default_flow_style=None, width=100))
    if run.kpis is not None:
        write_atomic(folder / "kpis.csv", run.kpis.to_csv(index=False))
    write_atomic(folder / "summary.json", json.dumps(run.summary, indent=2) + "\n")
    run.path = folder


# --- the comparison folder --------------------------------------------------------------

COMPARISON_FILES = ("comparison.csv", "comparison.json", "comparison.png", "report.html")


def prepare_comparison_dir(path: str | Path, overwrite: bool) -> Path:
    """Create ``path`` for a comparison; refuse one holding another command's output,
    or a comparison unless ``overwrite`` (checked before anything runs)."""
    out = make_output_folder(path)
    refuse_other_output(out, "comparison")
    if (out / "comparison.csv").exists() and not overwrite:
        raise OutputDirError(f"--out {out}: already holds a comparison; choose another folder "
                             "or pass --overwrite")
    return out


def write_comparison(out: Path, runs: Sequence[RunData], table: pd.DataFrame,
                     reasons: dict[str, str | None], by: str | None) -> list[Path]:
    """comparison.csv, comparison.json (what was compared, how) and comparison.png;
    comparison.csv last: it marks a finished comparison (an interrupted one is not
    refused as "already holds a comparison", and is not reported as one)."""
    from sim.scenario.diff import resolved_diff
    from sim.sweep.store import write_atomic

    diff = []
    if len(runs) > 1 and runs[0].resolved is not None and runs[1].resolved is not None:
        diff = [[p, a, b] for p, a, b in resolved_diff(runs[0].resolved, runs[1].resolved)]
    meta = {
        "kind": "fsim-comparison",
        "sim_version": __version__,
        "created_at": _now(),
        "command": command_text(),
        "reference": runs[0].label,
        "by": by,
        "runs": [{"label": r.label, "source": r.source,
                  "folder": str(r.path.relative_to(out)) if r.path and r.path.is_relative_to(out)
                  else (str(r.path) if r.path else None),
                  "scenario": r.summary.get("scenario"), "seed": r.summary.get("seed"),
                  "replications": r.summary.get("replications"),
                  "overrides": (r.summary.get("provenance") or {}).get("overrides", {}),
                  "paired_with_reference": None if i == 0 else reasons.get(r.label) is None,
                  "why_not_paired": None if i == 0 else reasons.get(r.label)}
                 for i, r in enumerate(runs)],
        "differences": diff,
    }
    write_atomic(out / "comparison.json", json.dumps(meta, indent=2, default=str) + "\n")
    files = [out / "comparison.json"]
    if len(table):
        files.append(differences_figure(table, by, out / "comparison.png"))
    write_atomic(out / "comparison.csv", table.to_csv(index=False))
    return [out / "comparison.csv", *files]


def differences_figure(table: pd.DataFrame, by: str | None, path: Path) -> Path:
    """B − A relative to |mean A| (%), with its 95% CI, one row per KPI (and group);
    filled markers where the difference is significant, green where B is better and red
    where it is worse (the KPI's direction; purple for KPIs with none), grey where it
    is not significant. A row without a
    relative difference says why (censored, A is 0, no value). The axis turns
    logarithmic beyond ±10% when the differences span orders of magnitude, so one huge
    change does not flatten the others."""
    import textwrap

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sim.kpis.registry import direction

    pairs = list(table.groupby(["run_a", "run_b"], sort=False))
    height = max(2.5, 0.32 * len(table) / max(len(pairs), 1) + 1.8)
    fig, axes = plt.subplots(1, len(pairs), figsize=(7 * len(pairs), height), squeeze=False)
    for ax, ((a, b), rows) in zip(axes[0], pairs, strict=True):
        rows = rows.iloc[::-1]
        scale = rows["mean_a"].abs().replace(0, math.nan)
        mid = 100 * rows["diff_mean"] / scale
        lo = 100 * rows["diff_ci95_low"] / scale
        hi = 100 * rows["diff_ci95_high"] / scale
        y = range(len(rows))
        labels = [k if not by or g == POOLED else f"{k} [{g}]"
                  for k, g in zip(rows["kpi"], rows[by] if by else rows["kpi"], strict=True)]
        for yi, (_, row), m, low, h in zip(y, rows.iterrows(), mid, lo, hi, strict=True):
            better = direction(row["kpi"])
            significant = bool(row["significant"])
            good = ((m if not math.isnan(m) else row["diff_mean"]) > 0) == (better == "higher")
            color = ("tab:gray" if not significant else "tab:purple" if better == "none"
                     else "tab:green" if good else "tab:red")
            if math.isnan(m):  # (said in words, in the colour its difference would have)
                ax.text(0, yi, "  " + _no_difference(row) + ("; the difference is significant"
                                                             if significant else ""),
                        fontsize=7, color="0.35" if not significant else color, va="center",
                        transform=ax.get_yaxis_transform())
                continue
            if not math.isnan(low):
                ax.plot([low, h], [yi, yi], color=color, lw=2)
            ax.plot([m], [yi], "o", color=color, mfc=color if row["significant"] else "white")
        finite = np.abs(np.concatenate([mid, lo, hi]))
        finite = finite[np.isfinite(finite)]
        if len(finite) and finite.max() > 50 and finite.max() > 20 * max(np.median(finite), 1.0):
            ax.set_xscale("symlog", linthresh=10)  # (linear within ±10%, log beyond)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_ylim(-0.6, len(rows) - 0.4)  # (a row said in words, at the bottom, clear of the axis)
        ax.set_yticks(list(y), labels, fontsize=8)
        kind = "paired" if rows["paired"].all() else "unpaired"
        ax.set_xlabel(textwrap.fill(f"({b}) − ({a}), % of {a} (95% CI, {kind})", 70), fontsize=9)
        ax.set_title(textwrap.fill(f"{b} against {a}", 60), fontsize=10)
        ax.grid(axis="x", alpha=0.3)
    fig.text(0.01, 0.005, "filled: significant; green: better, red: worse (by the KPI's direction)",
             fontsize=7, color="0.35")
    fig.tight_layout(rect=(0, 0.02, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _no_difference(row) -> str:
    """Why a row of the comparison has no relative difference to draw."""
    bounds = [f"{side}: > {row[f'lower_bound_{side.lower()}']:.4g}" for side in ("A", "B")
              if pd.notna(row.get(f"lower_bound_{side.lower()}"))]
    if bounds:
        return "censored (" + ", ".join(bounds) + ")"
    if pd.isna(row["mean_a"]) or pd.isna(row["mean_b"]):
        return ("no value in either run" if pd.isna(row["mean_a"]) and pd.isna(row["mean_b"])
                else "no value in " + ("A" if pd.isna(row["mean_a"]) else "B"))
    if row["mean_a"] == 0:
        return f"A is 0, B is {row['mean_b']:.4g}: no relative difference"
    return "no difference estimated"
