"""The ``fsim`` command (also ``python -m sim``): a thin layer over :mod:`sim`'s API.

Each command lives in its own module under :mod:`sim.cli` with ``HELP`` (one line),
``add_arguments(parser)`` and ``run(args, console) -> exit code``. Building the parser
imports only those modules, which import what they need (pandas, the model, rich
tables) inside ``run``: ``fsim --help`` does not pay for the simulator.

Exit codes: 0 done; 1 anything else (and, for some commands, a documented finding such
as a regression); 2 bad input (scenario, input file or command line); 3 ``fsim run
--strict`` found a saturated pool; 130 interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
import traceback

from sim import __version__
from sim.errors import OutputDirError, ScenarioError

EXIT_OK, EXIT_ERROR, EXIT_BAD_INPUT, EXIT_SATURATED, EXIT_INTERRUPTED = 0, 1, 2, 3, 130

# name -> module (in the order ``fsim --help`` lists them)
COMMANDS = {
    "run": "sim.cli.run",
    "validate": "sim.cli.validate",
    "compare": "sim.cli.compare",
    "sweep": "sim.cli.sweep",
    "warmup": "sim.cli.warmup",
    "report": "sim.cli.report",
    "baseline": "sim.cli.baseline",
    "check": "sim.cli.check",
    "staff": "sim.cli.staff",
    "ui": "sim.cli.ui",
}


class Parser(argparse.ArgumentParser):
    """argparse that exits with EXIT_BAD_INPUT (2) on a bad command line."""

    def error(self, message: str):  # noqa: D401
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"fsim: error: {message}\n")


def positive_int(text: str) -> int:
    """argparse type: a whole number >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def seed_int(text: str) -> int:
    """argparse type: a whole number >= 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def folder_name(text: str) -> str:
    """argparse type of ``--out DIR``: a name (``-o ''`` was taken as no ``--out`` at
    all, and the results went to the default folder without a word)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("give a folder name (leave --out out for the default)")
    return text


def add_scenario_args(p: argparse.ArgumentParser) -> None:
    """The positional SCENARIO and the repeatable ``--set PATH=VALUE``."""
    p.add_argument("scenario", help="scenario YAML file")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
                   help="override a scenario value, e.g. warehouses.west.staff.pickers=14 (repeatable)")


def add_size_check_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--no-size-check", action="store_true",
                   help="run even if the estimated peak memory exceeds the memory available")


def load_from_args(args: argparse.Namespace):
    """The scenario named on the command line, with its ``--set`` overrides."""
    from sim.scenario import load_scenario, parse_set_option

    overrides = dict(parse_set_option(text) for text in args.overrides)
    return load_scenario(args.scenario, overrides or None, override_label="--set")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="fsim", description="Simulate e-commerce order fulfilment from a YAML scenario.")
    parser.add_argument("--version", action="version", version=f"fsim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for name, module in COMMANDS.items():
        mod = importlib.import_module(module)
        p = sub.add_parser(name, help=mod.HELP, description=getattr(mod, "DESCRIPTION", mod.HELP))
        mod.add_arguments(p)
    return parser


def _interrupt_on_sigterm() -> None:
    """SIGTERM stops a run like Ctrl-C does: cleanly, with a message and exit 130."""
    import signal

    def handler(signum, frame):
        raise KeyboardInterrupt

    with contextlib.suppress(ValueError):  # (not the main thread: leave it)
        signal.signal(signal.SIGTERM, handler)


class _QuietWhenReaderGone:
    """A standard stream that goes quiet when its reader has gone (``fsim run ... 2>&1 |
    head``): the command carries on and exits with its own status, instead of dying
    of ``BrokenPipeError`` as an internal error (exit 1) while its files were fine.
    The stream's descriptor is pointed at /dev/null then, so Python's flush at exit
    has nowhere to fail."""

    def __init__(self, stream) -> None:
        self._stream, self._gone = stream, False

    def write(self, text: str) -> int:
        if not self._gone:
            try:
                return self._stream.write(text)
            except BrokenPipeError:
                self._reader_gone()
        return len(text)

    def flush(self) -> None:
        if not self._gone:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._reader_gone()

    def _reader_gone(self) -> None:
        self._gone = True
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
            os.close(devnull)

    def __getattr__(self, name: str):  # isatty, encoding, fileno...: the stream's
        return getattr(self._stream, name)


def _command_parser(parser: argparse.ArgumentParser, args: argparse.Namespace) -> argparse.ArgumentParser:
    """The (sub)command's own parser that ``args`` were parsed by (``fsim baseline
    save``'s for ``baseline save``), following the subcommands chosen."""
    while True:
        chosen = [a.choices[getattr(args, a.dest)] for a in parser._actions
                  if isinstance(a, argparse._SubParsersAction) and getattr(args, a.dest, None) in a.choices]
        if not chosen:
            return parser
        parser = chosen[0]


def parse_command_line(argv: list[str] | None) -> argparse.Namespace:
    """The command line parsed; an option the command does not know is reported with
    that command's usage (argparse's own: the top-level usage, which lists none of the
    command's options) and the nearest options it does know."""
    import difflib

    parser = build_parser()
    args, extras = parser.parse_known_args(argv)
    if extras:
        command = _command_parser(parser, args)
        known = [o for a in command._actions for o in a.option_strings if o.startswith("--")]
        hints = [h for e in extras if e.startswith("-")
                 for h in difflib.get_close_matches(e.split("=", 1)[0], known, n=2, cutoff=0.75)]
        hint = f"; did you mean {' or '.join(dict.fromkeys(hints))}?" if hints else ""
        command.error(f"unrecognized arguments: {' '.join(extras)}{hint} "
                      f"({command.prog} --help lists its options)")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_command_line(argv)
    if argv is None:  # the real command line (not a caller's own process, e.g. a test's)
        _interrupt_on_sigterm()
        sys.stdout, sys.stderr = _QuietWhenReaderGone(sys.stdout), _QuietWhenReaderGone(sys.stderr)
    args.argv = list(sys.argv[1:] if argv is None else argv)  # for the run's provenance
    from rich.console import Console

    # soft_wrap: a message is one line however wide the terminal (a log or a CI job's
    # output is no terminal, and rich cut its sentences at 80 columns); tables keep
    # their own layout.
    console = Console(stderr=True, soft_wrap=True)
    try:
        return importlib.import_module(COMMANDS[args.command]).run(args, console)
    except ScenarioError as exc:
        for line in exc.problems:
            sys.stderr.write(f"error: {line}\n")
        return EXIT_BAD_INPUT
    except OutputDirError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt as exc:  # a command may say what was kept: KeyboardInterrupt(message)
        sys.stderr.write(f"{exc.args[0] if exc.args else 'interrupted'}\n")
        return EXIT_INTERRUPTED
    except Exception as exc:  # the promise: exit 1, one line, traceback on request
        sys.stderr.write(f"fsim: internal error: {type(exc).__name__}: {exc}\n")
        if os.environ.get("FSIM_DEBUG"):
            traceback.print_exc()
        else:
            sys.stderr.write("(set FSIM_DEBUG=1 for the traceback)\n")
        return EXIT_ERROR
