"""``fsim check``: run a scenario with its baseline's seed and replications (common
random numbers) and fail if a KPI got worse beyond noise and the tolerance.

Exit codes: 0 no regression; 1 a regression (a KPI worse beyond the tolerance, a
saturated staff pool, more censored percentiles); 2 bad input (a missing or unreadable
baseline, a --kpi the baseline does not have, an invalid scenario or option).
"""

from __future__ import annotations

import argparse
import math
import sys

from sim.cli import EXIT_ERROR, EXIT_OK, add_scenario_args, add_size_check_arg, positive_int

HELP = "check a scenario against a saved baseline: exit 1 if a KPI regressed"
DESCRIPTION = __doc__.split("\n\n", 2)[0].replace("``", "")
MAX_DIFFERENCES_SHOWN = 20


def tolerance(text: str) -> float:
    """argparse type: ``5%`` or ``0.05`` (a share of the baseline's mean)."""
    raw = text.strip()
    percent = raw.endswith("%")
    try:
        value = float(raw[:-1] if percent else raw)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be a percentage such as 5% or a fraction such as 0.05, got {text!r}") from None
    if percent:
        value /= 100
    elif value >= 1:
        raise argparse.ArgumentTypeError(
            f"{text!r} reads as {100 * value:g}%: write {value:g}% for that, or a fraction "
            "such as 0.05 for 5%")
    if not (math.isfinite(value) and 0 <= value < 1):
        raise argparse.ArgumentTypeError(f"must be from 0% to below 100%, got {text!r}")
    return value


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_scenario_args(p)
    p.add_argument("--baseline", "-b", required=True, metavar="JSON",
                   help="the baseline file written by fsim baseline save")
    p.add_argument("--kpi", action="append", default=None, metavar="NAME",
                   help="a KPI to check instead of the defaults (repeatable; default: "
                        "throughput, on-time, lead time p95, warehouse time p95, picking "
                        "accuracy); the saturation and censoring flags are always checked")
    p.add_argument("--tolerance", "-t", type=tolerance, default=0.05, metavar="REL",
                   help="how much worse than the baseline a KPI may get before it fails, "
                        "relative to the baseline's mean (default 5%%; 0.05 also works)")
    p.add_argument("--junit", default=None, metavar="XML",
                   help="also write a JUnit XML report (one test case per KPI)")
    p.add_argument("--workers", "-w", type=positive_int, default=1,
                   help="parallel processes (default 1; the numbers do not depend on it)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    add_size_check_arg(p)


# (fsim check runs the baseline's replications and settings: the only things to change
# here are the workers, the machine, or the baseline itself)
CHECK_SIZE_ADVICE = ("run fewer --workers at once, check on a machine with more memory, or save "
                     "the baseline with a shorter horizon (fsim baseline save ... --set "
                     "horizon.days=N: a check runs the baseline's replications and settings), or "
                     "pass --no-size-check to run it anyway (the estimate is rough)")


def run(args: argparse.Namespace, console) -> int:
    import time

    from sim.baseline import read_baseline
    from sim.cli.baseline import measure_with_progress
    from sim.regression import DEFAULT_KPIS, compare

    started = time.perf_counter()
    baseline = read_baseline(args.baseline)
    base = baseline.measurement
    kpis = list(dict.fromkeys(args.kpi)) if args.kpi else list(DEFAULT_KPIS)
    if args.kpi:
        _check_kpi_names(kpis, base, args.baseline)
    _check_junit_path(args)
    scenario, cli_overrides = _load(args, base)
    if not args.no_size_check:  # refuse runs the machine cannot hold, before they start
        from sim.sizing import check_fits, estimate_run

        check_fits(estimate_run(scenario, base.replications, args.workers, tables=False),
                   advice=CHECK_SIZE_ADVICE)
    now = measure_with_progress(scenario, base.replications, base.seed, args.workers, console,
                                args.quiet, str(args.scenario), {**base.overrides, **cli_overrides},
                                f"check {scenario.name}")
    report = compare(base, now, kpis, args.tolerance)
    _print_report(args, baseline, report)
    if args.junit is not None:
        _write_junit(args, baseline, report, time.perf_counter() - started, scenario.name)
    return EXIT_ERROR if report.failures else EXIT_OK


def _load(args, base):
    """The scenario, with the baseline's overrides applied again, then --set."""
    from sim.scenario import parse_set_option
    from sim.scenario.loader import apply_overrides, load_raw, validate_data

    cli = dict(parse_set_option(text) for text in args.overrides)
    data, lines = load_raw(args.scenario, base.overrides or None,
                           override_label=f"the baseline's --set (from {args.baseline})")
    if cli:
        data = apply_overrides(data, cli, lines, "--set")
    return validate_data(data, lines), cli


def _check_kpi_names(kpis: list[str], base, path: str) -> None:
    import difflib

    from sim.errors import ScenarioError
    from sim.regression import FLAGS

    problems = []
    for kpi in kpis:
        if kpi in base.kpis or kpi in FLAGS:
            continue
        close = difflib.get_close_matches(kpi, sorted(base.kpis), n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(close)}?" if close else (
            "; the names are the keys of kpis in the baseline file")
        problems.append(f"--kpi {kpi}: not in the baseline {path} ({len(base.kpis)} KPIs){hint}")
    if problems:
        raise ScenarioError(problems)


