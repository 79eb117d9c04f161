"""``fsim ui``: start the local page for planners (Streamlit; the optional ``ui`` extra).

The page is served on 127.0.0.1 only: it reads scenario files named on it and runs
simulations, so it is for the person at this machine, not for the network.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from sim.cli import EXIT_BAD_INPUT, EXIT_OK, load_from_args

HELP = "open a local page: change staff and methods, run, compare, plan staffing"
DESCRIPTION = ("Start a local web page (on 127.0.0.1) for SCENARIO: change its levers in plain "
               "words (and see the --set each change stands for), run it, see the KPIs and "
               "distributions per site and channel, compare with a pinned run, find the cheapest "
               "staffing that meets a target (fsim staff), download the scenario and the report. "
               "Ctrl-C stops it. Needs the optional extra: pip install 'fulfillment-sim[ui]'.")
ADDRESS = "127.0.0.1"
INSTALL_HINT = ("fsim ui needs the optional 'ui' extra (Streamlit): pip install 'fulfillment-sim[ui]' "
                "(from a clone: pip install -e '.[ui]')")


def port_number(text: str) -> int:
    """argparse type: a TCP port, 1 to 65535."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to 65535, got {text!r}") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be from 1 to 65535, got {value}")
    return value


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", nargs="?", default=None,
                   help="scenario YAML file to open (default: scenarios/baseline.yaml if there is one)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
                   help="override a scenario value, e.g. horizon.days=7 (repeatable); the page shows "
                        "its own changes on top")
    p.add_argument("--port", type=port_number, default=8501, help="port on 127.0.0.1 (default 8501)")


def streamlit_command(port: int) -> list[str]:
    """The server's command line: on 127.0.0.1 only, no browser opened, no usage
    statistics sent, no watching of the source files."""
    app = Path(__file__).resolve().parents[1] / "ui" / "app.py"
    return [sys.executable, "-m", "streamlit", "run", str(app),
            f"--server.address={ADDRESS}", f"--server.port={port}", "--server.headless=true",
            "--browser.gatherUsageStats=false", "--server.fileWatcherType=none",
            "--server.runOnSave=false", "--server.maxUploadSize=5", "--client.toolbarMode=minimal",
            "--theme.base=light", "--global.developmentMode=false"]


def port_free(port: int) -> bool:
    """Whether a server could listen on ``port`` of 127.0.0.1 (as the server binds:
    connections of an earlier server still closing do not count)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((ADDRESS, port))
        except OSError:
            return False
    return True


def run(args: argparse.Namespace, console) -> int:
    if importlib.util.find_spec("streamlit") is None:
        sys.stderr.write(f"error: {INSTALL_HINT}\n")
        return EXIT_BAD_INPUT
    from sim.errors import ScenarioError
    from sim.scenario import parse_set_option

    overrides = dict(parse_set_option(text) for text in args.overrides)
    if args.scenario is not None:
        load_from_args(args)  # a bad scenario or --set: the loader's message, exit 2, no server
    elif overrides:
        raise ScenarioError(["--set: give a SCENARIO to apply it to"])
    if not port_free(args.port):
        raise ScenarioError([f"--port {args.port}: already in use on {ADDRESS}; choose another, "
                             f"e.g. --port {args.port + 1}"])
    env = {**os.environ, "FSIM_UI_ARGS": json.dumps({"scenario": args.scenario, "overrides": overrides})}
    console.print(f"fsim ui: serving on [bold]http://{ADDRESS}:{args.port}[/bold] (Ctrl-C to stop)")
    server = subprocess.Popen(streamlit_command(args.port), env=env)
    try:
        return server.wait()
    except KeyboardInterrupt:  # Ctrl-C (which the server also gets) or SIGTERM: stop it
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        return EXIT_OK
