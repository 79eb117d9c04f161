"""``fsim run`` with tables does not hold every replication's tables: each replication's
are kept on disk as it finishes, combined from there one replication at a time, and the
figures read back only the columns they draw (sim.outputs.write_results with
``table_files``). The files must be those of a run that held everything."""

from __future__ import annotations

import os

import pandas as pd
import pytest
import yaml

import sim
from sim.cli import main
from sim.outputs import combine_parquet, write_results
from sim.scenario import validate_data

from .conftest import tiny_data

STOCK = {"inventory": {
    "initial_days_of_cover": 2, "fallback": "split", "backorder": "ship_available",
    "replenishment": {"policy": "RQ", "reorder_point": "auto", "order_quantity_days": 3,
                      "supplier_lead_time_days": 2}}}


def _files(folder):
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))


@pytest.mark.parametrize("extra, workers, reps", [({}, 1, 3), (STOCK, 2, 3), ({}, 1, 1)],
                         ids=["plain", "stock-2-workers", "one-replication-linked"])
def test_a_run_combining_kept_tables_writes_the_files_of_a_run_holding_them(tmp_path, extra, workers, reps):
    data = {**tiny_data(), **extra}
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    flat = tmp_path / "flat"
    assert main(["run", str(path), "-r", str(reps), "-w", str(workers), "--seed", "5", "-o", str(flat),
                 "-q"]) == 0
    held = tmp_path / "held"
    result = sim.run(validate_data(data), replications=reps, seed=5)
    write_results(result, held)

    assert _files(flat) == _files(held)
    assert not (flat / "replications").exists()  # (the kept copies are gone once it is done)
    for name in _files(held):
        a, b = flat / name, held / name
        if name.endswith(".parquet"):
            pd.testing.assert_frame_equal(pd.read_parquet(a), pd.read_parquet(b), obj=name)
        elif name.endswith((".png", ".csv")):  # the figures too, drawn from the columns read back
            assert a.read_bytes() == b.read_bytes(), name
    if extra:
        assert "stock_levels.png" in _files(flat)


def _frame(sites, n, start=0):
    return pd.DataFrame({
        "replication": pd.Series([start] * n, dtype="int32"),
        "t_h": [float(i) for i in range(n)],
        "site": pd.Categorical([sites[i % len(sites)] for i in range(n)], categories=sites),
    })


def test_combining_writes_one_row_group_per_replication_with_the_rows_of_a_concat(tmp_path):
    import pyarrow.parquet as pq

    frames = [_frame(["west", "east"], n, r) for r, n in enumerate((5, 0, 7))]
    sources = []
    for r, frame in enumerate(frames):
        sources.append(tmp_path / f"rep{r}.parquet")
        frame.to_parquet(sources[-1], index=False)
    combine_parquet(sources, tmp_path / "all.parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "all.parquet"),
                                  pd.concat(frames, ignore_index=True))
    assert pq.ParquetFile(tmp_path / "all.parquet").metadata.num_row_groups == 3


def test_combining_tables_of_other_categories_gives_what_pandas_concat_gives(tmp_path):
    frames = [_frame(["west", "east"], 4), _frame(["west", "east", "north"], 4, 1)]
    sources = []
    for r, frame in enumerate(frames):
        sources.append(tmp_path / f"rep{r}.parquet")
        frame.to_parquet(sources[-1], index=False)
    combine_parquet(sources, tmp_path / "all.parquet")
    expected = pd.concat([pd.read_parquet(s) for s in sources], ignore_index=True)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "all.parquet"), expected)
    assert not isinstance(expected["site"].dtype, pd.CategoricalDtype)  # (pandas: two category sets)


def test_one_replication_is_linked_not_written_again(tmp_path):
    source = tmp_path / "rep0.parquet"
    _frame(["west"], 3).to_parquet(source, index=False)
    combine_parquet([source], tmp_path / "all.parquet")
    assert os.path.samefile(source, tmp_path / "all.parquet") or (
        source.read_bytes() == (tmp_path / "all.parquet").read_bytes())


def test_a_resumed_run_holding_no_table_still_writes_every_replications_rows(tmp_path):
    """Replications finished by an earlier attempt are loaded without their tables and
    combined from their kept files."""
    from sim.experiment import run_one
    from sim.runfolder import RunFolder

    data = tiny_data()
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    scenario = validate_data(data)
    args = ["run", str(path), "-r", "3", "--seed", "5", "-o", str(tmp_path / "out"), "-q"]
    # An attempt that finished replication 1 and was killed: its marker and kept copy.
    from sim.experiment import scenario_sha256

    manifest = {"scenario_sha256": scenario_sha256(scenario), "seed": 5, "replications": 3,
                "outputs": "all"}
    RunFolder.prepare(tmp_path / "out", manifest).save_replication(run_one(scenario, 1, 5))
    assert main(args) == 0
    orders = pd.read_parquet(tmp_path / "out" / "orders.parquet")
    assert sorted(orders["replication"].unique().tolist()) == [0, 1, 2]
    whole = sim.run(scenario, replications=3, seed=5)
    pd.testing.assert_frame_equal(orders, whole.orders, check_dtype=False)
