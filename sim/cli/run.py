"""``fsim run``: run a scenario and write its outputs."""

from __future__ import annotations

import argparse
import sys

from sim.cli import (
    EXIT_OK,
    EXIT_SATURATED,
    add_scenario_args,
    add_size_check_arg,
    folder_name,
    load_from_args,
    positive_int,
    seed_int,
)

HELP = "run a scenario and write its outputs"
EVENT_LOG_FORMATS = ("ocel-json", "ocel-sqlite", "xes")  # sim.eventlog.FORMATS (not imported: fsim --help stays fast)

# The KPIs shown on the terminal after a run (all of them are in summary.json), then
# per site the ones a planner asks about.
HEADLINE_KPIS = (
    "orders_placed",
    "orders_delivered",
    "orders_undelivered_at_end",
    "completion_pct",
    "throughput_orders_per_day",
    "lead_time_hours_mean",
    "lead_time_hours_p50",
    "lead_time_hours_p95",
    "on_time_delivery_pct",
    "warehouse_hours_p95",
    "same_day_ship_pct",
    "picking_accuracy_pct",
    "return_rate_pct",
    "payment_failure_pct",
    "cost_per_order",
    # with inventory
    "fill_rate_pct",
    "backorder_rate_pct",
    "rerouted_pct",
    "shipped_in_parts_pct",
)
SITE_KPIS = ("on_time_delivery_pct", "warehouse_hours_p95", "utilization_pct_pickers",
             "utilization_pct_packers", "backlog_at_end_pickers", "backlog_at_end_packers")


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_scenario_args(p)
    p.add_argument("--replications", "-r", type=positive_int, default=1, help="independent replications (default 1)")
    p.add_argument("--seed", type=seed_int, default=None, help="base seed (default: the scenario's seed)")
    p.add_argument("--workers", "-w", type=positive_int, default=1, help="parallel processes (default 1)")
    p.add_argument("--out", "-o", default=None, type=folder_name, help="output folder (default results/<scenario>/<timestamp>/)")
    p.add_argument("--overwrite", action="store_true", help="replace the results already in --out")
    p.add_argument("--no-figures", action="store_true", help="skip the PNG figures")
    p.add_argument("--outputs", choices=("kpis", "orders", "all"), default="all",
                   help="what to write: kpis (summary.json, kpis.csv, the resolved scenario), "
                        "orders (and the tables), all (and the figures; default)")
    p.add_argument("--strict", action="store_true",
                   help="exit with code 3 if a staff pool is saturated (it cannot keep up: README, Saturation)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar or table")
    add_size_check_arg(p)
    from sim.cli.sweep import add_precision_arguments  # --precision, --kpi, --max-replications

    add_precision_arguments(p, "a KPI for --precision (repeatable)")
    p.add_argument("--event-log", action="append", default=[], choices=EVENT_LOG_FORMATS, metavar="FORMAT",
                   help="also write each replication's event log, eventlog/rep-<r>.<ext>: ocel-json "
                        "(.jsonocel), ocel-sqlite (.sqlite) or xes (.xes, flattened on orders); repeatable")
    p.add_argument("--event-log-start", type=date_arg, default=None, metavar="DATE",
                   help="the date (YYYY-MM-DD) of the run's hour 0 in the event log; its weekday must be "
                        "horizon.start_weekday (default: the next such date from today)")


