"""A bad scenario gives one clear message per mistake: file:line, dotted path, the bad
value and what is allowed; exit code 2 and no traceback."""

from __future__ import annotations

import textwrap

import pytest
import yaml

from sim.cli import main
from sim.scenario import ScenarioError, load_scenario

from .conftest import TINY, tiny_data


def _write(tmp_path, body: str, name: str = "bad.yaml"):
    """A scenario that extends the tiny one (written next to it) with ``body``."""
    (tmp_path / "tiny.yaml").write_text(yaml.safe_dump(TINY, sort_keys=False))
    path = tmp_path / name
    path.write_text("extends: tiny.yaml\n" + textwrap.dedent(body))
    return path


CASES = [
    # (scenario body after 'extends', line in the body, dotted path, words the message
    # must contain)
    ("warehouses:\n  west:\n    staff:\n      pickers: -3\n", 4,
     "warehouses.west.staff.pickers", ["must be >= 0", "-3"]),
    ("warehouses:\n  west:\n    staff:\n      pikcers: 3\n", 4,
     "warehouses.west.staff.pikcers", ["unknown key", "did you mean 'pickers'"]),
    ("horizon:\n  days: 10\n  warmup_days: 12\n", 3,
     "horizon.warmup_days", ["must be < days (10)", "got 12"]),
    ("payment:\n  decline_prob: 1.5\n", 2, "payment.decline_prob", ["must be <= 1", "1.5"]),
    ("payment:\n  auth_time_s: {dist: gamma, mean: 3}\n", 2, "payment.auth_time_s",
     ["'dist' must be one of", "'exponential'", "'gamma'"]),
    ("payment:\n  auth_time_s: {dist: exponential, mean: -2}\n", 2, "payment.auth_time_s.mean",
     ["must be > 0", "-2"]),
    ("demand:\n  channels:\n    web:\n      hour_of_day_profile: [1, 2, 3]\n", 4,
     "demand.channels.web.hour_of_day_profile", ["exactly 24 weights", "got 3"]),
    ("demand:\n  channels:\n    web:\n      regions: {CA: 1, ZZ: 1}\n", 4,
     "demand.channels.web.regions", ["unknown region 'ZZ'"]),
    ("demand:\n  channels:\n    web:\n      moq_policy: ignore\n", 4,
     "demand.channels.web.moq_policy", ["must be one of", "'reject'", "'round_up'", "'ignore'"]),
    ("warehouses:\n  east:\n    shipping:\n      carrier: fedex\n", 4,
     "warehouses.east.shipping.carrier", ["unknown carrier 'fedex'", "ground"]),
    ("carriers:\n  ground:\n    pickup_times_h: [18, 12]\n", 3,
     "carriers.ground.pickup_times_h", ["strictly increasing"]),
    ("returns:\n  reasons: {changed_mind: 0.5, other: 0.3}\n", 2,
     "returns.reasons", ["sum to 1", "0.8"]),
    ("warehouses:\n  west:\n    staff:\n      pickers: {day: 2, night: 1}\n", 4,
     "warehouses.west.staff.pickers", ["unknown shift", "night"]),
    ("warehouses:\n  west:\n    staff:\n      shifts:\n        day: {start_h: 14, end_h: 6}\n", 5,
     "warehouses.west.staff.shifts.day", ["start_h < end_h"]),
    ("warehouses:\n  west:\n    staff:\n      shifts:\n"
     "        day: {start_h: 22, end_h: 30, breaks: [{start_h: 2, minutes: 30}]}\n", 5,
     "warehouses.west.staff.shifts.day", ["outside the shift 22.0-30.0 h", "2 h the next day is 26"]),
    ("demand:\n  channels:\n    web:\n      lines_per_order: {dist: poisson, mean: 1, shift: 2}\n", 4,
     "demand.channels.web.lines_per_order", ["mean must be >= shift"]),
    # Counts and sizes the model cannot take are refused, not clamped.
    ("demand:\n  channels:\n    web:\n      lines_per_order: 0\n", 4,
     "demand.channels.web.lines_per_order",
     ["must never be below 1 (an order has at least one line)", "got 0;", "use 1 or more"]),
    ("demand:\n  channels:\n    web:\n      lines_per_order: {dist: uniform, low: 0, high: 3}\n", 4,
     "demand.channels.web.lines_per_order",
     ["must never be below 1", "{dist: uniform, low: 0, high: 3}, which can give 0", "use low: 1"]),
    ("demand:\n  channels:\n    web:\n      lines_per_order: {dist: poisson, mean: 1.6}\n", 4,
     "demand.channels.web.lines_per_order",
     ["must never be below 1", "which can give 0", "use {dist: poisson, mean: 1.6, shift: 1}"]),
    ("demand:\n  channels:\n    web:\n      units_per_line: {dist: empirical, values: [0, 1, 2]}\n", 4,
     "demand.channels.web.units_per_line",
     ["must never be below 1 (a line asks for at least one unit)", "which can give 0",
      "give the values below 1 no weight"]),
    ("carriers:\n  ground:\n    late_extra_business_days: {dist: uniform, low: 0, high: 2}\n", 3,
     "carriers.ground.late_extra_business_days",
     ["must never be below 1 (a late parcel is at least one business day late)", "can give 0"]),
    ("carriers:\n  ground:\n    delivery_hour: {dist: uniform, low: 9, high: 24}\n", 3,
     "carriers.ground.delivery_hour", ["must stay below 24", "which can give 24", "a high below 24"]),
    ("carriers:\n  ground:\n    delivery_hour: {dist: normal, mean: 14, sd: 2}\n", 3,
     "carriers.ground.delivery_hour", ["must stay below 24", "which has no upper bound"]),
    ("catalogue:\n  unit_weight_kg: {dist: lognormal, mean: 0.6, sd: 0.5}\n", 2,
     "catalogue.unit_weight_kg",
     ["must never be below 0.001 kg", "values down to 0 kg", "add low: 0.001"]),
    ("catalogue:\n  unit_height_cm: {dist: exponential, mean: 5}\n", 2,
     "catalogue.unit_height_cm", ["must never be below 0.1 cm", "bounded below"]),
    # A number is given as a number: pydantic would take true as 1 and "15" as 15.
    ("demand:\n  channels:\n    web:\n      return_prob: yes\n", 4,
     "demand.channels.web.return_prob", ["must be a number, got true"]),
    ("warehouses:\n  west:\n    staff:\n      pickers: true\n", 4,
     "warehouses.west.staff.pickers", ["must be a whole number, got true"]),
    ("horizon:\n  days: '15'\n", 2, "horizon.days", ["must be a number, got '15'"]),
    ("warehouses:\n  west:\n    picking:\n      error_prob_per_line: on\n", 4,
     "warehouses.west.picking.error_prob_per_line", ["must be a number, got true"]),
]


