"""Distribution objects parsed from YAML: every stage time and every count in a scenario
is one of these.

A distribution is written in YAML either as a bare number (a constant) or as a mapping
with a ``dist`` key, for example ``{dist: exponential, mean: 90}``. Each object is a
frozen pydantic model with:

- ``ppf(u)``: the inverse distribution function at uniforms ``u`` in [0, 1), vectorised.
  This is how the model makes every variate: one keyed uniform per variate (common
  random numbers), so a variate depends on its own uniform and nothing else. Truncated
  families invert inside their bounds (no rejection); counts come back as int64; the
  result lies in the support for every u in [0, 1), u = 0 included.
- ``sample(rng, n)`` = ``ppf(rng.random(n))``: one definition per distribution.
- ``mean`` and ``var``: exact, in closed form (truncation included).
- ``support``: the smallest and largest value it can give (for the schema's bounds).

Distributions carry no unit: the scenario field that holds one says it (``_s``,
``_min``, ``_days``...). ``Dist`` is the family for continuous, non-negative quantities
(times); ``CountDist`` the family for non-negative integer counts.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Annotated, Any, Literal, Union

import numpy as np
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from sim.given_numbers import Number, Whole, refuse_text_for_number
from sim.per_object import derived
from sim.quantiles import poisson_cdf_table, truncated_std_normal

_FROZEN = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)
_SUMMED_CAP = 100_000  # Geometric.var sums term by term up to this cap


class _DistBase(BaseModel):
    model_config = _FROZEN

    # (every parameter by name: a "before" validator on ``dist``, the union's
    # discriminator, is not allowed)
    @field_validator("value", "mean_", "low", "mode", "high", "sd", "max", "shift", mode="before",
                     check_fields=False)
    @classmethod
    def _a_number_is_a_number(cls, value: Any, info: ValidationInfo) -> Any:
        """``mean: "30"`` or ``true`` refused, not read as 30 and 1."""
        if info.field_name in cls.model_fields:
            return refuse_text_for_number(cls.model_fields[info.field_name].annotation, value)
        return value

    def ppf(self, u: np.ndarray) -> np.ndarray:  # pragma: no cover
        """The inverse distribution function at ``u`` in [0, 1)."""
        raise NotImplementedError

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` independent variates, one uniform from ``rng`` each."""
        return self.ppf(rng.random(n))

    @property
    def mean(self) -> float:  # pragma: no cover
        raise NotImplementedError

    @property
    def var(self) -> float:  # pragma: no cover
        raise NotImplementedError

    @property
    def support(self) -> tuple[float, float]:  # pragma: no cover
        """(smallest, largest) value it can give (``math.inf``: unbounded)."""
        raise NotImplementedError


class Constant(_DistBase):
    """Always ``value``."""

    dist: Literal["constant"] = "constant"
    value: float = Field(ge=0)

    @property
    def support(self) -> tuple[float, float]:
        return self.value, self.value

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return np.full(np.shape(u), self.value, dtype=float)

    @property
    def mean(self) -> float:
        return self.value

    @property
    def var(self) -> float:
        return 0.0


class Exponential(_DistBase):
    """Exponential with the given ``mean`` (memoryless: the textbook service time)."""

    dist: Literal["exponential"]
    mean_: float = Field(gt=0, alias="mean")

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return -self.mean_ * np.log1p(-np.asarray(u, dtype=float))

    @property
    def mean(self) -> float:
        return self.mean_

    @property
    def var(self) -> float:
        return self.mean_**2

    @property
    def support(self) -> tuple[float, float]:
        return 0.0, math.inf


class Uniform(_DistBase):
    """Uniform on ``[low, high]``."""

    dist: Literal["uniform"]
    low: float = Field(ge=0)
    high: float = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.high < self.low:
            raise ValueError(f"high must be >= low, got low={self.low}, high={self.high}")
        return self

    def ppf(self, u: np.ndarray) -> np.ndarray:
        x = self.low + np.asarray(u, dtype=float) * (self.high - self.low)
        return np.clip(x, self.low, self.high)

    @property
    def mean(self) -> float:
        return (self.low + self.high) / 2

    @property
    def var(self) -> float:
        return (self.high - self.low) ** 2 / 12

    @property
    def support(self) -> tuple[float, float]:
        return self.low, self.high


