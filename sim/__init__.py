"""fulfillment-sim: a discrete-event simulator of two-coast e-commerce order fulfilment.

The run-level API::

    import sim
    scenario = sim.load_scenario("scenarios/baseline.yaml",
                                 overrides={"warehouses.west.staff.pickers": 14})
    result = sim.run(scenario, replications=10, seed=7, workers=2)
    result.orders      # one row per customer order and replication
    result.shipments   # one row per parcel sent
    result.kpis        # per-replication KPI DataFrame
    result.summary     # the dict written to summary.json

Names are imported when first used, so ``import sim`` (and ``fsim --help``) stays fast.
"""

from __future__ import annotations

import importlib
import importlib.util

__version__ = "0.8.0"

_LAZY = {
    "Result": "sim.experiment",
    "run": "sim.experiment",
    "Scenario": "sim.scenario.schema",
    "load_scenario": "sim.scenario.loader",
    "ScenarioError": "sim.errors",
}

__all__ = ["Result", "Scenario", "ScenarioError", "__version__", "load_scenario", "run"]


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        # A subpackage or module by attribute (``sim.sizing.estimate_run`` after a plain
        # ``import sim``), imported when first used.
        if not name.startswith("_") and importlib.util.find_spec(f"{__name__}.{name}") is not None:
            return importlib.import_module(f"{__name__}.{name}")
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
