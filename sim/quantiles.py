"""The numerical pieces behind :mod:`sim.dists`: the standard normal's tail functions and
quantile, a standard normal truncated to an interval, and the Poisson distribution
function as a table.

Every variate in the model is made by inverting a distribution function at a uniform
in [0, 1) (one uniform per variate: common random numbers), so these must be accurate
across the whole range, tails included:

- Φ and its complement Φ̄ = 1 − Φ come from ``math.erfc``, each in the form that keeps
  its relative accuracy in its own small tail (``1 - Φ(x)`` would lose every digit for
  large x).
- Φ⁻¹ is Wichura's Algorithm AS 241 (PPND16; Applied Statistics 37:477-484, 1988),
  accurate to about 1e-16 relative, written over numpy arrays.
- A truncated normal's quantile inverts inside [Φ(α), Φ(β)] with no rejection, from
  the lower tail below the median and from the upper tail above it.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)

# AS 241 coefficients (Wichura 1988), highest power first for np.polyval: numerator and
# denominator for |p - 1/2| <= 0.425, then for r = sqrt(-log(min(p, 1 - p))) <= 5 (in
# r - 1.6) and beyond (in r - 5).
_A = [2509.0809287301226727, 33430.575583588128105, 67265.770927008700853,
      45921.953931549871457, 13731.693765509461125, 1971.5909503065514427,
      133.14166789178437745, 3.387132872796366608]
_B = [5226.495278852854561, 28729.085735721942674, 39307.89580009271061,
      21213.794301586595867, 5394.1960214247511077, 687.1870074920579083,
      42.313330701600911252, 1.0]
_C = [7.7454501427834140764e-4, 0.0227238449892691845833, 0.24178072517745061177,
      1.27045825245236838258, 3.64784832476320460504, 5.7694972214606914055,
      4.6303378461565452959, 1.42343711074968357734]
_D = [1.05075007164441684324e-9, 5.475938084995344946e-4, 0.0151986665636164571966,
      0.14810397642748007459, 0.68976733498510000455, 1.6763848301838038494,
      2.05319162663775882187, 1.0]
_E = [2.01033439929228813265e-7, 2.71155556874348757815e-5, 0.0012426609473880784386,
      0.026532189526576123093, 0.29656057182850489123, 1.7848265399172913358,
      5.4637849111641143699, 6.6579046435011037772]
_F = [2.04426310338993978564e-15, 1.4215117583164458887e-7, 1.8463183175100546818e-5,
      7.868691311456132591e-4, 0.0148753612908506148525, 0.13692988092273580531,
      0.59983220655588793769, 1.0]


def norm_cdf(x: float) -> float:
    """Φ(x), the standard normal distribution function (accurate in the lower tail)."""
    return 0.5 * math.erfc(-x * _SQRT_HALF)


def norm_sf(x: float) -> float:
    """Φ̄(x) = 1 − Φ(x) (accurate in the upper tail)."""
    return 0.5 * math.erfc(x * _SQRT_HALF)


def norm_pdf(x: float) -> float:
    """φ(x), the standard normal density (0 at ±∞)."""
    return _INV_SQRT_2PI * math.exp(-0.5 * x * x) if math.isfinite(x) else 0.0


def norm_mass(a: float, b: float) -> float:
    """Φ(b) − Φ(a) for a <= b (either may be infinite), from whichever tail keeps its
    digits: two upper tails when the interval lies above 0, two lower tails below 0."""
    if a >= 0:
        return norm_sf(a) - norm_sf(b)
    if b <= 0:
        return norm_cdf(b) - norm_cdf(a)
    return 1.0 - norm_cdf(a) - norm_sf(b)


def _horner(coeffs: list[float], x):
    """The polynomial with ``coeffs`` (highest power first) at ``x``."""
    y = coeffs[0]
    for c in coeffs[1:]:
        y = y * x + c
    return y


def _ppnd16(p: float) -> float:
    """Φ⁻¹(p) for one p in [0, 1]: AS 241 in plain floats (numpy's per-call overhead
    would dominate for the one-at-a-time draws of the event loop), bit for bit what
    :func:`norm_ppf` gives for the same p in an array of any length. Hence the tail's
    logarithm is numpy's, not ``math.log``: the two differ in the last bit for about 1
    input in 500 on some CPUs (numpy's vectorised log), and a parcel drawn alone must
    get the numbers it gets in bulk (``tests/test_dists.py``)."""
    q = p - 0.5
    if abs(q) <= 0.425:
        r = 0.180625 - q * q
        return q * _horner(_A, r) / _horner(_B, r)
    small = p if q < 0 else 1.0 - p
    if small <= 0.0:
        return math.copysign(math.inf, q)
    r = math.sqrt(-float(np.log(small)))  # (sqrt is correctly rounded either way)
    val = (_horner(_C, r - 1.6) / _horner(_D, r - 1.6) if r <= 5.0
           else _horner(_E, r - 5.0) / _horner(_F, r - 5.0))
    return -val if q < 0 else val


# Up to this many values, norm_ppf goes one by one in plain floats: about 1 µs a value
# against about 55 µs of fixed cost for numpy's path (its masks and two polynomials),
# which is dearer below ~40 values (a reship batch, a parcel made during the run).
_FEW = 32


def norm_ppf(p) -> np.ndarray:
    """Φ⁻¹(p) for p in [0, 1] (−∞ at 0, +∞ at 1), vectorised: AS 241."""
    p = np.asarray(p, dtype=float)
    if p.size <= _FEW:
        return np.array([_ppnd16(x) for x in p.ravel().tolist()]).reshape(p.shape)
    q = p - 0.5
    out = np.empty_like(q)
    central = np.abs(q) <= 0.425
    if central.any():
        qc = q[central]
        r = 0.180625 - qc * qc
        out[central] = qc * _horner(_A, r) / _horner(_B, r)
    if not central.all():
        tail = ~central
        qt = q[tail]
        small = np.where(qt < 0, p[tail], 1.0 - p[tail])  # min(p, 1 - p)
        with np.errstate(divide="ignore"):
            r = np.sqrt(-np.log(small))  # +inf where p is 0 or 1
        val = np.full_like(r, np.inf)
        near = r <= 5.0
        if near.any():
            rn = r[near] - 1.6
            val[near] = _horner(_C, rn) / _horner(_D, rn)
        far = (r > 5.0) & np.isfinite(r)
        if far.any():
            rf = r[far] - 5.0
            val[far] = _horner(_E, rf) / _horner(_F, rf)
        out[tail] = np.where(qt < 0, -val, val)
    return out


class TruncatedStdNormal:
    """The standard normal restricted to [alpha, beta] (either may be infinite)."""

    def __init__(self, alpha: float, beta: float) -> None:
        self.alpha, self.beta = alpha, beta
        self.below = norm_cdf(alpha)  # mass left of the interval
        self.above = norm_sf(beta)  # mass right of it
        self.mass = norm_mass(alpha, beta)

    def ppf(self, u) -> np.ndarray:
        """Quantile at u in [0, 1): Φ⁻¹(Φ(α) + u·mass), taken from the lower tail while
        that probability is below 1/2 and as −Φ⁻¹(Φ̄(β) + (1 − u)·mass) above, so the
        far upper tail keeps its precision; clipped to [α, β] against rounding."""
        u = np.asarray(u, dtype=float)
        if u.size <= _FEW:
            return np.array([self._ppf_one(x) for x in u.ravel().tolist()]).reshape(u.shape)
        lower = self.below + u * self.mass
        from_below = lower <= 0.5
        tail = np.where(from_below, lower, np.minimum(self.above + (1.0 - u) * self.mass, 0.5))
        z = np.minimum(norm_ppf(tail), 0.0)  # <= 0: a lower-tail probability
        # The branches meet at 0, each held to its side, so the result is monotone.
        z = np.where(from_below, z, -z)
        return np.minimum(np.maximum(z, self.alpha), self.beta)

    def _ppf_one(self, u: float) -> float:
        """:meth:`ppf` for one u, in plain floats (the same operations, so the same
        result to the last bit)."""
        lower = self.below + u * self.mass
        if lower <= 0.5:
            z = min(_ppnd16(lower), 0.0)
        else:
            z = -min(_ppnd16(min(self.above + (1.0 - u) * self.mass, 0.5)), 0.0)
        return min(max(z, self.alpha), self.beta)

    def partial_moments(self) -> tuple[float, float]:
        """(E[Z], E[Z²]) of the truncated variable, in closed form:
        E[Z] = (φ(α) − φ(β)) / m and E[Z²] = 1 + (αφ(α) − βφ(β)) / m, m the mass.
        The variance E[Z²] − E[Z]² keeps about 1e-10 relative accuracy while the bounds
        are within ~15 sd of the mean and more than ~1e-3 sd apart; beyond that it
        cancels (as scipy's does)."""
        pa, pb = norm_pdf(self.alpha), norm_pdf(self.beta)
        apa = self.alpha * pa if pa else 0.0
        bpb = self.beta * pb if pb else 0.0
        return (pa - pb) / self.mass, 1.0 + (apa - bpb) / self.mass


@lru_cache(maxsize=128)
def truncated_std_normal(alpha: float, beta: float) -> TruncatedStdNormal:
    """A cached :class:`TruncatedStdNormal` (the tail functions cost a few calls)."""
    return TruncatedStdNormal(alpha, beta)


POISSON_TAIL = 1e-15  # the table stops where the mass beyond it is below this


@lru_cache(maxsize=64)
def poisson_cdf_table(lam: float) -> tuple[int, np.ndarray]:
    """(first k, P(N <= k) for k = first k, first k + 1, ...) for N ~ Poisson(lam).

    The table runs from 0 (for lam > 1000, from where the mass below is < 1e-20, to keep
    it short) to where the mass above is below :data:`POISSON_TAIL`; its last entry is
    set to 1. Each entry comes from whichever tail keeps its digits: the cumulated pmf
    below the median, 1 − the summed upper tail above it."""
    if lam == 0:
        return 0, np.array([1.0])
    spread = 10 * math.sqrt(lam) + 40  # Bernstein: beyond it both tails are < 1e-20
    first = 0 if lam <= 1000 else math.floor(lam - spread)
    k = np.arange(first, math.ceil(lam + spread) + 1)
    # pmf(k) / pmf(mode) as a sum of small logs log(lam / j) outward from the mode (no
    # large terms to cancel), then normalised over the table, which holds all but
    # 1e-20 of the mass.
    mode = math.floor(lam) - first
    with np.errstate(divide="ignore"):  # a subnormal lam: lam / k is 0, the log -inf, pmf 0
        step = np.log(lam / np.maximum(k, 1))  # log pmf(k) - log pmf(k - 1), for k >= 1
    log_ratio = np.zeros(len(k))
    log_ratio[mode + 1:] = np.cumsum(step[mode + 1:])
    log_ratio[:mode] = -np.cumsum(step[mode:0:-1])[::-1]
    pmf = np.exp(log_ratio)
    pmf /= math.fsum(pmf)
    above = np.concatenate([np.cumsum(pmf[::-1])[::-1][1:], [0.0]])  # P(N > k)
    last = int(np.argmax(above < POISSON_TAIL))
    cdf = np.cumsum(pmf)
    cdf = np.where(cdf < 0.5, cdf, 1.0 - above)[: last + 1]
    cdf = np.maximum.accumulate(cdf)
    cdf[-1] = 1.0
    cdf.flags.writeable = False
    return first, cdf
