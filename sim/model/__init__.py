"""The model of one replication (``sim.model.world`` assembles it)."""

from __future__ import annotations

import importlib
import importlib.util


def __getattr__(name: str):
    # A module by attribute (``sim.model.world.run_replication`` after ``import sim``),
    # imported when first used.
    if not name.startswith("_") and importlib.util.find_spec(f"{__name__}.{name}") is not None:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
