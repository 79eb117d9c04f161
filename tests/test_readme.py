"""The README's test command is the one CI runs, and every KPI it documents exists."""

from __future__ import annotations

import re

import sim

from .conftest import ROOT, tiny


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    command = [ln for ln in ci.splitlines() if ln.strip() and not ln.startswith(("#", "set ", "cd "))][-1]
    assert command in readme


def test_every_kpi_is_documented():
    readme = (ROOT / "README.md").read_text()
    kpis = sim.run(tiny()).summary["kpis"]
    for name in kpis:
        generic = re.sub(r"_(west|east)$", "_<site>", name)
        generic = re.sub(r"^stockout_days_per_sku_[A-Z]$", "stockout_days_per_sku_<class>", generic)
        assert f"`{name}`" in readme or f"`{generic}`" in readme, name
