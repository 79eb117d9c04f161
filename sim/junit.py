"""A check as JUnit XML, the test report format CI servers read (GitLab, Jenkins, the
GitHub Actions test-report actions): one ``<testcase>`` per KPI, with a ``<failure>``
when it fails the check and ``<skipped>`` when it could not be compared.

The layout is the common one (pytest's ``--junitxml`` writes the same elements):
``<testsuites>`` > ``<testsuite>`` (``name``, ``tests``, ``failures``, ``errors``,
``skipped``, ``time``, ``timestamp``, ``hostname``) > ``<properties>`` (the run's
settings, then a ``changed`` property per scenario setting that differs from the
baseline's and a ``note`` per warning) and the ``<testcase>`` elements (``classname``,
``name``, ``time``), each with a ``<system-out>`` line of numbers.
"""

from __future__ import annotations

import re
import socket
import xml.etree.ElementTree as ET
from datetime import datetime, timezone

from sim.regression import NOT_COMPARED, CheckReport, KpiVerdict
from sim.scenario.diff import format_value


def junit_xml(report: CheckReport, suite: str, properties: dict[str, object], time_s: float,
              describe) -> str:
    """The report as a JUnit XML document. ``suite`` names the test suite (and, as
    ``fsim.check.<suite>``, each case's class); ``describe(verdict)`` gives a KPI's one-line
    summary (baseline, now, change, CI); ``properties`` are recorded as they are."""
    cases = report.verdicts
    failures = sum(v.failed for v in cases)
    skipped = sum(v.verdict in NOT_COMPARED for v in cases)
    counts = {"tests": str(len(cases)), "failures": str(failures), "errors": "0",
              "skipped": str(skipped), "time": f"{time_s:.3f}"}
    suite = _clean(suite)
    root = ET.Element("testsuites", {"name": "fsim check", **counts})
    suite_el = ET.SubElement(root, "testsuite", {
        "name": suite, **counts,
        "timestamp": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "hostname": socket.gethostname()})
    props = ET.SubElement(suite_el, "properties")
    listed = [(_clean(name), _text(value)) for name, value in properties.items()]
    # (as the console shows them, and --set reads them)
    listed += [("changed", _clean(f"{path}: {format_value(a)} -> {format_value(b)}"))
               for path, a, b in report.differences]
    listed += [("note", _clean(note)) for note in report.notes]
    for name, value in listed:
        ET.SubElement(props, "property", {"name": name, "value": value})
    for verdict in cases:
        _case(suite_el, suite, verdict, describe(verdict), report.tolerance)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _case(parent: ET.Element, suite: str, v: KpiVerdict, line: str, tolerance: float) -> None:
    case = ET.SubElement(parent, "testcase", {"classname": f"fsim.check.{suite}", "name": _clean(v.kpi),
                                              "time": "0"})
    if v.failed:
        failure = ET.SubElement(case, "failure", {"message": _clean(f"{v.kpi}: {v.verdict}: {v.reason}"),
                                                  "type": v.verdict})
        better = {"higher": "higher is better", "lower": "lower is better"}.get(
            v.direction, "no better direction")
        failure.text = _clean(f"{line}\nverdict: {v.verdict} ({v.reason})\n{better}; "
                              f"tolerance {100 * tolerance:g}%")
    elif v.verdict in NOT_COMPARED:
        ET.SubElement(case, "skipped", {"message": _clean(f"{v.kpi}: {v.verdict}: {v.reason}"),
                                        "type": "not compared"})
    ET.SubElement(case, "system-out").text = _clean(f"{line}\nverdict: {v.verdict} ({v.reason})")


def _text(value: object) -> str:
    return "(none)" if value is None else _clean(str(value))


# Characters XML 1.0 does not allow, even escaped (a scenario's text could hold them).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)