def date_arg(text: str):
    """argparse type: a date written YYYY-MM-DD."""
    from sim.eventlog.clock import parse_start

    try:
        return parse_start(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _event_log_problems(args: argparse.Namespace, scenario) -> list[str]:
    """Event-log options that cannot be honoured (checked before the run)."""
    if args.event_log_start is not None and not args.event_log:
        return ["--event-log-start: only used with --event-log FORMAT (which log to write)"]
    if args.event_log_start is not None:
        from sim.eventlog.clock import start_problem

        hz = scenario.horizon
        problem = start_problem(args.event_log_start, hz.start_weekday, hz.days + hz.drain_days)
        if problem:
            return [f"--event-log-start {args.event_log_start.isoformat()}: {problem}"]
    return []


def _kpi_table(summary: dict, sites: list[str], channels: list[str]):
    from rich.table import Table

    from sim.cli.tables import fmt_entry

    reps = summary["replications"]
    caption = ("one replication: no confidence interval (use -r 5 or more)" if reps == 1
               else f"95% confidence intervals over {reps} replications")
    table = Table(title=f"{summary['scenario']}: {reps} replication(s), seed {summary['seed']}",
                  caption=caption)
    table.add_column("KPI")
    table.add_column("mean", justify="right")
    table.add_column("95% CI", justify="right")
    kpis = summary["kpis"]
    names = [n for n in HEADLINE_KPIS if n in kpis]
    names += [f"{k}_{site}" for site in sites for k in SITE_KPIS if f"{k}_{site}" in kpis]
    for name in names:
        mean, ci = fmt_entry(name, kpis[name], sites, channels)
        table.add_row(name, mean, ci if reps > 1 else "")
    saturated = summary.get("saturated_pools") or {}
    table.add_row("saturated_pools", ", ".join(saturated) or "none", "")
    return table


class _PlainProgress:
    """Progress as plain lines on stderr when it is not a terminal (CI logs, files): at
    each replication's end, and at most every ``every_s`` seconds within one."""

    def __init__(self, name: str, every_s: float = 30.0) -> None:
        import time

        self.name, self.every_s, self.clock = name, every_s, time.perf_counter
        self.start = self.last = self.clock()

    def __call__(self, done: int, total: int, frac: float) -> None:
        now = self.clock()
        if frac and now - self.last < self.every_s:
            return
        self.last = now
        share = (done + frac) / total
        elapsed = now - self.start
        left = f", about {elapsed / share - elapsed:,.0f} s left" if 0 < share < 1 else ""
        what = f"replication {done}/{total} done" if not frac else f"replication {done + 1}/{total}"
        sys.stderr.write(f"fsim: {self.name}: {what} ({100 * share:.0f}%), {elapsed:,.0f} s{left}\n")
        sys.stderr.flush()


def _interrupted(kept: int, out) -> int:
    from sim.cli import EXIT_INTERRUPTED

    sys.stderr.write(f"interrupted: {kept} finished replication(s) kept in {out}; run the same "
                     "command again to finish\n")
    return EXIT_INTERRUPTED


def _keeps_tables(args: argparse.Namespace) -> bool:
    """Whether the run needs its tables: a run that writes none (``--outputs kpis``, no
    event log) holds none, so its memory does not grow with the replications."""
    return args.outputs != "kpis" or bool(args.event_log)


class _FigureImport:
    """Importing what the figures draw with (matplotlib: ~0.4 s) on a thread of its own,
    from the moment the first replication finishes: it overlaps saving that
    replication's tables and the summary (mostly in C, leaving the interpreter free),
    or the other replications' runs in worker processes. :meth:`wait` before drawing:
    the figure workers are forked from a process with no other thread."""

    def __init__(self, wanted: bool) -> None:
        self.wanted, self.thread = wanted, None

    def start(self) -> None:
        if self.wanted and self.thread is None:
            import threading

            self.thread = threading.Thread(target=_import_figures, name="fsim-import-figures", daemon=True)
            self.thread.start()

    def wait(self) -> None:
        if self.thread is not None:
            self.thread.join()


def _import_figures() -> None:
    import contextlib

    with contextlib.suppress(Exception):  # (drawing imports it again and says what is wrong)
        import sim.report  # noqa: F401


def run(args: argparse.Namespace, console) -> int:
    from sim import __version__
    from sim.cli.sweep import max_replications
    from sim.errors import ScenarioError
    from sim.experiment import scenario_sha256
    from sim.outputs import INVENTORY_FILES, RESULT_FILES, default_out_dir
    from sim.runfolder import RunFolder
    from sim.scenario import parse_set_option, with_seed

    scenario = with_seed(load_from_args(args), args.seed)
    max_replications(args)  # (refused without --precision)
    if args.precision is not None and not args.kpi:
        raise ScenarioError(["--precision needs --kpi NAME, e.g. --kpi lead_time_hours_mean"])
    if args.kpi and args.precision is None:  # (it would be ignored)
        raise ScenarioError(["--kpi is the KPI that --precision REL aims at: give --precision too, "
                             "e.g. --precision 0.05 --kpi lead_time_hours_mean"])
    if args.precision is not None:  # a name no replication reports, before any is run
        from sim.kpis.registry import family_of
        from sim.staffing.targets import kpi_names
        from sim.sweep.runner import check_kpi_names

        check_kpi_names([k for k in args.kpi if family_of(k) is None], kpi_names(scenario))
    problems = _event_log_problems(args, scenario)
    if problems:
        raise ScenarioError(problems)
    # The run's size (with --precision, as many replications as it may run), shown, and
    # a run the machine cannot hold refused before it starts.
    from sim.sizing import available_memory_bytes, check_fits, estimate_run, run_advice

    figures_wanted = args.outputs == "all" and not args.no_figures
    size = dict(replications=args.replications if args.precision is None else max_replications(args),
                workers=args.workers, tables=_keeps_tables(args), on_disk=not args.event_log,
                figures=figures_wanted, event_logs=bool(args.event_log))
    estimate = estimate_run(scenario, **size)
    if not args.no_size_check:
        available = available_memory_bytes()
        if available is not None and estimate.peak_memory_bytes > available:  # (the advice only then)
            check_fits(estimate, available,
                       advice=run_advice(scenario, available, precision=args.precision is not None, **size))
    if not args.quiet:
        console.print(f"[dim]{scenario.name}: {estimate.describe()}"
                      + (" at most (--precision)" if args.precision is not None else "") + "[/dim]",
                      highlight=False)
    # What the scenario alone tells (nobody in a pool, a site nobody is routed to...) is
    # said before the run, which may be long: not after it.
    from sim.model.warnings import scenario_warnings

    said_before = scenario_warnings(scenario)
    for line in said_before:
        sys.stderr.write(f"warning: {line}\n")
    # Prepare the output folder before simulating, so a bad --out costs nothing.
    # (a replication kept by another version of the simulator is not resumed)
    # (the settings without the seed: a run that differs only in its seed says so, not
    # "the scenario, the seed")
    manifest = {"settings_sha256": scenario_sha256(with_seed(scenario, 0)), "seed": scenario.seed,
                "replications": args.replications, "outputs": args.outputs,
                "tables": _keeps_tables(args),  # (replications kept without tables make no event log)
                "sim_version": __version__}
    if args.precision is not None:  # the count is found as it runs: the target names the run
        manifest.update(precision=args.precision, kpi=sorted(args.kpi),
                        max_replications=max_replications(args))
    folder = RunFolder.prepare(args.out or default_out_dir(scenario.name), manifest, args.overwrite,
                               RESULT_FILES + INVENTORY_FILES)
    provenance = {"estimate": {"orders_per_replication": round(estimate.orders_per_replication),
                               "peak_memory_bytes": round(estimate.peak_memory_bytes),
                               "wall_time_s": round(estimate.wall_time_s, 1)},
                  "scenario_file": str(args.scenario),
                  "overrides": dict(parse_set_option(text) for text in args.overrides),
                  "command": ["fsim", *getattr(args, "argv", [])]}
    # Each replication's tables are kept on disk as it finishes, and the combined files
    # written from there: the run holds one replication's tables at a time. (Not worth
    # it for one replication; the event logs need them all held.)
    hold = bool(args.event_log) or (args.replications == 1 and args.precision is None)
    # The figures are drawn by a process started now, which imports matplotlib while
    # the run runs and reads the tables back once written (sim.figure_process); for a
    # big run holding its tables that would hold them twice, and they are drawn here.
    figure_process = None
    if figures_wanted:
        from sim.figure_process import FigureProcess

        held = estimate.orders_per_replication * args.replications if hold else 0.0
        figure_process = FigureProcess.start(held_orders=held)
    try:
        return _run_and_write(args, console, scenario, folder, hold, provenance, figure_process,
                              said_before)
    finally:
        if figure_process is not None:
            figure_process.close()


def _run_and_write(args: argparse.Namespace, console, scenario, folder, hold: bool,
                   provenance: dict, figure_process, said_before: list[str]) -> int:
    """Run the replications (keeping each as it finishes, resuming those kept), write
    every output and say what was written: the run of :func:`run`, once prepared.
    ``figure_process``: draws the figures (:mod:`sim.figure_process`), or None to
    draw them here. ``said_before``: the warnings printed before the run (not again)."""
    from concurrent.futures.process import BrokenProcessPool

    from rich.progress import (
        BarColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from sim.cli import EXIT_ERROR
    from sim.cli.sweep import max_replications
    from sim.errors import OutputDirError
    from sim.experiment import run as run_replications
    from sim.outputs import write_results

    out, seed = folder.path, scenario.seed
    done = folder.load_replications(tables=hold)  # (a kept replication damaged on disk is run again)
    kept = list(folder.resumed)

    figures = _FigureImport(args.outputs == "all" and not args.no_figures and figure_process is None)

    def keep(output) -> None:
        figures.start()
        folder.save_replication(output)
        if not hold:
            output.drop_tables()
        kept.append(output.replication)

    common = dict(provenance=provenance, done=done, on_replication=keep,
                  tables=_keeps_tables(args))
    try:
        if args.precision is not None:  # as many replications as the target needs (from max(-r, 3))
            from sim.precision import run_for_precision

            result = run_for_precision(scenario, seed, args.kpi, args.precision,
                                       start=max(args.replications, 3), workers=args.workers,
                                       max_replications=max_replications(args),
                                       console=None if args.quiet else console, **common)
        elif args.quiet:
            result = run_replications(scenario, args.replications, seed, args.workers, **common)
        elif not console.is_terminal:
            result = run_replications(scenario, args.replications, seed, args.workers,
                                      progress=_PlainProgress(scenario.name), **common)
        else:
            with Progress(TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.percentage:>5.1f}%"),
                          TimeElapsedColumn(), TimeRemainingColumn(), console=console, transient=True) as bar:
                task = bar.add_task(f"{scenario.name}: replications", total=args.replications)

                def on_progress(done: int, total: int, frac: float) -> None:
                    bar.update(task, completed=done + frac,
                               description=f"{scenario.name}: replication {min(done + 1, total)}/{total}")

                result = run_replications(scenario, args.replications, seed, args.workers,
                                          progress=on_progress, **common)
    except KeyboardInterrupt:
        return _interrupted(len(kept), out)
    except BrokenProcessPool:  # (a worker killed: not an error of the run's, nor of fsim's)
        sys.stderr.write(f"error: a worker process died (killed, or out of memory?); {len(kept)} "
                         f"finished replication(s) kept in {out}; run the same command again to "
                         "finish (with fewer --workers if memory ran out)\n")
        return EXIT_ERROR
    try:
        reps = result.kpis["replication"].tolist()
        figures.wait()
        files = write_results(result, out, figures=not args.no_figures, outputs=args.outputs,
                              event_logs=args.event_log, event_log_start=args.event_log_start,
                              table_files=lambda name: folder.table_files(name, reps),
                              figure_process=figure_process)
    except KeyboardInterrupt:  # (while the combined files, figures or event logs are written)
        return _interrupted(len(kept), out)
    except OSError as exc:
        raise OutputDirError(f"cannot write the results to {out}: {exc.strerror or exc}; the "
                             f"{len(kept)} finished replication(s) are kept there: free the space "
                             "(or fix the folder) and run the same command again") from None
    folder.finish()
    if not args.quiet:
        console.print(_kpi_table(result.summary, scenario.sites, list(scenario.demand.channels)))
        console.print(f"wrote {len(files)} files to [bold]{out}[/bold]")
    for line in result.summary["warnings"]:
        if line not in said_before:
            sys.stderr.write(f"warning: {line}\n")
    if args.strict and result.summary["saturated_pools"]:
        sys.stderr.write(f"error: saturated staff pools: {', '.join(result.summary['saturated_pools'])} "
                         "(--strict)\n")
        return EXIT_SATURATED
    return EXIT_OK
