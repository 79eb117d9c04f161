"""The page's levers (sim.ui.levers, no Streamlit needed): whatever a planner chooses,
the overrides shown, given to the real loader and to the real command line, make the
scenario with exactly those choices; the shown ``--set`` text reads back as its value."""

from __future__ import annotations

import shlex

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.cli import build_parser, load_from_args
from sim.errors import ScenarioError
from sim.experiment import scenario_sha256
from sim.scenario import load_scenario, parse_set_option
from sim.ui.levers import (
    choose,
    command_line,
    cutoff_text,
    overrides_for,
    parse_hours,
    read_levers,
    shift_text,
    yaml_text,
)

from .conftest import SCENARIOS, tiny_data

BASELINE = str(SCENARIOS / "baseline.yaml")


@pytest.fixture(scope="module")
def tiny_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("ui") / "tiny.yaml"
    path.write_text(yaml.safe_dump(tiny_data()), encoding="utf-8")
    return str(path)


def levers_by_path(scenario):
    return {lever.path: lever for lever in read_levers(scenario)}


def apply(path: str, chosen: dict) -> tuple:
    """Choose ``chosen`` (lever path -> value) one by one as the page does; the
    overrides, and the scenario the loader makes with them."""
    base = load_scenario(path)
    base_levers = levers_by_path(base)
    values: dict = {}
    for lever_path, value in chosen.items():
        lever = base_levers.get(lever_path) or levers_by_path(load_scenario(path, overrides_for(base, values)))[lever_path]
        values = choose(values, lever, value, base_levers)
    overrides = overrides_for(base, values)
    return base, values, overrides, load_scenario(path, overrides or None)


def assert_levers_read_back(scenario, chosen: dict) -> None:
    now = levers_by_path(scenario)
    for path, value in chosen.items():
        assert now[path].value == value, (path, now[path].value, value)


def cli_scenario(command: str):
    """What ``fsim run`` makes of the command the page shows."""
    args = build_parser().parse_args(shlex.split(command)[1:])
    return load_from_args(args)


def test_every_lever_of_the_shipped_scenarios_reads_its_own_value():
    for path in sorted(SCENARIOS.glob("*.yaml")):
        scenario = load_scenario(path)
        for lever in read_levers(scenario):
            assert lever.section in ("staff", "picking", "demand", "carriers", "horizon")
            if lever.kind == "choice":
                assert lever.value in lever.choices, lever


def test_per_shift_head_counts_become_one_set_each_and_the_cli_agrees():
    chosen = {"warehouses.east.staff.pickers.day": 5, "demand.channels.web.orders_per_day": 900.0}
    base, _, overrides, scenario = apply(BASELINE, chosen)
    assert overrides == chosen
    assert_levers_read_back(scenario, chosen)
    assert scenario.warehouses["east"].staff.head_count("pickers") == {"day": 5, "evening": 7}
    command = command_line(BASELINE, overrides, 3, 11)
    assert "--set warehouses.east.staff.pickers.day=5" in command
    assert scenario_sha256(cli_scenario(command)) == scenario_sha256(scenario)


def test_one_number_for_every_shift_becomes_a_mapping_then_one_number_again(tiny_file):
    # tiny's west site: shifts day and late, "pickers: 2" on each.
    _, _, overrides, scenario = apply(tiny_file, {"warehouses.west.staff.pickers.day": 4})
    assert overrides == {"warehouses.west.staff.pickers": {"day": 4, "late": 2}}
    assert scenario.warehouses["west"].staff.head_count("pickers") == {"day": 4, "late": 2}
    chosen = {"warehouses.west.staff.pickers.day": 4, "warehouses.west.staff.pickers.late": 4}
    _, _, overrides, scenario = apply(tiny_file, chosen)
    assert overrides == {"warehouses.west.staff.pickers": 4}
    assert_levers_read_back(scenario, chosen)


def test_a_site_without_shifts_has_one_head_count(tiny_file):
    _, _, overrides, scenario = apply(tiny_file, {"warehouses.east.staff.packers": 5})
    assert overrides == {"warehouses.east.staff.packers": 5}
    assert scenario.warehouses["east"].staff.packers == 5


def test_back_to_the_loaded_value_is_no_change():
    base = load_scenario(BASELINE)
    levers = levers_by_path(base)
    lever = levers["warehouses.east.staff.pickers.day"]
    values = choose({}, lever, 9, levers)
    assert values == {lever.path: 9}
    assert choose(values, lever, 7, levers) == {}
    assert choose({}, levers["horizon.days"], 35, levers) == {}  # 35 and 35.0 are the same


def test_a_method_that_needs_a_section_brings_it_with_its_settings():
    chosen = {"warehouses.east.picking.method": "batch", "warehouses.east.picking.batch.max_orders": 12}
    _, _, overrides, scenario = apply(BASELINE, chosen)
    assert overrides == {"warehouses.east.picking.method": "batch",
                         "warehouses.east.picking.batch": {"max_orders": 12}}
    assert_levers_read_back(scenario, chosen)
    assert scenario_sha256(cli_scenario(command_line(BASELINE, overrides))) == scenario_sha256(scenario)
    # Back to single picking: the batch settings go with it.
    base = load_scenario(BASELINE)
    values = {**chosen, "warehouses.east.picking.method": "single"}
    values = choose(values, levers_by_path(base)["warehouses.east.picking.method"], "single",
                    levers_by_path(base))
    assert overrides_for(base, values) == {}


