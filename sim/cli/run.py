"""``fsim run``: run a scenario and write its outputs."""

from __future__ import annotations

import argparse
import sys

from sim.cli import EXIT_OK, add_scenario_args, load_from_args, positive_int, seed_int

HELP = "run a scenario and write its outputs"

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


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_scenario_args(p)
    p.add_argument("--replications", "-r", type=positive_int, default=1, help="independent replications (default 1)")
    p.add_argument("--seed", type=seed_int, default=None, help="base seed (default: the scenario's seed)")
    p.add_argument("--workers", "-w", type=positive_int, default=1, help="parallel processes (default 1)")
    p.add_argument("--out", "-o", default=None, help="output folder (default results/<scenario>/<timestamp>/)")
    p.add_argument("--overwrite", action="store_true", help="replace the results already in --out")
    p.add_argument("--no-figures", action="store_true", help="skip the PNG figures")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar or table")
    from sim.cli.sweep import add_precision_arguments  # --precision, --kpi, --max-replications

    add_precision_arguments(p, "a KPI for --precision (repeatable)")


def _kpi_table(summary: dict):
    from rich.table import Table

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


def run(args: argparse.Namespace, console) -> int:
    from rich.progress import (
        BarColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from sim.errors import ScenarioError
    from sim.experiment import run as run_replications
    from sim.outputs import default_out_dir, prepare_out_dir, write_results

    scenario = load_from_args(args)
    # Check the output folder before simulating, so a bad --out costs nothing.
    out = prepare_out_dir(args.out, args.overwrite) if args.out else default_out_dir(scenario.name)
    if args.precision is not None:  # as many replications as the target needs (from max(-r, 3))
        from sim.precision import run_for_precision

        if not args.kpi:
            raise ScenarioError(["--precision needs --kpi NAME, e.g. --kpi lead_time_hours_mean"])
        result = run_for_precision(scenario, args.seed, args.kpi, args.precision,
                                   start=max(args.replications, 3), workers=args.workers,
                                   max_replications=args.max_replications,
                                   console=None if args.quiet else console)
    elif args.quiet:
        result = run_replications(scenario, args.replications, args.seed, args.workers)
    else:
        with Progress(TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.percentage:>5.1f}%"),
                      TimeElapsedColumn(), TimeRemainingColumn(), console=console, transient=True) as bar:
            task = bar.add_task(f"{scenario.name}: replications", total=args.replications)

            def on_progress(done: int, total: int, frac: float) -> None:
                bar.update(task, completed=done + frac,
                           description=f"{scenario.name}: replication {min(done + 1, total)}/{total}")

            result = run_replications(scenario, args.replications, args.seed, args.workers,
                                      progress=on_progress)
    files = write_results(result, out, figures=not args.no_figures)
    if not args.quiet:
        console.print(_kpi_table(result.summary))
        console.print(f"wrote {len(files)} files to [bold]{out}[/bold]")
    for line in result.summary["warnings"]:
        sys.stderr.write(f"warning: {line}\n")
    return EXIT_OK
