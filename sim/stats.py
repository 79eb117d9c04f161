"""Confidence intervals over replications, and the summary of a run's KPIs.

The KPIs themselves are computed in :mod:`sim.kpis`.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pandas as pd

from sim.kpis.views import window_h

__all__ = ["mean_ci95", "summarise_kpis", "t975", "window_h"]


# --- confidence intervals ------------------------------------------------------------

# Two-sided 95% Student-t critical values, t_{0.975, df}, df = 1..30.
_T975 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
         2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
         2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042)


def t975(df: int) -> float:
    """The 97.5% quantile of Student's t with ``df`` degrees of freedom (table up to 30,
    then the Cornish-Fisher expansion, accurate to 1e-4)."""
    if df < 1:
        return math.nan
    if df <= len(_T975):
        return _T975[df - 1]
    z = NormalDist().inv_cdf(0.975)
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    return z + g1 / df + g2 / df**2 + g3 / df**3


def mean_ci95(values: np.ndarray) -> tuple[float, float, float]:
    """(mean, low, high) of the 95% t-interval over replications; NaN bounds with one
    replication (no spread to estimate). NaN values (a KPI undefined in a replication)
    are left out."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if not len(x):
        return math.nan, math.nan, math.nan
    mean = float(x.mean())
    if len(x) < 2:
        return mean, math.nan, math.nan
    half = t975(len(x) - 1) * float(x.std(ddof=1)) / math.sqrt(len(x))
    return mean, mean - half, mean + half


def summarise_kpis(kpis: pd.DataFrame, lower_bounds: list[dict[str, float]] | None = None
                   ) -> dict[str, dict]:
    """``{kpi: {mean, ci95_low, ci95_high, per_replication}}`` from the per-replication
    KPI frame (one row per replication, ``replication`` column first). A KPI censored in
    any replication (``lower_bounds[r]`` names it) has no mean or interval: it gets
    ``censored: true``, the replications it was censored in, and ``lower_bound``, the
    smallest of their lower bounds (the KPI's mean is above the mean of its per-
    replication values with each censored one replaced by its bound)."""
    out = {}
    lower_bounds = lower_bounds or [{} for _ in range(len(kpis))]
    for name in kpis.columns.drop("replication"):
        values = kpis[name].to_numpy(dtype=float)
        censored = [r for r, lb in enumerate(lower_bounds) if name in lb]
        if censored:
            bound = np.array([lower_bounds[r].get(name, v) for r, v in enumerate(values)])
            out[name] = {
                "mean": None, "ci95_low": None, "ci95_high": None,
                "censored": True,
                "censored_replications": len(censored),
                "lower_bound": _json_float(float(np.nanmean(bound))) if len(bound) else None,
                "per_replication": [_json_float(v) for v in values],
            }
            continue
        mean, low, high = mean_ci95(values)
        out[name] = {
            "mean": _json_float(mean),
            "ci95_low": _json_float(low),
            "ci95_high": _json_float(high),
            "per_replication": [_json_float(v) for v in values],
        }
    return out


def _json_float(v: float) -> float | None:
    return None if v is None or math.isnan(v) else float(v)
