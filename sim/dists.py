"""Distribution objects parsed from YAML: every stage time in a scenario is one of these.

A distribution is written in YAML either as a bare number (a constant) or as a mapping
with a ``dist`` key, for example ``{dist: exponential, mean: 90}``. Each object is a
frozen pydantic model with ``sample(rng, n) -> ndarray`` (vectorised) and ``mean``.
Distributions carry no unit: the scenario field that holds one says it (``_s``, ``_min``,
``_days``...).

``Dist`` is the family for continuous, non-negative quantities (times); ``CountDist`` the
family for counts of at least one (lines per order, units per line, business days).
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal, Union

import numpy as np
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

_FROZEN = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)
_MAX_REJECTION_ROUNDS = 200


class _DistBase(BaseModel):
    model_config = _FROZEN

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    @property
    def mean(self) -> float:  # pragma: no cover
        raise NotImplementedError


class Constant(_DistBase):
    """Always ``value``."""

    dist: Literal["constant"] = "constant"
    value: float = Field(ge=0)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return np.full(n, self.value, dtype=float)

    @property
    def mean(self) -> float:
        return self.value


class Exponential(_DistBase):
    """Exponential with the given ``mean`` (memoryless: the textbook service time)."""

    dist: Literal["exponential"]
    mean_: float = Field(gt=0, alias="mean")

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.exponential(self.mean_, n)

    @property
    def mean(self) -> float:
        return self.mean_


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

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.uniform(self.low, self.high, n)

    @property
    def mean(self) -> float:
        return (self.low + self.high) / 2


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

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.triangular(self.low, self.mode, self.high, n)

    @property
    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3


class _Bounded(_DistBase):
    """A two-parameter family given by its own ``mean`` and ``sd``, optionally truncated
    to ``[low, high]`` by rejection (so the shape inside the bounds is kept; ``mean``
    then reports the truncated mean, computed numerically)."""

    mean_: float = Field(alias="mean")
    sd: float = Field(ge=0)
    low: float = Field(default=0.0, ge=0)
    high: float | None = None

    @model_validator(mode="after")
    def _ordered(self):
        if self.high is not None and self.high <= self.low:
            raise ValueError(f"high must be > low, got low={self.low}, high={self.high}")
        return self

    def _raw(self, rng: np.random.Generator, n: int) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def _pdf(self, x: np.ndarray) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        if self.sd == 0:
            return np.full(n, min(max(self.mean_, self.low), self.high or math.inf))
        out = self._raw(rng, n)
        high = math.inf if self.high is None else self.high
        bad = (out < self.low) | (out > high)
        for _ in range(_MAX_REJECTION_ROUNDS):
            if not bad.any():
                return out
            out[bad] = self._raw(rng, int(bad.sum()))
            bad = (out < self.low) | (out > high)
        raise ValueError(f"{self!r}: bounds exclude almost all of the distribution")

    @property
    def mean(self) -> float:
        if self.sd == 0:
            return min(max(self.mean_, self.low), self.high or math.inf)
        high = self.high if self.high is not None else self.mean_ + 12 * self.sd
        x = np.linspace(self.low, high, 20001)
        p = self._pdf(x)
        return float(np.trapezoid(x * p, x) / np.trapezoid(p, x))


class Normal(_Bounded):
    """Normal(mean, sd), truncated at ``low`` (default 0, times are never negative)."""

    dist: Literal["normal"]

    def _raw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.normal(self.mean_, self.sd, n)

    def _pdf(self, x: np.ndarray) -> np.ndarray:
        return np.exp(-0.5 * ((x - self.mean_) / self.sd) ** 2)


class Lognormal(_Bounded):
    """Lognormal whose own mean and sd (not the log's) are ``mean`` and ``sd``."""

    dist: Literal["lognormal"]

    @model_validator(mode="after")
    def _positive_mean(self) -> Lognormal:
        if self.mean_ <= 0:
            raise ValueError(f"mean must be > 0, got {self.mean_}")
        return self

    def _log_params(self) -> tuple[float, float]:
        s2 = math.log1p((self.sd / self.mean_) ** 2)
        return math.log(self.mean_) - s2 / 2, math.sqrt(s2)

    def _raw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        mu, sigma = self._log_params()
        return rng.lognormal(mu, sigma, n)

    def _pdf(self, x: np.ndarray) -> np.ndarray:
        mu, sigma = self._log_params()
        with np.errstate(divide="ignore", invalid="ignore"):
            p = np.exp(-((np.log(x) - mu) ** 2) / (2 * sigma**2)) / x
        return np.nan_to_num(p)


class Empirical(_DistBase):
    """Draws one of ``values`` with probabilities proportional to ``weights`` (equal if
    omitted): use it for measured data or a hand-made histogram."""

    dist: Literal["empirical"]
    values: list[float] = Field(min_length=1)
    weights: list[float] | None = None

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

    def _p(self) -> np.ndarray | None:
        if self.weights is None:
            return None
        w = np.asarray(self.weights, dtype=float)
        return w / w.sum()

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.choice(np.asarray(self.values, dtype=float), size=n, p=self._p())

    @property
    def mean(self) -> float:
        p = self._p()
        return float(np.average(self.values, weights=p))


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

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return np.full(n, self.value, dtype=np.int64)

    @property
    def mean(self) -> float:
        return float(self.value)


class Geometric(_DistBase):
    """Counts 1, 2, 3... with P(k) = p(1-p)^(k-1) and the given ``mean`` (>= 1): the
    usual shape of lines per order and units per line in e-commerce."""

    dist: Literal["geometric"]
    mean_: float = Field(ge=1, alias="mean")
    max: int | None = Field(default=None, ge=1)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        k = rng.geometric(1.0 / self.mean_, n).astype(np.int64)
        return k if self.max is None else np.minimum(k, self.max)

    @property
    def mean(self) -> float:
        if self.max is None:
            return self.mean_
        q = 1 - 1 / self.mean_
        k = np.arange(1, self.max + 1)
        pk = (1 - q) * q ** (k - 1)
        return float((k * pk).sum() + self.max * q**self.max)


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

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return self.shift + rng.poisson(self.mean_ - self.shift, n).astype(np.int64)

    @property
    def mean(self) -> float:
        return self.mean_


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

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.integers(self.low, self.high + 1, n)

    @property
    def mean(self) -> float:
        return (self.low + self.high) / 2


class CountEmpirical(Empirical):
    """One of the integer ``values`` with probabilities proportional to ``weights``."""

    values: list[int] = Field(min_length=1)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.choice(np.asarray(self.values, dtype=np.int64), size=n, p=self._p())


CountDist = Annotated[
    Union[CountConstant, Geometric, Poisson, CountUniform, CountEmpirical],  # noqa: UP007
    Field(discriminator="dist"),
    BeforeValidator(_number_is_constant),
]
"""A distribution of non-negative integer counts; YAML: an integer or ``{dist: ...}``."""


def dist_to_yaml(d: _DistBase) -> Any:
    """The compact YAML form of a distribution (a bare number for constants)."""
    data = d.model_dump(by_alias=True, exclude_none=True)
    if data.get("dist") == "constant":
        return data["value"]
    return data