class Triangular(_DistBase):
    """Triangular with ``low <= mode <= high``."""

    dist: Literal["triangular"]
    low: float = Field(ge=0)
    mode: float = Field(ge=0)
    high: float = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not self.low <= self.mode <= self.high or self.low == self.high:
            raise ValueError(
                f"need low <= mode <= high and low < high, got "
                f"low={self.low}, mode={self.mode}, high={self.high}"
            )
        return self

    def ppf(self, u: np.ndarray) -> np.ndarray:
        a, c, b = self.low, self.mode, self.high
        u = np.asarray(u, dtype=float)
        left = u < (c - a) / (b - a)
        x = np.where(left, a + np.sqrt(u * (b - a) * (c - a)),
                     b - np.sqrt((1 - u) * (b - a) * (b - c)))
        return np.clip(x, a, b)

    @property
    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3

    @property
    def var(self) -> float:
        a, c, b = self.low, self.mode, self.high
        return (a * a + b * b + c * c - a * b - a * c - b * c) / 18

    @property
    def support(self) -> tuple[float, float]:
        return self.low, self.high


class _Bounded(_DistBase):
    """A two-parameter family given by its own ``mean`` and ``sd``, optionally truncated
    to ``[low, high]``: the shape inside the bounds is kept, and ``mean``/``var`` are
    those of the truncated distribution. With ``sd: 0`` it is the constant ``mean``
    (moved into the bounds)."""

    mean_: float = Field(alias="mean")
    sd: float = Field(ge=0)
    low: float = Field(default=0.0, ge=0)
    high: float | None = None

    @model_validator(mode="after")
    def _bounds(self):
        self._check_shape()
        if self.high is not None and self.high <= self.low:
            raise ValueError(f"high must be > low, got low={self.low}, high={self.high}")
        if self.sd > 0 and not self._std().mass > 0:
            raise ValueError(
                f"the bounds [{self.low:g}, {self._high:g}] hold (numerically) none of "
                f"the distribution with mean {self.mean_:g} and sd {self.sd:g}")
        return self

    def _check_shape(self) -> None:
        """Checks of ``mean`` and ``sd`` particular to the family."""

    @property
    def _high(self) -> float:
        return math.inf if self.high is None else self.high

    @property
    def _point(self) -> float:
        """The value when ``sd`` is 0."""
        return min(max(self.mean_, self.low), self._high)

    @property
    def support(self) -> tuple[float, float]:
        return (self._point, self._point) if self.sd == 0 else (self.low, self._high)

    def _loc_scale(self) -> tuple[float, float]:  # pragma: no cover
        """(location, scale) of the underlying normal."""
        raise NotImplementedError

    def _to_normal(self, x: float) -> float:  # pragma: no cover
        """A bound of the variable, as a bound of the underlying normal's value."""
        raise NotImplementedError

    def _ppf_params(self) -> tuple[float, float, Any]:
        """(location, scale, :meth:`_std`), derived once per object."""
        return derived(self, "ppf", lambda: (*self._loc_scale(), self._std()))

    def _std(self):
        """The underlying standard normal, truncated to the bounds."""
        loc, scale = self._loc_scale()
        return truncated_std_normal((self._to_normal(self.low) - loc) / scale,
                                    (self._to_normal(self._high) - loc) / scale)


