"""Scenario schema and loading (see :mod:`sim.scenario.schema`)."""

from sim.scenario.loader import (
    ScenarioError,
    load_raw,
    load_scenario,
    parse_set_option,
    scenario_to_yaml,
    validate_data,
    with_seed,
)
from sim.scenario.schema import Scenario

__all__ = [
    "Scenario",
    "ScenarioError",
    "load_raw",
    "load_scenario",
    "parse_set_option",
    "scenario_to_yaml",
    "validate_data",
    "with_seed",
]
