"""Every customer order and parcel of a run has its events in the event log, at the
times orders.parquet and shipments.parquet give, each object's events in time order;
counts per activity equal the KPIs (recounted from the events) and the tables' own
counts. Scenarios: the tiny one (two replications), finite stock (backorders, other
sites, cancellations, supplier orders), parts and rests, many losses (reships), and
batch, zone and wave picking.

The log is read back with :mod:`tests.eventlog_readers`, not with the writer's code.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

import numpy as np
import pytest

import sim
from sim.eventlog import write_event_log
from sim.kpis.views import window_h

from .conftest import SCENARIOS, tiny
from .eventlog_readers import read_json, read_sqlite, read_xes

START = dt.date(2026, 1, 5)  # a Monday, like the scenarios' day 0
MS = 0.5e-3 / 3600  # half a millisecond, in hours: times are written to the millisecond
SMALL_STOCK = {"horizon.days": 4, "horizon.warmup_days": 1, "horizon.drain_days": 8,
               "demand.channels.web.orders_per_day": 500, "demand.channels.marketplace.orders_per_day": 200,
               "demand.channels.wholesale.orders_per_day": 40, "inventory.initial_days_of_cover": 1.5}


SHARED = ("carrier pick-up", "release wave")  # events of several orders' parcels
LIFE = {a: k for k, a in enumerate((
    "create package", "reship", "item out of stock", "release wave", "pick item", "pack", "print label",
    "send package", "carrier pick-up", "failed delivery", "delivery exception", "package delivered",
    "return received"))}


def _rows(df, r):
    return df[df["replication"].to_numpy() == r].reset_index(drop=True)


def _log(result, r, tmp_path, fmt="ocel-json"):
    ext = {"ocel-json": ".jsonocel", "ocel-sqlite": ".sqlite", "xes": ".xes"}[fmt]
    path = write_event_log(result, tmp_path / f"rep-{r}{ext}", fmt, replication=r, start=START)
    return {"ocel-json": read_json, "ocel-sqlite": read_sqlite, "xes": read_xes}[fmt](path, START)


def _close(a, b) -> bool:
    return np.allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), atol=MS, rtol=0)


def check_against_tables(log, orders, ships, end_h: float) -> dict[str, Counter]:
    """Every check of the module docstring that needs only one replication's tables."""
    by = defaultdict(lambda: defaultdict(list))  # activity -> object id -> events
    for e in log.events:
        for o, _ in e.rels:
            by[e.activity][o].append(e)
    counts = Counter(e.activity for e in log.events)

    # Nothing after the end of the run; every order's, item's, package's and return's
    # events in time order in the file (but the events of several orders, written last).
    assert max(e.time_h for e in log.events) <= end_h + MS
    for obj, events in log.by_object().items():
        if obj.startswith(("order-", "item-", "package-", "return-")):
            times = [e.time_h for e in events if e.activity not in SHARED]
            assert times == sorted(times), f"{obj}: events out of time order"
    # Each package's life in order: made, picked, packed, labelled, sent, collected, then
    # delivered or lost, then back.
    for obj, events in log.by_object().items():
        if obj.startswith("package-"):
            life = sorted((LIFE[e.activity], e.time_h) for e in events
                          if e.activity in LIFE and (obj, "package") in e.rels)
            times = [t for _, t in life]
            assert times == sorted(times), f"{obj}: {life}"

    n = len(orders)
    oid = [f"order-{o}" for o in range(n)]
    # Orders: placed, paid, routed, cancelled, as the table says.
    assert counts["place order"] == n
    assert _close([by["place order"][o][0].time_h for o in oid], orders["placed_h"])
    paid = ~np.isnan(orders["paid_h"].to_numpy())
    assert counts["pay order"] == counts["route to warehouse"] == int(paid.sum())
    assert _close([by["pay order"][oid[o]][0].time_h for o in np.flatnonzero(paid)], orders["paid_h"][paid])
    assert all(len(by["pay order"][oid[o]]) == 0 for o in np.flatnonzero(~paid))
    attempts = orders["payment_attempts"].to_numpy()
    declined_events = Counter({o: len(v) for o, v in by["payment declined"].items()})
    for o in np.flatnonzero(paid):
        assert declined_events[oid[o]] == attempts[o] - 1  # every attempt but the last
        assert by["pay order"][oid[o]][0].attrs["attempt"] == str(attempts[o])
    reasons = Counter(e.attrs["reason"] for e in log.events if e.activity == "cancel order")
    table_reasons = Counter(orders["cancel_reason"].astype(str))
    del table_reasons[""]
    assert reasons == table_reasons

    # Parcels: made, picked, packed, labelled, sent, delivered, lost, returned at their times.
    m = len(ships)
    pid = [f"package-{s}" for s in range(m)]
    reship = (ships["kind"] == "reship").to_numpy()
    assert counts["create package"] == int((~reship).sum()) and counts["reship"] == int(reship.sum())
    made = {o: e for a in ("create package", "reship") for o, v in by[a].items() for e in v
            if o.startswith("package-") and (o, "package") in e.rels}
    assert _close([made[p].time_h for p in pid], ships["created_h"])
    for s in np.flatnonzero(~reship):
        e = made[pid[s]]
        assert e.attrs["kind"] == ships["kind"].astype(str)[s]
        assert (f"order-{ships['order_id'][s]}", "order") in e.rels
        assert len(e.objects("item")) == (ships["lines"].to_numpy()[s])
    for s in np.flatnonzero(reship):
        assert made[pid[s]].objects("replaced package") == [pid[ships["parent_shipment"].to_numpy()[s]]]
    picks = by["pick item"]
    picked = ~np.isnan(ships["picked_h"].to_numpy())
    for s in range(m):
        mine = [e for e in picks.get(pid[s], [])]
        if not picked[s]:
            assert not mine
            continue
        assert len(mine) == ships["lines"].to_numpy()[s]
        times = [e.time_h for e in mine]
        assert ships["pick_start_h"][s] - MS <= min(times) and max(times) <= ships["picked_h"][s] + MS
        if ships["batch_size"][s] == 1:  # alone on its tour (or its zones'): its last line ends it
            assert _close(max(times), ships["picked_h"][s])
    for activity, column in (("pack", "packed_h"), ("print label", "labelled_h"), ("send package", "shipped_h"),
                             ("package delivered", "delivered_h"), ("failed delivery", "lost_h")):
        t = ships[column].to_numpy()
        has = ~np.isnan(t)
        assert counts[activity] == int(has.sum()), activity
        assert _close([by[activity][pid[s]][0].time_h for s in np.flatnonzero(has)], t[has]), activity
    packer = ships["packer"].to_numpy()
    site = ships["site"].astype(str).to_numpy()
    for s in np.flatnonzero(~np.isnan(ships["packed_h"].to_numpy())):
        assert by["pack"][pid[s]][0].objects("packer") == [f"{site[s]}.packers.{packer[s]}"]
    exception = ships["exception"].astype(str).to_numpy()
    delivered = ~np.isnan(ships["delivered_h"].to_numpy())
    noted = delivered & np.isin(exception, ["damaged", "address_problem"])
    assert counts["delivery exception"] == int(noted.sum())
    returned = ships["returned"].to_numpy()
    assert counts["return received"] == int(returned.sum())
    assert _close([by["return received"][pid[s]][0].time_h for s in np.flatnonzero(returned)],
                  ships["returned_h"][returned])
    assert counts["refund"] == int((ships["remedy"] == "refund").sum())
    assert counts["survey answered"] == int((~np.isnan(orders["csat"].to_numpy())).sum())
    assert counts["issue discount"] == int((orders["remedy"] == "discount").sum())
    shipped = ~np.isnan(ships["shipped_h"].to_numpy())
    assert sum(int(e.attrs["parcels"]) for e in log.events if e.activity == "carrier pick-up") == int(shipped.sum())
    return by


