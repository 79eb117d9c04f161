"""Event logs for process mining: one replication as an object-centric event log
(OCEL 2.0, JSON or SQLite) or as a classic log flattened on orders (XES, IEEE 1849).

    import sim
    from sim.eventlog import write_event_log

    result = sim.run(sim.load_scenario("scenarios/baseline.yaml"))
    write_event_log(result, "rep-0.jsonocel", "ocel-json", replication=0)

The README section "Event logs" lists the object types, activities and qualifiers and
when each event is stamped. Nothing is imported from pm4py: the writers use the
standard library (``json``-compatible text, ``sqlite3``, XML text) and numpy.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sim.eventlog.clock import default_start, parse_start, start_problem
from sim.eventlog.log import FORMATS, write_source
from sim.eventlog.source import LogSource

__all__ = ["FORMATS", "default_start", "parse_start", "start_problem", "write_event_log",
           "write_run_event_logs"]


def write_event_log(result, path: str | Path, fmt: str = "ocel-json", *, scenario=None,
                    replication: int = 0, start: dt.date | None = None) -> Path:
    """Write one replication's event log to ``path`` and return the path.

    ``result``: a :class:`sim.Result` (from :func:`sim.run`; ``replication`` picks the
    replication) or the ``RunResult`` of :func:`sim.model.world.run_replication` (then
    pass its ``scenario``: what a sweep's worker has at hand). ``fmt``: ``ocel-json``,
    ``ocel-sqlite`` or ``xes``. ``start``: the date of the run's hour 0, whose weekday
    must be the scenario's ``horizon.start_weekday`` (default:
    :func:`~sim.eventlog.clock.default_start`). Raises ValueError for a bad ``fmt``,
    ``replication`` or ``start``."""
    if hasattr(result, "summary"):
        source = LogSource.from_result(result, replication)
    else:
        if scenario is None:
            raise ValueError("scenario: required with a RunResult (the scenario it was run from)")
        source = LogSource.from_run_result(scenario, result)
    return write_source(source, path, fmt, start)


def write_run_event_logs(result, folder: str | Path, formats: list[str] | tuple[str, ...],
                         start: dt.date | None = None) -> list[Path]:
    """``fsim run --event-log``: for each replication ``r`` of ``result`` (a
    :class:`sim.Result`) and each format, ``<folder>/rep-<r><ext>`` (``.jsonocel``,
    ``.sqlite``, ``.xes``), all with the same ``start``. Returns the files written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    start = start or default_start(result.scenario.horizon.start_weekday)
    written = []
    for r in sorted(set(result.orders["replication"].tolist())):
        for fmt in dict.fromkeys(formats):  # each format once, in the order asked
            path = folder / f"rep-{r}{FORMATS[fmt]}"
            written.append(write_event_log(result, path, fmt, replication=r, start=start))
    return written