@pytest.mark.parametrize(("body", "line", "path", "words"), CASES, ids=[c[2] for c in CASES])
def test_bad_scenario_message(tmp_path, capsys, body, line, path, words):
    scenario = _write(tmp_path, body)
    code = main(["validate", str(scenario)])
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err
    expected_where = f"{scenario}:{line + 1} "  # +1: the 'extends' line comes first
    matching = [ln for ln in err.splitlines() if f"{path}:" in ln]
    assert matching, f"no line names {path!r}:\n{err}"
    message = matching[0]
    assert expected_where in message, message
    for word in words:
        assert word in message, f"{word!r} missing from: {message}"


def test_counts_that_never_give_zero_are_accepted(tmp_path):
    body = ("demand:\n  channels:\n    web:\n"
            "      lines_per_order: {dist: empirical, values: [0, 1, 2], weights: [0, 3, 1]}\n"
            "      units_per_line: {dist: poisson, mean: 1.6, shift: 1}\n"
            "carriers:\n  ground:\n    delivery_hour: {dist: normal, mean: 14, sd: 2, high: 23.5}\n"
            "    late_extra_business_days: {dist: geometric, mean: 1.5}\n")
    s = load_scenario(_write(tmp_path, body))
    assert s.demand.channels["web"].lines_per_order.support == (1, 2)
    assert s.carriers["ground"].delivery_hour.support == (0, 23.5)


