"""The ``fsim`` command (also ``python -m sim``): a thin layer over :mod:`sim`'s API.

Exit codes: 0 done; 2 bad input (scenario or command line); 1 anything else.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from sim import __version__
from sim.outputs import OutputDirError
from sim.scenario import ScenarioError, load_scenario, parse_set_option, scenario_to_yaml

EXIT_OK, EXIT_ERROR, EXIT_BAD_INPUT = 0, 1, 2

# The KPIs shown on the terminal after a run (all of them are in summary.json).
HEADLINE_KPIS = (
    "orders_placed",
    "orders_delivered",
    "orders_in_progress",
    "throughput_orders_per_day",
    "lead_time_hours_mean",
    "lead_time_hours_p50",
    "lead_time_hours_p95",
    "on_time_delivery_pct",
    "picking_accuracy_pct",
    "return_rate_pct",
    "payment_failure_pct",
    # with inventory
    "fill_rate_pct",
    "backorder_rate_pct",
    "rerouted_pct",
    "shipped_in_parts_pct",
)


class _Parser(argparse.ArgumentParser):
    """argparse that exits with EXIT_BAD_INPUT (2) on a bad command line."""

    def error(self, message: str):  # noqa: D401
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"fsim: error: {message}\n")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="fsim", description="Simulate e-commerce order fulfilment from a YAML scenario.")
    parser.add_argument("--version", action="version", version=f"fsim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def scenario_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("scenario", help="scenario YAML file")
        p.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
                       help="override a scenario value, e.g. warehouses.west.staff.pickers=14 (repeatable)")

    run = sub.add_parser("run", help="run a scenario and write its outputs")
    scenario_args(run)
    run.add_argument("--replications", "-r", type=_positive_int, default=1, help="independent replications (default 1)")
    run.add_argument("--seed", type=_seed, default=None, help="base seed (default: the scenario's seed)")
    run.add_argument("--workers", "-w", type=_positive_int, default=1, help="parallel processes (default 1)")
    run.add_argument("--out", "-o", default=None, help="output folder (default results/<scenario>/<timestamp>/)")
    run.add_argument("--overwrite", action="store_true", help="replace the results already in --out")
    run.add_argument("--no-figures", action="store_true", help="skip the PNG figures")
    run.add_argument("--quiet", "-q", action="store_true", help="no progress bar or table")

    val = sub.add_parser("validate", help="check a scenario and print it fully resolved")
    scenario_args(val)

    cmp_ = sub.add_parser("compare", help="compare the KPIs of finished runs side by side")
    cmp_.add_argument("runs", nargs="+", help="run folders written by fsim run")
    cmp_.add_argument("--kpi", action="append", default=None, metavar="NAME",
                      help="KPI to show (repeatable; default: lead time, on-time, accuracy, picking)")
    cmp_.add_argument("--plot", default=None, metavar="PNG",
                      help="also write ECDFs of lead time and of time in the warehouse to this PNG")
    cmp_.add_argument("--csv", default=None, metavar="CSV", help="also write the table as tidy CSV")
    return parser


def _load(args: argparse.Namespace):
    overrides = dict(parse_set_option(text) for text in args.overrides)
    return load_scenario(args.scenario, overrides or None, override_label="--set")


def _kpi_table(summary: dict) -> Table:
    reps = summary["replications"]
    table = Table(title=f"{summary['scenario']}: {reps} replication(s), seed {summary['seed']}")
    table.add_column("KPI")
    table.add_column("mean", justify="right")
    table.add_column("95% CI", justify="right")
    for name in HEADLINE_KPIS + tuple(k for k in summary["kpis"] if k.startswith("utilization_")):
        k = summary["kpis"].get(name)
        if k is None:
            continue
        digits = 3 if name.startswith("util") else 0 if name.startswith("orders_") else 2

        def fmt(v, digits=digits):
            return "-" if v is None else f"{v:,.{digits}f}"

        ci = "-" if k["ci95_low"] is None else f"{fmt(k['ci95_low'])} .. {fmt(k['ci95_high'])}"
        table.add_row(name, fmt(k["mean"]), ci)
    return table


def cmd_run(args: argparse.Namespace, console: Console) -> int:
    from sim.experiment import run
    from sim.outputs import default_out_dir, prepare_out_dir, write_results

    scenario = _load(args)
    # Check the output folder before simulating, so a bad --out costs nothing.
    out = prepare_out_dir(args.out, args.overwrite) if args.out else default_out_dir(scenario.name)
    if args.quiet:
        result = run(scenario, args.replications, args.seed, args.workers)
    else:
        with Progress(TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.percentage:>5.1f}%"),
                      TimeElapsedColumn(), TimeRemainingColumn(), console=console, transient=True) as bar:
            task = bar.add_task(f"{scenario.name}: replications", total=args.replications)

            def on_progress(done: int, total: int, frac: float) -> None:
                bar.update(task, completed=done + frac, description=f"{scenario.name}: replication {min(done + 1, total)}/{total}")

            result = run(scenario, args.replications, args.seed, args.workers, progress=on_progress)
    files = write_results(result, out, figures=not args.no_figures)
    if not args.quiet:
        console.print(_kpi_table(result.summary))
        console.print(f"wrote {len(files)} files to [bold]{out}[/bold]")
    for line in result.summary["warnings"]:
        sys.stderr.write(f"warning: {line}\n")
    return EXIT_OK


def cmd_validate(args: argparse.Namespace, console: Console) -> int:
    scenario = _load(args)
    sys.stdout.write(scenario_to_yaml(scenario))
    console.print(f"[green]ok[/green]: {args.scenario} is a valid scenario", highlight=False)
    return EXIT_OK


def cmd_compare(args: argparse.Namespace, console: Console) -> int:
    from sim.compare import DEFAULT_KPIS, comparison_table, lead_time_groups, run_labels

    table = comparison_table(args.runs, tuple(args.kpi) if args.kpi else DEFAULT_KPIS)
    out = Table(title="KPI means (95% CI)")
    out.add_column("KPI", no_wrap=True)
    runs = list(dict.fromkeys(run_labels(args.runs)))
    for run in runs:
        out.add_column(run, justify="right")
    for kpi, rows in table.groupby("kpi", sort=False):
        cells = []
        for run in runs:
            r = rows[rows["run"] == run]
            if r.empty or r["mean"].isna().all():
                cells.append("-")
                continue
            m, lo, hi = r.iloc[0][["mean", "ci95_low", "ci95_high"]]
            cells.append(f"{m:,.2f}" + ("" if pd.isna(lo) else f" [{lo:,.2f}, {hi:,.2f}]"))
        out.add_row(kpi, *cells)
    Console(width=max(Console().width, 40 + 28 * len(runs))).print(out)
    if args.csv:
        table.to_csv(args.csv, index=False)
    if args.plot:
        from sim.report import comparison_figure

        comparison_figure(*lead_time_groups(args.runs), Path(args.plot))
        console.print(f"wrote {args.plot}")
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    console = Console(stderr=True)
    try:
        commands = {"run": cmd_run, "validate": cmd_validate, "compare": cmd_compare}
        return commands[args.command](args, console)
    except ScenarioError as exc:
        for line in exc.problems:
            sys.stderr.write(f"error: {line}\n")
        return EXIT_BAD_INPUT
    except OutputDirError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return EXIT_ERROR
    except Exception as exc:  # the promise: exit 1, one line, traceback on request
        sys.stderr.write(f"fsim: internal error: {type(exc).__name__}: {exc}\n")
        if os.environ.get("FSIM_DEBUG"):
            traceback.print_exc()
        else:
            sys.stderr.write("(set FSIM_DEBUG=1 for the traceback)\n")
        return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
