"""The files themselves: OCEL 2.0 JSON against the specification's JSON Schema
(vendored in tests/data, checked by hand and by ``jsonschema`` where installed), the
OCEL 2.0 SQLite layout and its keys, XES's structure, read-back with pm4py where
installed, ``fsim run --event-log`` and its errors, and the Python API."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import sim
from sim.cli import main
from sim.eventlog import FORMATS, default_start, write_event_log
from sim.eventlog.render import Group, Piece, render
from sim.eventlog.vocabulary import (
    ACTIVITIES,
    EVENT_ATTRIBUTES,
    OBJECT_ATTRIBUTES,
    OBJECT_TYPES,
    table_suffix,
)
from sim.model.world import run_replication

from .conftest import TINY, tiny, tiny_data
from .eventlog_readers import XES_NS, read_json, read_sqlite, read_xes, schema_errors

SCHEMA = json.loads((Path(__file__).parent / "data" / "ocel20-schema-json.json").read_text())
START = dt.date(2026, 1, 5)


@pytest.fixture(scope="module")
def logs(tmp_path_factory):
    """One replication of the tiny scenario (with losses and reships) in every format."""
    scenario = tiny({"carriers.ground.lost_prob": 0.05, "remedies.lost": "reship"})
    result = run_replication(scenario, 0, seed=8)
    root = tmp_path_factory.mktemp("logs")
    return scenario, result, {fmt: write_event_log(result, root / f"log{ext}", fmt, scenario=scenario, start=START)
                              for fmt, ext in FORMATS.items()}


def test_json_validates_against_the_ocel2_schema(logs):
    doc = json.loads(logs[2]["ocel-json"].read_text(encoding="utf-8"))
    assert schema_errors(doc, SCHEMA) == []
    # The checker does catch what the schema forbids.
    bad = {**doc, "events": [{**doc["events"][0], "time": "5 Jan 2026"}, {"id": "e0", "type": "x"}]}
    errors = schema_errors(bad, SCHEMA)
    assert any("date-time" in e for e in errors) and any("'time'" in e for e in errors)
    assert schema_errors({k: v for k, v in doc.items() if k != "objects"}, SCHEMA) == ["$: missing required 'objects'"]


def test_every_declared_object_attribute_is_written_and_agrees_with_the_tables(logs):
    """Order lines and units, an item's SKU and a package's lines and units were declared
    in objectTypes (and as SQLite columns) but never written (researcher audit)."""
    _, result, paths = logs
    doc = json.loads(paths["ocel-json"].read_text(encoding="utf-8"))
    written: dict[str, set[str]] = {}
    values: dict[tuple[str, str], dict] = {}
    for obj in doc["objects"]:
        for a in obj.get("attributes", []):
            written.setdefault(obj["type"], set()).add(a["name"])
            values.setdefault((obj["type"], a["name"]), {})[obj["id"]] = a["value"]
    no_box = result.shipments["box"].astype(str).eq("").all()  # (no boxes in this scenario)
    unset = {("package", "box")} if no_box else set()
    assert unset or "box" in written["package"]
    for kind in {o["type"] for o in doc["objects"]}:
        declared = {a[0] for a in OBJECT_ATTRIBUTES.get(kind, ()) if (kind, a[0]) not in unset}
        assert declared <= written.get(kind, set()), (kind, declared - written.get(kind, set()))
    orders = result.orders.set_index("order_id")
    for oid, lines in values[("order", "lines")].items():
        n = int(oid.removeprefix("order-"))
        assert (lines, values[("order", "units")][oid]) == (str(orders.at[n, "lines"]), str(orders.at[n, "units"]))
    ships = result.shipments.set_index("shipment_id")
    for pid, units in values[("package", "units")].items():
        assert units == str(ships.at[int(pid.removeprefix("package-")), "units"])


def test_json_validates_with_jsonschema(logs):
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is not installed (the hand check above ran)")
    doc = json.loads(logs[2]["ocel-json"].read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
    assert list(validator.iter_errors(doc)) == []


def test_json_types_ids_and_values_are_consistent(logs):
    doc = json.loads(logs[2]["ocel-json"].read_text(encoding="utf-8"))
    event_types = {t["name"]: {a["name"]: a["type"] for a in t["attributes"]} for t in doc["eventTypes"]}
    object_types = {t["name"]: {a["name"]: a["type"] for a in t["attributes"]} for t in doc["objectTypes"]}
    assert set(event_types) == {e["type"] for e in doc["events"]} <= set(ACTIVITIES)
    assert set(object_types) == {o["type"] for o in doc["objects"]} <= set(OBJECT_TYPES)
    ids = [o["id"] for o in doc["objects"]]
    assert len(ids) == len(set(ids))
    assert len({e["id"] for e in doc["events"]}) == len(doc["events"])
    known = set(ids)
    parse = {"integer": int, "float": float, "string": str, "boolean": {"true": True, "false": False}.__getitem__}
    for e in doc["events"]:
        assert {r["objectId"] for r in e["relationships"]} <= known
        for a in e.get("attributes", []):
            parse[event_types[e["type"]][a["name"]]](a["value"])
    for o in doc["objects"]:
        assert {r["objectId"] for r in o.get("relationships", [])} <= known
        for a in o.get("attributes", []):
            assert a["time"] == "1970-01-01T00:00:00Z"
            parse[object_types[o["type"]][a["name"]]](a["value"])


def test_sqlite_layout_and_keys(logs):
    db = sqlite3.connect(str(logs[2]["ocel-sqlite"]))
    try:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        emap = dict(db.execute("SELECT ocel_type, ocel_type_map FROM event_map_type"))
        omap = dict(db.execute("SELECT ocel_type, ocel_type_map FROM object_map_type"))
        assert tables == ({"event", "object", "event_object", "object_object", "event_map_type", "object_map_type"}
                          | {f"event_{m}" for m in emap.values()} | {f"object_{m}" for m in omap.values()})

        def columns(table):
            return [(r[1], r[5]) for r in db.execute(f'PRAGMA table_info("{table}")')]  # (name, place in key)

        assert columns("event") == [("ocel_id", 1), ("ocel_type", 0)]
        assert columns("object") == [("ocel_id", 1), ("ocel_type", 0)]
        assert columns("event_object") == [("ocel_event_id", 1), ("ocel_object_id", 2), ("ocel_qualifier", 3)]
        assert columns("object_object") == [("ocel_source_id", 1), ("ocel_target_id", 2), ("ocel_qualifier", 3)]
        for activity, m in emap.items():
            assert columns(f"event_{m}") == [("ocel_id", 1), ("ocel_time", 0)] + [(a, 0) for a, _ in EVENT_ATTRIBUTES[activity]]
        for t, m in omap.items():
            assert columns(f"object_{m}") == ([("ocel_id", 0), ("ocel_time", 0)] + [(a, 0) for a, _ in OBJECT_ATTRIBUTES[t]]
                                              + [("ocel_changed_field", 0)])
        # Every foreign key holds: links name existing events and objects, each event and
        # object is in the table of its type, and every type is mapped.
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        for activity, m in emap.items():
            n = db.execute(f'SELECT count(*) FROM "event_{m}"').fetchone()[0]
            assert n == db.execute("SELECT count(*) FROM event WHERE ocel_type = ?", (activity,)).fetchone()[0]
        # Objects no event names: only products of items never picked (an item names them).
        silent = db.execute("SELECT ocel_id, ocel_type FROM object WHERE ocel_id NOT IN "
                            "(SELECT ocel_object_id FROM event_object)").fetchall()
        named_by_items = {r[0] for r in db.execute("SELECT ocel_target_id FROM object_object "
                                                   "WHERE ocel_qualifier = 'product'")}
        assert all(t == "product" and i in named_by_items for i, t in silent)
    finally:
        db.close()


def test_table_names_are_one_per_type():
    for names in (ACTIVITIES, OBJECT_TYPES):
        suffixes = [table_suffix(n) for n in names]
        assert len(set(s.lower() for s in suffixes)) == len(names)
        assert all(s.isalnum() for s in suffixes)
    assert table_suffix("carrier pick-up") == "CarrierPickUp" and table_suffix("pick tour") == "PickTour"


def test_xes_structure(logs):
    path = logs[2]["xes"]
    root = ET.parse(str(path)).getroot()
    assert root.get("xes.version") == "1849-2016"
    assert {e.get("prefix") for e in root.findall(XES_NS + "extension")} == {"concept", "time", "org", "lifecycle"}
    traces = read_xes(path, START)
    orders = logs[1].orders
    assert list(traces) == [f"order-{o}" for o in range(len(orders))]
    for name, events in traces.items():
        assert events[0].activity == "place order", name
        times = [e.time_h for e in events]
        assert times == sorted(times)
        assert all(e.transition == "complete" for e in events)
        assert all(e.resource is not None for e in events if e.activity in ("pick item", "pack"))


def test_pm4py_reads_the_logs_back(logs):
    pm4py = pytest.importorskip("pm4py", reason="pm4py is not installed: it is AGPL, never a dependency; "
                                                "pip install pm4py to run this read-back")
    paths = logs[2]
    mine = read_json(paths["ocel-json"], START)
    n_links = sum(len(e.rels) for e in mine.events)
    named = {o for e in mine.events for o, _ in e.rels}
    for ocel in (pm4py.read_ocel2_json(str(paths["ocel-json"])), pm4py.read_ocel2_sqlite(str(paths["ocel-sqlite"]))):
        assert len(ocel.events) == len(mine.events)
        # pm4py keeps the objects some event names (it drops products never picked).
        assert set(ocel.objects["ocel:oid"]) == named
        assert len(ocel.relations) == n_links
        assert len(ocel.o2o) == sum(1 for a, b, _ in mine.o2o if a in named and b in named)
        assert set(ocel.events["ocel:activity"]) == {e.activity for e in mine.events}
    flat = pm4py.read_xes(str(paths["xes"]))
    assert flat["case:concept:name"].nunique() == len(logs[1].orders)


def test_same_start_same_files(logs, tmp_path):
    scenario, result, paths = logs
    for fmt in ("ocel-json", "xes"):
        again = write_event_log(result, tmp_path / paths[fmt].name, fmt, scenario=scenario, start=START)
        assert again.read_bytes() == paths[fmt].read_bytes(), fmt
    sq = write_event_log(result, tmp_path / "again.sqlite", "ocel-sqlite", scenario=scenario, start=START)
    a, b = read_sqlite(paths["ocel-sqlite"], START), read_sqlite(sq, START)
    assert [(e.id, e.activity, e.time_h, e.rels) for e in a.events] == [(e.id, e.activity, e.time_h, e.rels) for e in b.events]


def test_a_later_start_shifts_every_time(logs, tmp_path):
    scenario, result, paths = logs
    later = write_event_log(result, tmp_path / "later.jsonocel", "ocel-json", scenario=scenario,
                            start=START + dt.timedelta(days=7))
    a = read_json(paths["ocel-json"], START)
    b = read_json(later, START)
    assert np.allclose([e.time_h + 168 for e in a.events], [e.time_h for e in b.events])


def test_names_that_need_escaping(tmp_path):
    data = tiny_data()
    data["warehouses"] = {'we"st <&> \\': data["warehouses"]["west"], "east": data["warehouses"]["east"]}
    data["demand"]["channels"] = {'w"eb&<': data["demand"]["channels"]["web"]}
    scenario = sim.scenario.validate_data(data)
    result = run_replication(scenario, 0)
    paths = {fmt: write_event_log(result, tmp_path / f"log{ext}", fmt, scenario=scenario, start=START)
             for fmt, ext in FORMATS.items()}
    doc = json.loads(paths["ocel-json"].read_text(encoding="utf-8"))
    assert schema_errors(doc, SCHEMA) == []
    assert 'warehouse-we"st <&> \\' in {o["id"] for o in doc["objects"]}
    assert {a["value"] for e in doc["events"] if e["type"] == "place order" for a in e["attributes"]} == {'w"eb&<'}
    sq = read_sqlite(paths["ocel-sqlite"], START)
    assert 'warehouse-we"st <&> \\' in sq.objects
    traces = read_xes(paths["xes"], START)
    assert any(e.resource and e.resource.startswith('we"st <&> \\.') for t in traces.values() for e in t)


def test_api_errors(logs, tmp_path):
    scenario, result, _ = logs
    with pytest.raises(ValueError, match="format must be one of ocel-json, ocel-sqlite, xes"):
        write_event_log(result, tmp_path / "x", "csv", scenario=scenario, start=START)
    with pytest.raises(ValueError, match="scenario: required"):
        write_event_log(result, tmp_path / "x", "xes", start=START)
    with pytest.raises(ValueError, match="is a Tuesday, but the scenario's horizon.start_weekday is mon"):
        write_event_log(result, tmp_path / "x", "xes", scenario=scenario, start=START + dt.timedelta(days=1))
    assert not list(tmp_path.iterdir())  # nothing half-written
    many = sim.run(scenario, replications=2, seed=1)
    with pytest.raises(ValueError, match=r"replication must be one of \[0, 1\], got 5"):
        write_event_log(many, tmp_path / "x", "xes", replication=5, start=START)


def test_default_start_is_the_next_day_of_the_start_weekday():
    monday = dt.date(2026, 1, 5)
    assert default_start("mon", monday) == monday
    assert default_start("mon", monday + dt.timedelta(days=1)) == monday + dt.timedelta(days=7)
    assert default_start("sun", monday) == monday + dt.timedelta(days=6)
    assert default_start("wed").weekday() == 2 and 0 <= (default_start("wed") - dt.date.today()).days <= 7


def test_render_leaves_out_absent_pieces():
    rows = render(3, [Piece("<%d:", [np.array([1, 2, 3])]),
                      Group([Piece("a=%s", [["x", "y", "z"]], np.array([True, False, True])),
                             Piece("b=%r", [np.array([0.5, 1.5, 2.5])], np.array([True, True, False]))]),
                      Piece(">")])
    assert rows == ["<1:a=x,b=0.5>", "<2:b=1.5>", "<3:a=z>"]


# --- fsim run --event-log ------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("scenario") / "tiny.yaml"
    path.write_text(yaml.safe_dump(TINY, sort_keys=False))
    return path


def test_fsim_run_writes_a_log_per_replication_and_format(tiny_file, tmp_path):
    out = tmp_path / "run"
    code = main(["run", str(tiny_file), "-r", "2", "--seed", "4", "--out", str(out), "--quiet", "--no-figures",
                 "--event-log", "ocel-json", "--event-log", "xes", "--event-log", "ocel-sqlite",
                 "--event-log-start", "2026-01-05"])
    assert code == 0
    assert sorted(p.name for p in (out / "eventlog").iterdir()) == [
        "rep-0.jsonocel", "rep-0.sqlite", "rep-0.xes", "rep-1.jsonocel", "rep-1.sqlite", "rep-1.xes"]
    assert (out / "summary.json").exists()
    orders = pd.read_parquet(out / "orders.parquet")  # each log holds its replication's orders
    for r in (0, 1):
        log = read_json(out / "eventlog" / f"rep-{r}.jsonocel", START)
        assert sum(e.activity == "place order" for e in log.events) == int((orders["replication"] == r).sum())
    # A second run into the same folder replaces the logs with --overwrite only.
    assert main(["run", str(tiny_file), "--out", str(out), "--quiet", "--no-figures", "--event-log", "xes"]) == 2
    assert main(["run", str(tiny_file), "--out", str(out), "--quiet", "--no-figures", "--overwrite",
                 "--event-log", "xes"]) == 0
    assert sorted(p.name for p in (out / "eventlog").iterdir()) == ["rep-0.xes"]


@pytest.mark.parametrize("args, message", [
    (["--event-log", "csv"], "argument --event-log: invalid choice: 'csv'"),
    (["--event-log", "xes", "--event-log-start", "2026-01-06"],
     "--event-log-start 2026-01-06: 2026-01-06 is a Tuesday, but the scenario's horizon.start_weekday is mon"),
    (["--event-log", "xes", "--event-log-start", "5/1/2026"],
     "argument --event-log-start: must be a date written YYYY-MM-DD, got '5/1/2026'"),
    (["--event-log-start", "2026-01-05"], "--event-log-start: only used with --event-log FORMAT"),
    # (it wrote timestamps such as 10000-01-01T00:00:35, which no reader takes)
    (["--event-log", "xes", "--event-log-start", "9999-12-30"],
     "with the drain) would end after 9999-12-31, the last date a timestamp can hold"),
])
def test_fsim_run_refuses_bad_event_log_options(tiny_file, tmp_path, capsys, args, message):
    with pytest.raises(SystemExit) as stop:
        code = main(["run", str(tiny_file), "--out", str(tmp_path / "out"), "--quiet", *args])
        raise SystemExit(code)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "out" / "summary.json").exists()
