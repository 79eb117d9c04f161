"""XES (IEEE 1849) flattened on orders: one trace per customer order
(``concept:name`` its object id), holding the events of the order, of its items and of
its packages, in time order, each with ``concept:name`` (the activity), ``time:timestamp``, ``org:resource``
(the picker or packer, where there is one) and ``lifecycle:transition`` (``complete``:
events are instants). Events linked to no order (a wave's release, a carrier's pick-up,
supplier orders) are not in it: that is what flattening loses, and what the OCEL
formats keep.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim import __version__
from sim.eventlog.blocks import EventChunk, ObjectBlock
from sim.eventlog.clock import Clock
from sim.eventlog.render import Piece, literal, render
from sim.eventlog.source import LogSource
from sim.eventlog.values import xml_text
from sim.eventlog.vocabulary import RESOURCE_QUALIFIERS

HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1849-2016" xes.features="" xmlns="http://www.xes-standard.org/">
<extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
<extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>
<extension name="Organizational" prefix="org" uri="http://www.xes-standard.org/org.xesext"/>
<extension name="Lifecycle" prefix="lifecycle" uri="http://www.xes-standard.org/lifecycle.xesext"/>
<global scope="trace">
<string key="concept:name" value="__INVALID__"/>
</global>
<global scope="event">
<string key="concept:name" value="__INVALID__"/>
<date key="time:timestamp" value="1970-01-01T00:00:00.000+00:00"/>
<string key="lifecycle:transition" value="complete"/>
</global>
<classifier name="Activity" keys="concept:name"/>
"""


class XesWriter:
    """Writes one XES file (module docstring); ``plain``: ids need no escaping."""

    def __init__(self, path: Path, clock: Clock, plain: bool, source: LogSource) -> None:
        self.path, self.clock, self.plain = Path(path), clock, plain
        # Held open across chunks; closed by close() or abort().
        self._f = open(self.path, "w", encoding="utf-8")  # noqa: SIM115
        name = f"{source.scenario.name}, replication {source.replication}"
        self._f.write(HEADER)
        self._f.write(f'<string key="concept:name" value="{xml_text(name)}"/>\n')
        self._f.write(f'<string key="source" value="fulfillment-sim {xml_text(__version__)}"/>\n')
        self._f.write(f'<string key="start_date" value="{clock.start.isoformat()}"/>\n')

    def objects(self, blocks: list[ObjectBlock]) -> None:
        """Objects are not part of a flat log."""

    def _esc(self, ids: np.ndarray) -> np.ndarray:
        if self.plain:
            return ids
        out = np.empty(len(ids), dtype=object)
        out[:] = [None if v is None else xml_text(v) for v in ids.tolist()]
        return out

    def events(self, chunk: EventChunk) -> None:
        cases, places, lines = [], [], []
        for b, pos in zip(chunk.blocks, chunk.positions(), strict=True):
            case = b.case
            if case is None:
                continue
            keep = np.flatnonzero(np.not_equal(case, None))
            if not len(keep):
                continue
            resource = next((ids for q in RESOURCE_QUALIFIERS if (ids := b.link(q)) is not None), None)
            pieces = [Piece(literal(f'<event><string key="concept:name" value="{xml_text(b.activity)}"/>'
                                    '<date key="time:timestamp" value="') + "%s" + literal('+00:00"/>'),
                            [self.clock.iso(b.time_h[keep])])]
            if resource is not None:
                who = resource[keep]
                has = np.not_equal(who, None)
                pieces.append(Piece(literal('<string key="org:resource" value="') + "%s" + literal('"/>'),
                                    [self._esc(who)], None if has.all() else has))
            pieces.append(Piece('<string key="lifecycle:transition" value="complete"/></event>'))
            lines.append(render(len(keep), pieces))
            cases.append(case[keep])
            places.append(pos[keep])
        if not lines:
            return
        case, place = np.concatenate(cases), np.concatenate(places)
        flat = np.array([line for block in lines for line in block], dtype=object)
        # Traces in the order of their first event, each trace's events in time order.
        by_time = np.argsort(place, kind="stable")
        codes, names = pd.factorize(case[by_time], sort=False)
        case_code = np.empty_like(codes)
        case_code[by_time] = codes
        order = np.lexsort((place, case_code))
        flat, case_code = flat[order], case_code[order]
        starts = np.flatnonzero(np.concatenate(([True], case_code[1:] != case_code[:-1])))
        ends = np.concatenate((starts[1:], [len(flat)]))
        out = []
        for a, z, c in zip(starts.tolist(), ends.tolist(), case_code[starts].tolist(), strict=True):
            trace_name = names[c] if self.plain else xml_text(names[c])
            out.append(f'<trace><string key="concept:name" value="{trace_name}"/>\n')
            out.append("\n".join(flat[a:z].tolist()))
            out.append("\n</trace>\n")
        self._f.write("".join(out))

    def close(self) -> None:
        self._f.write("</log>\n")
        self._f.close()

    def abort(self) -> None:
        self._f.close()
        self.path.unlink(missing_ok=True)
