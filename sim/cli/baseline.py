"""``fsim baseline save``: run a scenario and keep its KPIs, replication by replication,
as the baseline that ``fsim check`` compares later runs with.

Exit codes: 0 saved; 2 bad input (the scenario, an option, an --out that holds a
baseline without --overwrite, a scenario that saturates a staff pool); 1 anything
else.
"""

from __future__ import annotations

import argparse
import sys

from sim.cli import EXIT_OK, add_scenario_args, add_size_check_arg, positive_int, seed_int

HELP = "save a scenario's KPIs as the baseline that fsim check compares with"
DESCRIPTION = __doc__.split("\n\n", 2)[0].replace("``", "")
DEFAULT_REPLICATIONS = 5


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", required=True, parser_class=type(p), metavar="ACTION")
    save = sub.add_parser("save", help="run a scenario and write its baseline file",
                          description=DESCRIPTION)
    add_scenario_args(save)
    save.add_argument("--out", "-o", required=True, metavar="JSON",
                      help="the baseline file to write, e.g. baselines/main.json")
    save.add_argument("--replications", "-r", type=positive_int, default=DEFAULT_REPLICATIONS,
                      help=f"replications (default {DEFAULT_REPLICATIONS}); fsim check runs as "
                           "many, with the same seeds")
    save.add_argument("--seed", type=seed_int, default=None,
                      help="base seed (default: the scenario's seed)")
    save.add_argument("--workers", "-w", type=positive_int, default=1,
                      help="parallel processes (default 1; the numbers do not depend on it)")
    save.add_argument("--overwrite", action="store_true",
                      help="replace the baseline already in --out (updating a baseline is "
                           "deliberate)")
    save.add_argument("--quiet", "-q", action="store_true", help="no progress or table")
    add_size_check_arg(save)


def check_out_path(path: str, overwrite: bool, scenario: str | None = None) -> None:
    """Refuse, before any simulation, an --out that cannot take a baseline: a folder,
    anything but a plain file (a device: the rename that writes the file whole would
    replace it), the scenario itself, an existing file without ``overwrite``, a place
    that cannot be written."""
    import os
    from pathlib import Path

    from sim.errors import OutputDirError
    from sim.outdir import check_output_file

    out = Path(path)
    if out.is_dir():
        raise OutputDirError(f"--out {out}: is a folder; give the baseline's file name, e.g. "
                             f"{out / 'baseline.json'}")
    parent = out.resolve().parent
    existing = next((d for d in [parent, *parent.parents] if d.exists()), None)
    if existing is None or not existing.is_dir() or not os.access(existing, os.W_OK):
        raise OutputDirError(f"--out {out}: cannot write there ({existing} is not a writable "
                             "folder)")
    if out.exists():
        check_output_file("--out", path, inputs={"the scenario": scenario} if scenario else None)
        if not overwrite:
            raise OutputDirError(f"--out {out}: already exists; pass --overwrite to replace it "
                                 "(updating a baseline is deliberate)")


def measure_with_progress(scenario, replications: int, seed: int, workers: int, console,
                          quiet: bool, scenario_file: str, overrides: dict, label: str):
    """:func:`sim.baseline.measure` with a progress bar on a terminal, plain lines
    otherwise (CI logs), nothing with ``quiet``; ``label`` says what runs."""
    from sim.baseline import measure

    common = dict(scenario_file=scenario_file, overrides=overrides)
    if quiet:
        return measure(scenario, replications, seed, workers, **common)
    if not console.is_terminal:
        from sim.cli.run import _PlainProgress

        return measure(scenario, replications, seed, workers,
                       progress=_PlainProgress(label), **common)
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task(f"{label}: replications", total=replications)

        def on_progress(done: int, total: int, frac: float) -> None:
            bar.update(task, completed=done + frac)

        return measure(scenario, replications, seed, workers, progress=on_progress, **common)


def run(args: argparse.Namespace, console) -> int:
    from sim.baseline import baseline_document, write_baseline
    from sim.cli import load_from_args
    from sim.errors import OutputDirError, ScenarioError
    from sim.regression import DEFAULT_KPIS
    from sim.scenario import parse_set_option

    scenario = load_from_args(args)
    check_out_path(args.out, args.overwrite, str(args.scenario))
    if not args.no_size_check:  # refuse runs the machine cannot hold, before they start
        from sim.sizing import check_fits, estimate_run

        check_fits(estimate_run(scenario, args.replications, args.workers, tables=False))
    seed = scenario.seed if args.seed is None else args.seed
    overrides = dict(parse_set_option(text) for text in args.overrides)
    m = measure_with_progress(scenario, args.replications, seed, args.workers, console,
                              args.quiet, str(args.scenario), overrides,
                              f"baseline save {scenario.name}")
    saturated = sorted({p for reps in m.saturated for p in reps})
    if saturated:
        raise ScenarioError([
            f"{args.scenario}: saturates the staff pool(s) {', '.join(saturated)}: they "
            "cannot keep up, so the KPIs depend on the length of the run, and fsim check "
            "fails any scenario that saturates a pool; add staff there (or route fewer orders "
            "to the site) before saving a baseline; nothing was written"])
    command = _command(args, seed)
    try:
        path = write_baseline(args.out, baseline_document(m, command))
    except OSError as exc:
        raise OutputDirError(f"--out {args.out}: cannot write the baseline: "
                             f"{exc.strerror or exc}") from None
    for line in m.warnings:
        sys.stderr.write(f"warning: {line}\n")
    if not args.quiet:
        _print_summary(m, DEFAULT_KPIS)
    sys.stdout.write(f"saved the baseline of {m.scenario_name} ({m.replications} replications, "
                     f"seed {m.seed}, {len(m.kpis)} KPIs) to {path}\n")
    return EXIT_OK


def _command(args, seed: int) -> str:
    """The command that writes this baseline again (with the seed it used)."""
    import shlex

    parts = ["fsim", "baseline", "save", str(args.scenario), "--out", str(args.out),
             "--replications", str(args.replications), "--seed", str(seed)]
    for text in args.overrides:
        parts += ["--set", text]
    return shlex.join(parts) + " --overwrite"


def _print_summary(m, kpis) -> None:
    from rich.console import Console
    from rich.table import Table

    from sim.cli.tables import fmt_entry

    table = Table(title=f"baseline: {m.scenario_name}, {m.replications} replications, seed {m.seed}")
    table.add_column("KPI")
    table.add_column("mean", justify="right")
    table.add_column("95% CI", justify="right")
    for name in [*kpis, "censored_percentiles"]:
        if name in m.summary:
            mean, ci = fmt_entry(name, m.summary[name], m.sites, m.channels)
            table.add_row(name, mean, ci)
    Console(width=max(Console().width, 100)).print(table)
