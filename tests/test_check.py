"""fsim baseline save and fsim check, end to end on the shipped baseline scenario made
short: identical runs pass, a worse staffing plan fails naming its KPIs, the tolerance
works both ways, the JUnit report is complete and shaped like pytest's own, every exit
code, what changed, an old baseline, and the baseline the project ships."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
import yaml

from sim import __version__
from sim.baseline import FORMAT, KIND, read_baseline
from sim.cli import main
from sim.kpis.registry import direction
from sim.regression import DEFAULT_KPIS, FLAGS
from sim.scenario import load_scenario

from .conftest import ROOT, SCENARIOS

SHORT = {"horizon.days": 6, "horizon.warmup_days": 2, "horizon.drain_days": 10}
SETS = [a for path, value in SHORT.items() for a in ("--set", f"{path}={value}")]
REPLICATIONS = 3
ONE_PICKER_A_SHIFT_WEST = "warehouses.west.staff.pickers={day: 1, evening: 1}"


def fsim(capsys, *args) -> tuple[int, str, str]:
    capsys.readouterr()
    try:
        code = main([str(a) for a in args])
    except SystemExit as exc:  # argparse
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("baseline") / "baselines" / "short.json"
    code = main(["baseline", "save", str(SCENARIOS / "baseline.yaml"), "--out", str(path),
                 "-r", str(REPLICATIONS), "--quiet", *SETS])
    assert code == 0
    return path


def check(capsys, saved, *args, junit=None):
    extra = ["--junit", junit] if junit else []
    return fsim(capsys, "check", SCENARIOS / "baseline.yaml", "--baseline", saved, "-q",
                *extra, *args)


def junit(path: Path) -> dict[str, ET.Element]:
    """The test cases of a JUnit report by name, after checking that its counts agree
    with its cases."""
    root = ET.parse(path).getroot()
    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    cases = suite.findall("testcase")
    failed = [c for c in cases if c.find("failure") is not None]
    skipped = [c for c in cases if c.find("skipped") is not None]
    for element in (root, suite):
        assert int(element.get("tests")) == len(cases)
        assert int(element.get("failures")) == len(failed)
        assert int(element.get("skipped")) == len(skipped)
        assert element.get("errors") == "0"
    return {c.get("name"): c for c in cases}


# --- the baseline file ----------------------------------------------------------------


def test_the_baseline_file_holds_every_kpi_per_replication(saved):
    data = json.loads(saved.read_text())
    assert (data["kind"], data["format"], data["sim_version"]) == (KIND, FORMAT, __version__)
    assert data["seed"] == load_scenario(SCENARIOS / "baseline.yaml").seed
    assert data["replications"] == REPLICATIONS and data["overrides"] == SHORT
    resolved = yaml.safe_load(data["scenario"]["resolved_yaml"])
    assert resolved["horizon"]["days"] == 6 and resolved["name"] == "baseline"
    assert len(data["kpis"]) > 100
    for name, entry in data["kpis"].items():
        assert len(entry["per_replication"]) == REPLICATIONS
        assert entry["direction"] == direction(name, data["sites"], data["channels"])
        values = [v for v in entry["per_replication"] if v is not None]
        if values and not entry.get("censored"):
            assert entry["mean"] == pytest.approx(np.mean(values))
    assert data["kpis"]["throughput_orders_per_day"]["unit"] == "orders/day"
    assert data["saturated_pools"] == [[]] * REPLICATIONS
    # It says how to write it again.
    assert data["command"].startswith("fsim baseline save ") and "--overwrite" in data["command"]
    assert "--set horizon.days=6" in data["command"]


def test_a_saturated_scenario_is_no_baseline(tmp_path, capsys):
    out = tmp_path / "b.json"
    code, _, err = fsim(capsys, "baseline", "save", SCENARIOS / "baseline.yaml", "--out", out,
                        "-r", 1, "-q", *SETS, "--set", ONE_PICKER_A_SHIFT_WEST)
    assert code == 2 and not out.exists()
    assert "saturates the staff pool(s) west.pickers" in err and "nothing was written" in err


# --- checks ---------------------------------------------------------------------------


def test_an_identical_run_passes(saved, tmp_path, capsys):
    """Same scenario, seed and version: identical numbers (with two processes against a
    baseline run in one), every KPI 'same', exit 0."""
    report = tmp_path / "report.xml"
    code, out, err = check(capsys, saved, "--workers", 2, junit=report)
    assert code == 0, out + err
    assert "the scenario is the baseline's" in out and "passed: no regression in 7 checks" in out
    assert "applied the baseline's overrides: --set horizon.days=6" in out
    assert "warning" not in err
    cases = junit(report)
    assert list(cases) == [*DEFAULT_KPIS, *FLAGS]
    assert all(c.find("failure") is None for c in cases.values())
    assert "verdict: same" in cases["throughput_orders_per_day"].find("system-out").text


def test_a_worse_staffing_plan_fails_naming_the_kpis(saved, tmp_path, capsys):
    """One picker a shift in the west: the west pickers saturate, throughput falls and
    orders wait longer in the warehouse."""
    report = tmp_path / "report.xml"
    code, out, _ = check(capsys, saved, "--set", ONE_PICKER_A_SHIFT_WEST, junit=report)
    assert code == 1
    assert "the scenario differs from the baseline's in 2 setting(s):" in out
    assert "warehouses.west.staff.pickers.day: 2 -> 1" in out
    assert "warehouses.west.staff.pickers.evening: 2 -> 1" in out
    failed_line = next(line for line in out.splitlines() if line.startswith("FAILED"))
    for kpi in ("throughput_orders_per_day", "warehouse_hours_p95", "saturated_pools"):
        assert kpi in failed_line
    assert "on_time_delivery_pct," not in failed_line  # worse, but by less than 5%
    cases = junit(report)
    failures = {name: c.find("failure") for name, c in cases.items() if c.find("failure") is not None}
    assert set(failures) == {v.strip() for v in failed_line.split("regressed:", 1)[1].split(",")}
    assert failures["saturated_pools"].get("type") == "saturated"
    assert failures["throughput_orders_per_day"].get("type") == "regression"
    assert "west.pickers" in failures["saturated_pools"].get("message")
    props = {p.get("value") for p in ET.parse(report).getroot().iter("property")
             if p.get("name") == "changed"}
    assert props == {"warehouses.west.staff.pickers.day: 2 -> 1",
                     "warehouses.west.staff.pickers.evening: 2 -> 1"}


def test_the_tolerance_works_both_ways(saved, capsys):
    """A quarter of ground parcels late lengthens lead time p95 by about 10% and lowers
    on-time by about 4%: a 5% tolerance fails lead time only, 15% passes, 3% fails both.
    Never late: better, and a tight tolerance does not make an improvement fail."""
    late = ("--set", "carriers.ground.late_prob=0.25")
    code, out, _ = check(capsys, saved, *late)
    assert code == 1 and "regressed: lead_time_hours_p95\n" in out
    code, out, _ = check(capsys, saved, *late, "--tolerance", "15%")
    assert code == 0 and "within tolerance" in out
    code, out, _ = check(capsys, saved, *late, "--tolerance", "0.03")
    assert code == 1 and "regressed: on_time_delivery_pct, lead_time_hours_p95\n" in out
    code, out, _ = check(capsys, saved, "--set", "carriers.ground.late_prob=0", "--tolerance", "1%")
    assert code == 0 and "lead_time_hours_p95: better: better by" in out
    # The command saves what was just checked: this check's --set after the baseline's.
    line = next(ln for ln in out.splitlines() if ln.startswith("to make these numbers"))
    assert line.startswith("to make these numbers the new baseline: fsim baseline save ")
    assert "--set carriers.ground.late_prob=0 " in line and f"--out {saved} " in line
    assert all(f"--set {s}" in line for s in SETS[1::2]), line


def test_an_old_baseline_is_compared_with_a_warning(saved, tmp_path, capsys):
    old = json.loads(saved.read_text())
    old["sim_version"] = "0.4.0"
    path = tmp_path / "old.json"
    path.write_text(json.dumps(old))
    code, out, err = check(capsys, path)
    assert code == 0 and "passed" in out
    assert ("warning: the baseline was saved by fulfillment-sim 0.4.0, this is "
            f"{__version__}") in err and "compared anyway" in err


def test_numbers_that_moved_under_the_same_version_are_noticed(saved, tmp_path, capsys):
    """As if the model had changed since the baseline: the check says so, and judges the
    change (here 0.1% lower on-time: within the tolerance)."""
    data = json.loads(saved.read_text())
    entry = data["kpis"]["on_time_delivery_pct"]
    entry["per_replication"] = [v * 1.001 for v in entry["per_replication"]]
    path = tmp_path / "moved.json"
    path.write_text(json.dumps(data))
    code, out, err = check(capsys, path)
    assert code == 0
    assert "yet 1 KPIs moved (e.g. on_time_delivery_pct)" in err
    assert "within tolerance" in out


def test_every_exit_code(saved, tmp_path, capsys):
    """0 and 1 with chosen KPIs (--kpi replaces the defaults, a KPI without direction is
    shown, the flags are always checked), 2 for each kind of bad input, in one line."""
    code, out, _ = check(capsys, saved, "--kpi", "orders_placed", "--kpi", "on_time_delivery_pct_east")
    assert code == 0 and "no regression in 4 checks" in out
    assert "orders_placed" in out and "throughput_orders_per_day" not in out
    code, out, _ = check(capsys, saved, "--set", ONE_PICKER_A_SHIFT_WEST, "--kpi", "orders_placed")
    assert code == 1 and "regressed: saturated_pools\n" in out
    bad = [
        (["--baseline", tmp_path / "missing.json"], "no such file"),
        (["--kpi", "lead_time_hour_p95"], "did you mean lead_time_hours_p95"),
        (["--set", "warehouses.west.staff.pickers=-1"], "must be >= 0, got -1"),
        (["--tolerance", "x"], "must be a percentage"),
    ]
    for args, message in bad:
        code, out, err = check(capsys, saved, *args)
        assert code == 2 and message in err and "Traceback" not in out + err
        assert len([line for line in err.splitlines() if "error:" in line]) == 1


def test_unreadable_baselines(tmp_path, capsys):
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff")
    code, _, err = fsim(capsys, "check", SCENARIOS / "baseline.yaml", "--baseline", binary)
    assert code == 2 and "not a text file: byte 0 cannot be decoded as UTF-8" in err
    if os.geteuid() == 0:
        return  # root reads anything
    locked = tmp_path / "locked.json"
    locked.write_text("{}")
    locked.chmod(0)
    code, _, err = fsim(capsys, "check", SCENARIOS / "baseline.yaml", "--baseline", locked)
    assert code == 2 and "cannot be read: Permission denied" in err


# --- the JUnit report, against pytest's own -------------------------------------------

REFERENCE_TESTS = '''
import pytest

def test_passes():
    print("some output")

def test_fails():
    assert 1 == 2, "a message"

def test_skipped():
    pytest.skip("not compared")

def test_suite_property(record_testsuite_property):
    record_testsuite_property("seed", "1")
'''


def _shape(root: ET.Element) -> tuple[set, dict]:
    """(parent, child) tag pairs and each tag's attribute names."""
    pairs, attributes = set(), {}
    for element in root.iter():
        attributes.setdefault(element.tag, set()).update(element.attrib)
        pairs.update((element.tag, child.tag) for child in element)
    return pairs, attributes


