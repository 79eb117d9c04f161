"""Sweep files: designs (grid, list, Latin hypercube), errors with file and line, and
points checked before anything runs."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest
import yaml

from sim.cli import main
from sim.errors import ScenarioError
from sim.sweep.design import design_points, latin_hypercube
from sim.sweep.resolve import resolve_sweep
from sim.sweep.spec import Range, SweepSpec, read_sweep

from .conftest import TINY


def _spec(**fields) -> SweepSpec:
    return SweepSpec.model_validate({"base": "x.yaml", **fields})


def test_grid_is_every_combination_last_fastest():
    spec = _spec(parameters={"a": [1, 2], "b": ["x", "y", "z"]})
    points = design_points(spec, seed=1)
    assert points == [{"a": a, "b": b} for a in (1, 2) for b in ("x", "y", "z")]


def test_list_zips():
    spec = _spec(design="list", parameters={"a": [1, 2, 3], "b": ["x", "y", "z"]})
    assert design_points(spec, 1) == [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}, {"a": 3, "b": "z"}]


def test_latin_hypercube_has_one_point_per_slice():
    n = 20
    params = {"f": Range(low=0.5, high=2.5), "i": Range(low=2, high=21), "c": ("a", "b", "c", "d")}
    points = latin_hypercube(params, n, seed=7)
    f = np.array([p["f"] for p in points])
    # Each of the n equal slices of [0.5, 2.5) holds exactly one point.
    assert sorted(np.floor((f - 0.5) / 2.0 * n).astype(int)) == list(range(n))
    # Whole-number bounds: whole numbers; 20 points over the 20 values 2..21: each once.
    assert all(type(p["i"]) is int for p in points)
    assert sorted(p["i"] for p in points) == list(range(2, 22))
    # A list: chosen by position, each of 4 values 5 times.
    assert sorted(p["c"] for p in points) == sorted(list("abcd") * 5)


def test_latin_hypercube_is_reproducible_from_its_seed():
    params = {"f": Range(low=0.0, high=1.0)}
    assert latin_hypercube(params, 10, 3) == latin_hypercube(params, 10, 3)
    assert latin_hypercube(params, 10, 3) != latin_hypercube(params, 10, 4)


def _write(tmp_path, text: str):
    (tmp_path / "tiny.yaml").write_text(yaml.safe_dump(TINY, sort_keys=False))
    path = tmp_path / "sweep.yaml"
    path.write_text(textwrap.dedent(text))
    return path


@pytest.mark.parametrize("text, expected", [
    ("replications: 2\nparameters:\n  horizon.days: [3]\n", "sweep.yaml:1 base: is required"),
    ("base: tiny.yaml\nreplication: 2\nparameters:\n  horizon.days: [3]\n",
     "sweep.yaml:2 replication: unknown key; did you mean 'replications'?"),
    ("base: tiny.yaml\nreplications: 0\nparameters:\n  horizon.days: [3]\n",
     "sweep.yaml:2 replications: must be >= 1, got 0"),
    ("base: tiny.yaml\nparameters:\n  horizon.days: []\n",
     "sweep.yaml:3 parameters.horizon.days: an empty list of values"),
    ("base: tiny.yaml\nparameters:\n  horizon.days: {low: 2, high: 5}\n",
     "sweep.yaml:3 parameters.horizon.days: a range {low, high} needs design: lhs"),
    ("base: tiny.yaml\ndesign: lhs\nparameters:\n  horizon.days: {low: 2, high: 5}\n",
     "sweep.yaml:2 design: lhs needs n, the number of points"),
    ("base: tiny.yaml\ndesign: lhs\nn: 4\nparameters:\n  horizon.days: {low: 5, high: 2}\n",
     "sweep.yaml:5 parameters.horizon.days: low must be < high"),
    ("base: tiny.yaml\ndesign: list\nparameters:\n  horizon.days: [3, 4]\n  seed: [1]\n",
     "sweep.yaml:5 parameters.seed: the seed is not swept"),
    ("base: tiny.yaml\ndesign: list\nparameters:\n  horizon.days: [3, 4]\n  horizon.warmup_days: [1]\n",
     "sweep.yaml:3 parameters: design: list zips the lists, so they must have the same length"),
    ("base: tiny.yaml\ndesign: random\nparameters:\n  horizon.days: [3]\n",
     "sweep.yaml:2 design: must be one of 'grid', 'list' or 'lhs', got 'random'"),
])
def test_sweep_file_errors_name_file_line_and_field(tmp_path, text, expected):
    path = _write(tmp_path, text)
    with pytest.raises(ScenarioError) as err:
        read_sweep(path)
    assert expected in str(err.value).replace(str(tmp_path) + "/", "")


def test_several_mistakes_are_said_in_file_order(tmp_path):
    """A misspelt key on line 2 was said after an empty list on line 4 (a check from
    outside): one line per mistake, in file order, as for a scenario."""
    path = _write(tmp_path, "base: tiny.yaml\ndesing: grid\nparameters:\n  horizon.days: []\n")
    with pytest.raises(ScenarioError) as err:
        read_sweep(path)
    lines = [line.replace(str(tmp_path) + "/", "") for line in err.value.problems]
    assert [line.split(" ", 1)[0] for line in lines] == ["sweep.yaml:2", "sweep.yaml:4"], lines


def test_missing_base_scenario(tmp_path):
    path = _write(tmp_path, "base: nowhere.yaml\nparameters:\n  horizon.days: [3]\n")
    with pytest.raises(ScenarioError, match=r"sweep.yaml:1 base: no such scenario file 'nowhere.yaml'"):
        resolve_sweep(read_sweep(path))


def test_an_invalid_point_is_refused_before_anything_runs(tmp_path, capsys):
    path = _write(tmp_path, """\
        base: tiny.yaml
        replications: 2
        parameters:
          warehouses.west.staff.pickers: [2, -1]
          warehouses.west.picking.error_prob_per_line: [0.01, 0.02]
        """)
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out), "--executor", "serial"]) == 2
    err = capsys.readouterr().err
    assert "2 of 4 points are invalid; nothing was run" in err
    # Each bad point named, with its values, the field and what is allowed.
    # One line per problem, naming the points, their values, the field and what is allowed.
    assert ("sweep.yaml:4 points 2, 3 (e.g. west.pickers=-1, west.picking.error_prob_per_line=0.01) "
            "warehouses.west.staff.pickers: must be >= 0, got -1") in err
    assert "Traceback" not in err
    assert not out.exists()


def test_a_single_invalid_point_is_named_alone(tmp_path, capsys):
    path = _write(tmp_path, """\
        base: tiny.yaml
        design: list
        parameters:
          warehouses.west.staff.pickers: [2, -1]
          warehouses.west.picking.error_prob_per_line: [0.01, 0.02]
        """)
    assert main(["sweep", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "1 of 2 points are invalid" in err
    assert ("sweep.yaml:4 point 1 (west.pickers=-1, west.picking.error_prob_per_line=0.02) "
            "warehouses.west.staff.pickers: must be >= 0, got -1") in err


def test_points_share_the_sweep_seed_and_set_applies_to_all(tmp_path):
    path = _write(tmp_path, """\
        base: tiny.yaml
        replications: 2
        set:
          horizon.days: 3
        parameters:
          warehouses.west.staff.pickers: [1, 4]
        """)
    sweep = resolve_sweep(read_sweep(path))
    assert sweep.seed == TINY["seed"]  # default: the base scenario's
    assert [p.scenario.warehouses["west"].staff.pickers for p in sweep.points] == [1, 4]
    assert all(p.scenario.horizon.days == 3 for p in sweep.points)
    # The fingerprint follows the work, not the file's text.
    again = resolve_sweep(read_sweep(path))
    assert again.sha256 == sweep.sha256
    path.write_text(path.read_text() + "# a comment\n")
    assert resolve_sweep(read_sweep(path)).sha256 == sweep.sha256
    path.write_text(path.read_text().replace("[1, 4]", "[1, 5]"))
    assert resolve_sweep(read_sweep(path)).sha256 != sweep.sha256
