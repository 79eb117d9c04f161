"""The YAML reader (one parse, bounded before anything is built) and the overrides:
checked against PyYAML's own loader and by hand."""

from __future__ import annotations

import pytest
import yaml

from sim.errors import ScenarioError
from sim.scenario import load_scenario
from sim.scenario import yaml_source as ys
from sim.scenario.loader import load_raw

from .conftest import ROOT, SCENARIOS

DOCS = [
    "a: 1\n",
    "a: &x [1, 2, {b: 3}]\nc: *x\nd: [*x, *x]\n",
    "a: &x {k: v}\nb: &y [*x, *x, *x]\nc: [*y, *y]\n",
    "- &s text\n- *s\n- [*s, [*s]]\n",
    "top: {a: {b: {c: {d: [1, [2, [3]]]}}}}\n",
]


def _count(value) -> int:
    """Nodes in built data, each key and each use of an alias counted: 1 per value,
    plus its keys and items."""
    if isinstance(value, dict):
        return 1 + sum(1 + _count(v) for v in value.values())
    if isinstance(value, list):
        return 1 + sum(_count(v) for v in value)
    return 1


def _depth(value) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


@pytest.mark.parametrize("text", DOCS)
def test_expanded_size_and_depth_match_the_data_pyyaml_builds(text):
    composed = ys._compose(text, "x")
    size, depth, loop = ys._measure(composed.root)
    built = yaml.safe_load(text)
    assert loop is None
    assert size[id(composed.root)] == _count(built)
    assert depth[id(composed.root)] == _depth(built)


@pytest.mark.parametrize("path", sorted(SCENARIOS.rglob("*.yaml")), ids=lambda p: p.name)
def test_shipped_scenarios_read_as_pyyaml_reads_them(path):
    data, lines = ys.read_yaml_file(path)
    assert data == yaml.safe_load(path.read_text())
    assert all(where.startswith(f"{path}:") for where in lines.values())


def test_a_file_is_parsed_once(monkeypatch, tmp_path):
    calls = []
    real = yaml.parse
    monkeypatch.setattr(yaml, "parse", lambda *a, **k: calls.append(1) or real(*a, **k))
    for forbidden in ("safe_load", "compose", "load"):
        monkeypatch.setattr(yaml, forbidden, lambda *a, **k: pytest.fail("parsed twice"))
    load_scenario(SCENARIOS / "stock.yaml")  # extends baseline.yaml: two files
    assert len(calls) == 2


def test_numbers_with_exponents_are_numbers():
    data, _ = ys.parse_yaml("a: 1e9\nb: 2.5E-3\nc: -1e+2\nd: 1e\ne: e5\nf: 1.5\n", "x")
    assert data == {"a": 1e9, "b": 2.5e-3, "c": -100.0, "d": "1e", "e": "e5", "f": 1.5}


def test_whole_numbers_and_clock_times_read_as_yaml_1_2_reads_them():
    """YAML 1.1 (PyYAML's default) reads 11:30 as base 60 (690) and 010 as octal (8),
    and cannot read 08 as a number; YAML 1.2, and a planner, read 11:30 as a time of day,
    010 as 10 and 08 as 8."""
    data, _ = ys.parse_yaml("a: [08, 010, -07, 0o17, 0x1F, 0b101, 1_000, 0, +3]\nt: 11:30\nu: 1:30.5\n", "x")
    assert data == {"a": [8, 10, -7, 15, 31, 5, 1000, 0, 3], "t": "11:30", "u": "1:30.5"}
    assert yaml.safe_load("t: 11:30") == {"t": 690}  # (what it was)