def test_the_junit_report_is_shaped_like_pytests(saved, tmp_path, capsys):
    """Every element of our report nests as in the JUnit XML pytest writes (what CI
    servers are built to read), and carries at least the attributes pytest gives it."""
    (tmp_path / "test_reference.py").write_text(REFERENCE_TESTS)
    reference = tmp_path / "reference.xml"
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                    "--rootdir", str(tmp_path), f"--junitxml={reference}",
                    "-o", "junit_family=xunit2", "-o", "junit_logging=system-out",
                    str(tmp_path / "test_reference.py")], cwd=tmp_path, capture_output=True,
                   env={**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"})
    ref_pairs, ref_attributes = _shape(ET.parse(reference).getroot())

    ours = tmp_path / "ours.xml"
    # A KPI censored in the baseline gives a skipped case; a worse run, failures.
    data = json.loads(saved.read_text())
    data["kpis"]["lead_time_hours_p95"]["per_replication_lower_bound"] = [1.0, None, None]
    baseline = tmp_path / "censored.json"
    baseline.write_text(json.dumps(data))
    code, _, _ = check(capsys, baseline, "--set", ONE_PICKER_A_SHIFT_WEST, junit=ours)
    assert code == 1
    cases = junit(ours)
    assert cases["lead_time_hours_p95"].find("skipped") is not None
    pairs, attributes = _shape(ET.parse(ours).getroot())
    assert pairs <= ref_pairs, pairs - ref_pairs
    assert {"failure", "skipped", "property", "system-out"} <= set(attributes)
    for tag, names in attributes.items():
        assert ref_attributes[tag] <= names, (tag, ref_attributes[tag] - names)


# --- what the project ships ------------------------------------------------------------


def test_the_shipped_baseline_and_the_ci_step():
    """results/baselines/baseline.json is a baseline of scenarios/baseline.yaml, and
    .ci/run checks against it after the tests."""
    shipped = ROOT / "results" / "baselines" / "baseline.json"
    baseline = read_baseline(shipped).measurement
    assert baseline.scenario_file == "scenarios/baseline.yaml"
    assert baseline.saturated == ((),) * baseline.replications
    assert json.loads(shipped.read_text())["format"] == FORMAT
    # Saved by this version (else every CI run warns "saved by another version": save it
    # again with the command it records after a version bump).
    assert baseline.sim_version == __version__
    lines = [ln.strip() for ln in (ROOT / ".ci" / "run").read_text().splitlines()]
    tests = next(i for i, ln in enumerate(lines) if "pytest" in ln)
    check_line = next(i for i, ln in enumerate(lines) if ln.startswith("fsim check"))
    assert check_line > tests
    args = shlex.split(lines[check_line])
    assert args[2] == "scenarios/baseline.yaml"
    assert args[args.index("--baseline") + 1] == "results/baselines/baseline.json"
    ignored = subprocess.run(["git", "check-ignore", "-q", str(shipped)], cwd=ROOT)
    assert ignored.returncode == 1  # not ignored: it is committed


@pytest.mark.parametrize("name", ["github-actions.yml", "gitlab-ci.yml"])
def test_the_example_ci_configurations(name):
    """Each installs fulfillment-sim, runs fsim check with --junit and publishes the
    report, and each is valid YAML."""
    text = (ROOT / "examples" / "ci" / name).read_text()
    config = yaml.safe_load(text)
    assert isinstance(config, dict)
    assert "pip install" in text and "fulfillment-sim" in text
    command = next(line for line in text.splitlines()
                   if "fsim check " in line and not line.lstrip().startswith("#"))
    assert "--baseline" in command and "--junit" in command
    report = command.split("--junit", 1)[1].split()[0]
    if name.startswith("gitlab"):
        job = next(v for v in config.values() if isinstance(v, dict) and "script" in v)
        assert job["artifacts"]["reports"]["junit"] == report
        assert job["artifacts"]["when"] == "always"
    else:
        steps = [s for job in config["jobs"].values() for s in job["steps"]]
        publish = [s for s in steps if report in json.dumps(s.get("with", {}))]
        assert publish and all(s.get("if") == "always()" for s in publish)


def test_an_output_file_never_destroys_an_input_or_a_device(saved, tmp_path, capsys):
    """Found by a user's audit: --junit naming the baseline turned it into XML (the next
    check could not read it), --out of `baseline save` naming the scenario turned it
    into JSON, and, as root, `--out /dev/full --overwrite` replaced the device with a
    file (written whole by a rename). Each is refused with one line, exit 2, before
    anything runs; and an empty --junit is no longer taken as no report."""
    base = tmp_path / "b.json"
    base.write_bytes(saved.read_bytes())
    scenario = tmp_path / "s.yaml"
    scenario.write_bytes((SCENARIOS / "baseline.yaml").read_bytes())
    link = tmp_path / "other-name.json"
    link.symlink_to(base)
    before = base.read_bytes(), scenario.read_bytes()
    device = Path("/dev/full")
    cases = [
        (["check", scenario, "--baseline", base, "--junit", base], "is the baseline"),
        (["check", scenario, "--baseline", base, "--junit", link], "is the baseline"),
        (["check", scenario, "--baseline", base, "--junit", scenario], "is the scenario"),
        (["check", scenario, "--baseline", base, "--junit", ""], "--junit: give a file name"),
        (["baseline", "save", scenario, "--out", scenario, "--overwrite"], "is the scenario"),
    ]
    if device.exists():
        cases += [(["check", scenario, "--baseline", base, "--junit", device], "is not a plain file"),
                  (["baseline", "save", scenario, "--out", device, "--overwrite"], "is not a plain file")]
    for args, message in cases:
        code, out, err = fsim(capsys, *args, "-q")
        assert code == 2, (args, err)
        assert message in err and len(err.strip().splitlines()) == 1, (args, err)
        assert "Traceback" not in err
    assert (base.read_bytes(), scenario.read_bytes()) == before
    if device.exists():
        assert device.is_char_device()


def test_a_report_never_replaces_a_result_of_its_folder(tmp_path, capsys):
    run = tmp_path / "run"
    run.mkdir()
    (run / "kpis.csv").write_text("kpi,mean\n")
    for out, message in ((run / "kpis.csv", "is one of the results"), ("", "give a file name")):
        code, _, err = fsim(capsys, "report", run, "-o", out)
        assert code == 2 and message in err, err
    assert (run / "kpis.csv").read_text() == "kpi,mean\n"


def test_the_junit_report_is_xml_whatever_the_names_and_shows_changes_as_the_console():
    """A scenario named with a control character made the report unreadable (its name
    is the suite's and each case's class); a changed mapping was written in Python's
    notation ({'day': 2}) where the console writes what --set reads."""
    from sim.junit import junit_xml
    from sim.regression import OK, CheckReport, KpiVerdict

    report = CheckReport([KpiVerdict("throughput_orders_per_day\x02", "orders/day", "higher", OK, "noise")],
                         0.05, differences=[("warehouses.west.staff.pickers", {"day": 2, "evening": 2}, 1),
                                            ("carriers.ground.late_prob", 0.2, 0.3)])
    xml = junit_xml(report, "a\x01b", {"scenario": "s.yaml"}, 1.0, lambda v: "line")
    root = ET.fromstring(xml.split("\n", 1)[1])
    suite = root.find("testsuite")
    assert suite.get("name") == "a\ufffdb"
    assert suite.find("testcase").get("classname") == "fsim.check.a\ufffdb"
    changed = [p.get("value") for p in suite.iter("property") if p.get("name") == "changed"]
    assert changed == ['warehouses.west.staff.pickers: {"day":2,"evening":2} -> 1',
                       "carriers.ground.late_prob: 0.2 -> 0.3"]


def test_a_small_mean_shows_enough_digits_to_see_its_change():
    """A mean queue of 1.50 against 1.93 (a count: whole numbers) printed as "1" against
    "2", change "+0 (+29.0%)": a failing line that looks like no change."""
    from sim.cli.check import cells
    from sim.regression import REGRESSION, KpiVerdict

    v = KpiVerdict("queue_length_mean_packers", "count", "lower", REGRESSION, "worse",
                   baseline_mean=1.4963, now_mean=1.9305, change=0.4342, relative=0.29,
                   ci95_low=0.2, ci95_high=0.6, n=3)
    assert cells(v)[:3] == ("1.50", "1.93", "+0.43 (+29.0%)")
    hours = KpiVerdict("pick_wait_hours_mean", "h", "lower", REGRESSION, "worse",
                       baseline_mean=0.1049, now_mean=0.1353, change=0.0304, relative=0.29)
    assert cells(hours)[:3] == ("0.105", "0.135", "+0.030 (+29.0%)")
    big = KpiVerdict("throughput_orders_per_day", "orders/day", "higher", REGRESSION, "worse",
                     baseline_mean=2001.26, now_mean=1900.0, change=-101.26, relative=-0.05)
    assert cells(big)[:2] == ("2,001.3", "1,900.0")


def test_the_save_command_sets_each_value_as_it_was():
    """The "new baseline" command reads each --set value back as the same value: a text
    that looks like a number (YAML 1.2 reads 08 as 8) is quoted."""
    import argparse
    import shlex
    from types import SimpleNamespace

    from sim.cli.check import _save_command
    from sim.scenario import parse_set_option

    args = argparse.Namespace(scenario="s.yaml", baseline="b.json",
                              overrides=['name="08"', "warehouses.east.staff.pickers=5", "x.t=11:30"])
    base = SimpleNamespace(overrides={"horizon.days": 14}, replications=3, seed=7)
    words = shlex.split(_save_command(args, base))
    sets = dict(parse_set_option(words[i + 1]) for i, w in enumerate(words) if w == "--set")
    assert sets == {"horizon.days": 14, "name": "08", "warehouses.east.staff.pickers": 5, "x.t": "11:30"}


def test_a_check_too_big_for_the_machine_says_what_a_check_can_change(capsys, saved):
    """The size refusal advised "run fewer --replications", an option fsim check does
    not have (it runs the baseline's replications)."""
    code, _, err = check(capsys, saved, "--set", "demand.channels.web.orders_per_day=10000000", "--set", "horizon.days=3000")
    assert code == 2
    assert "too big for this machine's memory" in err
    assert "--replications" not in err and "save the baseline with a shorter horizon" in err


def test_the_junit_suite_is_named_by_the_scenario_checked(capsys, saved, tmp_path):
    """A check of another scenario against a baseline named its JUnit suite (and every
    test case's class) after the baseline's scenario, not the one under test."""
    report = tmp_path / "report.xml"
    check(capsys, saved, "--set", "name=renamed", junit=report)
    suite = ET.parse(report).getroot().find("testsuite")
    assert suite.get("name") == "renamed"
    assert {case.get("classname") for case in suite.findall("testcase")} == {"fsim.check.renamed"}
