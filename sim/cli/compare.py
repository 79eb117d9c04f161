"""``fsim compare``: the KPIs of finished runs side by side."""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.cli import EXIT_OK

HELP = "compare the KPIs of finished runs side by side"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("runs", nargs="+", help="run folders written by fsim run")
    p.add_argument("--kpi", action="append", default=None, metavar="NAME",
                   help="KPI to show (repeatable; default: lead time, on-time, accuracy, picking)")
    p.add_argument("--plot", default=None, metavar="PNG",
                   help="also write ECDFs of lead time and of time in the warehouse to this PNG")
    p.add_argument("--csv", default=None, metavar="CSV", help="also write the table as tidy CSV")


def run(args: argparse.Namespace, console) -> int:
    import pandas as pd
    from rich.console import Console
    from rich.table import Table

    from sim.compare import DEFAULT_KPIS, comparison_table, lead_time_groups, run_labels

    table = comparison_table(args.runs, tuple(args.kpi) if args.kpi else DEFAULT_KPIS)
    out = Table(title="KPI means (95% CI)")
    out.add_column("KPI", no_wrap=True)
    runs = list(dict.fromkeys(run_labels(args.runs)))
    for label in runs:
        out.add_column(label, justify="right")
    for kpi, rows in table.groupby("kpi", sort=False):
        cells = []
        for label in runs:
            r = rows[rows["run"] == label]
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