def _check_junit_path(args) -> None:
    """An unwritable --junit path, or one naming an input, fails before any simulation."""
    from sim.outdir import check_output_file

    if args.junit is not None:
        check_output_file("--junit", args.junit, inputs={"the scenario": args.scenario,
                                                          "the baseline": args.baseline})


# --- output ---------------------------------------------------------------------------


def cells(v, sites=(), channels=()) -> tuple[str, str, str, str]:
    """(baseline, now, change, 95% CI of the change) of a verdict, as text."""
    from sim.cli.tables import digits_for, enough_digits, fmt
    from sim.regression import FLAGS

    # The flags are counts, but their means over replications are not whole.
    digits = 1 if v.kpi in FLAGS else digits_for(v.kpi, sites, channels)
    # (a change shown as "+0" between a 1.50 and a 1.93 reads as no change)
    digits = enough_digits(digits, v.baseline_mean, v.now_mean)
    if math.isnan(v.baseline_mean) and math.isnan(v.now_mean):
        return "-", "-", "-", "-"
    base = ("> " if v.baseline_censored else "") + fmt(v.baseline_mean, digits)
    now = ("> " if v.now_censored else "") + fmt(v.now_mean, digits)
    if math.isnan(v.change) or v.baseline_censored or v.now_censored:
        return base, now, "-", "-"
    change = f"{v.change:+,.{digits}f}"
    if not math.isnan(v.relative):
        change += " (new)" if math.isinf(v.relative) else f" ({100 * v.relative:+.1f}%)"
    ci = "-" if math.isnan(v.ci95_low) else (
        f"{v.ci95_low:+,.{digits + 1}f} .. {v.ci95_high:+,.{digits + 1}f}")
    return base, now, change, ci


def describe(v, sites=(), channels=()) -> str:
    """A verdict's numbers on one line (the JUnit report's text)."""
    base, now, change, ci = cells(v, sites, channels)
    unit = f" {v.unit}" if v.unit and v.unit not in ("count",) else ""
    return f"{v.kpi}: baseline {base}{unit}, now {now}{unit}, change {change}, 95% CI {ci}"


_STYLE = {"regression": "bold red", "censored": "bold red", "saturated": "bold red",
          "missing": "bold red", "better": "green", "within tolerance": "yellow"}


