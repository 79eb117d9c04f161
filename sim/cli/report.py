"""``fsim report``: a self-contained report.html for a run, comparison or sweep folder."""

from __future__ import annotations

import argparse

from sim.cli import EXIT_OK

HELP = "build a self-contained report.html for a run, comparison or sweep folder"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("folder", metavar="DIR", help="a folder written by fsim run, fsim compare or fsim sweep")
    p.add_argument("--out", "-o", default=None, metavar="HTML", help="where to write it (default DIR/report.html)")


def run(args: argparse.Namespace, console) -> int:
    from sim.html_report import folder_kind, write_report

    path = write_report(args.folder, args.out)
    from pathlib import Path

    console.print(f"wrote the {folder_kind(Path(args.folder))} report [bold]{path}[/bold] "
                  f"({path.stat().st_size / 1e6:.1f} MB, no network needed)", highlight=False)
    return EXIT_OK
