"""``fsim report``: a self-contained report.html for a run, comparison or sweep folder."""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.cli import EXIT_OK

HELP = "build a self-contained report.html for a run, comparison, sweep or staffing folder"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("folder", metavar="DIR", help="a folder written by fsim run, fsim compare, fsim sweep or fsim staff")
    p.add_argument("--out", "-o", default=None, metavar="HTML", help="where to write it (default DIR/report.html)")


def run(args: argparse.Namespace, console) -> int:
    from sim.html_report import folder_kind, write_report

    if args.out is not None:
        _check_out(args.out, Path(args.folder))
    path = write_report(args.folder, args.out)

    console.print(f"wrote the {folder_kind(Path(args.folder))} report [bold]{path}[/bold] "
                  f"({path.stat().st_size / 1e6:.1f} MB, no network needed)", highlight=False)
    return EXIT_OK


def _check_out(out: str, folder: Path) -> None:
    """Refuse, before the report is built, an ``--out`` that is no plain file, or is one of
    the folder's results (anything in it but an HTML page): the report would replace it."""
    from sim.errors import OutputDirError
    from sim.outdir import check_output_file

    path = check_output_file("--out", out)
    if path.exists() and folder.resolve() in path.resolve().parents \
            and path.suffix.lower() not in (".html", ".htm"):
        raise OutputDirError(f"--out {out}: is one of the results in {folder}; writing the report "
                             "there would destroy it: give another file name, e.g. report.html")
