"""The points of a sweep: every combination (grid), the lists zipped (list), or a Latin
hypercube sample (lhs). A point is a ``{dotted.path: value}`` mapping, applied to the
base scenario like ``--set``."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from sim.sweep.spec import Range, SweepSpec

# Mixed into the sweep's seed so that the hypercube's draws are their own stream (the
# replications' seeds never meet it).
LHS_STREAM = 0x4C4853  # "LHS"


def design_points(spec: SweepSpec, seed: int) -> list[dict[str, Any]]:
    """The points of ``spec``, in a fixed order (grid: the last parameter varies
    fastest; lhs: reproducible from ``seed``)."""
    keys = list(spec.parameters)
    if spec.design == "grid":
        return [dict(zip(keys, combo, strict=True))
                for combo in itertools.product(*(spec.parameters[k] for k in keys))]
    if spec.design == "list":
        return [dict(zip(keys, combo, strict=True))
                for combo in zip(*(spec.parameters[k] for k in keys), strict=True)]
    return latin_hypercube(spec.parameters, spec.n or 0, seed)


def latin_hypercube(parameters: dict[str, tuple[Any, ...] | Range], n: int,
                    seed: int) -> list[dict[str, Any]]:
    """``n`` points such that, for every parameter, each of the ``n`` equal slices of
    its range holds exactly one point (McKay, Beckman & Conover 1979). A whole-number
    range ``low..high`` is sliced over ``[low, high + 1)`` and floored, so every whole
    number is equally likely; a list of values is sliced by position."""
    rng = np.random.default_rng([seed, LHS_STREAM])
    columns: dict[str, list[Any]] = {}
    for key, spec in parameters.items():
        u = (rng.permutation(n) + rng.random(n)) / n  # one point per slice, shuffled
        if isinstance(spec, Range) and spec.integer:
            width = spec.high - spec.low + 1
            columns[key] = [min(int(spec.low + np.floor(v * width)), spec.high) for v in u]
        elif isinstance(spec, Range):
            columns[key] = [float(spec.low + v * (spec.high - spec.low)) for v in u]
        else:
            columns[key] = [spec[min(int(v * len(spec)), len(spec) - 1)] for v in u]
    return [{key: columns[key][i] for key in parameters} for i in range(n)]
