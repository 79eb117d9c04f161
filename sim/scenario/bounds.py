"""Bounds on the values a scenario's distribution may give, checked at load.

Some quantities have a floor or a ceiling the family of distributions does not enforce:
an order has at least one line, a delivery happens at an hour of the day below 24. A
distribution that could cross one is refused when the scenario is loaded, with the value
it could give and a way to fix it, rather than clamped by the model (a clamp would
quietly change the distribution, and the formulas that use its mean would disagree with
the draws).
"""

from __future__ import annotations

import math

from sim.dists import Constant, CountConstant, CountEmpirical, CountUniform, Poisson


def describe(d) -> str:
    """A distribution as it is written in YAML (a bare number for a constant)."""
    data = d.model_dump(by_alias=True, exclude_defaults=True, exclude={"dist"})
    if d.dist == "constant":
        return _number(d.value)
    fields = ", ".join(f"{k}: {_value(v)}" for k, v in data.items())
    return f"{{dist: {d.dist}, {fields}}}"


def _number(x: float) -> str:
    return f"{x:g}"


def _value(v) -> str:
    if isinstance(v, list):
        return "[" + ", ".join(_number(x) for x in v) + "]"
    return _number(v)


def require_at_least(d, minimum: float, why: str, unit: str = ""):
    """Return ``d`` if it never gives less than ``minimum``; else raise ValueError saying
    ``why`` (e.g. "an order has at least one line"), what it can give and a fix."""
    low = d.support[0]
    if low >= minimum:
        return d
    discrete = isinstance(d, (Poisson, CountUniform, CountEmpirical))
    can = f"which can give {'' if discrete else 'values down to '}{_number(low)}{unit}"
    raise ValueError(f"must never be below {_number(minimum)}{unit} ({why}); got {describe(d)}"
                     f"{_unless_constant(d, can)}; {_raise_floor(d, minimum)}")


def require_below(d, ceiling: float, why: str, unit: str = ""):
    """Return ``d`` if everything it gives is below ``ceiling``; else raise ValueError."""
    high = d.support[1]
    if high < ceiling:
        return d
    can = "which has no upper bound" if math.isinf(high) else f"which can give {_number(high)}{unit}"
    raise ValueError(f"must stay below {_number(ceiling)}{unit} ({why}); got {describe(d)}"
                     f"{_unless_constant(d, can)}; {_lower_ceiling(d, ceiling)}")


def _unless_constant(d, clause: str) -> str:
    """", clause" (what the distribution can give), said only of a real distribution."""
    return "" if isinstance(d, (Constant, CountConstant)) else f", {clause}"


# How to fix each family, (to raise a floor, to lower a ceiling) at a bound {b}.
_FIXES = {
    "constant": ("use {b} or more", "use a value below {b}"),
    "uniform": ("use low: {b} (or more)", "use a high below {b}"),
    "triangular": ("use low: {b} (or more)", "use a high below {b}"),
    "normal": ("add low: {b} (or more)", "add a high below {b}"),
    "lognormal": ("add low: {b} (or more)", "add a high below {b}"),
    "empirical": ("give the values below {b} no weight, or drop them",
                  "give the values of {b} or more no weight, or drop them"),
}
_UNBOUNDED = ("use a distribution bounded below, e.g. {{dist: lognormal, mean: ..., sd: ..., low: {b}}}",
              "use a distribution bounded above, e.g. {{dist: uniform, low: ..., high: ...}} with "
              "high below {b}")


def _raise_floor(d, minimum: float) -> str:
    if isinstance(d, Poisson):
        mean = d.mean if d.mean >= minimum else d.mean + minimum
        return f"use {{dist: poisson, mean: {_number(mean)}, shift: {_number(minimum)}}}"
    return _FIXES.get(d.dist, _UNBOUNDED)[0].format(b=_number(minimum))


def _lower_ceiling(d, ceiling: float) -> str:
    return _FIXES.get(d.dist, _UNBOUNDED)[1].format(b=_number(ceiling))
