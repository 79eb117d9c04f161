"""Distributions against a peer library and exact arithmetic: every quantile function
(ppf) against scipy.stats, every mean and variance against scipy's moments, numerical
integration or exact rational sums, and against large samples; the ppf is monotone and
stays in the support at both ends; ``sample`` is the ppf of the generator's uniforms."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError
from scipy import integrate, special, stats

from sim.dists import CountDist, Dist, Geometric, Lognormal, Normal, Poisson
from sim.quantiles import norm_ppf

DIST = TypeAdapter(Dist)
COUNT = TypeAdapter(CountDist)
U_TOP = 1 - 2**-53  # the largest double below 1 (what 1 - 1e-16 rounds to)
U = np.concatenate([[0.0, 1e-300, 1e-17, 1e-9], np.random.default_rng(7).random(5000),
                    [0.5, 1 - 1e-9, U_TOP]])

CONTINUOUS = [
    5,
    {"dist": "exponential", "mean": 3},
    {"dist": "uniform", "low": 1, "high": 4},
    {"dist": "uniform", "low": 2, "high": 2},
    {"dist": "triangular", "low": 0, "mode": 1, "high": 5},
    {"dist": "triangular", "low": 1, "mode": 1, "high": 2},
    {"dist": "normal", "mean": 10, "sd": 3},
    {"dist": "normal", "mean": 1, "sd": 2},  # truncated at 0: mean well above 1
    {"dist": "normal", "mean": 4, "sd": 1, "low": 2, "high": 5},
    {"dist": "normal", "mean": 3, "sd": 0, "low": 4},
    {"dist": "lognormal", "mean": 20, "sd": 8},
    {"dist": "lognormal", "mean": 20, "sd": 8, "low": 10, "high": 30},
    {"dist": "lognormal", "mean": 0.6, "sd": 0.5, "low": 0.02},
    {"dist": "empirical", "values": [1, 2, 10], "weights": [3, 1, 1]},
    {"dist": "empirical", "values": [7, 0.5, 3], "weights": [0, 2, 1]},
]
COUNTS = [
    2,
    {"dist": "geometric", "mean": 1},
    {"dist": "geometric", "mean": 1.6},
    {"dist": "geometric", "mean": 3, "max": 4},
    {"dist": "poisson", "mean": 2.5, "shift": 1},
    {"dist": "poisson", "mean": 0},
    {"dist": "poisson", "mean": 40},
    {"dist": "uniform", "low": 2, "high": 8},
    {"dist": "empirical", "values": [3, 1, 2], "weights": [1, 1, 2]},
    {"dist": "empirical", "values": [5, 1, 9], "weights": [1, 0, 2]},
]


def _reference(d, u: np.ndarray) -> np.ndarray:
    """The quantile from scipy.stats (truncation as F⁻¹(F(low) + u·(F(high) − F(low)));
    above the median by the survival function's inverse, where scipy keeps its digits)."""
    u = np.asarray(u, dtype=float)
    kind, spec = d.dist, d.model_dump(by_alias=True)
    if kind == "constant":
        return np.full(len(u), spec["value"])
    if kind == "exponential":
        return stats.expon(scale=d.mean).ppf(u)
    if kind == "uniform" and isinstance(spec["low"], float):
        return stats.uniform(d.low, d.high - d.low).ppf(u) if d.high > d.low else d.low + 0 * u
    if kind == "uniform":
        return stats.randint(d.low, d.high + 1).ppf(u)
    if kind == "triangular":
        width = d.high - d.low
        return stats.triang((d.mode - d.low) / width, loc=d.low, scale=width).ppf(u)
    if kind in ("normal", "lognormal"):
        if d.sd == 0:
            return np.full(len(u), min(max(spec["mean"], d.low), d.high or math.inf))
        base = _untruncated(d)
        high = d.high if d.high is not None else math.inf
        below, above = base.cdf(d.low), base.sf(high)
        if below > 0.5:  # both bounds above the median: from the upper tail
            mass = base.sf(d.low) - above
        elif above > 0.5:
            mass = base.cdf(high) - below
        else:
            mass = 1 - below - above
        lower = below + u * mass
        return np.where(lower <= 0.5, base.ppf(lower), base.isf(above + (1 - u) * mass))
    if kind == "geometric":
        with np.errstate(divide="ignore"):  # scipy at p = 1
            k = np.maximum(stats.geom(1 / spec["mean"]).ppf(u), 1)
        return k if d.max is None else np.minimum(k, d.max)
    if kind == "poisson":
        return d.shift + _poisson_quantile(spec["mean"] - d.shift, u)
    if kind == "empirical":  # by hand: the first value whose cumulative weight exceeds u
        pairs = sorted(zip(d.values, d.weights or [1] * len(d.values), strict=True))
        total = sum(Fraction(w) for _, w in pairs)
        out = []
        for ui in u.tolist():
            cum = Fraction(0)
            for v, w in pairs:
                cum += Fraction(w) / total
                if cum > Fraction(ui):
                    out.append(v)
                    break
        return np.asarray(out, dtype=float)
    raise AssertionError(kind)


def _poisson_quantile(lam: float, u: np.ndarray) -> np.ndarray:
    """The smallest k with P(N <= k) >= u, by the definition: scipy's ppf and isf as a
    first guess, then moved to the k the definition picks, judged with scipy's cdf
    below the median and its survival function above (1 - u is exact there). (scipy's
    own ppf and isf round near the top: at lam 1e-9 they give 0 for u = 0.999999999,
    which is above P(N = 0) = 1 - 9.999999995e-10.)"""
    base = stats.poisson(lam)
    low = u <= 0.5
    q = 1 - u
    k = np.maximum(np.where(low, base.ppf(u), base.isf(q)), 0)

    def enough(k):  # P(N <= k) >= u, judged where scipy keeps its digits
        return np.where(low, base.cdf(k) >= u, base.sf(k) <= q)

    for _ in range(5):  # scipy is off by one step at most; each round moves one
        k = np.where(~enough(k), k + 1, k)
        k = np.where((k > 0) & enough(k - 1), k - 1, k)
    assert enough(k).all() and not (enough(k - 1) & (k > 0)).any()
    return k.astype(float)


def _untruncated(d):
    if d.dist == "normal":
        return stats.norm(d.model_dump(by_alias=True)["mean"], d.sd)
    mu, sigma = _log_params(d)
    return stats.lognorm(sigma, scale=math.exp(mu))


def _log_params(d) -> tuple[float, float]:
    m = d.model_dump(by_alias=True)["mean"]
    s2 = math.log(1 + (d.sd / m) ** 2)
    return math.log(m) - s2 / 2, math.sqrt(s2)


def _exact_moments(d) -> tuple[float, float]:
    """(mean, variance) from scipy's moments, scipy's quadrature of the density, or
    exact rational sums over the support."""
    kind, spec = d.dist, d.model_dump(by_alias=True)
    if kind == "constant":
        return spec["value"], 0.0
    if kind == "exponential":
        return tuple(float(x) for x in stats.expon(scale=spec["mean"]).stats())
    if kind == "uniform" and d.high == d.low:
        return d.low, 0.0
    if kind == "uniform" and isinstance(spec["low"], float):
        return tuple(float(x) for x in stats.uniform(d.low, d.high - d.low).stats())
    if kind == "uniform":
        return tuple(float(x) for x in stats.randint(d.low, d.high + 1).stats())
    if kind == "triangular":
        width = d.high - d.low
        return tuple(float(x) for x in stats.triang((d.mode - d.low) / width, loc=d.low,
                                                    scale=width).stats())
    if kind in ("normal", "lognormal") and d.sd == 0:
        return min(max(spec["mean"], d.low), d.high or math.inf), 0.0
    if kind == "normal":
        mean, sd, high = spec["mean"], d.sd, d.high if d.high is not None else math.inf
        r = stats.truncnorm((d.low - mean) / sd, (high - mean) / sd, loc=mean, scale=sd)
        return tuple(float(x) for x in r.stats())
    if kind == "lognormal":
        return _lognormal_by_quadrature(d)
    if kind == "geometric":
        if d.max is None:
            with np.errstate(divide="ignore"):  # scipy's skew and kurtosis at p = 1
                return tuple(float(x) for x in stats.geom(1 / spec["mean"]).stats())
        p = Fraction(1) / Fraction(spec["mean"])
        pmf = [p * (1 - p) ** (k - 1) for k in range(1, d.max)] + [(1 - p) ** (d.max - 1)]
        return _fraction_moments(list(range(1, d.max + 1)), pmf)
    if kind == "poisson":
        m, v = stats.poisson(spec["mean"] - d.shift).stats()
        return float(m) + d.shift, float(v)
    if kind == "empirical":
        w = d.weights or [1] * len(d.values)
        return _fraction_moments(d.values, [Fraction(x) for x in w])
    raise AssertionError(kind)


def _fraction_moments(values, weights) -> tuple[float, float]:
    total = sum(weights)
    v = [Fraction(x) for x in values]
    mean = sum(x * w for x, w in zip(v, weights, strict=True)) / total
    var = sum((x - mean) ** 2 * w for x, w in zip(v, weights, strict=True)) / total
    return float(mean), float(var)


def _lognormal_by_quadrature(d) -> tuple[float, float]:
    """Truncated lognormal moments by adaptive quadrature of scipy's density, in the log
    (z = ln x) so the integrand is smooth over the whole line."""
    mu, sigma = _log_params(d)
    lo = (math.log(d.low) - mu) / sigma if d.low > 0 else -40.0
    hi = (math.log(d.high) - mu) / sigma if d.high is not None else 40.0
    pdf = stats.norm.pdf

    def integral(f):
        return integrate.quad(f, lo, hi, epsabs=0, epsrel=1e-13, limit=200)[0]

    mass = integral(pdf)
    mean = integral(lambda z: math.exp(mu + sigma * z) * pdf(z)) / mass
    var = integral(lambda z: (math.exp(mu + sigma * z) - mean) ** 2 * pdf(z)) / mass
    return mean, var


# --- the quantile function -----------------------------------------------------------


@pytest.mark.parametrize("spec", CONTINUOUS, ids=str)
def test_continuous_ppf_matches_scipy(spec):
    d = DIST.validate_python(spec)
    x = d.ppf(U)
    assert x.dtype == np.float64 and x.shape == U.shape
    np.testing.assert_allclose(x, _reference(d, U), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("spec", COUNTS, ids=str)
def test_count_ppf_matches_scipy(spec):
    d = COUNT.validate_python(spec)
    # The Poisson table stops where less than 1e-15 is left above it.
    u = U[(U > 0) & (U <= 1 - 1e-15)]
    k = d.ppf(u)
    assert k.dtype == np.int64
    np.testing.assert_array_equal(k, _reference(d, u))


@pytest.mark.parametrize("spec", CONTINUOUS + COUNTS, ids=str)
def test_ppf_is_monotone_and_stays_in_the_support(spec):
    d = (COUNT if spec in COUNTS else DIST).validate_python(spec)
    x = d.ppf(np.sort(U))  # u = 0 and the largest double below 1 included
    assert (np.diff(x) >= 0).all() and np.isfinite(x).all()
    if d.dist == "empirical":
        assert set(x.tolist()) <= {v for v, p in zip(d.values, d._p(), strict=True) if p > 0}
    low, high = d.support
    assert low <= x[0] <= low + 1e-12 * (1 + low)  # u = 0: the smallest value it can give
    assert x[-1] <= high


@pytest.mark.parametrize("spec", CONTINUOUS + COUNTS, ids=str)
def test_sample_is_the_ppf_of_the_generators_uniforms(spec):
    d = (COUNT if spec in COUNTS else DIST).validate_python(spec)
    x = d.sample(np.random.default_rng(5), 100)
    np.testing.assert_array_equal(x, d.ppf(np.random.default_rng(5).random(100)))


def test_normal_quantile_matches_scipy_over_the_whole_range():
    p = np.concatenate([np.linspace(0, 1, 20001), np.logspace(-300, -1, 500),
                        1 - np.logspace(-16, -1, 100)])
    ref = special.ndtri(p)
    x = norm_ppf(p)
    finite = np.isfinite(ref)
    np.testing.assert_allclose(x[finite], ref[finite], rtol=1e-14, atol=1e-15)
    assert (x[~finite] == ref[~finite]).all()  # -inf at 0, +inf at 1


@pytest.mark.parametrize("spec", CONTINUOUS + COUNTS, ids=str)
def test_a_value_drawn_alone_is_the_value_drawn_in_bulk_to_the_last_bit(spec):
    """Up to 32 values take a plain-float path (the event loop's small draws); more
    take numpy's. Both must give the same bits, or a parcel made during the run
    would not get the numbers it gets in bulk. ``math.log`` and numpy's vectorised log
    differ in the last bit for about 1 input in 500 on AVX-512 CPUs: the tails (u
    below 0.075 or above 0.925) are where Φ⁻¹ takes a logarithm, so they get most of
    the uniforms here."""
    d = (COUNT if spec in COUNTS else DIST).validate_python(spec)
    rng = np.random.default_rng(11)
    u = np.concatenate([rng.random(20_000) * 0.075, 1 - rng.random(20_000) * 0.075, rng.random(5_000)])
    bulk = d.ppf(u)
    alone = np.concatenate([d.ppf(u[i:i + 1]) for i in range(len(u))])
    in_eights = np.concatenate([d.ppf(u[i:i + 8]) for i in range(0, len(u), 8)])
    in_32s = np.concatenate([d.ppf(u[i:i + 32]) for i in range(0, len(u), 32)])
    np.testing.assert_array_equal(alone, bulk)
    np.testing.assert_array_equal(in_eights, bulk)
    np.testing.assert_array_equal(in_32s, bulk)


def test_far_upper_tail_of_a_truncated_normal_keeps_its_digits():
    """Bounds 20 sd above the mean: the mass inside is ~3e-89, so F(low) + u·mass is 1
    to the last digit and only the complementary form works. Truth: scipy's log Φ,
    log Φ̄(z) = log(1 − u) + log Φ̄(α)."""
    d = DIST.validate_python({"dist": "normal", "mean": -20, "sd": 1})
    u = np.array([0.0, 0.3, 0.9, 1 - 1e-9, U_TOP])
    z = d.ppf(u) + 20
    np.testing.assert_allclose(special.log_ndtr(-z), np.log1p(-u) + special.log_ndtr(-20.0),
                               rtol=1e-12)
    assert (z >= 20).all() and (np.diff(z) > 0).all()


# --- exact moments -------------------------------------------------------------------


@pytest.mark.parametrize("spec", CONTINUOUS + COUNTS, ids=str)
def test_mean_and_var_are_exact(spec):
    d = (COUNT if spec in COUNTS else DIST).validate_python(spec)
    mean, var = _exact_moments(d)
    assert d.mean == pytest.approx(mean, rel=1e-10, abs=1e-12)
    assert d.var == pytest.approx(var, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("spec", CONTINUOUS + COUNTS, ids=str)
def test_mean_and_var_match_a_large_sample(spec):
    d = (COUNT if spec in COUNTS else DIST).validate_python(spec)
    x = d.sample(np.random.default_rng(2), 200_000).astype(float)
    n = len(x)
    assert abs(x.mean() - d.mean) <= 5 * x.std() / math.sqrt(n) + 1e-9
    dev2 = (x - d.mean) ** 2
    assert abs(dev2.mean() - d.var) <= 5 * dev2.std() / math.sqrt(n) + 1e-9


# --- over the parameters (hypothesis) ------------------------------------------------

SETTINGS = settings(max_examples=60, deadline=None)


@st.composite
def normals(draw):
    """Truncated normals where scipy itself is accurate: bounds within 8 sd of the mean
    and at least a tenth of a sd apart."""
    sd = draw(st.floats(0.05, 50))
    low = draw(st.floats(0, 20)) * sd
    alpha = draw(st.floats(-8, 6))  # the lower bound in sd from the mean
    width = draw(st.one_of(st.none(), st.floats(0.1, 8)))
    mean = low - alpha * sd
    high = None if width is None or alpha + width > 8 else low + width * sd
    return Normal(dist="normal", mean=mean, sd=sd, low=low, high=high)


@given(normals())
@SETTINGS
def test_truncated_normal_over_parameters(d):
    np.testing.assert_allclose(d.ppf(U), _reference(d, U), rtol=1e-10, atol=1e-10 * d.sd)
    mean, var = _exact_moments(d)
    assert d.mean == pytest.approx(mean, rel=1e-10, abs=1e-10 * d.sd)
    assert d.var == pytest.approx(var, rel=1e-8)


@st.composite
def lognormals(draw):
    mean = draw(st.floats(0.01, 1000))
    sd = mean * draw(st.floats(0.05, 3))
    d = Lognormal(dist="lognormal", mean=mean, sd=sd)
    mu, sigma = _log_params(d)
    lo_z = draw(st.one_of(st.none(), st.floats(-4, 3)))
    hi_z = draw(st.one_of(st.none(), st.floats(0.1, 5)))
    low = 0.0 if lo_z is None else math.exp(mu + sigma * lo_z)
    high = None if hi_z is None else math.exp(mu + sigma * ((-4 if lo_z is None else lo_z) + hi_z))
    return Lognormal(dist="lognormal", mean=mean, sd=sd, low=low, high=high)


@given(lognormals())
@SETTINGS
def test_truncated_lognormal_over_parameters(d):
    np.testing.assert_allclose(d.ppf(U), _reference(d, U), rtol=1e-10)
    mean, var = _lognormal_by_quadrature(d)
    assert d.mean == pytest.approx(mean, rel=1e-10)
    assert d.var == pytest.approx(var, rel=1e-8)


@given(st.floats(1, 50), st.one_of(st.none(), st.integers(1, 60)))
@SETTINGS
def test_geometric_over_parameters(mean, cap):
    d = Geometric(dist="geometric", mean=mean, max=cap)
    u = U[(U > 0)]
    np.testing.assert_array_equal(d.ppf(u), _reference(d, u))
    m, v = _exact_moments(d)
    assert d.mean == pytest.approx(m, rel=1e-12)
    assert d.var == pytest.approx(v, rel=1e-10, abs=1e-12)


@given(st.floats(0, 300), st.integers(0, 3))
@SETTINGS
def test_poisson_over_parameters(rate, shift):
    d = Poisson(dist="poisson", mean=rate + shift, shift=shift)
    u = U[(U > 0) & (U <= 1 - 1e-15)]
    np.testing.assert_array_equal(d.ppf(u), _reference(d, u))
    assert d.ppf(np.array([0.0, U_TOP])).min() >= shift
    assert d.mean == pytest.approx(rate + shift) and d.var == pytest.approx(rate)


# --- bad input -----------------------------------------------------------------------


@pytest.mark.parametrize("spec", [-1, {"dist": "uniform", "low": 5, "high": 1},
                                  {"dist": "triangular", "low": 0, "mode": 9, "high": 5},
                                  {"dist": "empirical", "values": [1, 2], "weights": [1]},
                                  {"dist": "exponential", "mean": 0},
                                  {"dist": "lognormal", "mean": 1, "sd": 1, "colour": 2},
                                  {"dist": "normal", "mean": -100, "sd": 1},
                                  {"dist": "normal", "mean": 5, "sd": 1, "low": 3, "high": 2}])
def test_bad_distributions_are_rejected(spec):
    with pytest.raises(ValidationError):
        DIST.validate_python(spec)


def test_bounds_that_hold_nothing_are_named():
    with pytest.raises(ValidationError, match=r"bounds \[0, inf\] hold \(numerically\) none"):
        DIST.validate_python({"dist": "normal", "mean": -100, "sd": 1})


@pytest.mark.parametrize("spec", CONTINUOUS + COUNTS, ids=str)
def test_one_at_a_time_is_the_same_as_in_bulk(spec):
    """The event loop draws one value at a time (a plain-float path): it must give what
    the vectorised path gives, to the last bit."""
    d = (COUNT if spec in COUNTS else DIST).validate_python(spec)
    bulk = d.ppf(U)
    one = np.concatenate([d.ppf(U[i:i + 1]) for i in range(0, len(U), 37)])
    np.testing.assert_array_equal(one, bulk[::37])
