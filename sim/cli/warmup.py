"""``fsim warmup``: is a run's warm-up long enough? MSER-5 on a daily KPI series."""

from __future__ import annotations

import argparse

from sim.cli import EXIT_OK, positive_int

HELP = "suggest a warm-up for a finished run (MSER-5 on a daily KPI series)"
ROUGH_BELOW_BATCHES = 20


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("run_dir", metavar="RUN_DIR", help="a run folder written by fsim run (with orders.parquet)")
    p.add_argument("--kpi", default="lead_time_hours_mean", metavar="NAME",
                   help="daily series: lead_time_hours_mean (default), warehouse_hours_mean, "
                        "on_time_delivery_pct, throughput_orders_per_day")
    p.add_argument("--batch", type=positive_int, default=5, metavar="DAYS",
                   help="batch size of MSER (default 5: MSER-5; 7 averages out a weekly cycle)")
    p.add_argument("--plot", default=None, metavar="PNG",
                   help="where to write the figure (default RUN_DIR/warmup_<kpi>.png)")


def run(args: argparse.Namespace, console) -> int:
    from pathlib import Path

    import numpy as np
    from rich.console import Console

    from sim.analysis import MSER_MIN_TAIL_BATCHES
    from sim.outdir import FIGURE_SUFFIXES, check_output_file
    from sim.warmup import SERIES, analyse_run, check_series, warmup_figure

    check_series(args.kpi)
    if args.plot:  # (before the analysis: a bad path costs nothing)
        check_output_file("--plot", args.plot, FIGURE_SUFFIXES)
    report = analyse_run(args.run_dir, args.kpi, args.batch)
    plot = Path(args.plot) if args.plot else Path(args.run_dir) / f"warmup_{args.kpi}.png"
    warmup_figure(report, plot)
    out = Console(soft_wrap=True)  # whole lines: readable in logs and greppable
    r = report.result
    out.print(f"warm-up by MSER-{r.batch} on the daily {SERIES[args.kpi]}, mean of "
              f"{report.replications} replication(s), days 0-{int(report.horizon_days) - 1}:",
              highlight=False)
    if report.saturated:  # (the series only looks settled: over the orders that got through)
        pools = ", ".join(f"{p} (in {n} of {report.replications} replications)" for p, n in report.saturated.items())
        out.print(f"  [yellow]no steady state[/yellow]: saturated staff pools, whose queue grows without "
                  f"bound: {pools}. A daily series of such a run is over the orders that got through, "
                  "so no warm-up can be suggested and neither the configured warm-up nor the run can "
                  "be judged: add staff there (or route fewer orders to the site) first", highlight=False)
        out.print(f"wrote {plot}", highlight=False)
        return EXIT_OK
    out.print(f"  suggested warm-up: [bold]{_days(report.suggested_days)}[/bold] "
              f"(configured horizon.warmup_days: {report.configured_days:g})", highlight=False)
    if report.warmup_enough:
        out.print("  the configured warm-up is long enough", highlight=False)
    else:
        need = int(report.suggested_days)
        out.print(f"  [yellow]the configured warm-up is too short[/yellow]: use at least {_days(need)} "
                  f"(--set horizon.warmup_days={need})", highlight=False)
    # Days without a value (no order placed, e.g. a weekend without wholesale orders) are
    # left out before batching: a batch is then of days with a value, not calendar days.
    gaps = int(np.isnan(report.values).sum())
    days = _days(r.batch) + (" with a value" if gaps else "")
    if report.long_enough and not r.late_checked:
        out.print(f"  [yellow]too short to tell whether the run is long enough[/yellow]: the truncation "
                  f"point lies in the first half of its {len(r.batch_means)} batches of {days}, but "
                  f"with fewer than {2 * MSER_MIN_TAIL_BATCHES} batches MSER cannot see a series that "
                  f"settles only later; run {_days(2 * MSER_MIN_TAIL_BATCHES * r.batch)}"
                  f"{' with a value' if gaps else ''} or more to check", highlight=False)
    elif report.long_enough:
        out.print(f"  the run is long enough: the truncation point lies in the first half of its "
                  f"{len(r.batch_means)} batches of {days}", highlight=False)
    else:
        out.print(f"  [yellow]the run is not long enough to tell[/yellow]: MSER's truncation point "
                  f"falls in the second half of its {len(r.batch_means)} batches (the statistic still "
                  "falls at mid-run, or the series settles only later); lengthen horizon.days and "
                  "check again", highlight=False)
    if len(r.batch_means) < ROUGH_BELOW_BATCHES:
        out.print(f"  note: with {len(r.batch_means)} batches the verdict is rough (MSER on short "
                  f"series errs often); {_days(ROUGH_BELOW_BATCHES * r.batch)}"
                  f"{' with a value' if gaps else ''} or more give a firmer one", highlight=False)
    if gaps:
        out.print(f"  note: {_days(gaps)} had no value (no order placed then) and were left out",
                  highlight=False)
    out.print(f"wrote {plot}", highlight=False)
    return EXIT_OK


def _days(n: float) -> str:
    return f"{n:g} day" if n == 1 else f"{n:g} days"