def test_a_wave_gets_a_schedule_and_keeps_one_given():
    _, _, overrides, scenario = apply(BASELINE, {"warehouses.west.picking.method": "wave"})
    assert overrides["warehouses.west.picking.wave"] == {"every_min": 60}
    assert scenario.warehouses["west"].picking.wave.every_min == 60
    chosen = {"warehouses.west.picking.method": "wave", "warehouses.west.picking.wave.every_min": 45.0,
              "warehouses.west.picking.wave.within": "batch"}
    _, _, overrides, scenario = apply(BASELINE, chosen)
    assert overrides["warehouses.west.picking.wave"] == {"every_min": 45.0, "within": "batch"}
    assert overrides["warehouses.west.picking.batch"] == {}
    assert_levers_read_back(scenario, chosen)


def test_pick_up_times_and_cut_offs():
    base = load_scenario(BASELINE)
    assert cutoff_text(base.carriers["ground"]) == "last label 16:30 for the 18:00 pick-up, Mon-Fri"
    chosen = {"carriers.ground.pickup_times_h": parse_hours("12, 18"), "carriers.ground.cutoff_min": 30.0}
    _, _, overrides, scenario = apply(BASELINE, chosen)
    assert scenario.carriers["ground"].pickup_times_h == [12, 18]
    assert cutoff_text(scenario.carriers["ground"]) == (
        "last label 11:30 for the 12:00 pick-up, 17:30 for the 18:00 pick-up, Mon-Fri")
    command = command_line(BASELINE, overrides)
    assert "--set 'carriers.ground.pickup_times_h=[12, 18]'" in command
    assert scenario_sha256(cli_scenario(command)) == scenario_sha256(scenario)


def test_a_cut_off_before_midnight_is_the_day_before():
    """A 00:30 pick-up with a 90-minute cut-off: the last label is at 23:00 the day
    before (it read "23:00 (+1 day)")."""
    chosen = {"carriers.ground.pickup_times_h": parse_hours("0.5"), "carriers.ground.cutoff_min": 90.0}
    *_, scenario = apply(BASELINE, chosen)
    assert cutoff_text(scenario.carriers["ground"]) == (
        "last label 23:00 (the day before) for the 00:30 pick-up, Mon-Fri")


def test_a_clock_time_typed_as_a_pick_up_time_is_refused_with_how_to_write_it():
    """It was read as base 60: 11:30 became 690 hours."""
    assert parse_hours("11:30, 18") == ["11:30", 18]
    with pytest.raises(ScenarioError, match=r"got '11:30' \(a clock time\? write hours as a decimal: 11.5\)"):
        apply(BASELINE, {"carriers.ground.pickup_times_h": parse_hours("11:30, 18")})


def test_plain_words_for_shifts():
    shift = load_scenario(BASELINE).warehouses["east"].staff.shifts["evening"]
    assert shift_text("evening", shift) == "evening shift, 14:30-23:00 every day, 30 min of breaks"


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from([
    "warehouses.west.staff.pickers.day", "warehouses.west.staff.pickers.late",
    "warehouses.west.staff.packers.day", "warehouses.east.staff.pickers",
    "warehouses.east.staff.packers"]), st.integers(1, 30), min_size=1))
def test_any_head_counts_chosen_are_the_scenario_loaded(tiny_file, chosen):
    _, _, overrides, scenario = apply(tiny_file, chosen)
    assert_levers_read_back(scenario, chosen)
    assert scenario_sha256(cli_scenario(command_line(tiny_file, overrides))) == scenario_sha256(scenario)


_scalars = (st.integers(-10**6, 10**6) | st.floats(-1e6, 1e6, allow_nan=False)
            | st.booleans() | st.text(min_size=0, max_size=12) | st.none())
_values = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=4)
                       | st.dictionaries(st.text(st.characters(categories=["Ll"]), min_size=1, max_size=6),
                                         inner, max_size=3), max_leaves=8)


@settings(max_examples=100, deadline=None)
@given(_values)
def test_the_shown_value_reads_back_as_the_value(value):
    """What the page prints after ``--set PATH=`` is read by the command line's own
    parser (shell-quoted, then YAML) as the very value."""
    command = command_line("s.yaml", {"a.b": value})
    words = shlex.split(command)
    assert words[:3] == ["fsim", "run", "s.yaml"]
    assert parse_set_option(words[4]) == ("a.b", value), yaml_text(value)


def test_the_choices_of_a_method_say_what_they_mean():
    """Batch's sort and zone's mode were bare words on the page ("after_pick")."""
    from sim.scenario import load_scenario

    from .conftest import SCENARIOS

    for name, path in (("batch", "warehouses.east.picking.batch.sort"),
                       ("zone", "warehouses.east.picking.zone.mode")):
        scenario = load_scenario(SCENARIOS / "picking" / f"{name}.yaml")
        lever = next((lv for lv in read_levers(scenario) if lv.path == path), None)
        if lever is None:  # (the shipped scenario plans it at the other site)
            lever = next(lv for lv in read_levers(scenario) if lv.path.endswith(path.split(".", 2)[2]))
        assert lever.help and all(choice in lever.help for choice in lever.choices), lever


def test_an_uploads_choices_are_not_kept_in_the_address():
    """A reload after an upload starts on fsim ui's own scenario: the upload's lever
    choices must not land on it."""
    pytest.importorskip("streamlit", reason="the ui extra is not installed: pip install -e '.[ui]'")
    from sim.ui.state import Source, address_of, choices_from_address

    upload = Source("/tmp/fsim-ui-upload-x/mine.yaml", "mine.yaml")
    assert address_of(upload, {"warehouses.east.staff.pickers.day": 5}, 4, 7) == {}
    shipped = Source("scenarios/baseline.yaml", "scenarios/baseline.yaml")
    kept = address_of(shipped, {"warehouses.east.staff.pickers.day": 5}, 4, 7)
    came = choices_from_address(kept)
    assert (came.levers, came.replications, came.seed) == ({"warehouses.east.staff.pickers.day": 5}, 4, 7)
