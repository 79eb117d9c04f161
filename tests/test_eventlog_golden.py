"""A tiny scenario whose event log is written down by hand from its configuration and
checked event by event, in all three formats (read back with the independent readers
of :mod:`tests.eventlog_readers`).

The scenario: one site open around the clock with one picker and one packer, orders
placed between 08:00 and 12:00 on a Monday, 2 lines of 1 unit of the only SKU each, and
every time constant:

- payment: one attempt answered after 36 s (0.01 h), never declined;
- picking: set-up 60 s + travel 120 s + 2 lines x 30 s = 240 s, the lines spread over
  the tour: picked at +120 s and +240 s;
- packing: 90 s + 2 units x 15 s = 120 s, then the label 12 s;
- the carrier collects at 18:00 (cut-off 17:00) every day and delivers at 10:00 one
  business day later (Tuesday 10:00 = hour 34); every order answers the survey then
  (score: base 4.6, no noise, rounded: 5) and comes back 2 days later (hour 82).

The seed is chosen so that orders are at least 0.2 h apart (checked): no order waits
for the picker or the packer, so every time is its placement plus the sums above.
A second variant declines every card: three soft declines 10 minutes apart, then the
order is cancelled.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from sim.eventlog import write_event_log
from sim.model.world import run_replication
from sim.scenario import validate_data

from .eventlog_readers import read_json, read_sqlite, read_xes

START = dt.date(2026, 1, 5)  # a Monday
ALL_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
GOLDEN = {
    "name": "golden", "seed": 34,
    "horizon": {"days": 1, "warmup_days": 0, "drain_days": 9, "start_weekday": "mon"},
    "catalogue": {"skus": 1},
    "demand": {"channels": {"web": {
        "orders_per_day": 4, "hour_of_day_profile": [0] * 8 + [1] * 4 + [0] * 12,
        "lines_per_order": 2, "units_per_line": 1, "regions": {"CA": 1.0},
        "promised_business_days": 3, "return_prob": 1.0}}},
    "payment": {"auth_time_s": 36, "decline_prob": 0.0},
    "warehouses": {"west": {
        "location": {"lat": 34.06, "lon": -117.65},
        "staff": {"pickers": 1, "packers": 1},
        "picking": {"setup_time_s": 60, "travel_time_s": 120, "time_per_line_s": 30,
                    "error_prob_per_line": 0},
        "packing": {"time_per_order_s": 90, "time_per_unit_s": 15},
        "shipping": {"carrier": "ground", "label_time_s": 12}}},
    "carriers": {"ground": {
        "pickup_times_h": [18.0], "pickup_days": ALL_DAYS, "cutoff_min": 60,
        "zones": [{"max_km": 100000, "transit_business_days": 1}], "delivery_hour": 10,
        "late_prob": 0, "lost_prob": 0, "damaged_prob": 0}},
    "returns": {"reasons": {"changed_mind": 1.0}, "return_delay_days": 2},
    "satisfaction": {"survey_prob": 1.0, "noise_sd": 0},
}
DECLINED = {**GOLDEN, "payment": {"auth_time_s": 36, "decline_prob": 1.0, "soft_decline_share": 1.0,
                                  "retry_prob": 1.0, "max_attempts": 3, "retry_delay_min": 10}}
S = 1 / 3600  # a second, in hours
FORMATS = {"ocel-json": ".jsonocel", "ocel-sqlite": ".sqlite", "xes": ".xes"}


def _run(data: dict, tmp_path):
    scenario = validate_data(data)
    result = run_replication(scenario, 0)
    placed = result.orders["placed_h"].to_numpy()
    assert len(placed) >= 3 and np.diff(placed).min() > 0.2, "the seed must give well-spaced orders"
    paths = {fmt: write_event_log(result, tmp_path / f"log{ext}", fmt, scenario=scenario, start=START)
             for fmt, ext in FORMATS.items()}
    return placed, paths


def _expected_paid(placed: np.ndarray) -> list[tuple[str, float, list[tuple[str, str]]]]:
    """(activity, hour, sorted links) of every event, from the configuration alone."""
    out = []
    for o, p in enumerate(placed.tolist()):
        order, package, items = f"order-{o}", f"package-{o}", [f"item-{o}-0", f"item-{o}-1"]
        paid = p + 0.01
        out += [
            ("place order", p, [("customer-CA", "customer"), (items[0], "item"), (items[1], "item"), (order, "order")]),
            ("pay order", paid, [(order, "order")]),
            ("route to warehouse", paid, [(order, "order"), ("warehouse-west", "warehouse")]),
            ("create package", paid, [(items[0], "item"), (items[1], "item"), (order, "order"),
                                      (package, "package"), ("warehouse-west", "warehouse")]),
        ]
        for k, item in enumerate(items):
            out.append(("pick item", paid + (k + 1) * 120 * S,
                        [(item, "item"), (package, "package"), ("product-0", "product"),
                         ("west.pickers.0", "picker")]))
        packed = paid + 240 * S + 120 * S
        out += [
            ("pack", packed, [(package, "package"), ("west.packers.0", "packer")]),
            ("print label", packed + 12 * S, [(package, "package"), ("west.packers.0", "packer")]),
            ("send package", 18.0, [("carrier-ground", "carrier"), (package, "package")]),
            ("package delivered", 34.0, [("carrier-ground", "carrier"), ("customer-CA", "customer"),
                                         (package, "package")]),
            ("survey answered", 34.0, [("customer-CA", "customer"), (order, "order")]),
            ("return received", 82.0, [(package, "package"), (f"return-{o}", "return"),
                                       ("warehouse-west", "warehouse")]),
        ]
    packages = [(f"package-{o}", "package") for o in range(len(placed))]
    out.append(("carrier pick-up", 18.0, sorted([("carrier-ground", "carrier"), ("warehouse-west", "warehouse"),
                                                 *packages])))
    return out


def _canonical(events) -> list[tuple[str, float, list[tuple[str, str]]]]:
    return sorted(((e.activity, round(e.time_h / S * 1000), sorted(e.rels)) for e in events),
                  key=lambda x: (x[1], x[0], x[2]))


def _ms(expected):
    # Times are written to the millisecond.
    return sorted(((a, round(t / S * 1000), sorted(r)) for a, t, r in expected), key=lambda x: (x[1], x[0], x[2]))


@pytest.fixture(scope="module")
def golden(tmp_path_factory):
    return _run(GOLDEN, tmp_path_factory.mktemp("golden"))


@pytest.mark.parametrize("reader, fmt", [(read_json, "ocel-json"), (read_sqlite, "ocel-sqlite")])
def test_every_event_as_written_down(golden, reader, fmt):
    placed, paths = golden
    log = reader(paths[fmt], START)
    assert _canonical(log.events) == _ms(_expected_paid(placed))


def test_attributes_and_object_links(golden):
    placed, paths = golden
    log = read_json(paths["ocel-json"], START)
    by_type = {}
    for e in log.events:
        by_type.setdefault(e.activity, []).append(e.attrs)
    assert by_type["pay order"] == [{"attempt": "1"}] * len(placed)
    assert by_type["survey answered"] == [{"score": "5"}] * len(placed)  # no dissatisfied reason
    assert by_type["return received"] == [{"reason": "changed_mind", "units": "2"}] * len(placed)
    assert by_type["carrier pick-up"] == [{"parcels": str(len(placed))}]
    o2o = set(log.o2o)
    for o in range(len(placed)):
        assert (f"order-{o}", "customer-CA", "placed by") in o2o
        assert {(f"order-{o}", f"item-{o}-{k}", "comprises") for k in (0, 1)} <= o2o
        assert {(f"package-{o}", f"item-{o}-{k}", "contains") for k in (0, 1)} <= o2o
        assert (f"package-{o}", f"order-{o}", "for") in o2o
        assert (f"return-{o}", f"package-{o}", "returns") in o2o
        assert log.object_attrs[f"order-{o}"]["status"] == "delivered"
    assert log.objects["west.pickers.0"] == "employee"
    assert ("west.pickers.0", "warehouse-west", "works at") in o2o
    # Every object an event names exists, and every object is named by some event.
    named = {o for e in log.events for o, _ in e.rels}
    assert named == set(log.objects)


def test_xes_traces_as_written_down(golden):
    placed, paths = golden
    traces = read_xes(paths["xes"], START)
    assert list(traces) == [f"order-{o}" for o in range(len(placed))]
    expected = [e for e in _expected_paid(placed) if e[0] != "carrier pick-up"]
    for o in range(len(placed)):
        mine = [(a, round(t / S * 1000)) for a, t, r in expected
                if any(obj in (f"order-{o}", f"package-{o}") or obj.startswith(f"item-{o}-") for obj, _ in r)]
        got = traces[f"order-{o}"]
        assert [(e.activity, round(e.time_h / S * 1000)) for e in got] == mine
        assert all(e.transition == "complete" for e in got)
        resources = {e.activity: e.resource for e in got}
        assert resources["pick item"] == "west.pickers.0" and resources["pack"] == "west.packers.0"
        assert resources["place order"] is None


def test_declined_cards(tmp_path):
    placed, paths = _run(DECLINED, tmp_path)
    expected = []
    for o, p in enumerate(placed.tolist()):
        order = [(f"order-{o}", "order")]
        answers = [p + 0.01 + k * (0.01 + 10 / 60) for k in range(3)]
        expected.append(("place order", p, [("customer-CA", "customer"), (f"item-{o}-0", "item"),
                                            (f"item-{o}-1", "item"), *order]))
        expected += [("payment declined", t, order) for t in answers]
        expected.append(("cancel order", answers[-1], order))
    for reader, fmt in [(read_json, "ocel-json"), (read_sqlite, "ocel-sqlite")]:
        log = reader(paths[fmt], START)
        assert _canonical(log.events) == _ms(expected), fmt
        attempts = [e.attrs["attempt"] for e in log.events if e.activity == "payment declined"]
        assert sorted(attempts) == sorted(["1", "2", "3"] * len(placed))
        assert {e.attrs["reason"] for e in log.events if e.activity == "cancel order"} == {"payment_declined"}
    traces = read_xes(paths["xes"], START)
    assert [e.activity for e in traces["order-0"]] == (["place order"] + ["payment declined"] * 3
                                                       + ["cancel order"])
