"""Confidence intervals over replications, and the summary of a run's KPIs.

The KPIs themselves are computed in :mod:`sim.kpis`.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pandas as pd

from sim.kpis.registry import clip_interval
from sim.kpis.views import window_h

__all__ = ["kpi_mean_ci", "mean_ci", "mean_ci95", "summarise_kpis", "t975", "t_quantile", "window_h"]


# --- confidence intervals ------------------------------------------------------------

@functools.cache
def t975(df: int) -> float:
    """The 97.5% quantile of Student's t with ``df`` degrees of freedom (the exact
    distribution function inverted: :func:`t_quantile`). Until 0.7.0 a table to 3
    decimals (df <= 30) and an expansion beyond, up to 2.3e-4 off scipy's."""
    if df < 1:
        return math.nan
    return _t_inverse(0.975, float(df))


def _t_cdf_abs(t: float, df: int) -> float:
    """P(|T| <= t) for Student's t with a whole number ``df`` of degrees of freedom, in
    closed form (Abramowitz & Stegun 26.7.3 and 26.7.4: a finite series in cos(theta),
    theta = atan(t / sqrt(df)))."""
    theta = math.atan(t / math.sqrt(df))
    c2, s = math.cos(theta) ** 2, math.sin(theta)
    if df % 2 == 0:  # sin(theta) (1 + 1/2 cos^2 + 1.3/(2.4) cos^4 + ...)
        term = total = 1.0
        for k in range(2, df, 2):
            term *= c2 * (k - 1) / k
            total += term
        return s * total
    if df == 1:
        return 2 * theta / math.pi
    term = total = math.cos(theta)  # (2/pi)(theta + sin cos (1 + 2/3 cos^2 + ...))
    for k in range(3, df - 1, 2):
        term *= c2 * (k - 1) / k
        total += term
    return 2 / math.pi * (theta + s * total)


def _betacf(a: float, b: float, x: float) -> float:
    """The continued fraction of the incomplete beta function (modified Lentz's method,
    Numerical Recipes 2nd ed., 6.4)."""
    tiny = 1e-300

    def nonzero(v: float) -> float:
        return tiny if abs(v) < tiny else v

    c, d = 1.0, 1.0 / nonzero(1.0 - (a + b) * x / (a + 1.0))
    h = d
    for m in range(1, 1000):
        for aa in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                   -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):
            d = 1.0 / nonzero(1.0 + aa * d)
            c = nonzero(1.0 + aa / c)
            h *= d * c
        if abs(d * c - 1.0) < 1e-15:
            break
    return h


def _betainc(a: float, b: float, x: float) -> float:
    """The regularised incomplete beta function I_x(a, b), 0 <= x <= 1."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
                     + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def _t_cdf_abs_real(t: float, df: float) -> float:
    """P(|T| <= t) for Student's t with any ``df`` > 0 (Welch's degrees of freedom are
    not whole): 1 - I_{df / (df + t^2)}(df / 2, 1 / 2)."""
    return 1.0 - _betainc(df / 2.0, 0.5, df / (df + t * t))


def t_quantile(p: float, df: float) -> float:
    """The ``p`` quantile of Student's t with ``df`` degrees of freedom, for
    0.5 <= p < 1: the exact CDF (:func:`_t_cdf_abs`, or the incomplete beta function
    for a ``df`` that is not whole, as Welch's) inverted by bisection to 1e-12."""
    if df < 1:
        return math.nan
    if not 0.5 <= p < 1:
        raise ValueError(f"t_quantile: need 0.5 <= p < 1, got {p}")
    if p == 0.975 and float(df).is_integer():
        return t975(int(df))  # (cached: the 95% intervals of every KPI)
    return _t_inverse(p, float(df))


def _t_inverse(p: float, df: float) -> float:
    whole = df.is_integer()
    cdf = (lambda t: _t_cdf_abs(t, int(df))) if whole else (lambda t: _t_cdf_abs_real(t, df))
    want = 2 * p - 1  # P(|T| <= t)
    low, high = 0.0, 1.0
    while cdf(high) < want:
        high *= 2
    while high - low > 1e-12 * max(1.0, high):
        mid = (low + high) / 2
        low, high = (mid, high) if cdf(mid) < want else (low, mid)
    return (low + high) / 2


def mean_ci(values: np.ndarray, confidence: float = 0.95) -> tuple[float, float, float]:
    """(mean, low, high) of the two-sided t-interval at ``confidence`` over
    replications; NaN bounds with one replication (no spread to estimate). NaN values (a
    KPI undefined in a replication) are left out."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if not len(x):
        return math.nan, math.nan, math.nan
    mean = float(x.mean())
    if len(x) < 2:
        return mean, math.nan, math.nan
    quantile = t_quantile((1 + confidence) / 2, len(x) - 1)
    half = quantile * float(x.std(ddof=1)) / math.sqrt(len(x))
    return mean, mean - half, mean + half


def mean_ci95(values: np.ndarray) -> tuple[float, float, float]:
    """(mean, low, high) of the 95% t-interval over replications (:func:`mean_ci`)."""
    return mean_ci(values, 0.95)


def kpi_mean_ci(name: str, values, confidence: float = 0.95) -> tuple[float, float, float]:
    """(mean, low, high) of KPI ``name`` over replications: the t-interval
    (:func:`mean_ci`) cut to the values the KPI can take (:func:`clip_interval`: 0..100
    for a share, never below 0 for a count, a time or a cost)."""
    mean, low, high = mean_ci(np.asarray(values, dtype=float), confidence)
    return (mean, *clip_interval(name, mean, low, high))


def summarise_kpis(kpis: pd.DataFrame, lower_bounds: list[dict[str, float]] | None = None
                   ) -> dict[str, dict]:
    """``{kpi: {mean, ci95_low, ci95_high, per_replication}}`` from the per-replication
    KPI frame (one row per replication, ``replication`` column first); the interval is
    :func:`kpi_mean_ci`'s. A KPI censored in
    any replication (``lower_bounds[r]`` names it) has no mean or interval: it gets
    ``censored: true``, how many replications it was censored in, and ``lower_bound``:
    the mean of its per-replication values with each censored one replaced by its
    bound (the KPI's mean is above it)."""
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
        mean, low, high = kpi_mean_ci(name, values)
        out[name] = {
            "mean": _json_float(mean),
            "ci95_low": _json_float(low),
            "ci95_high": _json_float(high),
            "per_replication": [_json_float(v) for v in values],
        }
    return out


def _json_float(v: float) -> float | None:
    return None if v is None or math.isnan(v) else float(v)
