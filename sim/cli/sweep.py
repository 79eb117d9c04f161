"""``fsim sweep``: run every point of a sweep file, resumably, on one core, every core
or a Dask cluster.

Exit codes: 0 every task ran; 1 some tasks failed (recorded in the ``error`` column of
runs.csv; the rest ran; rerun the same command to retry them); 2 bad input (the sweep
file, a point of it, an option, a changed sweep into the same --out); 130 interrupted
(rerun the same command to resume).
"""

from __future__ import annotations

import argparse
import sys

from sim.cli import EXIT_ERROR, EXIT_OK, add_size_check_arg, folder_name, positive_int

HELP = "run a parameter sweep (grid, list or Latin hypercube) from a sweep file"
DESCRIPTION = __doc__.split("\n\n", 1)[0].replace("``", "") + """

The sweep file names a base scenario, the parameters to vary (dotted paths, as with
--set), the design (grid, list or lhs) and the replications; see the README,
"Sweeps" (an example: sweeps/west_staffing.yaml)."""

# The KPIs shown per point at the end when no --kpi is given.
SHOWN_KPIS = ("lead_time_hours_mean", "on_time_delivery_pct", "cost_per_order")


def relative(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number between 0 and 1, got {text!r}") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1 (0.05 = within 5% of the mean), got {value}")
    return value


def add_precision_arguments(p: argparse.ArgumentParser, kpi_help: str) -> None:
    """``--precision``, ``--kpi`` and ``--max-replications`` (shared with fsim run)."""
    p.add_argument("--precision", type=relative, default=None, metavar="REL",
                   help="add replications until the 95%% CI half-width of each --kpi is within "
                        "REL x its mean (e.g. 0.05)")
    p.add_argument("--kpi", action="append", default=None, metavar="NAME", help=kpi_help)
    p.add_argument("--max-replications", type=positive_int, default=None, metavar="N",
                   help=f"with --precision: never more than N replications (default {MAX_REPLICATIONS})")


MAX_REPLICATIONS = 50  # --max-replications with --precision, unless given