def test_every_problem_is_reported_at_once(tmp_path):
    path = _write(tmp_path, "payment:\n  decline_prob: 2\nwarehouses:\n  west:\n    staff:\n      packers: -1\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert len(err.value.problems) == 2


def test_not_yaml(tmp_path, capsys):
    path = tmp_path / "broken.yaml"
    path.write_text("name: x\nhorizon: {days: 3\n")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:" in err and "not valid YAML" in err


def test_missing_file_and_missing_parent(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "nope.yaml")]) == 2
    assert "no such scenario file" in capsys.readouterr().err
    child = tmp_path / "child.yaml"
    child.write_text("extends: parent.yaml\nname: c\n")
    assert main(["validate", str(child)]) == 2
    assert "extends: no such file 'parent.yaml'" in capsys.readouterr().err


def test_set_override_is_type_checked(tmp_path, capsys):
    path = _write(tmp_path, "")
    code = main(["validate", str(path), "--set", "warehouses.west.staff.pickers=lots"])
    err = capsys.readouterr().err
    assert code == 2
    assert "--set warehouses.west.staff.pickers: must be a whole number, got 'lots'" in err
    assert main(["validate", str(path), "--set", "horizon.dayz=3"]) == 2
    assert "did you mean 'days'" in capsys.readouterr().err
    assert main(["validate", str(path), "--set", "no-equals-sign"]) == 2


