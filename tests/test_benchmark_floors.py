"""The CI speed check (benchmarks/throughput.py --check) fails past its floors and passes
within them; the floors file is well formed."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "throughput.py"


def _throughput():
    spec = importlib.util.spec_from_file_location("throughput_bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_check_fails_past_the_floors_and_passes_within(capsys):
    bench = _throughput()
    floors = json.loads(bench.FLOORS.read_text())
    assert floors["ratio_min"] > 0 and 0 < floors["events_per_order_max"] <= 3.0

    def report(ratio, events):
        return {"speed": {"ratio": ratio}, "events_per_order": {"baseline": events}}

    assert bench.check(report(floors["ratio_min"] + 0.1, floors["events_per_order_max"] - 0.1)) == 0
    assert bench.check(report(floors["ratio_min"] - 0.1, floors["events_per_order_max"] - 0.1)) == 1
    assert "speed ratio" in capsys.readouterr().err
    assert bench.check(report(floors["ratio_min"] + 0.1, floors["events_per_order_max"] + 0.1)) == 1
    assert "events per order" in capsys.readouterr().err


def test_events_per_order_counts_every_event_the_model_schedules():
    """The count wrapped Environment.schedule, which the model's own events no longer go
    through (sim.model.clock): it read 0.00 per order, and CI's events floor could not
    fail. Every job ends with an event (a tour picked, a parcel packed), so the count is
    at least the jobs of the same replication."""
    from sim.model.world import run_replication

    from .test_picking_methods import scenario

    bench = _throughput()
    single = scenario("single")
    events = bench.events_per_order(single)
    result = run_replication(single, 0, single.seed)
    jobs = len(result.tours) + int(result.shipments["packed_h"].notna().sum())
    assert events * len(result.orders) >= jobs > 0
    assert events < 4  # (and not every event twice)


def test_calls_per_order_is_a_count_that_does_not_depend_on_the_machine():
    """The same replication counts the same calls, each job is several calls, and a
    method whose orders take more steps (zone picking: a tour per zone part) counts
    more than single-order picking on the same demand."""
    from .test_picking_methods import scenario

    bench = _throughput()
    single, zone = scenario("single"), scenario("zone", zone={"zones": 2})
    first = bench.calls_per_order(single)
    assert first == bench.calls_per_order(single)
    assert first > 2 * bench.events_per_order(single)
    assert bench.calls_per_order(zone) > first


def test_the_stock_benchmark_counts_the_draws_of_parcels_made_during_the_run():
    """benchmarks/stock.py's machine-independent figure: with stock, parcels made during
    the run are drawn in the run, their shipping facts in fewer batches (at pick-ups);
    without stock only reships are."""
    from sim.scenario import validate_data

    from .test_common_random_numbers import stocked

    spec = importlib.util.spec_from_file_location("stock_bench", BENCH.parent / "stock.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    d = stocked("other_site")
    d["horizon"]["days"] = 6
    draws, fates = module.draws_in_run(validate_data(d))
    assert draws > 10 and 0 < fates < draws
    del d["inventory"]
    assert module.draws_in_run(validate_data(d)) == (0, 0)  # (no remedies: no reships either)