def check_kpis(log, orders, ships, kpis: dict, scenario) -> None:
    """The order KPIs recounted from the events alone."""
    lo, hi = window_h(scenario)
    placed_in = {o for o, v in _by(log, "place order").items() if o.startswith("order-") and lo <= v[0].time_h < hi}
    assert len(placed_in) == kpis["orders_placed"]
    first = defaultdict(set)  # order -> its first-attempt packages (made by "create package")
    for e in log.events:
        if e.activity == "create package":
            first[e.objects("order")[0]].add(e.objects("package")[0])
    sent = {o for e in log.events if e.activity == "send package" for o in e.objects("package")}
    arrived = {o for e in log.events if e.activity == "package delivered" for o in e.objects("package")}
    # An order still short of stock at the end (no parcel made after its items ran out;
    # with ship_available the part on hand ships at that very moment) is not complete,
    # even if its parcels arrived.
    short_at, made_at = {}, defaultdict(float)
    for e in log.events:
        for o in e.objects("order"):
            if e.activity == "item out of stock":
                short_at[o] = max(short_at.get(o, 0.0), e.time_h)
            elif e.activity == "create package":
                made_at[o] = max(made_at[o], e.time_h)
    waiting = {o for o, t in short_at.items() if made_at[o] <= t}
    complete = {o for o in placed_in if first[o] and first[o] <= arrived and o not in waiting}
    assert len(complete) == kpis["orders_delivered"]
    assert len({o for o in placed_in if first[o] and first[o] <= sent and o not in waiting}) == kpis["orders_shipped"]
    cancels = {e.objects("order")[0]: e.attrs["reason"] for e in log.events if e.activity == "cancel order"}
    declined = sum(1 for o in placed_in if cancels.get(o) == "payment_declined")
    went = sum(1 for o in placed_in if cancels.get(o) != "below_moq")
    assert kpis["payment_failure_pct"] == pytest.approx(100 * declined / went)
    # Return rate: units back / units delivered, first-attempt parcels of orders placed in the window.
    units = dict(zip([f"package-{s}" for s in range(len(ships))], ships["units"].tolist(), strict=True))
    mine = {p for o in placed_in for p in first[o]} & arrived
    back = sum(int(e.attrs["units"]) for e in log.events
               if e.activity == "return received" and e.objects("package")[0] in mine)
    assert kpis["return_rate_pct"] == pytest.approx(100 * back / sum(units[p] for p in mine))