def max_replications(args: argparse.Namespace) -> int:
    """``--max-replications`` (the default with ``--precision``); refused without
    ``--precision``, where it would mean nothing."""
    from sim.errors import ScenarioError

    if args.max_replications is not None and args.precision is None:
        raise ScenarioError(["--max-replications caps the replications --precision REL adds: give "
                             "--precision too, e.g. --precision 0.05 --kpi lead_time_hours_mean"])
    return MAX_REPLICATIONS if args.max_replications is None else args.max_replications


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("sweep", help="sweep YAML file")
    p.add_argument("--out", "-o", default=None, type=folder_name,
                   help="results folder (default results/sweeps/<sweep name>); rerunning into "
                        "the same folder resumes")
    p.add_argument("--executor", choices=("serial", "processes", "dask"), default="processes",
                   help="where tasks run (default processes)")
    p.add_argument("--workers", "-w", type=positive_int, default=None,
                   help="processes or LocalCluster workers (default: the cores)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="with --executor dask: an existing cluster, e.g. tcp://host:8786")
    p.add_argument("--keep-orders", action="store_true",
                   help="also write a full run folder (orders, figures unless --no-figures) per "
                        "point and replication, under points/")
    from sim.cli.run import EVENT_LOG_FORMATS, date_arg

    p.add_argument("--event-log", action="append", default=[], choices=EVENT_LOG_FORMATS,
                   metavar="FORMAT",
                   help="also write each run's event log (as fsim run --event-log: ocel-json, "
                        "ocel-sqlite or xes) under points/pNNNNN/rNNNN/eventlog/; repeatable")
    p.add_argument("--event-log-points", type=_point_list, default=None, metavar="N,N,...",
                   help="with --event-log: only for these points (numbers as in points.csv; "
                        "default every point)")
    p.add_argument("--event-log-start", type=date_arg, default=None, metavar="DATE",
                   help="with --event-log: the date (YYYY-MM-DD) of hour 0 in the logs")
    p.add_argument("--overwrite", action="store_true",
                   help="discard the results of a different sweep in --out")
    p.add_argument("--no-figures", action="store_true", help="skip the PNG figures")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress or table")
    add_size_check_arg(p)
    add_precision_arguments(p, "a KPI for --precision and the figures (repeatable)")


def _point_list(text: str) -> tuple[int, ...]:
    """argparse type: point numbers, comma-separated (``0,3,4``)."""
    try:
        points = tuple(int(x) for x in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: give point numbers separated by commas, "
                                         "e.g. 0,3") from None
    if any(p < 0 for p in points):
        raise argparse.ArgumentTypeError(f"{text!r}: point numbers start at 0")
    return points


def _event_log_problems(args, sweep) -> list[str]:
    """Event-log options that cannot be honoured (checked before anything runs)."""
    if not args.event_log:
        used = [o for o, v in (("--event-log-points", args.event_log_points),
                               ("--event-log-start", args.event_log_start)) if v is not None]
        return [f"{o}: only used with --event-log FORMAT" for o in used]
    problems = []
    if args.event_log_points is not None:
        n = len(sweep.points)
        problems += [f"--event-log-points {p}: no such point (the sweep has points 0 to {n - 1})"
                     for p in args.event_log_points if p >= n]
    if args.event_log_start is not None:
        from sim.eventlog.clock import start_problem

        weekday = sweep.points[0].scenario.horizon.start_weekday
        longest = max(p.scenario.horizon.days + p.scenario.horizon.drain_days for p in sweep.points)
        problem = start_problem(args.event_log_start, weekday, longest)
        if problem:
            problems.append(f"--event-log-start {args.event_log_start.isoformat()}: {problem}")
    return problems


def run(args: argparse.Namespace, console) -> int:
    from pathlib import Path

    from sim.errors import ScenarioError
    from sim.sweep import SweepOptions, read_sweep, resolve_sweep, run_sweep

    if args.precision is not None and not args.kpi:
        raise ScenarioError(["--precision needs --kpi NAME (the KPI whose interval must be "
                             "narrow enough), e.g. --kpi lead_time_hours_mean"])
    sweep = resolve_sweep(read_sweep(args.sweep))
    problems = _event_log_problems(args, sweep)
    if problems:
        raise ScenarioError(problems)
    if not args.no_size_check:  # refuse runs the machine cannot hold, before they start
        from sim.sizing import check_tasks_fit

        check_tasks_fit([p.scenario for p in sweep.points], args.executor, args.workers, args.scheduler,
                        tables=args.keep_orders)
    out = Path(args.out) if args.out else Path("results") / "sweeps" / sweep.file.name
    options = SweepOptions(executor=args.executor, workers=args.workers, scheduler=args.scheduler,
                           keep_orders=args.keep_orders, overwrite=args.overwrite,
                           figures=not args.no_figures, figure_kpis=tuple(args.kpi or ()),
                           precision=args.precision,
                           precision_kpis=tuple(args.kpi or ()) if args.precision else (),
                           max_replications=max_replications(args), quiet=args.quiet,
                           event_logs=tuple(args.event_log), event_log_points=args.event_log_points,
                           event_log_start=args.event_log_start)
    from sim.sweep.executors import ClusterLost

    try:
        outcome = run_sweep(sweep, out, options, console)
    except KeyboardInterrupt:
        raise KeyboardInterrupt(f"interrupted: finished tasks are kept in {out}; rerun the same "
                                "command to resume") from None
    except ClusterLost as exc:  # (not the runs' failure: nothing is recorded against them)
        sys.stderr.write(f"error: {exc}; the runs finished are kept in {out} and the sweep's "
                         "tables are not written: rerun the same command against a working "
                         "cluster (or with --executor processes) to resume\n")
        return EXIT_ERROR
    if not args.quiet:
        from rich.console import Console

        table = _points_table(outcome, sweep.parameters, args.kpi or SHOWN_KPIS)
        Console(width=max(Console().width, 30 + 24 * (len(sweep.parameters) + 3))).print(table)
        if outcome.precision:
            _print_precision(console, outcome)
        console.print(f"{outcome.tasks} runs ({outcome.ran_now} now, "
                      f"{outcome.tasks - outcome.ran_now} already done); wrote "
                      f"{len(outcome.files)} files to [bold]{outcome.out}[/bold]", highlight=False)
    _print_warnings(outcome, sweep)  # (with -q too, as fsim run prints its warnings)
    if outcome.failed:
        first = outcome.runs[outcome.runs["error"].notna()].iloc[0]
        sys.stderr.write(
            f"error: {outcome.failed} of {outcome.tasks} runs failed (first: point "
            f"{first['point']}, replication {first['replication']}: {first['error']}); see the "
            f"error column of {outcome.out / 'runs.csv'}; rerun the same command to retry them\n")
        return EXIT_ERROR
    return EXIT_OK


def _print_warnings(outcome, sweep) -> None:
    """The model's warnings (parcels fitting no box, returns still in the mail) and the
    points with a saturated staff pool, per point, as fsim run prints a run's."""
    from sim.kpis.pools import SATURATION_MEANING, saturated_pools_text
    from sim.sweep.resolve import short_values
    from sim.sweep.tables import saturated_by_point

    saturated = saturated_by_point(outcome.runs)
    for point in sorted(set(outcome.warnings) | set(saturated)):
        label = short_values(sweep.points[point].values)
        for line in outcome.warnings.get(point, []):
            sys.stderr.write(f"warning: point {point} ({label}): {line}\n")
        if point in saturated:
            pools = saturated_pools_text(outcome.saturated.get(point, {}), saturated[point][1])
            sys.stderr.write(f"warning: point {point} ({label}): saturated staff pools: {pools}: they "
                             f"cannot keep up ({SATURATION_MEANING}): the means are over the orders "
                             "that got through (more staff there, or fewer orders routed to the site)\n")


def _points_table(outcome, parameters: list[str], kpis) -> object:
    import math

    from rich.table import Table

    from sim.scenario.diff import short_path

    points = outcome.points
    kpis = [k for k in kpis if k in set(points["kpi"])]
    table = Table(title="mean [95% CI] per point")
    table.add_column("point", justify="right")
    for p in parameters:
        table.add_column(short_path(p))
    table.add_column("runs", justify="right")  # (that went through: a failed one has no KPIs)
    for k in kpis:
        table.add_column(k, justify="right")
    for point, rows in points.groupby("point", sort=True):
        by_kpi = rows.set_index("kpi")
        first = rows.iloc[0]
        cells = []
        for k in kpis:
            m, lo, hi, bound = by_kpi.loc[k, ["mean", "ci95_low", "ci95_high", "lower_bound"]]
            if math.isnan(m) and not math.isnan(bound):  # (censored in some replication)
                cells.append(f"> {bound:,.2f} (censored)")
                continue
            # (bounds, not ± a half-width: an interval cut at 0 or 100 is not symmetric)
            cells.append("-" if math.isnan(m) else f"{m:,.2f}" + (
                "" if math.isnan(lo) else f" [{lo:,.2f}, {hi:,.2f}]"))
        planned = outcome.replications.get(int(point), 0)
        ran = int(outcome.runs.loc[outcome.runs["point"] == point, "error"].isna().sum()) \
            if len(outcome.runs) else 0
        n = str(ran) if ran == planned else f"{ran} of {planned}"
        table.add_row(str(point), *(str(first[p]) for p in parameters), n, *cells)
    return table


def _print_precision(console, outcome) -> None:
    precision = outcome.precision
    counts = sorted(v["replications"] for v in precision["points"].values())
    capped = [p for p, v in precision["points"].items()
              if not all(k["reached"] for k in v["kpis"].values())]
    console.print(
        f"precision ±{100 * precision['relative']:g}% of the mean on {', '.join(precision['kpis'])}: "
        f"reached at {precision['points_reached']} of {len(counts)} points; replications per point "
        f"min {counts[0]}, median {counts[len(counts) // 2]}, max {counts[-1]}", highlight=False)
    if capped:
        console.print(f"[yellow]not reached[/yellow] at point(s) {', '.join(map(str, capped[:10]))} "
                      f"(stopped at --max-replications {precision['max_replications']} or no value)",
                      highlight=False)