def test_a_set_of_a_mapping_names_each_path_once(tmp_path, capsys):
    """An error inside a mapping given whole by --set (or in the mapping around a value
    --set gave) names the field and the override, each once."""
    path = _write(tmp_path, "")
    assert main(["validate", str(path), "--set", "horizon={days: 5, warmup_days: 9}"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "error: horizon.warmup_days (with --set horizon): must be < days (5), got 9"
    assert main(["validate", str(path), "--set", "horizon.warmup_days=9"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: --set horizon.warmup_days: must be < days (")


def test_a_check_across_fields_names_the_override_that_broke_it(capsys):
    """--set horizon.days=7 on a file with warmup_days: 7 fails on the file's warm-up:
    the message names the file's line and the override that caused it (it blamed the
    file alone, which the user had not touched)."""
    assert main(["validate", "scenarios/baseline.yaml", "--set", "horizon.days=7"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == ("error: scenarios/baseline.yaml:11 horizon.warmup_days (with --set horizon.days): "
                   "must be < days (7), got 7")
    # An override of a field beside it that the message does not name is not blamed.
    assert main(["validate", "scenarios/baseline.yaml", "--set", "horizon.days=7",
                 "--set", "horizon.drain_days=3"]) == 2
    assert "horizon.drain_days" not in capsys.readouterr().err
    # Nor one whose name the message only uses as a word ("zone picking needs a layout").
    assert main(["validate", "scenarios/baseline.yaml", "--set", "warehouses.east.picking.method=zone",
                 "--set", "warehouses.east.picking.zone={zones: 2}"]) == 2
    err = capsys.readouterr().err
    assert "warehouses.east.picking.layout: zone picking needs a layout" in err and "(with" not in err


def test_an_unclosed_mapping_in_set_is_a_syntax_error_not_a_type_error(tmp_path, capsys):
    """It read "must be a mapping ..., got '{days: 5, warmup_days: 9'", as if it were text."""
    path = _write(tmp_path, "")
    assert main(["validate", str(path), "--set", "horizon={days: 5, warmup_days: 9"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: --set horizon:1: not valid YAML: did not find expected ',' or '}'")
    assert "must be written whole" in err and "must be a mapping" not in err
    # Text is still text, even when not valid YAML, unless it opens a mapping or list.
    assert main(["validate", str(path), "--set", "description=a: b: c"]) == 0


def test_an_unknown_carrier_lists_the_defined_ones_as_words(tmp_path, capsys):
    path = _write(tmp_path, "")
    assert main(["validate", str(path), "--set", "warehouses.west.shipping.carrier=fedex"]) == 2
    assert "unknown carrier 'fedex'; defined carriers: ground" in capsys.readouterr().err


def test_bad_command_line_exits_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["run", "x.yaml", "--replications", "0"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["frobnicate"])
    assert exc.value.code == 2


def _errors(capsys, argv) -> list[str]:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return [ln for ln in err.splitlines() if ln.startswith("error:")]


def test_one_message_per_mistake(tmp_path, capsys):
    # A typo of a required key: "unknown key ...; did you mean" without "is required".
    lines = _errors(capsys, ["validate", str(_write(tmp_path, "demand:\n  chanels: {}\n"))])
    assert len(lines) == 1 and "did you mean 'channels'" in lines[0]
    # A mapping of head-counts with one bad count: only the count is blamed.
    lines = _errors(capsys, ["validate", str(_write(
        tmp_path, "warehouses:\n  west:\n    staff:\n      pickers: {day: 2.5}\n"))])
    assert len(lines) == 1 and "warehouses.west.staff.pickers.day: must be a whole number, got 2.5" in lines[0]
    # A misspelt distribution parameter.
    lines = _errors(capsys, ["validate", str(_write(
        tmp_path, "payment:\n  auth_time_s: {dist: lognormal, mean: 3, stdev: 1}\n"))])
    assert len(lines) == 1 and "did you mean 'sd'" in lines[0]


def test_messages_come_in_file_order(tmp_path, capsys):
    body = "payment:\n  decline_prob: 2\nhorizon:\n  days: -1\n"
    lines = _errors(capsys, ["validate", str(_write(tmp_path, body))])
    numbers = [int(ln.split(":")[2].split()[0]) for ln in lines]
    assert numbers == sorted(numbers) and len(numbers) == 2


def test_duplicate_key_is_an_error(tmp_path, capsys):
    body = "warehouses:\n  west:\n    staff:\n      pickers: 2\n      pickers: 9\n"
    lines = _errors(capsys, ["validate", str(_write(tmp_path, body))])
    assert "warehouses.west.staff.pickers: duplicate key (first given at line 5)" in lines[0]


def test_empty_binary_and_circular_files(tmp_path, capsys):
    empty = tmp_path / "empty.yaml"
    empty.write_text("# nothing here\n")
    assert "the scenario is empty" in _errors(capsys, ["validate", str(empty)])[0]
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"name: \xff\xfe\x00x\n")
    assert "not a text (UTF-8) file" in _errors(capsys, ["validate", str(binary)])[0]
    (tmp_path / "a.yaml").write_text("extends: b.yaml\nname: a\n")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\nname: b\n")
    assert "goes round in a circle" in _errors(capsys, ["validate", str(tmp_path / "a.yaml")])[0]


def test_infinite_or_huge_horizon_is_rejected(tmp_path, capsys):
    assert "must be a finite number" in _errors(capsys, ["validate", str(_write(tmp_path, "horizon: {days: .inf}\n"))])[0]
    assert "must be <= 3660" in _errors(capsys, ["validate", str(_write(tmp_path, "horizon: {days: 1e9}\n"))])[0]


def test_errors_under_an_override_blame_the_override(tmp_path, capsys):
    path = _write(tmp_path, "")
    lines = _errors(capsys, ["validate", str(path), "--set", "horizon.days.x=3"])
    assert lines == ["error: --set horizon.days.x: horizon.days is a single value (4), not a "
                     "mapping: it has no key 'x'"]
    with pytest.raises(ScenarioError) as err:
        load_scenario(path, {"horizon.dayz": 3})
    assert err.value.problems[0].startswith("override horizon.dayz: unknown key")


def test_bad_out_folder_is_refused_before_running(tmp_path, capsys):
    scenario = _write(tmp_path, "")
    a_file = tmp_path / "afile"
    a_file.write_text("x")
    lines = _errors(capsys, ["run", str(scenario), "--out", str(a_file), "-q"])
    assert "is a file, not a folder" in lines[0]
    out = tmp_path / "out"
    assert main(["run", str(scenario), "--out", str(out), "-q", "--no-figures"]) == 0
    lines = _errors(capsys, ["run", str(scenario), "--out", str(out), "-q", "--no-figures"])
    assert "already holds a finished run" in lines[0]
    assert main(["run", str(scenario), "--out", str(out), "-q", "--no-figures", "--overwrite"]) == 0


def test_scenario_error_survives_a_worker_process():
    import pickle

    err = ScenarioError(["a.yaml:3 x.y: must be >= 0, got -1", "a.yaml:4 z: is required"])
    back = pickle.loads(pickle.dumps(err))
    assert back.problems == err.problems and str(back) == str(err)


def test_set_on_one_site_leaves_a_yaml_anchor_twin_alone(tmp_path):
    import copy

    data = copy.deepcopy(TINY)
    data["warehouses"]["east"]["packing"] = data["warehouses"]["west"]["packing"]  # shared
    text = yaml.safe_dump(data, sort_keys=False)
    assert "&id" in text and "*id" in text  # PyYAML wrote an anchor and an alias
    path = tmp_path / "anchored.yaml"
    path.write_text(text)
    s = load_scenario(path, {"warehouses.west.packing.time_per_unit_s": 99})
    assert s.warehouses["west"].packing.time_per_unit_s.mean == 99
    assert s.warehouses["east"].packing.time_per_unit_s.mean == 5


def test_loading_a_scenario_does_not_import_the_model(tmp_path):
    """The load-time checks (here: order_up_to against the automatic reorder points)
    use sim.inventory_formulas, not the simulation model."""
    import subprocess
    import sys

    data = tiny_data()
    data["inventory"] = {"initial_days_of_cover": 5, "replenishment": {
        "policy": "sS", "reorder_point": "auto", "order_up_to": 100_000, "supplier_lead_time_days": 3}}
    path = tmp_path / "stock.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    code = ("import sys; from sim.scenario import load_scenario; "
            f"load_scenario({str(path)!r}); "
            "print(sorted(m for m in sys.modules if m.startswith('sim.model')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_field_that_takes_a_word_or_a_number_still_takes_the_word():
    s = load_scenario("scenarios/stock.yaml", {"inventory.replenishment.reorder_point": "auto"})
    assert s.inventory is not None


def test_a_zone_with_no_picker_on_any_shift_is_refused(tmp_path, capsys):
    code = main(["validate", "scenarios/picking/zone.yaml", "--set",
                 "warehouses.east.picking.zone.pickers_per_zone=[7, 0]"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert "pickers_per_zone.1" in err and "no picker on any shift" in err
    assert main(["validate", "scenarios/picking/zone.yaml", "--set",
                 "warehouses.east.picking.zone.pickers_per_zone=[7, 1]"]) == 0


def test_waves_aligned_to_cut_offs_of_a_carrier_without_pick_ups_are_refused():
    """A continuously collecting carrier has no cut-off: such waves would never be
    released and no order picked."""
    d = tiny_data({"carriers.ground.pickup_times_h": [],
                   "warehouses.east.picking.method": "wave",
                   "warehouses.east.picking.wave": {"align_to_cutoffs": True}})
    with pytest.raises(ScenarioError, match="warehouses.east.picking.wave.align_to_cutoffs: the site's "
                                            "carrier 'ground' collects continuously"):
        from sim.scenario import validate_data

        validate_data(d)
    # A service of the site with pick-ups gives the waves cut-offs; without any, refused.
    from sim.scenario import validate_data

    d["carriers"]["express"] = {"pickup_times_h": [15.0], "cutoff_min": 30,
                                "zones": [{"max_km": 10000, "transit_business_days": 1}]}
    d["warehouses"]["east"]["shipping"]["services"] = ["express"]
    validate_data(d)
    d["carriers"]["express"]["pickup_times_h"] = []
    with pytest.raises(ScenarioError, match="carriers 'ground', 'express' all collect continuously"):
        validate_data(d)


def test_the_hint_to_give_a_mapping_whole_is_written_as_the_place_of_the_error_writes_it():
    """On the command line as an option (--set 'path={...}'); from a sweep file as YAML
    (not the file:line prefix spliced into an option)."""
    from sim.scenario.overrides import apply_overrides

    for label, hint in (("--set", "--set 'warehouses.east.staff.pickers={...}'"),
                        ("sweep.yaml:5  point", "'warehouses.east.staff.pickers: {...}'")):
        with pytest.raises(ScenarioError) as info:
            apply_overrides(tiny_data(), {"warehouses.east.staff.pickers.day": 2}, {}, label=label)
        message = str(info.value)
        assert message.endswith(f"to replace it give the whole mapping: {hint}"), message


def test_a_bad_count_of_one_shift_is_named_by_its_shift(tmp_path, capsys):
    """A per-shift head count is checked where it is given: ``pickers.day`` at its own
    line, not the whole pool (a new user had to guess which shift was meant)."""
    path = _write(tmp_path, """\
        warehouses:
          east:
            staff:
              pickers:
                day: 3
                evening: -3
        """)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"error: {path}:7 warehouses.east.staff.pickers.evening: must be >= 0, got -3"
    assert main(["validate", str(path), "--set", "warehouses.east.staff.pickers.evening=20000"]) == 2
    assert ("--set warehouses.east.staff.pickers.evening: must be at most 10,000 people per shift, "
            "got 20,000") in capsys.readouterr().err


@pytest.mark.parametrize("override, error", [
    ("warehouses.west.staff.pickers={day: true, evening: 2}",
     "warehouses.west.staff.pickers.day (with --set warehouses.west.staff.pickers): must be a whole number, got true"),
    ("warehouses.west.staff.pickers.day=yes", "--set warehouses.west.staff.pickers.day: must be a whole number, got true"),
    ('warehouses.west.staff.pickers={day: "3", evening: 2}', "must be a whole number, got '3'"),
    ("carriers.ground.pickup_times_h=[true]", "carriers.ground.pickup_times_h.0 (with --set"),
    ('demand.channels.web.regions={CA: 2, NY: "2"}', "demand.channels.web.regions.NY (with --set"),
    ("catalogue.abc_shares=[true, 0, 0]", "catalogue.abc_shares.0 (with --set"),
    ('warehouses.west.picking.travel_time_s={dist: exponential, mean: "30"}',
     "warehouses.west.picking.travel_time_s.mean (with --set warehouses.west.picking.travel_time_s): "
     "must be a number, got '30'"),
    ("warehouses.west.picking.travel_time_s={dist: empirical, values: [true, 2]}",
     "warehouses.west.picking.travel_time_s.values.0 (with --set"),
])
def test_a_number_inside_a_mapping_or_list_is_given_as_a_number(override, error, capsys):
    """true and "3" inside a per-shift count, a list or a mapping, or as a distribution's
    parameter, were read as 1 and 3 (a check from outside: fsim validate said ok, and the
    resolved scenario held the number); only a field's own value was checked."""
    from .conftest import SCENARIOS

    assert main(["validate", str(SCENARIOS / "baseline.yaml"), "--set", override]) == 2
    assert error in capsys.readouterr().err


def test_numbers_inside_mappings_and_lists_still_load():
    from .conftest import SCENARIOS

    s = load_scenario(SCENARIOS / "baseline.yaml", {
        "warehouses.west.staff.pickers": {"day": 4, "evening": 3}, "carriers.ground.pickup_times_h": [10, 17.5],
        "demand.channels.web.regions": {"CA": 2, "NY": 1.5},
        "warehouses.west.picking.travel_time_s": {"dist": "empirical", "values": [20, 30.5], "weights": [1, 2]}})
    assert s.warehouses["west"].staff.head_count("pickers") == {"day": 4, "evening": 3}
    assert s.carriers["ground"].pickup_times_h == [10.0, 17.5]


def test_an_empty_value_is_called_empty_not_none(capsys):
    from .conftest import SCENARIOS

    assert main(["validate", str(SCENARIOS / "baseline.yaml"), "--set", "horizon.days="]) == 2
    assert "--set horizon.days: must be a number, got nothing (an empty value)" in capsys.readouterr().err


@pytest.mark.parametrize("command", [["run"], ["compare", "a.yaml", "b.yaml"], ["sweep"],
                                     ["staff", "--pool", "east.pickers", "--target", "orders_placed >= 1"]])
def test_an_empty_out_is_refused_not_taken_for_the_default(command, capsys):
    """-o '' wrote to results/<scenario>/<timestamp>/ without a word."""
    from .conftest import SCENARIOS

    argv = [command[0], str(SCENARIOS / "baseline.yaml"), *command[1:], "-o", ""]
    if command[0] == "compare":
        argv = ["compare", str(SCENARIOS / "baseline.yaml"), str(SCENARIOS / "baseline.yaml"), "-o", ""]
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert "argument --out/-o: give a folder name" in capsys.readouterr().err
