"""The long soak, run before each release (not in CI): a year of the holiday peak with
stock (``scenarios/peak_stock.yaml``, 365 days, over two million orders) through the
command line, every table written. It must finish, its stock statement balance, its
summary be complete, and its peak memory and time are recorded for the README's
reliability table (``python -m tests.reliability --soak``).

    pytest -m soak tests/test_soak.py
"""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from .conftest import SCENARIOS, note

pytestmark = pytest.mark.soak


def test_a_year_of_the_peak_with_stock(tmp_path):
    out = tmp_path / "soak"
    cmd = ["/usr/bin/time", "-v", sys.executable, "-m", "sim", "run", str(SCENARIOS / "peak_stock.yaml"),
           "--set", "horizon.days=365", "--set", "horizon.warmup_days=14", "--no-figures", "-q",
           "--no-size-check", "-o", str(out), "--outputs", "orders"]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rss_kb = next(int(ln.split()[-1]) for ln in proc.stderr.splitlines() if "Maximum resident set size" in ln)
    wall = next(ln.split()[-1] for ln in proc.stderr.splitlines() if "Elapsed (wall clock)" in ln)
    summary = json.loads((out / "summary.json").read_text())
    statement = pd.read_csv(out / "inventory_statement.csv")
    assert (statement["beginning_units"] + statement["receipts_units"] + statement["returned_units"]
            - statement["shipped_units"] == statement["ending_units"]).all()
    orders = pd.read_parquet(out / "orders.parquet", columns=["status"])
    assert orders["status"].notna().all()
    note("soak_orders", len(orders))
    note("soak_peak_rss_mib", rss_kb / 1024)
    note("soak_wall_s", sum(float(x) * 60 ** i for i, x in enumerate(reversed(wall.split(":")))))
    note("soak_saturated_pools", len(summary["saturated_pools"]))
