"""Same seed: bit-identical results; different seed: different; 1 vs 2 workers (really
in parallel): identical."""

from __future__ import annotations

import os

import pandas as pd
import pytest

import sim
from sim.rng import Streams

from .conftest import tiny


def test_named_streams_are_stable_and_independent():
    a = Streams(7, 0).get("picking.west").random(5)
    assert (a == Streams(7, 0).get("picking.west").random(5)).all()
    assert not (a == Streams(7, 1).get("picking.west").random(5)).any()
    assert not (a == Streams(8, 0).get("picking.west").random(5)).any()
    assert not (a == Streams(7, 0).get("picking.east").random(5)).any()
    # Asking for another stream first does not shift this one (named, not positional).
    s = Streams(7, 0)
    s.get("something.else").random(100)
    assert (a == s.get("picking.west").random(5)).all()


def test_same_seed_is_bit_identical(tmp_path):
    scenario = tiny()
    a = sim.run(scenario, replications=2, seed=11)
    b = sim.run(scenario, replications=2, seed=11)
    pd.testing.assert_frame_equal(a.orders, b.orders)
    pd.testing.assert_frame_equal(a.kpis, b.kpis)
    for table in ("orders", "shipments"):
        getattr(a, table).to_parquet(tmp_path / "a.parquet", index=False)
        getattr(b, table).to_parquet(tmp_path / "b.parquet", index=False)
        assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes(), table


def test_different_seed_differs():
    scenario = tiny()
    a = sim.run(scenario, replications=1, seed=11)
    b = sim.run(scenario, replications=1, seed=12)
    assert not a.orders["placed_h"].head(50).equals(b.orders["placed_h"].head(50))


def test_replications_are_independent():
    result = sim.run(tiny(), replications=3, seed=5)
    firsts = [g["placed_h"].head(20).to_numpy() for _, g in result.orders.groupby("replication")]
    assert not (firsts[0] == firsts[1]).any() and not (firsts[1] == firsts[2]).any()


def test_parallel_workers_give_identical_results():
    scenario = tiny()
    serial = sim.run(scenario, replications=4, seed=3, workers=1)
    parallel = sim.run(scenario, replications=4, seed=3, workers=2)
    # The parallel path really ran in other processes.
    assert set(serial.worker_pids) == {os.getpid()}
    assert os.getpid() not in parallel.worker_pids
    assert len(set(parallel.worker_pids)) == 2
    pd.testing.assert_frame_equal(serial.orders, parallel.orders)
    pd.testing.assert_frame_equal(serial.shipments, parallel.shipments)
    pd.testing.assert_frame_equal(serial.kpis, parallel.kpis)
    pd.testing.assert_frame_equal(serial.timeseries, parallel.timeseries)
    # The same run, told apart only by when and how it ran.
    drop = {"provenance"}
    assert {k: v for k, v in serial.summary.items() if k not in drop} == \
        {k: v for k, v in parallel.summary.items() if k not in drop}
    assert parallel.summary["provenance"]["workers"] == 2


def test_common_random_numbers_across_staffing():
    """Two scenarios differing only in staff see the same orders (same placement times,
    composition and pick times), so comparing them is not drowned in noise."""
    few = sim.run(tiny(), seed=4).orders
    many = sim.run(tiny({"warehouses.east.staff.pickers": 6}), seed=4).orders
    for col in ("placed_h", "paid_h", "lines", "units", "pick_error", "site"):
        pd.testing.assert_series_equal(few[col], many[col])


@pytest.mark.parametrize("bad", [0, -1])
def test_run_rejects_bad_counts(bad):
    with pytest.raises(ValueError):
        sim.run(tiny(), replications=bad)
    with pytest.raises(ValueError):
        sim.run(tiny(), workers=bad)