def _by(log, activity):
    out = defaultdict(list)
    for e in log.events:
        if e.activity == activity:
            for o, _ in e.rels:
                out[o].append(e)
    return out


def _check_run(result, tmp_path, reps=None):
    kpis = result.kpis.set_index("replication")
    for r in reps or sorted(set(result.orders["replication"])):
        log = _log(result, r, tmp_path)
        orders, ships = _rows(result.orders, r), _rows(result.shipments, r)
        check_against_tables(log, orders, ships, result.end_h)
        check_kpis(log, orders, ships, kpis.loc[r].to_dict(), result.scenario)
        yield r, log, orders, ships


@pytest.fixture(scope="module")
def tiny_run():
    return sim.run(tiny({"carriers.ground.lost_prob": 0.05, "carriers.ground.damaged_prob": 0.05,
                         "remedies.lost": "reship", "remedies.damaged": "reship"}),
                   replications=2, seed=5)


def test_tiny_two_replications(tiny_run, tmp_path):
    logs = list(_check_run(tiny_run, tmp_path))
    assert len(logs) == 2
    counts = Counter(e.activity for e in logs[0][1].events)
    # The scenario has declines, below-minimum orders, losses (reships) and returns.
    for activity in ("payment declined", "cancel order", "reship", "failed delivery", "return received",
                     "refund", "survey answered", "carrier pick-up"):
        assert counts[activity] > 0, activity
    # Money to the cent: a refund's float32 amount was written 4283.568359375.
    amounts = [e.attrs["amount"] for _, log, _, _ in logs for e in log.events
               if e.activity in ("refund", "issue discount")]
    assert amounts and all(len(str(a).partition(".")[2]) <= 2 for a in amounts), amounts[:5]


def test_formats_hold_the_same_log(tiny_run, tmp_path):
    js = _log(tiny_run, 0, tmp_path, "ocel-json")
    sq = _log(tiny_run, 0, tmp_path, "ocel-sqlite")
    key = lambda e: (e.id, e.activity, round(e.time_h * 3.6e6), sorted(e.rels), e.attrs)  # noqa: E731
    assert [key(e) for e in js.events] == [key(e) for e in sq.events]
    assert js.objects == sq.objects
    assert sorted(js.o2o) == sorted(sq.o2o)
    assert js.object_attrs == {k: v for k, v in sq.object_attrs.items()}
    # XES: each order's trace holds the events of the order, its items and its packages.
    traces = _log(tiny_run, 0, tmp_path, "xes")
    owner = {}
    for o, target, q in js.o2o:
        if q == "for":
            owner[o] = target  # package -> order
    expected = defaultdict(list)
    for e in js.events:
        cases = {o for o, _ in e.rels if o.startswith("order-")}
        cases |= {owner[o] for o, _ in e.rels if o in owner and e.activity not in ("carrier pick-up", "release wave")}
        cases |= {"order-" + o.split("-")[1] for o, q in e.rels if q == "item"}
        for c in cases:
            expected[c].append((e.activity, round(e.time_h * 3.6e6)))
    assert set(traces) == set(expected) == {f"order-{o}" for o in range(len(_rows(tiny_run.orders, 0)))}
    for case, events in traces.items():
        got = [(e.activity, round(e.time_h * 3.6e6)) for e in events]
        assert sorted(got) == sorted(expected[case]), case
        assert [t for _, t in got] == sorted(t for _, t in got), f"{case}: out of time order"


