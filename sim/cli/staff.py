"""``fsim staff``: the cheapest pickers and packers per site (and per shift) that meet
service targets with a stated confidence.

Exit codes: 0 a plan was found; 1 no plan within the bounds meets the targets (the
message says why: staff too few at the upper bounds, or a constraint that is not
staff), or a run failed; 2 bad input (scenario, --pool, --target, --bounds, an option,
an output folder holding something else); 130 interrupted (rerun the same command to
resume).
"""

from __future__ import annotations

import argparse
import sys

from sim.cli import (
    EXIT_ERROR,
    EXIT_OK,
    add_scenario_args,
    add_size_check_arg,
    folder_name,
    positive_int,
    seed_int,
)

HELP = "find the cheapest head counts per pool (and shift) that meet service targets"
DESCRIPTION = __doc__.split("\n\n", 1)[0].replace("``", "") + """

Example: fsim staff scenarios/baseline.yaml --pool east.pickers --pool east.packers
--target "same_day_ship_pct_east >= 90" --bounds east.pickers=1..20 --out results/staff/east"""


def confidence(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number such as 0.95, got {text!r}") from None
    if not 0.5 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 0.5 and below 1 (e.g. 0.95), got {value}")
    return value


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_scenario_args(p)
    # (checked by the planner, whose message gives an example; listed apart in --help)
    needed = p.add_argument_group("required (each at least once)")
    needed.add_argument("--pool", action="append", default=[], metavar="SITE.ROLE[.SHIFT]",
                   help="a staff pool to plan: east.pickers, east.packers, or one shift of it "
                        "(east.pickers.day) (repeatable; at least one)")
    needed.add_argument("--target", action="append", default=[], metavar='"KPI OP VALUE"',
                   help='a service target, OP one of >=, <=, >, <: "on_time_delivery_pct_east >= 95" '
                        "(repeatable; at least one)")
    p.add_argument("--per-shift", action="store_true",
                   help="a head count per shift for each pool (default: one count on every shift)")
    p.add_argument("--bounds", action="append", default=[], metavar="POOL=LOW..HIGH",
                   help="head counts to search, e.g. east.pickers=1..20 (default 1..max(2 x the "
                        "scenario's count, 10)); with --per-shift, for every shift or one "
                        "(east.pickers.day=2..9)")
    p.add_argument("--confidence", type=confidence, default=0.95,
                   help="a target is met when the bound of the two-sided CI at this level on its "
                        "far side meets it (default 0.95)")
    p.add_argument("--replications", "-r", type=positive_int, default=5,
                   help="replications every plan starts with (default 5, at least 2)")
    p.add_argument("--max-replications", type=positive_int, default=40, metavar="N",
                   help="most replications for a close decision (default 40)")
    p.add_argument("--seed", type=seed_int, default=None, help="seed of every plan (default: the scenario's)")
    p.add_argument("--out", "-o", default=None, type=folder_name,
                   help="results folder (default results/staff/<scenario name>); rerunning into the "
                        "same folder resumes and reuses every finished run")
    p.add_argument("--overwrite", action="store_true", help="discard another search's results in --out")
    p.add_argument("--executor", choices=("serial", "processes", "dask"), default="processes",
                   help="where runs go (default processes)")
    p.add_argument("--workers", "-w", type=positive_int, default=None,
                   help="processes or LocalCluster workers (default: the cores)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="with --executor dask: an existing cluster, e.g. tcp://host:8786")
    p.add_argument("--no-figures", action="store_true", help="skip frontier.png")
    p.add_argument("--quiet", "-q", action="store_true", help="print only the result")
    add_size_check_arg(p)


def run(args: argparse.Namespace, console) -> int:
    from pathlib import Path

    from sim.scenario import parse_set_option
    from sim.staffing import plan_staffing
    from sim.staffing.pools import parse_bounds

    overrides = dict(parse_set_option(text) for text in args.overrides)
    bounds = parse_bounds(args.bounds)
    if not args.no_size_check:  # refuse runs the machine cannot hold, before they start
        from sim.scenario import load_scenario
        from sim.sizing import check_tasks_fit

        check_tasks_fit([load_scenario(args.scenario, overrides or None, override_label="--set")],
                        args.executor, args.workers, args.scheduler)
    out = Path(args.out) if args.out else None
    if out is None:
        from sim.scenario.loader import load_raw

        data, _ = load_raw(args.scenario, overrides or None, "--set")
        out = Path("results") / "staff" / str(data.get("name") or Path(args.scenario).stem)

    def progress(p) -> None:
        if args.quiet or not p.decided:  # (one line per plan decided)
            return
        console.print(f"  [{p.phase}] {p.message} ({p.replications} replications; "
                      f"{p.runs} runs so far)", highlight=False, markup=False, soft_wrap=True)

    try:
        result = plan_staffing(args.scenario, args.pool, args.target, overrides=overrides,
                               bounds=bounds, per_shift=args.per_shift, confidence=args.confidence,
                               replications=args.replications,
                               max_replications=args.max_replications, seed=args.seed, out=out,
                               overwrite=args.overwrite, executor=args.executor,
                               workers=args.workers, scheduler=args.scheduler, progress=progress,
                               figures=not args.no_figures)
    except KeyboardInterrupt:
        kept = len(list((out / "tasks").glob("*"))) if (out / "tasks").is_dir() else 0
        raise KeyboardInterrupt(f"interrupted: {kept} finished run(s) kept in {out}; rerun the "
                                "same command to resume") from None
    except RuntimeError as exc:
        from sim.staffing.evaluate import RunFailed

        if not isinstance(exc, RunFailed):
            raise
        sys.stderr.write(f"error: {exc}\n")
        return EXIT_ERROR
    _print(console, result)
    elsewhere = sorted({pool for p in result.plans for pool in p.saturated_elsewhere})
    if elsewhere:
        sys.stderr.write(f"warning: {', '.join(elsewhere)} saturated in some plans' runs, at a site "
                         "the targets do not read and no planned pool is at: not held against "
                         "the plans (the sites share nothing else); plan it too to fix it\n")
    if not result.feasible:
        for line in result.diagnosis:
            sys.stderr.write(f"error: {line}\n")
        return EXIT_ERROR
    return EXIT_OK


def _ci(t) -> str:
    import math

    from sim.html_report import fmt

    e = t.estimate
    return fmt(e.mean) + ("" if math.isnan(e.ci_low) else f" [{fmt(e.ci_low)}, {fmt(e.ci_high)}]")


def _print(console, result) -> None:
    from rich.table import Table

    conf = f"{100 * result.decision_confidence:.4g}%"
    if result.recommended is not None:
        best = result.recommended
        cost = (f"labour cost {best.cost:,.2f} over the {result.window_days:g}-day window "
                f"({best.cost_per_week:,.2f} per week)" if best.cost > 0 else
                f"{best.person_hours:,.0f} person-hours over the {result.window_days:g}-day window "
                "(the planned pools have no hourly cost: plans are compared by person-hours)")
        console.print(f"[bold]recommended[/bold]: {best.label}: {cost}, {best.replications} "
                      "replications", highlight=False)
        # (a plan's head counts one per line, and long targets folded, so that nothing is
        # cut off at 80 columns: a CI log, a pipe)
        table = Table(title=f"targets: mean [{conf} CI]", show_lines=True,
                      caption="* the recommended plan; then the runner-ups, cheapest first")
        table.add_column("plan", no_wrap=True)
        priced = best.cost > 0  # else plans are compared by person-hours
        table.add_column("cost / week" if priced else "person-hours", justify="right", no_wrap=True)
        for t in best.targets:
            table.add_column(t.target, justify="right", overflow="fold")
        for i, p in enumerate([best, *result.runner_ups]):
            table.add_row(("* " if i == 0 else "  ") + p.label.replace(", ", "\n  "),
                          f"{p.cost_per_week if priced else p.person_hours:,.0f}",
                          *(f"{_ci(t)} {t.verdict}" for t in p.targets))
        console.print(table)
        console.print(f"(targets {result.guarantee})", highlight=False, soft_wrap=True)
    reused = result.runs - result.runs_now
    grid_runs = result.grid_plans * result.start_replications
    percent = 100 * result.share_of_grid
    share = (f"{percent:.1f}% of that" if 1 <= percent <= 100 else f"{percent:.2g}% of that"
             if percent < 1 else
             "more than such a grid: with so few plans, the close calls' added replications "
             "cost more than the plans the search skipped")
    console.print(
        f"searched {len(result.plans)} plan(s) with {result.runs} runs ("
        + (f"{result.runs_now} run now, {reused} reused from {result.out}" if reused else "all run now")
        + f"); an exhaustive grid over the bounds has {result.grid_plans:,} plans, at least "
        f"{grid_runs:,} runs at {result.start_replications} replications a plan ({share})",
        highlight=False, soft_wrap=True)
    console.print(f"wrote {len(result.files)} files to [bold]{result.out}[/bold]", highlight=False,
                  soft_wrap=True)
