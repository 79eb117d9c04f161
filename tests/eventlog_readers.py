"""Readers of the three event-log formats for the tests, written from the formats'
specifications (OCEL 2.0 sections 6 and 8, IEEE 1849 XES) with the standard library
only, independently of :mod:`sim.eventlog`'s writers: what the tests check is what a
third-party reader would see.

Every reader returns events as :class:`Event` (time in hours after the log's start) in
file order, so tests compare formats with each other and with the run's tables.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

XES_NS = "{http://www.xes-standard.org/}"


def parse_time(text: str) -> dt.datetime:
    """An ISO 8601 date-time ('Z' or an offset; SQLite's space separator; no zone: UTC)."""
    t = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T"))
    return t if t.tzinfo else t.replace(tzinfo=dt.timezone.utc)


def hours(text: str, start: dt.date) -> float:
    base = dt.datetime.combine(start, dt.time(), tzinfo=dt.timezone.utc)
    return (parse_time(text) - base).total_seconds() / 3600.0


@dataclass
class Event:
    id: str
    activity: str
    time_h: float
    attrs: dict[str, str] = field(default_factory=dict)
    rels: list[tuple[str, str]] = field(default_factory=list)  # (object id, qualifier)

    def objects(self, qualifier: str) -> list[str]:
        return [o for o, q in self.rels if q == qualifier]


@dataclass
class Log:
    events: list[Event]
    objects: dict[str, str]  # id -> type
    object_attrs: dict[str, dict[str, str]]
    o2o: list[tuple[str, str, str]]  # (source, target, qualifier)
    event_types: dict[str, dict[str, str]]  # name -> {attribute: type}
    object_types: dict[str, dict[str, str]]

    def by_object(self) -> dict[str, list[Event]]:
        out: dict[str, list[Event]] = defaultdict(list)
        for e in self.events:
            for o, _ in e.rels:
                out[o].append(e)
        return out


def read_json(path: Path, start: dt.date) -> Log:
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    events = [Event(e["id"], e["type"], hours(e["time"], start),
                    {a["name"]: a["value"] for a in e.get("attributes", [])},
                    [(r["objectId"], r["qualifier"]) for r in e.get("relationships", [])])
              for e in doc["events"]]
    objects = {o["id"]: o["type"] for o in doc["objects"]}
    attrs = {o["id"]: {a["name"]: a["value"] for a in o.get("attributes", [])} for o in doc["objects"]}
    o2o = [(o["id"], r["objectId"], r["qualifier"]) for o in doc["objects"] for r in o.get("relationships", [])]
    types = {t["name"]: {a["name"]: a["type"] for a in t["attributes"]} for t in doc["eventTypes"]}
    otypes = {t["name"]: {a["name"]: a["type"] for a in t["attributes"]} for t in doc["objectTypes"]}
    return Log(events, objects, attrs, o2o, types, otypes)


def read_sqlite(path: Path, start: dt.date) -> Log:
    db = sqlite3.connect(str(path))
    try:
        emap = dict(db.execute("SELECT ocel_type, ocel_type_map FROM event_map_type"))
        omap = dict(db.execute("SELECT ocel_type, ocel_type_map FROM object_map_type"))
        rels: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for e, o, q in db.execute("SELECT ocel_event_id, ocel_object_id, ocel_qualifier FROM event_object"):
            rels[e].append((o, q))
        events, types = [], {}
        for activity, suffix in emap.items():
            cur = db.execute(f'SELECT * FROM "event_{suffix}"')
            cols = [c[0] for c in cur.description]
            types[activity] = {c: "" for c in cols if not c.startswith("ocel_")}
            for row in cur:
                rec = dict(zip(cols, row, strict=True))
                attrs = {k: str(v) for k, v in rec.items() if not k.startswith("ocel_") and v is not None}
                events.append(Event(rec["ocel_id"], activity, hours(rec["ocel_time"], start), attrs,
                                    sorted(rels[rec["ocel_id"]])))
        general = dict(db.execute("SELECT ocel_id, ocel_type FROM event"))
        assert {e.id: e.activity for e in events} == general, "event table and per-type tables differ"
        events.sort(key=lambda e: int(e.id[1:]))
        objects = dict(db.execute("SELECT ocel_id, ocel_type FROM object"))
        attrs: dict[str, dict[str, str]] = {}
        otypes = {}
        for t, suffix in omap.items():
            cur = db.execute(f'SELECT * FROM "object_{suffix}"')
            cols = [c[0] for c in cur.description]
            otypes[t] = {c: "" for c in cols if not c.startswith("ocel_")}
            for row in cur:
                rec = dict(zip(cols, row, strict=True))
                attrs[rec["ocel_id"]] = {k: str(v) for k, v in rec.items() if not k.startswith("ocel_") and v is not None}
        o2o = list(db.execute("SELECT ocel_source_id, ocel_target_id, ocel_qualifier FROM object_object"))
        return Log(events, objects, attrs, o2o, types, otypes)
    finally:
        db.close()


@dataclass
class XesEvent:
    activity: str
    time_h: float
    resource: str | None
    transition: str | None


def read_xes(path: Path, start: dt.date) -> dict[str, list[XesEvent]]:
    """Traces by their concept:name, each a list of events in file order."""
    root = ET.parse(str(path)).getroot()
    assert root.tag == XES_NS + "log", root.tag
    traces = {}
    for trace in root.findall(XES_NS + "trace"):
        name = _attr(trace, "string", "concept:name")
        events = []
        for e in trace.findall(XES_NS + "event"):
            events.append(XesEvent(_attr(e, "string", "concept:name"), hours(_attr(e, "date", "time:timestamp"), start),
                                   _attr(e, "string", "org:resource"), _attr(e, "string", "lifecycle:transition")))
        assert name not in traces, f"two traces named {name}"
        traces[name] = events
    return traces


def _attr(element, kind: str, key: str) -> str | None:
    for child in element.findall(XES_NS + kind):
        if child.get("key") == key:
            return child.get("value")
    return None


# --- a small JSON Schema (draft-07) checker: the keywords the OCEL 2.0 schema uses ----------

_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
_TYPES = {"object": dict, "array": list, "string": str, "boolean": bool}


def schema_errors(instance, schema: dict, path: str = "$") -> list[str]:
    """Where ``instance`` breaks ``schema`` (keywords: type, properties, required,
    items, format date-time; others are not in the OCEL 2.0 schema and are refused)."""
    known = {"$schema", "$comment", "type", "properties", "required", "items", "format"}
    unknown = set(schema) - known
    if unknown:
        raise ValueError(f"schema keywords this checker does not know: {sorted(unknown)}")
    errors = []
    kind = schema.get("type")
    if kind == "integer":
        ok = isinstance(instance, int) and not isinstance(instance, bool)
    elif kind == "number":
        ok = isinstance(instance, (int, float)) and not isinstance(instance, bool)
    elif kind is not None:
        ok = isinstance(instance, _TYPES[kind]) and not (kind != "boolean" and isinstance(instance, bool))
    else:
        ok = True
    if not ok:
        return [f"{path}: expected {kind}, got {type(instance).__name__}"]
    if schema.get("format") == "date-time" and not _DATE_TIME.match(instance):
        errors.append(f"{path}: not an RFC 3339 date-time: {instance!r}")
    if isinstance(instance, dict):
        for name in schema.get("required", []):
            if name not in instance:
                errors.append(f"{path}: missing required {name!r}")
        for name, sub in schema.get("properties", {}).items():
            if name in instance:
                errors += schema_errors(instance[name], sub, f"{path}.{name}")
    if isinstance(instance, list) and "items" in schema:
        for i, item in enumerate(instance):
            errors += schema_errors(item, schema["items"], f"{path}[{i}]")
            if len(errors) > 20:
                break
    return errors
