"""The README's test command is the one CI runs, and every KPI and order column it
documents exists (and every one that exists is documented)."""

from __future__ import annotations

import re

import pytest

import sim
from sim.kpis.registry import KPIS, PER_SITE, base_of, family_of, markdown_table
from sim.scenario import validate_data

from .conftest import ROOT, tiny, tiny_data


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    # (.ci/run then runs more checks: the speed floors, the regression check.)
    command = next(ln for ln in ci.splitlines() if "pytest" in ln and not ln.startswith("#"))
    assert command in readme


def stocked():
    """The tiny scenario with stock, split orders and partial shipments."""
    d = tiny_data()
    d["inventory"] = {"initial_days_of_cover": 2, "fallback": "split", "backorder": "ship_available",
                      "replenishment": {"policy": "RQ", "reorder_point": "auto",
                                        "order_quantity_days": 3, "supplier_lead_time_days": 2}}
    return validate_data(d)


@pytest.fixture(scope="module")
def runs():
    return sim.run(tiny()), sim.run(stocked())


def test_the_readme_kpi_table_is_the_registry():
    readme = (ROOT / "README.md").read_text()
    table = readme.split("<!-- kpi-table:start -->\n", 1)[1].split("<!-- kpi-table:end -->", 1)[0]
    assert table == markdown_table(), "regenerate it: python -m sim.kpis.registry"


def test_every_kpi_has_a_definition_and_every_definition_a_kpi(runs):
    """Every KPI a run reports parses to a registry entry (or family) by the naming rule,
    and every registry entry appears, pooled and, where it says so, per site and per
    channel."""
    scenario = runs[0].scenario
    sites, channels = scenario.sites, list(scenario.demand.channels)
    names = set(runs[0].summary["kpis"]) | set(runs[1].summary["kpis"])
    for name in names:
        base, _, _ = base_of(name, sites, channels)
        assert base in KPIS or family_of(base) is not None, name
    for kpi in KPIS.values():
        assert kpi.name in names, kpi.name
        groups = (sites + channels) if kpi.by_group else sites if kpi.name in PER_SITE else []
        for g in groups:
            assert f"{kpi.name}_{g}" in names, f"{kpi.name}_{g}"


def _table(section: str) -> str:
    readme = (ROOT / "README.md").read_text()
    return readme.split(f"### {section}\n", 1)[1].split("\n### ", 1)[0]


def test_every_order_and_shipment_column_is_documented(runs):
    for section, frame in (("orders.parquet", runs[1].orders), ("shipments.parquet", runs[1].shipments)):
        table = _table(section)
        documented = set(re.findall(r"^\| `([^|]*)` \|", table, flags=re.M))
        cells = {c.strip("` ") for row in documented for c in row.split(",")}
        for column in frame.columns:
            assert column in cells, f"{section}: {column}"


def test_the_readme_python_api_names_work_after_a_plain_import_sim():
    """The README names ``sim.sizing.estimate_run`` and ``sim.model.world.run_replication``
    after ``import sim``: each works in a fresh interpreter (found by a new user:
    ``sim.sizing`` was not there until imported by hand)."""
    import subprocess
    import sys

    code = ("import sim; sim.sizing.estimate_run; sim.model.world.run_replication; "
            "sim.outputs.write_results\ntry:\n    sim.no_such_name\nexcept AttributeError:\n    pass\n"
            "else:\n    raise SystemExit('no AttributeError')")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr


def test_the_example_ci_configurations_pin_this_version():
    """They install the version the baseline was saved with; they pinned 0.5.0, which
    predates the fixes of `fsim check` since."""
    from sim import __version__

    for path in sorted((ROOT / "examples" / "ci").glob("*.yml")):
        pins = re.findall(r"fulfillment-sim==([0-9.]+)", path.read_text())
        assert pins == [__version__], (path.name, pins)