class Normal(_Bounded):
    """Normal(mean, sd), truncated to [``low``, ``high``] (``low`` defaults to 0: times
    are never negative)."""

    dist: Literal["normal"]

    def _loc_scale(self) -> tuple[float, float]:
        return self.mean_, self.sd

    def _to_normal(self, x: float) -> float:
        return x

    def ppf(self, u: np.ndarray) -> np.ndarray:
        if self.sd == 0:
            return np.full(np.shape(u), self._point, dtype=float)
        _, _, std = self._ppf_params()
        x = self.mean_ + self.sd * std.ppf(u)
        return np.minimum(np.maximum(x, self.low), self._high)

    @property
    def mean(self) -> float:
        if self.sd == 0:
            return self._point
        return self.mean_ + self.sd * self._std().partial_moments()[0]

    @property
    def var(self) -> float:
        """σ²·(1 + (αφ(α) − βφ(β))/m − ((φ(α) − φ(β))/m)²), m = Φ(β) − Φ(α)."""
        if self.sd == 0:
            return 0.0
        m1, m2 = self._std().partial_moments()
        return self.sd**2 * max(m2 - m1 * m1, 0.0)


class Lognormal(_Bounded):
    """Lognormal whose own mean and sd (not the log's) are ``mean`` and ``sd``,
    truncated to [``low``, ``high``] (``low`` 0: not truncated below)."""

    dist: Literal["lognormal"]

    def _check_shape(self) -> None:
        if self.mean_ <= 0:
            raise ValueError(f"mean must be > 0, got {self.mean_}")

    def _loc_scale(self) -> tuple[float, float]:
        return _log_params(self.mean_, self.sd)

    def _to_normal(self, x: float) -> float:
        return math.log(x) if x > 0 else -math.inf

    def ppf(self, u: np.ndarray) -> np.ndarray:
        if self.sd == 0:
            return np.full(np.shape(u), self._point, dtype=float)
        mu, sigma, std = self._ppf_params()
        x = np.exp(mu + sigma * std.ppf(u))
        return np.minimum(np.maximum(x, self.low), self._high)

    def _raw_moment_ratio(self, k: int) -> float:
        """E[Xᵏ] / exp(kμ + k²σ²/2) = (Φ(β − kσ) − Φ(α − kσ)) / (Φ(β) − Φ(α)), α and β
        the bounds of the log in standard units."""
        _, sigma = self._loc_scale()
        std = self._std()
        return truncated_std_normal(std.alpha - k * sigma, std.beta - k * sigma).mass / std.mass

    @property
    def mean(self) -> float:
        if self.sd == 0:
            return self._point
        mu, sigma = self._loc_scale()
        return math.exp(mu + sigma**2 / 2) * self._raw_moment_ratio(1)

    @property
    def var(self) -> float:
        """E[X²] − E[X]² = E[X]²·(e^{σ²}·r − 1), r = D₀D₂/D₁², Dₖ = Φ(β − kσ) − Φ(α − kσ),
        written with expm1 so an untruncated small σ keeps its digits."""
        if self.sd == 0:
            return 0.0
        _, sigma = self._loc_scale()
        r = self._raw_moment_ratio(2) / self._raw_moment_ratio(1) ** 2
        return self.mean**2 * max(math.expm1(sigma**2) * r + (r - 1.0), 0.0)


@lru_cache(maxsize=256)
def _log_params(mean: float, sd: float) -> tuple[float, float]:
    """(μ, σ) of the log of a lognormal with this mean and sd:
    σ² = ln(1 + sd²/mean²), μ = ln(mean) − σ²/2."""
    s2 = math.log1p((sd / mean) ** 2)
    return math.log(mean) - s2 / 2, math.sqrt(s2)


