"""Writing one replication's event log: chunk by chunk of consecutive orders (their
objects, then their events in time order), then the objects and events no single order
owns (customers, products, staff, tours, waves, carriers, warehouses, pick-ups,
supplier orders).

Per chunk only numpy columns and the chunk's strings are in memory, so a year's log
streams to disk. Events are in time order within each chunk (ties by
:data:`~sim.eventlog.vocabulary.RANK`); an order's, its items' and its packages' events
are all in its chunk (but the carrier pick-ups and wave releases that take several
orders' packages, written last), so they are in time order in the file. Readers sort
the whole log by time when they load it.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from sim.eventlog.blocks import merge_events
from sim.eventlog.clock import Clock, default_start, start_problem
from sim.eventlog.objects import chunk_objects, shared_objects
from sim.eventlog.order_events import order_events
from sim.eventlog.package_events import package_events
from sim.eventlog.shared_events import shared_events
from sim.eventlog.source import LogSource
from sim.eventlog.tables import Tables
from sim.eventlog.values import plain_names

FORMATS = {"ocel-json": ".jsonocel", "ocel-sqlite": ".sqlite", "xes": ".xes"}
CHUNK_ORDERS = 8192  # orders per chunk: a few tens of MB of strings in flight


def _writer(fmt: str, path: Path, clock: Clock, plain: bool, source: LogSource):
    if fmt == "ocel-json":
        from sim.eventlog.ocel_json import OcelJsonWriter

        return OcelJsonWriter(path, clock, plain)
    if fmt == "ocel-sqlite":
        from sim.eventlog.ocel_sqlite import OcelSqliteWriter

        return OcelSqliteWriter(path, clock)
    if fmt == "xes":
        from sim.eventlog.xes import XesWriter

        return XesWriter(path, clock, plain, source)
    raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")


def write_source(source: LogSource, path: str | Path, fmt: str, start: dt.date | None = None,
                 chunk_orders: int = CHUNK_ORDERS) -> Path:
    """Write ``source``'s log to ``path`` in ``fmt`` (a key of :data:`FORMATS`), hour
    0 of the run at midnight (UTC) of ``start`` (default:
    :func:`~sim.eventlog.clock.default_start`). Written under a temporary name and
    renamed: a log file that exists is complete."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    weekday = source.scenario.horizon.start_weekday
    start = start or default_start(weekday)
    hz = source.scenario.horizon
    problem = start_problem(start, weekday, hz.days + hz.drain_days)
    if problem:
        raise ValueError(f"start: {problem}")
    tables = Tables(source)
    sc = source.scenario
    plain = plain_names([*sc.sites, *sc.carriers])
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    writer = _writer(fmt, tmp, Clock(start), plain, source)
    try:
        next_id = 1
        for lo in range(0, tables.n_orders, chunk_orders):
            c = tables.chunk(lo, min(lo + chunk_orders, tables.n_orders))
            writer.objects(chunk_objects(tables, c))
            chunk = merge_events(order_events(tables, c) + package_events(tables, c), next_id)
            writer.events(chunk)
            next_id += len(chunk)
        writer.objects(shared_objects(tables))
        writer.events(merge_events(shared_events(tables), next_id))
        writer.close()
    except BaseException:
        writer.abort()
        raise
    os.replace(tmp, path)
    return path