def test_stock_backorders_and_supplier_orders(tmp_path):
    scenario = sim.load_scenario(SCENARIOS / "stock.yaml", overrides={**SMALL_STOCK, "inventory.cancel_after_days": 1})
    result = sim.run(scenario, seed=3)
    [(r, log, orders, ships)] = list(_check_run(result, tmp_path))
    counts = Counter(e.activity for e in log.events)
    so = result.supplier_orders
    assert counts["reorder item"] == len(so)
    assert counts["receive stock"] == int((~np.isnan(so["received_h"].to_numpy())).sum())
    waited = ~np.isnan(orders["backordered_h"].to_numpy())
    assert waited.any() and (ships["kind"] == "other_site").any()
    # Every order that waited for stock has its items out of stock at that moment.
    out = _by(log, "item out of stock")
    for o in np.flatnonzero(waited):
        events = out[f"order-{o}"]
        assert events and _close([e.time_h for e in events], [orders["backordered_h"][o]] * len(events))
    assert {o for o in out if o.startswith("order-")} == {f"order-{o}" for o in np.flatnonzero(waited)}
    assert (orders["cancel_reason"] == "backorder_timeout").any()
    assert counts["restock"] == int((~np.isnan(ships["restocked_h"].to_numpy())).sum())
    # Supplier orders: their placing and arrival, each of a product for a warehouse.
    for e in log.events:
        if e.activity in ("reorder item", "receive stock"):
            assert {q for _, q in e.rels} == {"replenishment order", "product", "warehouse"}


def test_parts_and_rests(tmp_path):
    scenario = sim.load_scenario(SCENARIOS / "stock_split.yaml", overrides=SMALL_STOCK)
    result = sim.run(scenario, seed=3)
    [(r, log, orders, ships)] = list(_check_run(result, tmp_path))
    kinds = set(ships["kind"].astype(str))
    assert {"split", "rest"} <= kinds
    # A rest's items are the ones its order was short of when it shipped the rest later.
    out = _by(log, "item out of stock")
    made = {e.objects("package")[0]: e for e in log.events if e.activity == "create package"}
    for s in np.flatnonzero((ships["kind"] == "rest").to_numpy()):
        o = ships["order_id"][s]
        short = {i for e in out[f"order-{o}"] for i in e.objects("item")}
        assert set(made[f"package-{s}"].objects("item")) == short


@pytest.mark.parametrize("name", ["batch", "zone", "wave"])
def test_picking_methods(name, tmp_path):
    scenario = sim.load_scenario(SCENARIOS / "picking" / f"{name}.yaml",
                                 overrides={"horizon.days": 2, "horizon.warmup_days": 0, "horizon.drain_days": 6,
                                            "demand.channels.web.orders_per_day": 600,
                                            "demand.channels.marketplace.orders_per_day": 300,
                                            "demand.channels.wholesale.orders_per_day": 30})
    result = sim.run(scenario, seed=2)
    [(r, log, orders, ships)] = list(_check_run(result, tmp_path))
    tours = result.tours
    picks = [e for e in log.events if e.activity == "pick item"]
    # A tour's lines are spread over it (a batch's, a zone's part of a parcel): each
    # pick lies inside its tour, by the tour's picker, and its last pick ends the tour.
    by_tour = defaultdict(list)
    for e in picks:
        by_tour[e.objects("pick tour")[0]].append(e)
    assert by_tour and all(len(v) == tours["lines"][int(t[5:])] for t, v in by_tour.items())
    assert _close([max(e.time_h for e in v) for v in by_tour.values()],
                  [tours["end_h"][int(t[5:])] for t in by_tour])
    for t, v in by_tour.items():
        row = tours.iloc[int(t[5:])]
        assert all(row["start_h"] - MS <= e.time_h <= row["end_h"] + MS for e in v)
        zone = f"zone{row['zone']}." if row["zone"] >= 0 else ""
        assert {p for e in v for p in e.objects("picker")} == {f"{row['site']}.pickers.{zone}{row['worker']}"}
    if name in ("batch", "wave"):
        assert max(tours["orders"]) > 1 and any(o.startswith("tour-") for o in log.objects)
    if name == "wave":
        releases = [e for e in log.events if e.activity == "release wave"]
        waved = (ships["wave_id"] >= 0).to_numpy()
        assert sum(len(e.objects("package")) for e in releases) == int(waved.sum())
        for e in releases:
            for p in e.objects("package"):
                assert _close(e.time_h, ships["released_h"][int(p[8:])])
    if name == "zone":
        pickers = {o for e in picks for o in e.objects("picker")}
        assert all(".zone" in p for p in pickers)
        # Every zone tour of a picked parcel is in the log, with its zone's lines.
        picked = set(np.flatnonzero(~np.isnan(ships["picked_h"].to_numpy())).tolist())
        of_picked = tours[tours["shipment_id"].isin(picked)]
        assert (of_picked.groupby("shipment_id").size() > 1).any()  # parcels picked in several zones
        assert {f"tour-{t}" for t in of_picked["tour_id"]} == set(by_tour)