class Empirical(_DistBase):
    """Draws one of ``values`` with probabilities proportional to ``weights`` (equal if
    omitted): use it for measured data or a hand-made histogram."""

    dist: Literal["empirical"]
    values: list[Number] = Field(min_length=1)
    weights: list[Number] | None = None

    @model_validator(mode="after")
    def _check(self) -> Empirical:
        if any(v < 0 for v in self.values):
            raise ValueError(f"values must be >= 0, got {self.values}")
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError(
                    f"weights must have one entry per value ({len(self.values)}), "
                    f"got {len(self.weights)}"
                )
            if any(w < 0 for w in self.weights) or sum(self.weights) <= 0:
                raise ValueError(f"weights must be >= 0 with a positive sum, got {self.weights}")
        return self

    def _p(self) -> np.ndarray:
        """The probability of each value, in the order given."""
        w = np.ones(len(self.values)) if self.weights is None else np.asarray(self.weights, dtype=float)
        return w / w.sum()

    def _table(self) -> tuple[np.ndarray, np.ndarray]:
        """(values sorted, distribution function at each): the last entries are exactly
        1, so u < 1 never lands on a value of weight 0. Built once per object."""
        return derived(self, "table", self._build_table)

    def _build_table(self) -> tuple[np.ndarray, np.ndarray]:
        order = np.argsort(np.asarray(self.values, dtype=float), kind="stable")
        w = (np.ones(len(self.values)) if self.weights is None
             else np.asarray(self.weights, dtype=float))[order]
        cum = np.cumsum(w)
        table = np.asarray(self.values)[order], cum / cum[-1]
        for a in table:
            a.flags.writeable = False  # shared by every call
        return table

    def ppf(self, u: np.ndarray) -> np.ndarray:
        values, cdf = self._table()
        i = np.searchsorted(cdf, np.asarray(u, dtype=float), side="right")
        return values.astype(float)[np.minimum(i, len(values) - 1)]

    @property
    def mean(self) -> float:
        return math.fsum(self._p() * np.asarray(self.values, dtype=float))

    @property
    def var(self) -> float:
        v = np.asarray(self.values, dtype=float)
        return math.fsum(self._p() * (v - self.mean) ** 2)

    @property
    def support(self) -> tuple[float, float]:
        drawn = [v for v, p in zip(self.values, self._p(), strict=True) if p > 0]
        return min(drawn), max(drawn)


