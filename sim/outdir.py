"""The output folder every command writes into (``--out``): made, or refused with one
line before anything runs."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from sim.errors import OutputDirError


def make_output_folder(path: str | Path) -> Path:
    """Create ``path`` (and its parents) and check that files can be written there;
    a file in its place, a folder that cannot be made or written is an
    :class:`OutputDirError` naming it (exit 2), raised before any work is done."""
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise OutputDirError(f"--out {out}: is a file, not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputDirError(f"--out {out}: cannot create the folder: {exc.strerror}") from None
    probe = out / ".fsim-write-test"
    try:
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise OutputDirError(f"--out {out}: cannot write there: {exc.strerror}") from None
    return out


FIGURE_SUFFIXES = (".png", ".pdf", ".svg")  # what a figure option (--plot) may be written as


def check_output_file(option: str, value: str | Path, suffixes: tuple[str, ...] = (),
                      inputs: Mapping[str, str | Path] | None = None) -> Path:
    """A file an option will write (``--plot``, ``--csv``, ``--junit``, a baseline's
    ``--out``), checked before any work: a name is given, its folder exists and is
    writable, it is not a folder, nor anything else that is not a plain file (a device,
    a pipe, a socket: written to without end, or replaced by the rename that writes a
    file whole), nor one of the command's ``inputs`` (``{"the baseline": path}``) under
    any name; with ``suffixes``, its name ends in one of them. Raises
    :class:`OutputDirError` naming the option (exit 2)."""
    import os

    if str(value) == "":
        raise OutputDirError(f"{option}: give a file name")
    path = Path(value)
    folder = path.resolve().parent
    if not folder.is_dir():
        raise OutputDirError(f"{option} {value}: no such folder {folder}")
    if path.is_dir():
        raise OutputDirError(f"{option} {value}: is a folder; give a file name")
    if not os.access(folder, os.W_OK):
        raise OutputDirError(f"{option} {value}: cannot write a file there")
    if path.exists() and not path.is_file():
        raise OutputDirError(f"{option} {value}: is not a plain file (a device, a pipe or a "
                             "socket); give a file name")
    for label, other in (inputs or {}).items():
        try:
            same = path.exists() and os.path.samefile(path, other)
        except OSError:
            same = False
        if same:
            raise OutputDirError(f"{option} {value}: is {label} ({other}); writing it would "
                                 "destroy it: give another file name")
    if suffixes and path.suffix.lower() not in suffixes:
        raise OutputDirError(f"{option} {value}: the file name must end in {', '.join(suffixes)}")
    return path


def fsim_output_kind(out: Path) -> str | None:
    """What fsim output a folder holds, by the files each command writes first: "run"
    (``summary.json`` or the incomplete-run marker), "comparison", "sweep", "staffing
    search" (their ``manifest.json``'s kind); None for none of these."""
    import json

    from sim.runfolder import MARKER
    from sim.staffing.store import KIND as STAFF_KIND
    from sim.sweep.store import KIND as SWEEP_KIND
    from sim.sweep.store import MANIFEST

    if (out / "summary.json").exists() or (out / MARKER).exists():
        return "run"
    if (out / "comparison.csv").exists():
        return "comparison"
    try:
        kind = json.loads((out / MANIFEST).read_text(encoding="utf-8")).get("kind")
    except (OSError, ValueError, AttributeError):
        return None
    return {SWEEP_KIND: "sweep", STAFF_KIND: "staffing search"}.get(kind)


def refuse_other_output(out: Path, mine: str) -> None:
    """Raise :class:`OutputDirError` if ``out`` holds another command's output than
    ``mine``: ``--overwrite`` replaces a command's own results, never another's."""
    other = fsim_output_kind(out)
    if other is not None and other != mine:
        raise OutputDirError(f"--out {out}: holds a {other}, not a {mine}; --overwrite replaces "
                             f"a {mine}'s results only: choose another folder")
