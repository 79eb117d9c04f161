"""The columnar shapes the log is built in, before any writer sees it.

An :class:`EventBlock` holds the events of one activity built in one step (numpy
columns: a time, attributes, and per qualifier the object each event is linked to);
an :class:`ObjectBlock` the objects of one type. A chunk of the log is a list of each;
:func:`merge_events` merges a chunk's event blocks into time order. Object ids are
Python strings in numpy object arrays (``None``: no link for that event).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.eventlog.vocabulary import EVENT_ATTRIBUTES, OBJECT_ATTRIBUTES, RANK


@dataclass
class Links:
    """Variable-length links (an order's items, a pick-up's parcels): the objects of
    event (or object) ``i`` are ``ids[offsets[i]:offsets[i + 1]]``."""

    qualifier: str
    offsets: np.ndarray
    ids: np.ndarray


@dataclass
class EventBlock:
    """Events of one ``activity`` at ``time_h`` (hours from the start of the run).

    ``links``: (qualifier, object id per event or None); ``many``: variable-length
    links; ``attrs``: the activity's attributes (NaN, None or "" where absent);
    ``case``: the order each event belongs to in a log flattened on orders (the order,
    its items' and its packages' events; None: no order's); ``rank``: the tie-break at
    equal times (:data:`~sim.eventlog.vocabulary.RANK`)."""

    activity: str
    time_h: np.ndarray
    links: list[tuple[str, np.ndarray]] = field(default_factory=list)
    many: list[Links] = field(default_factory=list)
    attrs: dict[str, np.ndarray] = field(default_factory=dict)
    case: np.ndarray | None = None
    rank: float | None = None

    def __post_init__(self) -> None:
        n = len(self.time_h)
        if self.rank is None:
            self.rank = RANK[self.activity]
        declared = {name for name, _ in EVENT_ATTRIBUTES[self.activity]}
        if set(self.attrs) - declared:
            raise ValueError(f"{self.activity}: undeclared attributes {set(self.attrs) - declared}")
        for q, ids in self.links:
            if len(ids) != n:
                raise ValueError(f"{self.activity}: link {q!r} has {len(ids)} ids for {n} events")
        if self.case is not None and len(self.case) != n:
            raise ValueError(f"{self.activity}: {len(self.case)} cases for {n} events")
        for m in self.many:
            if len(m.offsets) != n + 1:
                raise ValueError(f"{self.activity}: links {m.qualifier!r} have {len(m.offsets) - 1} rows for {n} events")

    def __len__(self) -> int:
        return len(self.time_h)

    def link(self, qualifier: str) -> np.ndarray | None:
        for q, ids in self.links:
            if q == qualifier:
                return ids
        return None


@dataclass
class ObjectBlock:
    """Objects of one ``type``: ids, attributes (static: valid from the start of time,
    as OCEL 2.0 writes initial values) and object-to-object links."""

    type: str
    ids: np.ndarray
    attrs: dict[str, np.ndarray] = field(default_factory=dict)
    links: list[tuple[str, np.ndarray]] = field(default_factory=list)
    many: list[Links] = field(default_factory=list)

    def __post_init__(self) -> None:
        declared = {name for name, _ in OBJECT_ATTRIBUTES[self.type]}
        if set(self.attrs) - declared:
            raise ValueError(f"{self.type}: undeclared attributes {set(self.attrs) - declared}")

    def __len__(self) -> int:
        return len(self.ids)


@dataclass
class EventChunk:
    """A chunk's events in time order: event ``k`` is row ``row[k]`` of block
    ``blocks[block[k]]``; its id is ``first_id + k``."""

    blocks: list[EventBlock]
    block: np.ndarray
    row: np.ndarray
    time_h: np.ndarray
    first_id: int

    def __len__(self) -> int:
        return len(self.block)

    def positions(self) -> list[np.ndarray]:
        """Per block, the place of each of its rows in the chunk's time order."""
        pos = [np.empty(len(b), dtype=np.int64) for b in self.blocks]
        for b in range(len(self.blocks)):
            mine = np.flatnonzero(self.block == b)
            pos[b][self.row[mine]] = mine
        return pos


def merge_events(blocks: list[EventBlock], first_id: int) -> EventChunk:
    """Merge event blocks into one time order: by time, then rank, then the order in
    which each block was built (ties by rule, not by accident)."""
    blocks = [b for b in blocks if len(b)]
    if not blocks:
        empty = np.zeros(0, dtype=np.int64)
        return EventChunk([], empty, empty, np.zeros(0), first_id)
    time = np.concatenate([b.time_h for b in blocks])
    rank = np.concatenate([np.full(len(b), b.rank) for b in blocks])
    block = np.concatenate([np.full(len(b), i, dtype=np.int64) for i, b in enumerate(blocks)])
    row = np.concatenate([np.arange(len(b), dtype=np.int64) for b in blocks])
    if np.isnan(time).any():
        bad = blocks[int(block[np.isnan(time)][0])].activity
        raise ValueError(f"{bad}: an event without a time")
    order = np.lexsort((row, block, rank, time))
    return EventChunk(blocks, block[order], row[order], time[order], first_id)
