"""Shared fixtures: paths to the shipped scenarios and a small, fast scenario factory."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from sim.scenario import validate_data
from sim.scenario.loader import apply_overrides

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"

TINY = {
    "name": "tiny",
    "seed": 3,
    "horizon": {"days": 4, "warmup_days": 1, "drain_days": 10},
    "demand": {
        "channels": {
            "web": {
                "orders_per_day": 300,
                "lines_per_order": {"dist": "geometric", "mean": 1.6},
                "units_per_line": {"dist": "geometric", "mean": 1.2},
                "promised_business_days": 4,
                "return_prob": 0.1,
            },
            "wholesale": {
                "orders_per_day": 20,
                "lines_per_order": {"dist": "uniform", "low": 1, "high": 4},
                "units_per_line": {"dist": "uniform", "low": 2, "high": 10},
                "min_order_units": 12,
                "moq_policy": "reject",
            },
        }
    },
    "payment": {"auth_time_s": {"dist": "exponential", "mean": 3}, "decline_prob": 0.05,
                "retry_delay_min": {"dist": "exponential", "mean": 10}},
    "warehouses": {
        "west": {
            "location": {"lat": 34.06, "lon": -117.65},
            "staff": {"shifts": {"day": {"start_h": 6, "end_h": 14, "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                                          "breaks": [{"start_h": 10, "minutes": 30}]},
                                  "late": {"start_h": 14, "end_h": 22, "days": ["mon", "tue", "wed", "thu", "fri"]}},
                      "pickers": 2, "packers": 1},
            "picking": {"setup_time_s": 30, "travel_time_s": {"dist": "exponential", "mean": 90},
                        "time_per_line_s": {"dist": "lognormal", "mean": 20, "sd": 5}, "error_prob_per_line": 0.02},
            "packing": {"time_per_order_s": {"dist": "triangular", "low": 60, "mode": 90, "high": 150},
                        "time_per_unit_s": 5},
            "shipping": {"carrier": "ground", "label_time_s": 10},
        },
        "east": {
            "location": {"lat": 35.23, "lon": -80.84},
            "staff": {"pickers": 3, "packers": 2},
            "picking": {"setup_time_s": 30, "travel_time_s": {"dist": "exponential", "mean": 90},
                        "time_per_line_s": 15, "error_prob_per_line": 0.02},
            "packing": {"time_per_order_s": 80, "time_per_unit_s": {"dist": "uniform", "low": 2, "high": 6}},
            "shipping": {"carrier": "ground", "label_time_s": 10},
        },
    },
    "carriers": {
        "ground": {
            "pickup_times_h": [12.0, 18.0],
            "cutoff_min": 60,
            "zones": [
                {"max_km": 1000, "transit_business_days": {"dist": "empirical", "values": [1, 2], "weights": [0.7, 0.3]}},
                {"max_km": 10000, "transit_business_days": {"dist": "uniform", "low": 2, "high": 5}},
            ],
            "late_prob": 0.05,
            "lost_prob": 0.01,
            "damaged_prob": 0.02,
        }
    },
}


def tiny_data(overrides: dict | None = None) -> dict:
    """A deep copy of the tiny scenario's raw mapping, with ``{dotted.path: value}``
    overrides applied."""
    data = copy.deepcopy(TINY)
    return apply_overrides(data, overrides, {}) if overrides else data


def tiny(overrides: dict | None = None):
    """The tiny scenario, validated."""
    return validate_data(tiny_data(overrides))


@pytest.fixture
def tiny_scenario():
    return validate_data(tiny_data())


# --- evidence for the README's reliability table (python -m tests.reliability) --------

RELIABILITY: dict[str, float] = {}


def note(key: str, value: float = 1) -> None:
    """Add ``value`` to a reliability count (e.g. one hypothesis example run)."""
    RELIABILITY[key] = RELIABILITY.get(key, 0) + value


_GROUPS = {"tests/test_bad_input.py::test_corpus_case": "bad_input_cases",
           "tests/test_bad_input.py::test_generated_case": "bad_input_cases",
           "tests/test_interruption.py::": "interruption_tests"}


def pytest_runtest_logreport(report):
    if report.when != "call":
        return
    for prefix, key in _GROUPS.items():
        if report.nodeid.startswith(prefix):
            note(f"{key}_{'passed' if report.passed else 'failed'}")


def pytest_sessionfinish(session, exitstatus):
    import json
    import os

    out = os.environ.get("FSIM_RELIABILITY_OUT")
    if out:
        RELIABILITY["exit_status"] = int(exitstatus)
        with open(out, "w", encoding="utf-8") as f:
            json.dump(RELIABILITY, f, indent=1)