def _print_report(args, baseline, report) -> None:
    from rich.console import Console
    from rich.table import Table

    from sim.scenario.diff import format_value

    base = baseline.measurement
    out = Console(width=max(Console().width, 120), highlight=False)
    for note in report.notes:
        sys.stderr.write(f"warning: {note}\n")
    if base.overrides:
        shown = " ".join(f"--set {k}={format_value(v)}" for k, v in base.overrides.items())
        out.print(f"applied the baseline's overrides: {shown}")
    changes = [d for d in report.differences if d[0].split(".")[0] not in ("name", "description")]
    if changes:
        out.print(f"the scenario differs from the baseline's in {len(changes)} setting(s):")
        for path, a, b in changes[:MAX_DIFFERENCES_SHOWN]:
            unused = " (not used: the check runs with the baseline's seed)" if path == "seed" else ""
            out.print(f"  {path}: {format_value(a)} -> {format_value(b)}{unused}", markup=False)
        if len(changes) > MAX_DIFFERENCES_SHOWN:
            out.print(f"  ... and {len(changes) - MAX_DIFFERENCES_SHOWN} more")
    elif report.differences:
        out.print("the scenario's settings are the baseline's (only its name or description "
                  "differ)")
    else:
        out.print("the scenario is the baseline's (same resolved settings)")
    table = Table(title=f"fsim check: {args.scenario} against {args.baseline} "
                        f"({base.replications} replications, seed {base.seed}, paired; "
                        f"tolerance {100 * report.tolerance:g}%)")
    for name, justify in (("KPI", "left"), ("better", "left"), ("baseline", "right"),
                          ("now", "right"), ("change", "right"), ("95% CI of change", "right"),
                          ("verdict", "left")):
        table.add_column(name, justify=justify)
    for v in report.verdicts:
        style = _STYLE.get(v.verdict, "")
        verdict = f"[{style}]{v.verdict}[/{style}]" if style else v.verdict
        table.add_row(v.kpi, v.direction if v.direction in ("higher", "lower") else "",
                      *cells(v, base.sites, base.channels), verdict)
    out.print(table)
    for v in report.verdicts:
        if v.failed or v.verdict in ("better", "censored in baseline", "not in baseline"):
            out.print(f"{v.kpi}: {v.verdict}: {v.reason}", markup=False)
    failed = report.failures
    if failed:
        out.print(f"[bold red]FAILED[/bold red]: {len(failed)} of {len(report.verdicts)} checks "
                  f"regressed: {', '.join(v.kpi for v in failed)}")
    else:
        out.print(f"[bold green]passed[/bold green]: no regression in {len(report.verdicts)} "
                  "checks")
        if any(v.verdict == "better" for v in report.verdicts):
            out.print(f"to make these numbers the new baseline: {_save_command(args, base)}",
                      markup=False, soft_wrap=True)  # (one line: it is copied and pasted)


def _save_command(args, base) -> str:
    """``fsim baseline save`` of what was just checked: this scenario file, the baseline's
    overrides and then this check's ``--set`` (later wins), its replications and seed."""
    import json
    import shlex

    from sim.scenario import parse_set_option

    def text(value) -> str:  # (read back by --set as the same value)
        if isinstance(value, str) and parse_set_option(f"x={value}")[1] == value:
            return value
        return json.dumps(value, separators=(", ", ": "))

    sets = {**base.overrides, **dict(parse_set_option(t) for t in args.overrides)}
    parts = ["fsim", "baseline", "save", str(args.scenario), "--out", str(args.baseline),
             "--replications", str(base.replications), "--seed", str(base.seed)]
    for key, value in sets.items():
        parts += ["--set", f"{key}={text(value)}"]
    return shlex.join(parts) + " --overwrite"


def _write_junit(args, baseline, report, time_s: float, checked: str) -> None:
    """The JUnit report, its suite named by the scenario checked (``checked``: what is
    under test; the baseline's may be another's, compared with its differences)."""
    from pathlib import Path

    from sim.errors import OutputDirError
    from sim.junit import junit_xml

    base = baseline.measurement
    props = {"scenario": args.scenario, "baseline": args.baseline,
             "baseline_sim_version": base.sim_version, "seed": base.seed,
             "replications": base.replications, "tolerance": f"{100 * report.tolerance:g}%",
             "baseline_overrides": " ".join(f"{k}={v}" for k, v in base.overrides.items())
             or "(none)",
             "overrides": " ".join(args.overrides) or "(none)"}
    from sim import __version__

    props["sim_version"] = __version__
    xml = junit_xml(report, checked or base.scenario_name or "scenario", props, time_s,
                    lambda v: describe(v, base.sites, base.channels))
    try:
        Path(args.junit).write_text(xml, encoding="utf-8")
    except OSError as exc:
        raise OutputDirError(f"--junit {args.junit}: cannot write: {exc.strerror or exc}") from None
    sys.stdout.write(f"wrote {args.junit}\n")
