"""The tables of a sweep, built from its task records: ``runs`` (one row per point ×
replication) and ``points`` (mean and 95% CI per point and KPI, tidy)."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd

from sim.stats import kpi_mean_ci

ID_COLUMNS = ("point", "replication", "seed")


def parameter_column(values: list[Any]) -> pd.Series:
    """A swept parameter's values as one column: numbers stay numbers (whole numbers
    stay whole), booleans booleans; anything else is text (mappings and lists as JSON)."""
    if all(isinstance(v, bool) for v in values):
        return pd.Series(values, dtype=bool)
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return pd.Series(values, dtype="int64")
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return pd.Series(values, dtype="float64")
    return pd.Series([json.dumps(v, separators=(",", ":"), default=str)
                      if isinstance(v, (dict, list)) else str(v) for v in values], dtype=object)


def runs_table(records: list[dict], point_values: dict[int, dict[str, Any]],
               parameters: list[str]) -> pd.DataFrame:
    """One row per record, sorted by point and replication: the swept parameters (by
    dotted path), ``point``, ``replication``, ``seed``, every KPI (float; NaN where
    undefined or where the task failed) and ``error`` (None when it ran)."""
    records = sorted(records, key=lambda r: (r["point"], r["replication"]))
    kpi_names: dict[str, None] = {}
    for record in records:
        kpi_names.update(dict.fromkeys(record["kpis"]))
    columns: dict[str, Any] = {}
    for name in parameters:
        columns[name] = parameter_column([point_values[r["point"]][name] for r in records])
    for name in ID_COLUMNS:
        columns[name] = pd.Series([int(r[name]) for r in records], dtype="int64")
    for name in kpi_names:
        columns[name] = pd.Series([_float(r["kpis"].get(name)) for r in records], dtype="float64")
    columns["error"] = pd.Series([r.get("error") for r in records], dtype=object)
    return pd.DataFrame(columns)


def kpi_columns(runs: pd.DataFrame, parameters: list[str]) -> list[str]:
    return [c for c in runs.columns if c not in (*parameters, *ID_COLUMNS, "error")]


def points_table(runs: pd.DataFrame, parameters: list[str],
                 lower_bounds: dict[tuple[int, int], dict[str, float]] | None = None) -> pd.DataFrame:
    """Per point and KPI: ``n`` (replications with a value), ``mean``, ``ci95_low``,
    ``ci95_high`` (NaN bounds with fewer than two values; cut to the values the KPI can
    take: :func:`sim.stats.kpi_mean_ci`), ``censored`` (replications in
    which it was censored: ``lower_bounds[(point, replication)]`` has it) and
    ``lower_bound``, tidy. A KPI censored in some replication of a point has no mean
    there (the censored replications are the longest: a mean of the others would be too
    low): its ``lower_bound`` is the mean with each censored replication at its own
    lower bound."""
    lower_bounds = lower_bounds or {}
    rows = []
    kpis = kpi_columns(runs, parameters)
    for point, group in runs.groupby("point", sort=True):
        first = group.iloc[0]
        ids = {"point": int(point), **{p: first[p] for p in parameters}}
        bounds = [lower_bounds.get((int(point), int(r)), {}) for r in group["replication"]]
        for kpi in kpis:
            values = group[kpi].to_numpy(dtype=float)
            censored = [b[kpi] for b in bounds if kpi in b]
            if censored:
                low_values = np.array([b.get(kpi, v) for b, v in zip(bounds, values, strict=True)])
                mean = low = high = math.nan
                bound = float(np.nanmean(low_values))
            else:
                mean, low, high = kpi_mean_ci(kpi, values)
                bound = math.nan
            rows.append({**ids, "kpi": kpi, "n": int((~np.isnan(values)).sum()),
                         "mean": mean, "ci95_low": low, "ci95_high": high,
                         "censored": len(censored), "lower_bound": bound})
    return pd.DataFrame(rows, columns=["point", *parameters, "kpi", "n", "mean", "ci95_low",
                                       "ci95_high", "censored", "lower_bound"])


def saturated_by_point(runs: pd.DataFrame) -> dict[int, tuple[int, int]]:
    """Per point with a staff pool saturated in some replication (the runs table's
    ``saturated_pools``): (such replications, replications with a value)."""
    if not len(runs) or "saturated_pools" not in runs:
        return {}
    out = {}
    for point, sat in runs.groupby("point")["saturated_pools"]:
        if (sat > 0).any():
            out[int(point)] = (int((sat > 0).sum()), int(sat.notna().sum()))
    return out


def _float(value) -> float:
    return math.nan if value is None else float(value)
