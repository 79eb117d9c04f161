"""``fsim compare``: alternatives side by side, with the difference B − A per KPI.

Given run folders (written by ``fsim run``), it compares their KPIs; given two or more
scenario files, it first runs each with the same seeds (common random numbers), KPIs
only. Runs with the same seed are paired: the 95% CI of the difference comes from the
per-replication differences (much narrower than the runs' own intervals suggest);
otherwise it says why not and shows Welch's unpaired interval.

Exit codes: 0 done; 2 bad input (a folder that is not a run, a wrong --kpi, mixed
folders and files); 1 anything else.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.cli import EXIT_OK, add_size_check_arg, folder_name, positive_int, seed_int

HELP = "compare runs or scenarios: KPIs side by side, and B − A with its paired confidence interval"
DESCRIPTION = __doc__.split("\n\n", 2)[1].replace("``", "")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("runs", nargs="+", metavar="RUN_OR_SCENARIO",
                   help="run folders written by fsim run, or scenario YAML files (the first "
                        "is A, the reference)")
    p.add_argument("--kpi", action="append", default=None, metavar="NAME",
                   help="KPI to show (repeatable; default: lead time, on-time, accuracy, picking)")
    p.add_argument("--by", choices=("site", "channel"), default=None,
                   help="also show each KPI per site or per channel (<kpi>_<site> names)")
    p.add_argument("--plot", default=None, metavar="PNG",
                   help="run folders: also write ECDFs of lead time and of time in the warehouse")
    p.add_argument("--csv", default=None, metavar="CSV",
                   help="also write each run's KPI means as tidy CSV (run, kpi, mean, ci95_low, "
                        "ci95_high)")
    p.add_argument("--out", "-o", default=None, type=folder_name, metavar="DIR",
                   help="write comparison.csv, comparison.json and comparison.png here (scenario "
                        "files: default results/compare/<A>-vs-<B>/<timestamp>)")
    p.add_argument("--overwrite", action="store_true", help="replace a comparison already in --out")
    g = p.add_argument_group("scenario files")
    g.add_argument("--replications", "-r", type=positive_int, default=5,
                   help="replications of each scenario (default 5)")
    g.add_argument("--seed", type=seed_int, default=None,
                   help="the seed of both (default: the first scenario's seed)")
    g.add_argument("--workers", "-w", type=positive_int, default=1, help="parallel processes (default 1)")
    add_size_check_arg(g)
    g.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
                   help="override a value in every scenario (repeatable)")
    g.add_argument("--set-b", dest="overrides_b", action="append", default=[], metavar="PATH=VALUE",
                   help="override a value in the second scenario only, e.g. to compare a file "
                        "with itself changed (repeatable)")


def _kind(paths: list[str]) -> str:
    from sim.errors import ScenarioError

    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        raise ScenarioError([f"{p}: no such run folder or scenario file" for p in missing])
    folders = [p for p in paths if Path(p).is_dir()]
    if len(folders) == len(paths):
        return "folders"
    if not folders:
        return "scenarios"
    raise ScenarioError([f"{paths[0]} ...: give run folders or scenario files, not both"])


def run(args: argparse.Namespace, console) -> int:
    from sim.compare import DEFAULT_KPIS, comparison_table
    from sim.errors import ScenarioError
    from sim.paired import (
        available_kpis,
        check_kpis,
        comparison_rows,
        expand,
        groups_of,
        load_folders,
        prepare_comparison_dir,
        write_comparison,
    )

    kind = _kind(args.runs)
    kpis = tuple(args.kpi) if args.kpi else DEFAULT_KPIS
    if kind == "folders":
        if args.overrides or args.overrides_b:
            raise ScenarioError(["--set and --set-b apply to scenario files, not run folders"])
        runs = load_folders(args.runs)
        kpis_only = [str(r.path) for r in runs
                     if r.path is not None and not (Path(r.path) / "orders.parquet").exists()]
        if args.plot and kpis_only:
            raise ScenarioError([f"--plot needs each run's orders.parquet; {kpis_only[0]} is a KPIs-only "
                                 "run (fsim run --outputs kpis, or the runs fsim compare makes of "
                                 "scenario files): run it with --outputs orders"])
        groups = groups_of(runs, args.by) if args.by else []
        if args.kpi:
            check_kpis(args.kpi, available_kpis(runs), groups)
        _check_writable(args, kind)
        out = prepare_comparison_dir(args.out, args.overwrite) if args.out else None
    else:
        if len(args.runs) < 2:
            raise ScenarioError([f"{args.runs[0]}: give two scenario files (A and B) to compare, "
                                 "or run folders"])
        if args.plot:
            raise ScenarioError(["--plot needs run folders (with orders.parquet); use fsim run first"])
        scenarios, overrides = _scenarios(args)
        if not args.no_size_check:  # refuse runs the machine cannot hold, before anything is written
            from sim.sizing import check_tasks_fit

            check_tasks_fit(scenarios, "processes" if args.workers > 1 else "serial", args.workers)
        _check_writable(args, kind)
        created = not (args.out and Path(args.out).exists())
        out = _scenario_out(args)
        try:
            runs = _run_scenarios(args, console, out, scenarios, overrides)
        except KeyboardInterrupt:
            if created and not any(out.iterdir()):  # (the folder this command made, empty)
                out.rmdir()
            raise KeyboardInterrupt("interrupted: fsim compare keeps no partial runs of scenario "
                                    "files; run the same command again to start over") from None
        groups = groups_of(runs, args.by) if args.by else []
    available = available_kpis(runs)
    rows = expand(kpis, available, args.by, groups)
    if args.by and not groups:
        console.print(f"[yellow]note[/yellow]: no {args.by}s found (the runs have no "
                      "scenario.resolved.yaml): pooled KPIs only", highlight=False)
    elif args.by:
        bare = [k for k in kpis if not any(kk == k and g != "all" for kk, g, _ in rows)]
        if bare and args.kpi:
            console.print(f"[yellow]note[/yellow]: no per-{args.by} values of {', '.join(bare)} "
                          f"in these runs (only pooled)", highlight=False)
    table, reasons = comparison_rows(runs, rows, args.by)
    _print(runs, rows, table, reasons, args.by)
    if args.csv:
        comparison_table([r.path for r in runs], tuple(name for _, _, name in rows)).to_csv(
            args.csv, index=False)
        console.print(f"wrote {args.csv}")
    if args.plot:
        from sim.compare import lead_time_groups
        from sim.report import comparison_figure

        comparison_figure(*lead_time_groups([(r.label, r.path) for r in runs]), Path(args.plot))
        console.print(f"wrote {args.plot}")
    if out is not None:
        files = write_comparison(out, runs, table, reasons, args.by)
        console.print(f"wrote {len(files)} files to [bold]{out}[/bold]", highlight=False)
    return EXIT_OK


def _check_writable(args, kind: str) -> None:
    """An unwritable --plot or --csv path fails before any work, as does one that would
    write over an input: a scenario compared, or anything in a run folder compared
    (its results: the run would no longer be what it was)."""
    from sim.errors import OutputDirError
    from sim.outdir import FIGURE_SUFFIXES, check_output_file

    inputs = ({f"scenario {'AB'[i] if i < 2 else i + 1}": p for i, p in enumerate(args.runs)}
              if kind == "scenarios" else {})
    for option, value, suffixes in (("--plot", args.plot, FIGURE_SUFFIXES), ("--csv", args.csv, ())):
        if not value:
            continue
        check_output_file(option, value, suffixes, inputs=inputs)
        if kind == "folders":
            where = Path(value).resolve()
            for folder in args.runs:
                if where.is_relative_to(Path(folder).resolve()):
                    raise OutputDirError(f"{option} {value}: is in {folder}, one of the run folders "
                                         "compared; writing there would change that run's results: "
                                         "give a file outside it")


def _scenario_out(args) -> Path:
    from sim.outputs import default_out_dir
    from sim.paired import prepare_comparison_dir

    if args.out:
        out = prepare_comparison_dir(args.out, args.overwrite)
        _refuse_foreign_run_folders(out, len(args.runs))
        return out
    names = "-vs-".join(Path(p).stem for p in args.runs[:3])
    return default_out_dir(names, root=Path("results") / "compare")


def _refuse_foreign_run_folders(out: Path, runs: int) -> None:
    """The run folders ``a/``, ``b/``, ... this comparison writes may hold only what it
    writes there (an earlier comparison's): a folder of the user's by that name is
    refused before anything runs, as ``fsim run`` refuses one."""
    from sim.errors import OutputDirError
    from sim.paired import RUN_FOLDER_FILES

    for i in range(runs):
        sub = out / chr(ord("a") + i)
        if sub.exists() and not sub.is_dir():
            raise OutputDirError(f"--out {out}: {sub.name} is a file, where the comparison writes "
                                 f"the run folder of scenario {i + 1}; choose another folder")
        foreign = sorted(p.name for p in sub.iterdir() if p.name not in RUN_FOLDER_FILES
                         and not p.name.endswith(".tmp")) if sub.is_dir() else []
        if foreign:
            raise OutputDirError(f"--out {out}: {sub.name}/ holds files fsim compare does not write "
                                 f"(e.g. {foreign[0]}), where it writes the run folder of scenario "
                                 f"{i + 1}; choose another folder")


def _run_scenarios(args, console, out: Path, scenarios: list, overrides: list[dict]):
    """Run the scenario files (:func:`_scenarios`: KPIs only, common random numbers)
    into ``out``/a, b, ..."""
    import yaml

    from sim.paired import RunData, check_kpis, groups_of, run_alternatives, write_run
    from sim.scenario.loader import scenario_to_yaml, with_seed

    seed = scenarios[0].seed if args.seed is None else args.seed
    labels = _labels(scenarios, args.runs)
    # Every run with the seed they share, as its resolved scenario says.
    scenarios = [with_seed(s, seed) for s in scenarios]
    groups = groups_of([RunData("", {}, yaml.safe_load(scenario_to_yaml(s)), "")
                        for s in scenarios], args.by) if args.by else []
    wanted = tuple(args.kpi or ())
    # A wrong --kpi is caught on the first replication, not after all of them.
    runs = run_alternatives(scenarios, labels, args.runs, overrides, args.replications, seed,
                            args.workers, console,
                            check_names=(lambda names: check_kpis(wanted, names, groups))
                            if wanted else None)
    for i, run in enumerate(runs):
        write_run(run, out / chr(ord("a") + i))
    return runs


def _scenarios(args) -> tuple[list, list[dict]]:
    """The scenario files with their overrides (``--set`` for all, ``--set-b`` for B)."""
    from sim.scenario import load_scenario, parse_set_option

    common = dict(parse_set_option(t) for t in args.overrides)
    only_b = dict(parse_set_option(t) for t in args.overrides_b)
    overrides = [common] + [{**common, **only_b}] + [common] * (len(args.runs) - 2)
    scenarios = [load_scenario(path, o or None, override_label="--set" if i != 1 or not only_b
                               else "--set-b")
                 for i, (path, o) in enumerate(zip(args.runs, overrides, strict=True))]
    return scenarios, overrides


def _labels(scenarios, paths) -> list[str]:
    import yaml

    from sim.scenario.diff import diff_labels
    from sim.scenario.loader import scenario_to_yaml

    names = [s.name for s in scenarios]
    if len(set(names)) == len(names):
        return names
    labels = diff_labels([yaml.safe_load(scenario_to_yaml(s)) for s in scenarios])
    if labels and len(set(labels)) == len(labels):
        return labels
    return [f"{chr(ord('A') + i)}: {Path(p).name}" for i, p in enumerate(paths)]


def _cell(mean, low=None, high=None) -> str:
    import math

    if mean is None or (isinstance(mean, float) and math.isnan(mean)):
        return "-"
    text = _num(mean)
    if low is not None and not math.isnan(low):
        text += f" [{_num(low)}, {_num(high)}]"
    return text


def _num(value: float) -> str:
    """Four significant digits (thousands separated): a small difference keeps its
    digits, a count has no decimals."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"


def _print(runs, rows, table, reasons, by) -> None:
    import math

    from rich.console import Console
    from rich.table import Table

    reference = runs[0]
    others = runs[1:]
    paired_all = all(reasons.get(r.label) is None for r in others)
    title = "KPI means (95% CI)" if not others else (
        f"KPI means (95% CI) and the difference from {reference.label} "
        f"({'paired on common random numbers' if paired_all else 'see notes'})")
    out = Table(title=title)
    out.add_column("KPI", no_wrap=True)
    if by:
        out.add_column(by)
    labels = list(dict.fromkeys(r.label for r in runs))
    for label in labels:
        out.add_column(label, justify="right")
    for run in others:
        kind = "paired" if reasons.get(run.label) is None else "unpaired"
        out.add_column(f"({run.label}) − ({reference.label}), {kind}", justify="right")
    for kpi, group, name in rows:
        cells = []
        for label in labels:
            run = next(r for r in runs if r.label == label)
            entry = run.summary.get("kpis", {}).get(name)
            if entry is not None and entry.get("censored"):  # unfinished orders: a lower bound
                cells.append(f"> {_num(entry['lower_bound'])} (censored)")
                continue
            cells.append("-" if entry is None else _cell(
                entry.get("mean"), _nan(entry.get("ci95_low")), _nan(entry.get("ci95_high"))))
        for run in others:
            match = table[(table["run_b"] == run.label) & (table["kpi"] == kpi)]
            if by:
                match = match[match[by] == group]
            if match.empty:
                cells.append("-")
                continue
            d = match.iloc[0]
            text = _cell(d["diff_mean"], d["diff_ci95_low"], d["diff_ci95_high"])
            if bool(d["significant"]):
                text = f"[bold]{text} *[/bold]"
            elif not math.isnan(d["diff_ci95_low"]):
                text += "  "
            cells.append(text)
        out.add_row(kpi if not by or group == "all" else f"  {kpi}", *([group] if by else []), *cells)
    width = 40 + 28 * (len(labels) + len(others)) + (10 if by else 0)
    console = Console(width=max(Console().width, width))
    console.print(out)
    if others and table["significant"].astype(bool).any():  # (the legend of a * shown)
        console.print("* the 95% CI of the difference excludes 0 (significant at the 5% level)")
    for run in others:
        reason = reasons.get(run.label)
        if reason:
            console.print(f"cannot pair {run.label} with {reference.label}: {reason}; the "
                          "difference's interval is Welch's, for independent runs", highlight=False)
            continue
        n_a, n_b = reference.summary.get("replications"), run.summary.get("replications")
        if n_a != n_b and n_a and n_b:
            console.print(f"{run.label} has {n_b} replications and {reference.label} {n_a}: "
                          f"paired over the first {min(n_a, n_b)}", highlight=False)
    for run in runs:  # saturated pools, censored percentiles, staffing: as fsim run says them
        for line in run.summary.get("warnings", []):
            sys.stderr.write(f"warning: {run.label}: {line}\n")
    if any(r.summary.get("replications") == 1 for r in runs):
        sys.stdout.write("with 1 replication there is no confidence interval: use -r 5 or more\n")


def _nan(v):
    import math

    return math.nan if v is None else v
