"""Side by side: the KPIs of several finished runs (folders written by ``fsim run``) and
their lead-time ECDFs on one plot."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from sim.distributions import ORDER_COLUMNS, distributions_of
from sim.scenario.loader import ScenarioError

DEFAULT_KPIS = (
    "lead_time_hours_mean",
    "lead_time_hours_p95",
    "on_time_delivery_pct",
    "warehouse_hours_p95",
    "same_day_ship_pct",
    "picking_accuracy_pct",
    "pick_wait_hours_mean",
    "pick_travel_m_per_order",
    "picks_per_busy_picker_hour",
    "pick_errors_shipped_per_1000_orders",
    "throughput_orders_per_day",
    "saturated_pools",
)


def load_run(folder: str | Path) -> tuple[dict, Path]:
    """The summary of a run folder (raises ScenarioError, exit 2, if it is not one)."""
    path = Path(folder) / "summary.json"
    if not path.is_file():
        raise ScenarioError([f"{folder}: not a run folder (no summary.json); give folders written by fsim run"])
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ScenarioError([f"{path}: not a summary written by fsim run (cannot be read as "
                             f"JSON: {exc}); was the run interrupted?"]) from None
    if not (isinstance(summary, dict) and isinstance(summary.get("scenario"), str)
            and isinstance(summary.get("kpis"), dict)):
        raise ScenarioError([f"{path}: not a summary written by fsim run (expected a JSON "
                             "object with 'scenario' and 'kpis')"])
    return summary, Path(folder)


def run_labels(folders: list[str | Path]) -> list[str]:
    """A label per run: its scenario's name when the names differ; otherwise what
    differs between the resolved scenarios (e.g. ``east.pickers=6``), or the seed; the
    folder's name as a last resort, numbered if still the same (a folder given twice)."""
    from sim.paired import read_resolved
    from sim.scenario.diff import diff_labels

    summaries = [load_run(folder) for folder in folders]
    names = [summary["scenario"] for summary, _ in summaries]
    if len(set(names)) == len(names):
        return names
    resolved = [read_resolved(path) for _, path in summaries]
    if all(r is not None for r in resolved):
        labels = diff_labels(resolved)
        if labels and len(set(labels)) == len(labels):
            return labels
    seeds = [summary.get("seed") for summary, _ in summaries]
    if len(set(seeds)) == len(seeds):
        return [f"{name} seed={seed}" for name, seed in zip(names, seeds, strict=True)]
    labels = [name if names.count(name) == 1 else f"{name} ({path.name})"
              for name, (_, path) in zip(names, summaries, strict=True)]
    # The same folder twice (or two of one name): numbered, never one column for two.
    return [label if labels.count(label) == 1 else f"{label} #{labels[:i + 1].count(label)}"
            for i, label in enumerate(labels)]


def comparison_table(folders: list[str | Path], kpis: tuple[str, ...] = DEFAULT_KPIS) -> pd.DataFrame:
    """The KPIs of each run as a tidy frame: run, kpi, mean, ci95_low, ci95_high and
    lower_bound (of a KPI censored in some replication, whose mean is unknown; else
    empty). A run without a KPI has no row for it."""
    rows = []
    summaries = [load_run(folder) for folder in folders]
    for label, (summary, _) in zip(run_labels(folders), summaries, strict=True):
        for kpi in kpis:
            entry = summary["kpis"].get(kpi)
            if entry is None:
                continue
            rows.append({"run": label, "kpi": kpi,
                         "mean": entry["mean"], "ci95_low": entry["ci95_low"],
                         "ci95_high": entry["ci95_high"],
                         "lower_bound": entry.get("lower_bound") if entry.get("censored") else None})
    return pd.DataFrame(rows, columns=["run", "kpi", "mean", "ci95_low", "ci95_high", "lower_bound"])


def lead_time_groups(runs: list[tuple[str, str | Path]]) -> tuple[list, list]:
    """Per run (``(label, folder)``), lead times and times in the warehouse of the orders
    the KPIs count, finished or not (:mod:`sim.distributions`), named by the label."""
    lead, warehouse = [], []
    for label, folder in runs:
        summary, path = load_run(folder)
        try:
            orders = pd.read_parquet(path / "orders.parquet", columns=ORDER_COLUMNS)
        except Exception as exc:  # pyarrow raises several kinds for a bad file
            raise ScenarioError([f"{path / 'orders.parquet'}: cannot be read as the orders of a "
                                 f"run ({type(exc).__name__}: {str(exc).splitlines()[0]}); truncated, "
                                 "or not written by fsim run 0.5 or later?"]) from None
        window = (summary["warmup_days"] * 24, summary["horizon_days"] * 24)
        lead += distributions_of(orders, window, "lead", name=label)
        warehouse += distributions_of(orders, window, "warehouse", name=label)
    return lead, warehouse
