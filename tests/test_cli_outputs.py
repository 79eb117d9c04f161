"""The output contract of ``fsim run`` (file names, summary.json keys, KPI names,
orders.parquet columns) and ``fsim validate``."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest
import yaml

import sim
from sim.cli import main
from sim.scenario import validate_data

from .conftest import SCENARIOS, TINY, tiny_data

REQUIRED_KPIS = [
    "orders_placed", "orders_cancelled", "orders_shipped", "orders_delivered",
    "throughput_orders_per_day", "lead_time_hours_mean", "lead_time_hours_p50",
    "lead_time_hours_p90", "lead_time_hours_p95", "lead_time_hours_p99",
    "picking_accuracy_pct", "return_rate_pct", "on_time_delivery_pct", "payment_failure_pct",
    "utilization_pct_pickers_west", "utilization_pct_packers_west",
    "utilization_pct_pickers_east", "utilization_pct_packers_east",
    "on_time_delivery_pct_east", "warehouse_hours_p95_west", "lead_time_hours_mean_web",
    "completion_pct", "orders_undelivered_at_end", "same_day_ship_pct", "saturated_pools",
]
REQUIRED_ORDER_COLUMNS = [
    "replication", "order_id", "channel", "region", "site", "units", "placed_h", "paid_h",
    "picked_h", "packed_h", "shipped_h", "delivered_h", "lead_time_h", "status", "pick_error",
]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("run")
    scenario = root / "tiny.yaml"
    scenario.write_text(yaml.safe_dump(TINY, sort_keys=False))
    out = root / "out"
    code = main(["run", str(scenario), "--replications", "3", "--seed", "9", "--out", str(out),
                 "--quiet", "--set", "warehouses.west.staff.pickers=3"])
    assert code == 0
    return out


def test_files(run_dir):
    for name in ["summary.json", "orders.parquet", "shipments.parquet", "kpis.csv", "timeseries.parquet", "tours.parquet",
                 "scenario.resolved.yaml", "lead_time_by_site.png", "lead_time_by_channel.png",
                 "picking_accuracy_by_day.png", "staff_pools.png", "lead_time_by_method.png",
                 "csat.png", "returns_per_day.png"]:
        path = run_dir / name
        assert path.exists() and path.stat().st_size > 0, name
    assert (run_dir / "staff_pools.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(run_dir.glob("*.tmp"))


def test_summary_json(run_dir):
    summary = json.loads((run_dir / "summary.json").read_text())
    for key in ["scenario", "seed", "replications", "sim_version", "scenario_sha256",
                "horizon_days", "warmup_days", "kpis"]:
        assert key in summary
    assert summary["scenario"] == "tiny" and summary["seed"] == 9 and summary["replications"] == 3
    assert len(summary["scenario_sha256"]) == 64
    for name in REQUIRED_KPIS:
        entry = summary["kpis"][name]
        assert set(entry) == {"mean", "ci95_low", "ci95_high", "per_replication"}
        assert len(entry["per_replication"]) == 3
        assert entry["ci95_low"] <= entry["mean"] <= entry["ci95_high"]


def test_kpis_csv_is_tidy_and_matches_summary(run_dir):
    kpis = pd.read_csv(run_dir / "kpis.csv", keep_default_na=False, na_values=[""])
    summary = json.loads((run_dir / "summary.json").read_text())
    assert list(kpis.columns) == ["replication", "name", "kpi", "site", "channel", "value",
                                  "censored", "lower_bound"]
    assert sorted(kpis["replication"].unique()) == [0, 1, 2]
    assert set(kpis["name"]) == set(summary["kpis"])
    for name in REQUIRED_KPIS:
        rows = kpis[kpis["name"] == name].sort_values("replication")
        assert rows["value"].tolist() == pytest.approx(summary["kpis"][name]["per_replication"])
    east = kpis[kpis["name"] == "on_time_delivery_pct_east"].iloc[0]
    assert (east["kpi"], east["site"]) == ("on_time_delivery_pct", "east") and pd.isna(east["channel"])
    web = kpis[kpis["name"] == "lead_time_hours_mean_web"].iloc[0]
    assert (web["kpi"], web["channel"]) == ("lead_time_hours_mean", "web")
    # Pivoting back to one column per KPI works as a pandas user would do it.
    wide = kpis.pivot(index="replication", columns="name", values="value")
    assert wide.shape == (3, len(summary["kpis"]))


def test_orders_parquet(run_dir):
    orders = pd.read_parquet(run_dir / "orders.parquet")
    for col in REQUIRED_ORDER_COLUMNS:
        assert col in orders.columns, col
    assert sorted(orders["replication"].unique()) == [0, 1, 2]
    ok = orders["delivered_h"].notna()
    assert (orders.loc[ok, "lead_time_h"] == orders.loc[ok, "delivered_h"] - orders.loc[ok, "placed_h"]).all()


def test_resolved_scenario_round_trips(run_dir):
    resolved = yaml.safe_load((run_dir / "scenario.resolved.yaml").read_text())
    scenario = validate_data(resolved)
    assert scenario.warehouses["west"].staff.pickers == 3  # the --set was applied


def test_kpis_agree_with_a_recount_from_orders(run_dir):
    """Recompute two KPIs straight from orders.parquet with the documented definitions."""
    orders = pd.read_parquet(run_dir / "orders.parquet")
    summary = json.loads((run_dir / "summary.json").read_text())
    o = orders[(orders["replication"] == 0) & (orders["placed_h"] >= 24) & (orders["placed_h"] < 96)]
    d = o[o["status"] == "delivered"]
    accuracy = 100 * (len(d) - (d["return_reason"] == "wrong_item").sum()) / len(d)
    assert summary["kpis"]["picking_accuracy_pct"]["per_replication"][0] == pytest.approx(accuracy)
    sh = pd.read_parquet(run_dir / "shipments.parquet")
    sh = sh[(sh["replication"] == 0) & sh["order_id"].isin(o["order_id"]) & (sh["kind"] != "reship")
            & sh["delivered_h"].notna()]
    rate = 100 * sh["units_returned"].sum() / sh["units"].sum()
    assert summary["kpis"]["return_rate_pct"]["per_replication"][0] == pytest.approx(rate)


def test_validate_prints_resolved_yaml(capsys):
    assert main(["validate", str(SCENARIOS / "peak.yaml")]) == 0
    printed = yaml.safe_load(capsys.readouterr().out)
    assert printed["name"] == "peak"
    assert printed["demand"]["channels"]["web"]["orders_per_day"] == 3900
    # Inherited from the baseline it extends:
    assert printed["warehouses"]["west"]["location"]["name"] == "Ontario, CA"


def test_shipped_scenarios_are_valid():
    for path in sorted(SCENARIOS.rglob("*.yaml")):
        sim.load_scenario(path)


def test_python_dash_m_sim(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "sim", "validate", str(SCENARIOS / "validation" / "mmc.yaml")],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\n")
    proc = subprocess.run([sys.executable, "-m", "sim", "run", str(bad)], capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    assert "horizon: is required" in proc.stderr and "Traceback" not in proc.stderr


def test_compare_refuses_to_write_over_what_it_compares(run_dir, tmp_path, capsys):
    """--csv or --plot naming a file in a run folder compared, or a scenario compared,
    wrote over it and exited 0: a check from outside lost a scenario file and a
    finished run (its summary.json) that way. Refused, exit 2, nothing written."""
    before = {p.name: p.read_bytes() for p in run_dir.iterdir() if p.is_file()}
    for option, target in (("--csv", run_dir / "summary.json"), ("--plot", run_dir / "lead_time_by_site.png"),
                           ("--csv", run_dir / "new.csv")):
        assert main(["compare", str(run_dir), str(run_dir), option, str(target)]) == 2, target
        assert "one of the run folders compared" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in run_dir.iterdir() if p.is_file()} == before
    scenario = tmp_path / "mine.yaml"
    scenario.write_text(yaml.safe_dump(TINY, sort_keys=False))
    text = scenario.read_text()
    assert main(["compare", str(scenario), str(scenario), "--set-b", "warehouses.west.staff.pickers=3",
                 "-o", str(tmp_path / "cmp"), "--csv", str(scenario)]) == 2
    assert "is scenario A" in capsys.readouterr().err
    assert scenario.read_text() == text and not (tmp_path / "cmp").exists()


def test_compare_runs(run_dir, tmp_path, capsys):
    plot, table = tmp_path / "cmp.png", tmp_path / "cmp.csv"
    code = main(["compare", str(run_dir), str(run_dir), "--plot", str(plot), "--csv", str(table)])
    assert code == 0
    out = capsys.readouterr().out
    assert "lead_time_hours_mean" in out and "tiny (out)" in out
    assert plot.read_bytes()[:4] == b"\x89PNG"
    tidy = pd.read_csv(table)
    assert list(tidy.columns) == ["run", "kpi", "mean", "ci95_low", "ci95_high", "lower_bound"]
    summary = json.loads((run_dir / "summary.json").read_text())
    row = tidy[tidy["kpi"] == "lead_time_hours_mean"].iloc[0]
    assert row["mean"] == pytest.approx(summary["kpis"]["lead_time_hours_mean"]["mean"])


def test_compare_rejects_a_folder_that_is_not_a_run(tmp_path, capsys):
    assert main(["compare", str(tmp_path)]) == 2
    assert "not a run folder" in capsys.readouterr().err


def test_figures_drawn_in_parallel_are_the_files_drawn_one_by_one(tmp_path):
    """write_figures draws in forked processes when it has cores: the same files, byte
    for byte, in the same order, as drawn in this process one by one (stock figures
    included)."""
    from sim.report import write_figures

    data = {**TINY, "inventory": {
        "initial_days_of_cover": 2, "fallback": "split", "backorder": "ship_available",
        "replenishment": {"policy": "RQ", "reorder_point": "auto", "order_quantity_days": 3,
                          "supplier_lead_time_days": 2}}}
    result = sim.run(validate_data(data), replications=2)
    serial = write_figures(result, _mkdir(tmp_path / "serial"), workers=1)
    parallel = write_figures(result, _mkdir(tmp_path / "parallel"), workers=3)
    assert [p.name for p in serial] == [p.name for p in parallel]
    assert "stock_levels.png" in [p.name for p in serial]
    for a, b in zip(serial, parallel, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    # (the names a run folder's --overwrite removes as fsim's own: sim.outputs)
    from sim.outputs import RUN_FIGURES, written_by_fsim_in_a_run

    assert all(written_by_fsim_in_a_run(p.name) for p in serial), [p.name for p in serial]
    assert set(RUN_FIGURES) <= {p.name for p in serial}  # (no name listed that is never drawn)


def _mkdir(path):
    path.mkdir()
    return path


def test_compare_refuses_a_kpis_only_plot_and_an_out_folder_holding_a_run(tmp_path, capsys):
    scenario = tmp_path / "tiny.yaml"
    scenario.write_text(yaml.safe_dump(tiny_data({"horizon.days": 3}), sort_keys=False))
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        assert main(["run", str(scenario), "-o", str(out), "--outputs", "kpis", "-q"]) == 0
    capsys.readouterr()
    assert main(["compare", str(a), str(b), "--plot", str(tmp_path / "p.png")]) == 2
    err = capsys.readouterr().err
    assert "is a KPIs-only run" in err and "--outputs orders" in err and "Traceback" not in err
    assert main(["compare", str(a), str(b), "-o", str(a)]) == 2
    assert "holds a run" in capsys.readouterr().err
    assert not (a / "comparison.csv").exists()


def test_figures_are_imported_early_and_drawn_with_no_other_thread(tmp_path, monkeypatch):
    """Where no figure process draws them (a big run holding its tables: here, forced),
    fsim run imports matplotlib on a thread from the first finished replication, and
    joins it before drawing: the figure workers are forked only from a process with no
    other thread (else they are drawn one by one, slower, silently)."""
    import threading
    import time

    import sim.cli.run as cli_run
    import sim.figure_process
    import sim.report

    monkeypatch.setattr(sim.figure_process, "READ_BACK_HELD_ORDERS_AT_MOST", -1)

    started, seen = [], []
    real_import, real_draw = cli_run._import_figures, sim.report.write_figures
    def slow_import():  # (still importing when drawing starts, unless it is waited for)
        started.append(1)
        real_import()
        time.sleep(1.5)
    monkeypatch.setattr(cli_run, "_import_figures", slow_import)
    monkeypatch.setattr(sim.report, "write_figures",
                        lambda *a, **k: seen.append(threading.active_count()) or real_draw(*a, **k))
    scenario = tmp_path / "tiny.yaml"
    scenario.write_text(yaml.safe_dump(TINY, sort_keys=False))
    assert main(["run", str(scenario), "-r", "2", "-q", "--out", str(tmp_path / "run")]) == 0
    assert started == [1] and seen == [1]
    assert main(["run", str(scenario), "-q", "--no-figures", "--out", str(tmp_path / "plain")]) == 0
    assert started == [1]  # (no figures: nothing imported for them)


def test_the_resolved_scenario_of_a_run_with_seed_is_the_scenario_it_ran(tmp_path):
    """fsim run --seed S writes seed: S into scenario.resolved.yaml, so running that file
    repeats the run (0.5.9 wrote the file's own seed); fsim compare's scenario runs all
    record the seed they shared."""
    scenario = tmp_path / "tiny.yaml"
    scenario.write_text(yaml.safe_dump(TINY, sort_keys=False))
    first, again = tmp_path / "first", tmp_path / "again"
    assert main(["run", str(scenario), "--seed", "5", "-q", "--outputs", "kpis", "-o", str(first)]) == 0
    resolved = yaml.safe_load((first / "scenario.resolved.yaml").read_text())
    assert resolved["seed"] == 5 != TINY["seed"]
    assert main(["run", str(first / "scenario.resolved.yaml"), "-q", "--outputs", "kpis", "-o", str(again)]) == 0
    assert (first / "kpis.csv").read_text() == (again / "kpis.csv").read_text()
    other = tmp_path / "other.yaml"
    other.write_text(yaml.safe_dump({**TINY, "seed": 99}, sort_keys=False))
    cmp = tmp_path / "cmp"
    assert main(["compare", str(scenario), str(other), "-r", "2", "-o", str(cmp)]) == 0
    for side in ("a", "b"):
        assert yaml.safe_load((cmp / side / "scenario.resolved.yaml").read_text())["seed"] == TINY["seed"]
