"""fulfillment-sim: a discrete-event simulator of two-coast e-commerce order fulfilment.

The run-level API::

    import sim
    scenario = sim.load_scenario("scenarios/baseline.yaml",
                                 overrides={"warehouses.west.staff.pickers": 14})
    result = sim.run(scenario, replications=10, seed=7, workers=2)
    result.orders      # per-order DataFrame (one row per order and replication)
    result.kpis        # per-replication KPI DataFrame
    result.summary     # the dict written to summary.json
"""

__version__ = "0.4.0"

from sim.experiment import Result, run  # noqa: E402
from sim.scenario import Scenario, ScenarioError, load_scenario  # noqa: E402

__all__ = ["Result", "Scenario", "ScenarioError", "__version__", "load_scenario", "run"]
