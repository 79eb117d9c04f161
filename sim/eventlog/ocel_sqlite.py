"""OCEL 2.0 SQLite (ocel-standard.org, specification section 6, "relational
implementation"):

- ``event`` (``ocel_id``, ``ocel_type``) and ``object`` (``ocel_id``, ``ocel_type``);
- ``event_map_type`` / ``object_map_type`` (``ocel_type``, ``ocel_type_map``): the
  suffix of each type's own table (:func:`~sim.eventlog.vocabulary.table_suffix`);
- ``event_<Map>`` (``ocel_id``, ``ocel_time``, the activity's attributes) and
  ``object_<Map>`` (``ocel_id``, ``ocel_time``, the type's attributes,
  ``ocel_changed_field``: NULL, as our attributes hold from 1970-01-01 00:00:00 on);
- ``event_object`` (``ocel_event_id``, ``ocel_object_id``, ``ocel_qualifier``) and
  ``object_object`` (``ocel_source_id``, ``ocel_target_id``, ``ocel_qualifier``).

Primary and foreign keys as in the specification (section 6.7); the link tables, whose
key is all their columns, are ``WITHOUT ROWID`` tables (half the size). Times are text
``YYYY-MM-DD HH:MM:SS.fff`` (UTC). Rows go in chunk by chunk, many rows per ``INSERT``.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np

from sim.eventlog.blocks import EventChunk, Links, ObjectBlock
from sim.eventlog.clock import Clock
from sim.eventlog.vocabulary import EVENT_ATTRIBUTES, OBJECT_ATTRIBUTES, table_suffix

EPOCH = "1970-01-01 00:00:00"
SQL_TYPES = {"string": "TEXT", "integer": "INTEGER", "float": "REAL", "boolean": "INTEGER", "time": "TEXT"}


def _q(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def _column(values: np.ndarray, kind: str) -> list:
    """A column as Python values, None (NULL) where absent."""
    if kind == "float":
        v = np.asarray(values, dtype=float)
        return np.where(np.isnan(v), None, v).tolist() if np.isnan(v).any() else v.tolist()
    if kind in ("integer", "boolean"):
        return np.asarray(values).astype(np.int64).tolist()
    return [None if v is None or v == "" else v for v in values.tolist()]


ROWS_PER_STATEMENT = 500  # multi-row INSERTs: a few times faster than one row per call


def _insert(db: sqlite3.Connection, table: str, columns: list[list]) -> None:
    """Insert rows given as columns (lists of equal length), many rows per statement."""
    if not columns or not len(columns[0]):
        return
    n, width = len(columns[0]), len(columns)
    flat: list = [None] * (n * width)
    for i, col in enumerate(columns):
        flat[i::width] = col
    row = "(" + ",".join("?" * width) + ")"
    k = ROWS_PER_STATEMENT
    full = n - n % k
    if full:
        sql = f"INSERT INTO {_q(table)} VALUES " + ",".join([row] * k)
        for start in range(0, full * width, k * width):
            db.execute(sql, flat[start:start + k * width])
    if n > full:
        db.execute(f"INSERT INTO {_q(table)} VALUES " + ",".join([row] * (n - full)), flat[full * width:])


def _insert_links(db: sqlite3.Connection, table: str, sources: np.ndarray,
                  links: list[tuple[str, np.ndarray]], many: list[Links]) -> None:
    """Insert the (source id, target id, qualifier) rows of the links of ``sources``."""
    for q, ids in links:
        has = np.not_equal(ids, None)
        _insert(db, table, [sources[has].tolist(), ids[has].tolist(), [q] * int(has.sum())])
    for m in many:
        src = np.repeat(sources, np.diff(m.offsets)).tolist()
        _insert(db, table, [src, m.ids.tolist(), [m.qualifier] * len(src)])


class OcelSqliteWriter:
    """Writes one OCEL 2.0 SQLite database (module docstring)."""

    def __init__(self, path: Path, clock: Clock) -> None:
        self.path, self.clock = Path(path), clock
        self.path.unlink(missing_ok=True)
        self.db = sqlite3.connect(self.path)
        self.db.execute("PRAGMA journal_mode = OFF")  # a temporary file, renamed when complete
        self.db.execute("PRAGMA synchronous = OFF")
        self.db.execute("PRAGMA cache_size = -65536")  # 64 MiB of pages: the key indexes' hot end stays in memory
        self.db.executescript("""
            CREATE TABLE event_map_type (ocel_type TEXT PRIMARY KEY, ocel_type_map TEXT);
            CREATE TABLE object_map_type (ocel_type TEXT PRIMARY KEY, ocel_type_map TEXT);
            CREATE TABLE event (ocel_id TEXT PRIMARY KEY,
                                ocel_type TEXT REFERENCES event_map_type (ocel_type));
            CREATE TABLE object (ocel_id TEXT PRIMARY KEY,
                                 ocel_type TEXT REFERENCES object_map_type (ocel_type));
            CREATE TABLE event_object (
                ocel_event_id TEXT REFERENCES event (ocel_id),
                ocel_object_id TEXT REFERENCES object (ocel_id),
                ocel_qualifier TEXT,
                PRIMARY KEY (ocel_event_id, ocel_object_id, ocel_qualifier)) WITHOUT ROWID;
            CREATE TABLE object_object (
                ocel_source_id TEXT REFERENCES object (ocel_id),
                ocel_target_id TEXT REFERENCES object (ocel_id),
                ocel_qualifier TEXT,
                PRIMARY KEY (ocel_source_id, ocel_target_id, ocel_qualifier)) WITHOUT ROWID;
        """)
        self.event_types: set[str] = set()
        self.object_types: set[str] = set()

    def _event_table(self, activity: str) -> str:
        name = "event_" + table_suffix(activity)
        if activity not in self.event_types:
            cols = "".join(f", {_q(a)} {SQL_TYPES[k]}" for a, k in EVENT_ATTRIBUTES[activity])
            self.db.execute(f"CREATE TABLE {_q(name)} (ocel_id TEXT PRIMARY KEY REFERENCES event (ocel_id), "
                            f"ocel_time TEXT{cols})")
            self.event_types.add(activity)
        return name

    def _object_table(self, type_name: str) -> str:
        name = "object_" + table_suffix(type_name)
        if type_name not in self.object_types:
            cols = "".join(f", {_q(a)} {SQL_TYPES[k]}" for a, k in OBJECT_ATTRIBUTES[type_name])
            self.db.execute(f"CREATE TABLE {_q(name)} (ocel_id TEXT REFERENCES object (ocel_id), "
                            f"ocel_time TEXT{cols}, ocel_changed_field TEXT)")
            self.object_types.add(type_name)
        return name

    def objects(self, blocks: list[ObjectBlock]) -> None:
        for b in blocks:
            if not len(b):
                continue
            table = self._object_table(b.type)
            ids = b.ids.tolist()
            n = len(ids)
            _insert(self.db, "object", [ids, [b.type] * n])
            cols = [_column(b.attrs[a], k) if a in b.attrs else [None] * n for a, k in OBJECT_ATTRIBUTES[b.type]]
            _insert(self.db, table, [ids, [EPOCH] * n, *cols, [None] * n])
            _insert_links(self.db, "object_object", b.ids, b.links, b.many)

    def events(self, chunk: EventChunk) -> None:
        if not len(chunk):
            return
        # Rows go in in event order: the keys then grow, which keeps SQLite's key
        # indexes cheap to update.
        ids = np.array([f"e{i}" for i in range(chunk.first_id, chunk.first_id + len(chunk))], dtype=object)
        activity = np.array([b.activity for b in chunk.blocks], dtype=object)[chunk.block]
        _insert(self.db, "event", [ids.tolist(), activity.tolist()])
        at, target, qualifier = [], [], []
        for b, pos in zip(chunk.blocks, chunk.positions(), strict=True):
            order = np.argsort(pos)
            table = self._event_table(b.activity)
            cols = [_column(b.attrs[a][order], k) if a in b.attrs else [None] * len(b)
                    for a, k in EVENT_ATTRIBUTES[b.activity]]
            _insert(self.db, table, [ids[pos[order]].tolist(), self.clock.sql(b.time_h[order]).tolist(), *cols])
            for q, objs in b.links:
                has = np.not_equal(objs, None)
                at.append(pos[has])
                target.append(objs[has])
                qualifier.append(np.full(int(has.sum()), q, dtype=object))
            for m in b.many:
                at.append(np.repeat(pos, np.diff(m.offsets)))
                target.append(m.ids)
                qualifier.append(np.full(len(m.ids), m.qualifier, dtype=object))
        at = np.concatenate(at)
        order = np.argsort(at, kind="stable")
        _insert(self.db, "event_object", [ids[at[order]].tolist(), np.concatenate(target)[order].tolist(),
                                          np.concatenate(qualifier)[order].tolist()])

    def close(self) -> None:
        self.db.executemany("INSERT INTO event_map_type VALUES (?, ?)",
                            [(a, table_suffix(a)) for a in EVENT_ATTRIBUTES if a in self.event_types])
        self.db.executemany("INSERT INTO object_map_type VALUES (?, ?)",
                            [(t, table_suffix(t)) for t in OBJECT_ATTRIBUTES if t in self.object_types])
        self.db.commit()
        self.db.close()

    def abort(self) -> None:
        self.db.close()
        self.path.unlink(missing_ok=True)