def test_a_clock_time_where_hours_belong_says_how_to_write_it(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(f"extends: {SCENARIOS / 'baseline.yaml'}\ncarriers:\n  ground:\n    pickup_times_h: [17:45]\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert str(err.value) == (f"{path}:4 carriers.ground.pickup_times_h.0: must be a number, got '17:45' "
                              "(a clock time? write hours as a decimal: 17.75)")
    with pytest.raises(ScenarioError) as err:  # (a field the schema checks before pydantic does)
        load_scenario(SCENARIOS / "baseline.yaml", {"warehouses.east.staff.shifts.day.start_h": "6:45"})
    assert "must be a number, got '6:45' (a clock time? write hours as a decimal: 6.75)" in str(err.value)
    path.write_text(f"extends: {SCENARIOS / 'baseline.yaml'}\ncarriers:\n  ground:\n    pickup_times_h: [08]\n")
    assert list(load_scenario(path).carriers["ground"].pickup_times_h) == [8.0]


def test_lines_of_merged_keys_point_at_the_anchor():
    text = "base: &b\n  x: 1\n  y: 2\nsite:\n  <<: *b\n  y: 3\n"
    data, lines = ys.parse_yaml(text, "f.yaml")
    assert data["site"] == {"x": 1, "y": 3}
    assert lines["site.x"] == "f.yaml:2" and lines["site.y"] == "f.yaml:6"


def test_limits_name_the_place():
    deep = "a: " + "[" * (ys.MAX_DEPTH + 1) + "]" * (ys.MAX_DEPTH + 1)
    with pytest.raises(ScenarioError, match=rf"f\.yaml:1: nested too deep: more than {ys.MAX_DEPTH}"):
        ys.parse_yaml(deep, "f.yaml")
    just_deep_enough = "a: " + "[" * (ys.MAX_DEPTH - 1) + "]" * (ys.MAX_DEPTH - 1)
    assert ys.parse_yaml(just_deep_enough, "f.yaml")[0]["a"] is not None
    bomb = "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n" + "".join(
        f"{c}: &{c} [{', '.join([f'*{p}'] * 10)}]\n" for p, c in zip("abcde", "bcdef", strict=True))
    with pytest.raises(ScenarioError, match=r"f\.yaml:6: the alias \*e expands to 111,111 YAML values"):
        ys.parse_yaml(bomb, "f.yaml")


def test_anchors_below_the_limit_are_copied_out():
    data, _ = ys.parse_yaml("a: &a {k: [1]}\nb: *a\n", "f.yaml")
    data["b"]["k"].append(2)
    assert data["a"] == {"k": [1]}


# --- overrides -----------------------------------------------------------------------


def test_a_stock_site_can_be_given_field_by_field():
    data, _ = load_raw(SCENARIOS / "stock.yaml", {"inventory.sites.east.initial_units": 50})
    assert data["inventory"]["sites"] == {"east": {"initial_units": 50}}


def test_a_whole_new_site_may_be_added():
    west = yaml.safe_load((SCENARIOS / "baseline.yaml").read_text())["warehouses"]["west"]
    data, _ = load_raw(SCENARIOS / "baseline.yaml", {"warehouses.north": west,
                                                     "warehouses.north.staff.pickers": 1})
    assert data["warehouses"]["north"]["staff"]["pickers"] == 1


def test_unknown_names_are_refused_with_the_known_ones():
    with pytest.raises(ScenarioError) as err:
        load_raw(ROOT / "scenarios" / "baseline.yaml", {"demand.channels.wbe.orders_per_day": 3},
                 "--set")
    assert err.value.problems == [
        "--set demand.channels.wbe.orders_per_day: 'wbe' is not a channel; did you mean "
        "'web'? (channels: web, marketplace, wholesale)"]


def test_the_resolved_scenario_reads_back_the_same_with_names_that_look_like_numbers(tmp_path):
    """A shift named "08" and a scenario named "1e9" are text: the resolved YAML quotes
    them (PyYAML's writer left them bare, which this reader, as YAML 1.2, reads as
    numbers), so that it loads back as the same scenario; other readers agree."""
    from sim.scenario.loader import scenario_to_yaml

    base = load_scenario(SCENARIOS / "baseline.yaml")
    shifts = base.warehouses["west"].staff.shifts
    day = shifts["day"].model_dump(mode="json")
    scenario = load_scenario(SCENARIOS / "baseline.yaml", {
        "name": "1e9", "warehouses.west.staff.shifts": {"08": day},
        "warehouses.west.staff.pickers": {"08": 3}, "warehouses.west.staff.packers": {"08": 2}})
    text = scenario_to_yaml(scenario)
    path = tmp_path / "resolved.yaml"
    path.write_text(text, encoding="utf-8")
    again = load_scenario(path)
    assert again == scenario and again.name == "1e9" and list(again.warehouses["west"].staff.shifts) == ["08"]
    assert yaml.safe_load(text) == ys.parse_yaml(text, "x")[0]


def test_a_scenario_is_written_as_yaml_once_and_each_scenario_as_its_own(monkeypatch):
    """A run writes its resolved scenario and hashes it (twice): the text is made once
    per scenario object, and a scenario with another seed (as ``--seed`` makes one)
    gets its own text, not the cached one."""
    from sim.scenario import loader, with_seed

    base = load_scenario(SCENARIOS / "baseline.yaml")
    dumps = []
    real_dump = yaml.dump
    monkeypatch.setattr(loader.yaml, "dump", lambda *a, **k: dumps.append(1) or real_dump(*a, **k))
    first = loader.scenario_to_yaml(base)
    assert loader.scenario_to_yaml(base) is first and len(dumps) <= 1
    reseeded = with_seed(base, base.seed + 1)
    text = loader.scenario_to_yaml(reseeded)
    assert text != first and f"seed: {base.seed + 1}" in text and f"seed: {base.seed}\n" in first
    assert loader.scenario_to_yaml(base) == first  # (the other one back: the same text again)
