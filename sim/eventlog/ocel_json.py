"""OCEL 2.0 JSON (ocel-standard.org, specification section 8): one object with the
arrays ``objects``, ``events``, ``objectTypes`` and ``eventTypes``.

- an event: ``id``, ``type`` (its activity), ``time`` (ISO 8601, UTC), ``attributes``
  (``name``, ``value``) and ``relationships`` (``objectId``, ``qualifier``);
- an object: ``id``, ``type``, ``attributes`` (``name``, ``time``, ``value``; our
  values hold for the whole log, so their time is 1970-01-01T00:00:00Z, the
  specification's "initial value") and ``relationships`` (object-to-object);
- a type: ``name`` and its ``attributes`` (``name``, ``type``: string, integer, float).

Attribute values are written as JSON strings, as the specification's JSON Schema
(section 8.2) requires, and typed by their declaration (readers such as pm4py parse
them by it). Written in chunks: objects to the file, events to a second file that is
appended at the end, so the log never has to be in memory as Python objects at once.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from sim.eventlog.blocks import EventChunk, Links, ObjectBlock
from sim.eventlog.clock import Clock
from sim.eventlog.render import Group, Piece, literal, render
from sim.eventlog.values import as_text, json_text, present
from sim.eventlog.vocabulary import EVENT_ATTRIBUTES, OBJECT_ATTRIBUTES

EPOCH = "1970-01-01T00:00:00Z"


def _value_piece(name: str, kind: str, values: np.ndarray, timed: bool) -> Piece:
    """One attribute of each row, absent where it has no value."""
    pre = literal(f'{{"name":"{json_text(name)}",' + (f'"time":"{EPOCH}",' if timed else "") + '"value":"')
    if kind == "string":
        codes, uniq = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
        text = np.array([json_text(str(u)) for u in uniq] + [""], dtype=object)[codes]
        return Piece(pre + '%s"}', [text], (codes >= 0) & (text != ""))
    if kind == "integer":
        return Piece(pre + '%d"}', [np.asarray(values).astype(np.int64)])
    if kind == "float":
        v = np.asarray(values, dtype=float)
        return Piece(pre + '%r"}', [v], ~np.isnan(v))
    return Piece(pre + '%s"}', [np.array(as_text(values, kind), dtype=object)],
                 np.asarray(present(values, kind)))


def _attributes(attrs: dict[str, np.ndarray], declared, timed: bool) -> Group:
    return Group([_value_piece(name, kind, attrs[name], timed) for name, kind in declared if name in attrs])


def _escape_ids(ids: np.ndarray, plain: bool) -> np.ndarray:
    if plain:
        return ids
    out = np.empty(len(ids), dtype=object)
    out[:] = [None if v is None else json_text(v) for v in ids.tolist()]
    return out


def _relationships(links: list[tuple[str, np.ndarray]], many: list[Links], plain: bool) -> Group:
    pieces = []
    for q, ids in links:
        text = literal('{"objectId":"') + "%s" + literal(f'","qualifier":"{json_text(q)}"}}')
        has = np.not_equal(ids, None)
        pieces.append(Piece(text, [_escape_ids(ids, plain)], None if has.all() else has))
    for m in many:
        tail = f'","qualifier":"{json_text(m.qualifier)}"}}'
        frags = ['{"objectId":"' + v + tail for v in _escape_ids(m.ids, plain).tolist()]
        off = m.offsets.tolist()
        joined = [",".join(frags[a:b]) for a, b in zip(off[:-1], off[1:], strict=True)]
        pieces.append(Piece("%s", [joined], np.diff(m.offsets) > 0))
    return Group(pieces)


class OcelJsonWriter:
    """Writes one OCEL 2.0 JSON file (module docstring); ``plain``: object ids need no
    escaping (:func:`sim.eventlog.values.plain_names`)."""

    def __init__(self, path: Path, clock: Clock, plain: bool = True) -> None:
        self.path, self.clock, self.plain = Path(path), clock, plain
        self._events_path = self.path.with_name(self.path.name + ".events")
        # Held open across chunks; closed by close() or abort().
        self._f = open(self.path, "w", encoding="utf-8")  # noqa: SIM115
        self._ev = open(self._events_path, "w", encoding="utf-8")  # noqa: SIM115
        self._f.write('{"objects":[')
        self._any_object = self._any_event = False
        self.object_types: set[str] = set()
        self.event_types: set[str] = set()

    def objects(self, blocks: list[ObjectBlock]) -> None:
        for b in blocks:
            n = len(b)
            if not n:
                continue
            self.object_types.add(b.type)
            head = literal('{"id":"') + "%s" + literal(f'","type":"{json_text(b.type)}","attributes":[')
            parts = render(n, [Piece(head, [_escape_ids(b.ids, self.plain)]),
                               _attributes(b.attrs, OBJECT_ATTRIBUTES[b.type], timed=True),
                               Piece('],"relationships":['),
                               _relationships(b.links, b.many, self.plain), Piece("]}")])
            self._f.write(("," if self._any_object else "") + ",".join(parts))
            self._any_object = True

    def events(self, chunk: EventChunk) -> None:
        if not len(chunk):
            return
        lines = []
        for b, pos in zip(chunk.blocks, chunk.positions(), strict=True):
            self.event_types.add(b.activity)
            head = literal('{"id":"e') + "%d" + literal(f'","type":"{json_text(b.activity)}","time":"') \
                + "%s" + literal('Z","attributes":[')
            lines.append(render(len(b), [Piece(head, [pos + chunk.first_id, self.clock.iso(b.time_h)]),
                                         _attributes(b.attrs, EVENT_ATTRIBUTES[b.activity], timed=False),
                                         Piece('],"relationships":['),
                                         _relationships(b.links, b.many, self.plain), Piece("]}")]))
        base = np.concatenate(([0], np.cumsum([len(x) for x in lines])))
        flat = [line for block in lines for line in block]
        parts = [flat[i] for i in (base[chunk.block] + chunk.row).tolist()]
        self._ev.write(("," if self._any_event else "") + ",".join(parts))
        self._any_event = True

    def close(self) -> None:
        self._ev.close()
        f = self._f
        f.write('],"events":[')
        with open(self._events_path, encoding="utf-8") as ev:
            shutil.copyfileobj(ev, f, 1 << 22)
        os.remove(self._events_path)
        f.write('],"objectTypes":[')
        f.write(",".join(_type_json(t, OBJECT_ATTRIBUTES[t]) for t in OBJECT_ATTRIBUTES if t in self.object_types))
        f.write('],"eventTypes":[')
        f.write(",".join(_type_json(a, EVENT_ATTRIBUTES[a]) for a in EVENT_ATTRIBUTES if a in self.event_types))
        f.write("]}\n")
        f.close()

    def abort(self) -> None:
        for f in (self._f, self._ev):
            f.close()
        for p in (self.path, self._events_path):
            p.unlink(missing_ok=True)


def _type_json(name: str, attributes) -> str:
    attrs = ",".join(f'{{"name":"{json_text(a)}","type":"{k}"}}' for a, k in attributes)
    return f'{{"name":"{json_text(name)}","attributes":[{attrs}]}}'
