"""The staffing page's question and answer (sim.ui.staffing, no Streamlit needed): a plan
becomes the lever values whose overrides load as the plan's head counts; the command
shown is one ``fsim staff`` reads as the question asked (where this version has it)."""

from __future__ import annotations

import shlex

import pytest
import yaml

from sim.cli import COMMANDS, build_parser
from sim.scenario import load_scenario
from sim.ui.levers import choose, overrides_for, read_levers
from sim.ui.staffing import plan_values, staff_command, target_text

from .conftest import SCENARIOS, tiny_data

BASELINE = str(SCENARIOS / "baseline.yaml")


def planned(path: str, staff: dict[str, int]):
    """The scenario the page runs after 'Use this plan'."""
    base = load_scenario(path)
    levers = {lever.path: lever for lever in read_levers(base)}
    values: dict = {}
    for lever_path, count in plan_values(base, staff).items():
        values = choose(values, levers[lever_path], count, levers)
    return load_scenario(path, overrides_for(base, values) or None)


def test_a_whole_pool_plan_is_that_count_on_every_shift():
    scenario = planned(BASELINE, {"east.pickers": 9, "west.packers": 3})
    assert scenario.warehouses["east"].staff.head_count("pickers") == {"day": 9, "evening": 9}
    assert scenario.warehouses["west"].staff.head_count("packers") == {"day": 3, "evening": 3}
    assert scenario.warehouses["east"].staff.head_count("packers") == {"day": 5, "evening": 5}


def test_a_per_shift_plan_changes_that_shift_only():
    scenario = planned(BASELINE, {"east.pickers.day": 4})
    assert scenario.warehouses["east"].staff.head_count("pickers") == {"day": 4, "evening": 7}


def test_a_site_without_shifts(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(tiny_data()), encoding="utf-8")
    assert planned(str(path), {"east.pickers": 6}).warehouses["east"].staff.pickers == 6


def test_the_command_is_the_question_fsim_staff_reads():
    if "staff" not in COMMANDS:
        pytest.skip("this version has no fsim staff (the staffing planner is not installed)")
    target = target_text("on_time_delivery_pct_east", ">=", 95.0)
    assert target == "on_time_delivery_pct_east >= 95"
    command = staff_command("scenarios/baseline.yaml", {"horizon.days": 7}, ["east.pickers", "east.packers"],
                            [target], {"east.pickers": (1, 14), "east.packers": (2, 10)}, True, 0.9, 3, 20, 7, 1)
    args = build_parser().parse_args(shlex.split(command)[1:])
    assert args.command == "staff" and args.scenario == "scenarios/baseline.yaml"
    assert args.overrides == ["horizon.days=7"]
    assert args.pool == ["east.pickers", "east.packers"] and args.target == [target]
    assert args.bounds == ["east.pickers=1..14", "east.packers=2..10"] and args.per_shift
    assert (args.confidence, args.replications, args.max_replications, args.seed) == (0.9, 3, 20, 7)
    assert args.executor == "serial"


def test_the_recommended_scenario_downloads_whole(tmp_path):
    """The search's recommended.yaml extends the input by a path relative to the search's
    folder; the page's download is written whole, so a copy saved anywhere loads as the
    same scenario (it failed: 'extends: no such file')."""
    import os

    from sim.scenario.loader import scenario_to_yaml
    from sim.ui.staffing import whole_scenario_text

    folder = tmp_path / "search" / "deep"
    folder.mkdir(parents=True)
    parent = (SCENARIOS / "baseline.yaml").resolve()
    rel = os.path.relpath(parent, folder)
    (folder / "recommended.yaml").write_text(
        f"# fsim staff: the recommended plan east.pickers=5\nextends: {rel}\nseed: 7\n"
        "warehouses:\n  east:\n    staff:\n      pickers: 5\n")
    text = whole_scenario_text(folder / "recommended.yaml")
    assert text.startswith("# fsim staff: the recommended plan east.pickers=5\n")
    assert "extends" not in text
    elsewhere = tmp_path / "Downloads" / "copy.yaml"
    elsewhere.parent.mkdir()
    elsewhere.write_text(text)
    copy, original = load_scenario(elsewhere), load_scenario(folder / "recommended.yaml")
    assert scenario_to_yaml(copy) == scenario_to_yaml(original)
    assert copy.seed == 7 and copy.warehouses["east"].staff.pickers == 5


def test_every_kpi_a_planner_can_target_is_shown_on_the_run_and_compare_pages():
    """The staffing page offers same-day shipping and the pick and pack waits as targets;
    the Run and Compare pages did not show them, so a recommended plan could not be
    checked on them there."""
    from sim.ui.figures import GROUP_KPIS, SITE_KPIS
    from sim.ui.pinning import COMPARED
    from sim.ui.staffing import TARGET_KPIS

    shown = {name for name, _ in (*GROUP_KPIS, *SITE_KPIS)}
    assert set(TARGET_KPIS) <= shown
    assert set(TARGET_KPIS) <= set(COMPARED)
