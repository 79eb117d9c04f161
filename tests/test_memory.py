"""Memory that a run gives back: a replication's working state is freed when it ends
(not when Python's cycle collector next runs), the table's working columns are
dropped once the frames no longer need them, and a run that writes no table holds
none, however many replications it runs."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pandas as pd
import pytest

from sim import memory
from sim.experiment import run
from sim.model import world as world_module
from sim.model.shipments import COLUMNS, Shipments
from tests.conftest import tiny


@pytest.fixture
def no_cycle_collector():
    """Python's cycle collector off, so that only what the code frees is freed."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _table_after_a_replication(monkeypatch, give_back_from_slots: int) -> weakref.ref:
    """A weak reference to the parcel table of a tiny replication, once it has ended."""
    monkeypatch.setattr(memory, "GIVE_BACK_FROM_SLOTS", give_back_from_slots)
    seen = {}
    collect = world_module.World.collect

    def spying(self):
        seen["table"] = weakref.ref(self.draws.table)
        return collect(self)

    monkeypatch.setattr(world_module.World, "collect", spying)
    result = world_module.run_replication(tiny(), 0)
    assert len(result.shipments) > 0
    return seen["table"]


def test_a_big_replications_working_state_is_freed_when_it_ends(monkeypatch, no_cycle_collector):
    table = _table_after_a_replication(monkeypatch, give_back_from_slots=0)
    assert table() is None


def test_a_small_replications_state_is_left_to_the_cycle_collector(monkeypatch, no_cycle_collector):
    # (why the give-back is needed: the world's components refer to one another)
    table = _table_after_a_replication(monkeypatch, give_back_from_slots=10**12)
    assert table() is not None
    gc.collect()
    assert table() is None


def test_keep_columns_drops_the_others_and_keep_only_compacts_what_is_left_as_before():
    def filled() -> Shipments:
        t = Shipments(n_orders=6, n_order_lines=6, extra=4, extra_lines=4)
        rng = np.random.default_rng(1)
        for name, (dtype, _empty) in COLUMNS.items():
            getattr(t, name)[:] = rng.integers(0, 5, t.capacity).astype(dtype)
        t.parent[:] = -1
        return t

    ids = np.array([0, 2, 3, 5])
    whole, trimmed = filled(), filled()
    whole.keep_only(ids)
    trimmed.keep_columns({"order", "parent", "picked_h"}, {"sku"})
    trimmed.keep_only(ids)
    for name in ("order", "parent", "picked_h"):
        np.testing.assert_array_equal(getattr(trimmed, name), getattr(whole, name))
    np.testing.assert_array_equal(trimmed.line_sku, whole.line_sku)
    for name in ("pick_lines_h", "tour_h", "line_aisle", "line_units"):
        assert not hasattr(trimmed, name)
        assert hasattr(whole, name)


def test_a_run_without_tables_has_the_same_kpis_and_holds_no_table():
    scenario = tiny()
    with_tables = run(scenario, replications=2)
    without = run(scenario, replications=2, tables=False)
    pd.testing.assert_frame_equal(without.kpis, with_tables.kpis)
    assert without.summary["kpis"] == with_tables.summary["kpis"]
    assert without.summary["warnings"] == with_tables.summary["warnings"]
    assert len(with_tables.orders) > 0 and len(with_tables.shipments) > 0
    for name in ("orders", "shipments", "tours", "shipment_lines", "timeseries"):
        assert len(getattr(without, name)) == 0, name


def test_a_kpis_only_run_writes_the_kpis_of_a_run_with_tables_and_resumes(tmp_path):
    import yaml

    from sim.cli import main
    from sim.experiment import run_one
    from sim.runfolder import RunFolder
    from tests.conftest import tiny_data

    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(tiny_data(), sort_keys=False))
    common = ["run", str(path), "-r", "2", "-w", "2", "--seed", "4", "-q"]
    assert main([*common, "-o", str(tmp_path / "orders"), "--outputs", "orders"]) == 0
    assert main([*common, "-o", str(tmp_path / "kpis"), "--outputs", "kpis"]) == 0
    assert (tmp_path / "kpis" / "kpis.csv").read_text() == (tmp_path / "orders" / "kpis.csv").read_text()
    assert not (tmp_path / "kpis" / "orders.parquet").exists()
    # A kept replication without tables reads back as it was (a resumed run).
    output = run_one(tiny(), 1, 4, tables=False)
    manifest = {"scenario_sha256": "x", "seed": 4, "replications": 2, "outputs": "kpis"}
    RunFolder.prepare(tmp_path / "resume", manifest).save_replication(output)
    again = RunFolder.prepare(tmp_path / "resume", manifest).load_replications()[1]
    assert again.kpis == output.kpis or all(
        a == b or (a != a and b != b) for a, b in zip(again.kpis.values(), output.kpis.values(), strict=True))
    assert len(again.orders) == 0 and len(again.shipments) == 0


def test_the_world_as_built_is_left_out_of_the_collectors_scans_while_it_runs():
    """During the run the objects that existed before it are frozen (gc.freeze: a full
    collection would walk them all); after it, and after a run that failed, they are
    back; a caller's own freeze is left as it was."""
    scenario = tiny()
    world = world_module.World(scenario, 0, scenario.seed)
    frozen_while_running = []
    world.run(lambda _share: frozen_while_running.append(gc.get_freeze_count()))
    assert frozen_while_running and min(frozen_while_running) > 0
    assert gc.get_freeze_count() == 0

    def fail(_share):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        world_module.World(scenario, 0, scenario.seed).run(fail)
    assert gc.get_freeze_count() == 0
    gc.freeze()
    try:
        before = gc.get_freeze_count()
        world_module.World(scenario, 0, scenario.seed).run(lambda _share: None)
        assert gc.get_freeze_count() > before // 2  # (a few frozen objects died in the run)
    finally:
        gc.unfreeze()