def _number_is_constant(value: Any) -> Any:
    """YAML sugar: a bare number means a constant distribution."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return {"dist": "constant", "value": value}
    return value


Dist = Annotated[
    Union[Constant, Exponential, Uniform, Triangular, Normal, Lognormal, Empirical],  # noqa: UP007
    Field(discriminator="dist"),
    BeforeValidator(_number_is_constant),
]
"""A non-negative continuous distribution (times); YAML: a number or ``{dist: ...}``."""


# --- counts -------------------------------------------------------------------------


class CountConstant(_DistBase):
    dist: Literal["constant"] = "constant"
    value: int = Field(ge=0)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return np.full(np.shape(u), self.value, dtype=np.int64)

    @property
    def mean(self) -> float:
        return float(self.value)

    @property
    def var(self) -> float:
        return 0.0

    @property
    def support(self) -> tuple[float, float]:
        return self.value, self.value


class Geometric(_DistBase):
    """Counts 1, 2, 3... with P(k) = p(1-p)^(k-1) and the given ``mean`` (>= 1): the
    usual shape of lines per order and units per line in e-commerce. With ``max``,
    larger draws become ``max`` (so ``mean`` and ``var`` are those of min(K, max))."""

    dist: Literal["geometric"]
    mean_: float = Field(ge=1, alias="mean")
    max: int | None = Field(default=None, ge=1)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        u = np.asarray(u, dtype=float)
        p = 1.0 / self.mean_
        if p == 1.0:
            k = np.ones(u.shape)
        else:
            log_q = math.log1p(-p)
            # K = smallest k with P(K <= k) = 1 - q^k >= u; one step back where the
            # ceiling overshot by rounding.
            k = np.maximum(np.ceil(np.log1p(-u) / log_q), 1.0)
            k = np.where((k > 1) & (-np.expm1((k - 1) * log_q) >= u), k - 1, k)
        if self.max is not None:
            k = np.minimum(k, self.max)
        return k.astype(np.int64)

    @property
    def mean(self) -> float:
        """E[min(K, M)] = Σ_{k<M} P(K > k) = (1 − q^M)/p; 1/p without a cap."""
        p = 1.0 / self.mean_
        if self.max is None or p == 1.0:
            return self.mean_
        return -math.expm1(self.max * math.log1p(-p)) / p

    @property
    def var(self) -> float:
        """q/p² without a cap. With cap M, min(K, M) = Σ_{j<M} 1{K > j}, so its variance
        is Σ_{j,k<M} q^max(j,k)·(1 − q^min(j,k)) = Σ_{k<M} q^k·((1 − q^k) + 2Σ_{j<k}(1 − q^j)):
        a sum of non-negative terms, summed exactly as written (no cancellation, unlike
        the closed form E[Y²] − E[Y]² when p·M is small). A cap beyond
        :data:`_SUMMED_CAP` uses the closed form ((1 − a)(1 + a − p) − 2aMp)/p², a = q^M."""
        p = 1.0 / self.mean_
        if self.max is None or p == 1.0:
            return (1.0 - p) / p**2
        log_q = math.log1p(-p)
        if self.max > _SUMMED_CAP:
            a = math.exp(self.max * log_q)
            return max((-math.expm1(self.max * log_q) * (1 + a - p) - 2 * a * self.max * p) / p**2, 0.0)
        k = np.arange(self.max)
        q_k = np.exp(k * log_q)
        gap = -np.expm1(k * log_q)  # 1 - q^k
        below = np.concatenate([[0.0], np.cumsum(gap)[:-1]])  # Σ_{j<k} (1 - q^j)
        return math.fsum(q_k * (gap + 2 * below))

    @property
    def support(self) -> tuple[float, float]:
        return 1, math.inf if self.max is None else self.max


class Poisson(_DistBase):
    """``shift`` + Poisson(mean - shift): e.g. ``{dist: poisson, mean: 1.6, shift: 1}``."""

    dist: Literal["poisson"]
    mean_: float = Field(ge=0, alias="mean")
    shift: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _check(self) -> Poisson:
        if self.mean_ < self.shift:
            raise ValueError(f"mean must be >= shift ({self.shift}), got {self.mean_}")
        return self

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """By the table of the distribution function (:func:`poisson_cdf_table`): the
        count whose step contains u (P(N < k) <= u < P(N <= k))."""
        first, cdf = poisson_cdf_table(float(self.mean_ - self.shift))
        i = np.searchsorted(cdf, np.asarray(u, dtype=float), side="right")
        return (self.shift + first + np.minimum(i, len(cdf) - 1)).astype(np.int64)

    @property
    def mean(self) -> float:
        return self.mean_

    @property
    def var(self) -> float:
        return self.mean_ - self.shift

    @property
    def support(self) -> tuple[float, float]:
        return self.shift, self.shift if self.mean_ == self.shift else math.inf


class CountUniform(_DistBase):
    """Integers ``low..high`` inclusive, equally likely."""

    dist: Literal["uniform"]
    low: int = Field(ge=0)
    high: int = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> CountUniform:
        if self.high < self.low:
            raise ValueError(f"high must be >= low, got low={self.low}, high={self.high}")
        return self

    def ppf(self, u: np.ndarray) -> np.ndarray:
        n = self.high - self.low + 1
        k = np.floor(np.asarray(u, dtype=float) * n).astype(np.int64)
        return self.low + np.minimum(k, n - 1)

    @property
    def mean(self) -> float:
        return (self.low + self.high) / 2

    @property
    def var(self) -> float:
        n = self.high - self.low + 1
        return (n * n - 1) / 12

    @property
    def support(self) -> tuple[float, float]:
        return self.low, self.high


class CountEmpirical(Empirical):
    """One of the integer ``values`` with probabilities proportional to ``weights``."""

    values: list[Whole] = Field(min_length=1)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        values, cdf = self._table()
        i = np.searchsorted(cdf, np.asarray(u, dtype=float), side="right")
        return values.astype(np.int64)[np.minimum(i, len(values) - 1)]


CountDist = Annotated[
    Union[CountConstant, Geometric, Poisson, CountUniform, CountEmpirical],  # noqa: UP007
    Field(discriminator="dist"),
    BeforeValidator(_number_is_constant),
]
"""A distribution of non-negative integer counts; YAML: an integer or ``{dist: ...}``."""
