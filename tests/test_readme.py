"""The README's test command is the one CI runs, and every KPI and order column it
documents exists (and every one that exists is documented)."""

from __future__ import annotations

import re

import sim
from sim.scenario import validate_data

from .conftest import ROOT, tiny, tiny_data


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    command = [ln for ln in ci.splitlines() if ln.strip() and not ln.startswith(("#", "set ", "cd "))][-1]
    assert command in readme


def stocked():
    """The tiny scenario with stock, split orders and partial shipments."""
    d = tiny_data()
    d["inventory"] = {"initial_days_of_cover": 2, "fallback": "split", "backorder": "ship_available",
                      "replenishment": {"policy": "RQ", "reorder_point": "auto",
                                        "order_quantity_days": 3, "supplier_lead_time_days": 2}}
    return validate_data(d)


def test_every_kpi_is_documented():
    readme = (ROOT / "README.md").read_text()
    kpis = {**sim.run(tiny()).summary["kpis"], **sim.run(stocked()).summary["kpis"]}
    for name in kpis:
        generic = re.sub(r"_(west|east)$", "_<site>", name)
        generic = re.sub(r"^stockout_days_per_sku_[A-Z]$", "stockout_days_per_sku_<class>", generic)
        generic = re.sub(r"^return_rate_pct_\w+$", "return_rate_pct_<reason>", generic)
        assert f"`{name}`" in readme or f"`{generic}`" in readme, name


def test_every_order_column_is_documented():
    readme = (ROOT / "README.md").read_text()
    table = readme.split("### orders.parquet", 1)[1].split("\n## ", 1)[0]
    for column in sim.run(stocked()).orders.columns:
        assert f"`{column}`" in table, column
