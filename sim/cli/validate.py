"""``fsim validate``: check a scenario and print it fully resolved."""

from __future__ import annotations

import argparse
import sys

from sim.cli import EXIT_OK, add_scenario_args, load_from_args

HELP = "check a scenario and print it fully resolved"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_scenario_args(p)


def run(args: argparse.Namespace, console) -> int:
    from sim.model.warnings import capacity_warnings, scenario_warnings
    from sim.scenario import scenario_to_yaml

    scenario = load_from_args(args)
    sys.stdout.write(scenario_to_yaml(scenario))
    for line in scenario_warnings(scenario) + capacity_warnings(scenario):
        sys.stderr.write(f"warning: {line}\n")
    console.print(f"[green]ok[/green]: {args.scenario} is a valid scenario", highlight=False)
    return EXIT_OK
