"""What differs between two resolved scenarios, and the labels made from it."""

from __future__ import annotations

import yaml

from sim.scenario.diff import diff_labels, resolved_diff, short_path
from sim.scenario.loader import scenario_to_yaml

from .conftest import tiny


def _resolved(overrides=None) -> dict:
    return yaml.safe_load(scenario_to_yaml(tiny(overrides)))


def test_identical_scenarios_have_no_difference():
    assert resolved_diff(_resolved(), _resolved()) == []
    assert diff_labels([_resolved(), _resolved()]) is None


def test_one_override_is_the_only_difference():
    a, b = _resolved(), _resolved({"warehouses.east.staff.pickers": 6})
    assert resolved_diff(a, b) == [("warehouses.east.staff.pickers", 3, 6)]
    assert diff_labels([a, b]) == ["east.pickers=3", "east.pickers=6"]


def test_nested_lists_and_missing_keys():
    a = {"x": {"y": [1, 2, 3], "z": 1}, "gone": 1}
    b = {"x": {"y": [1, 5, 3], "z": 1.0}, "new": {"k": 2}}
    assert resolved_diff(a, b) == [("x.y.1", 2, 5), ("gone", 1, None), ("new", None, {"k": 2})]
    # A list that changes length is one difference, not one per item.
    assert resolved_diff({"l": [1]}, {"l": [1, 2]}) == [("l", [1], [1, 2])]


def test_labels_name_the_working_difference_not_the_name():
    a = {"name": "x", "description": "d", "warehouses": {"west": {"picking": {"method": "single"}}}}
    b = {"name": "y", "description": "e", "warehouses": {"west": {"picking": {"method": "batch"}}}}
    assert diff_labels([a, b]) == ["west.picking.method=single", "west.picking.method=batch"]
    # When only the name differs, the name is what differs.
    assert diff_labels([{"name": "x"}, {"name": "y"}]) == ["name=x", "name=y"]


def test_many_differences_are_abbreviated():
    a = {f"k{i}": i for i in range(5)}
    b = {f"k{i}": i + 1 for i in range(5)}
    assert diff_labels([a, b]) == ["k0=0, k1=1 (+3 more)", "k0=1, k1=2 (+3 more)"]


def test_short_path():
    assert short_path("warehouses.east.staff.pickers") == "east.pickers"
    assert short_path("demand.channels.web.orders_per_day") == "web.orders_per_day"
    assert short_path("horizon.days") == "horizon.days"
