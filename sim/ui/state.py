"""What a page session remembers, and the scenario it works on.

Streamlit forgets a widget's value when its page is not shown, so the planner's choices
live in plain session keys: ``source`` (the scenario file and how the command line names
it), ``cli_overrides`` (the ``--set`` options ``fsim ui`` was started with), ``lever_values``
(lever path -> chosen value, only where it differs from the loaded scenario),
``replications``, ``seed``, ``shown`` (the run on screen) and ``pin``.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

from sim.errors import ScenarioError
from sim.scenario import load_scenario
from sim.scenario.schema import Scenario
from sim.ui.levers import Lever, command_line, overrides_for, read_levers
from sim.ui.runs import ResultCache

WIDGET = "lever:"  # prefix of the lever widgets' keys
PATH_LABEL = "a scenario file on this machine"  # (the Scenario page's path box)
ARGS_ENV = "FSIM_UI_ARGS"  # how ``fsim ui`` hands its command line to the page (JSON)
DEFAULT_REPLICATIONS = 3


@dataclass(frozen=True)
class Source:
    """A scenario file: ``path`` where it is read from, ``shown`` how the command line
    and messages name it (an upload's own name, not its temporary copy)."""

    path: str
    shown: str


@st.cache_resource
def result_cache() -> ResultCache:
    """One cache for the server: every session of the page shares its runs."""
    return ResultCache()


def shipped_scenarios(root: Path | None = None) -> list[str]:
    """The scenario files under ``scenarios/`` (of the current folder, else of the
    checkout this package runs from), as paths relative to the current folder where
    they can be."""
    import sim

    for folder in ([root] if root else [Path.cwd(), Path(sim.__file__).resolve().parents[1]]):
        found = sorted((folder / "scenarios").glob("**/*.yaml")) if (folder / "scenarios").is_dir() else []
        if found:
            return [_relative(p) for p in found]
    return []


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def init_session() -> None:
    """Fill the session from ``fsim ui``'s command line (once per session)."""
    state = st.session_state
    if "lever_values" in state:
        return
    args = json.loads(os.environ.get(ARGS_ENV) or "{}")
    scenario = args.get("scenario")
    if scenario is None:
        shipped = shipped_scenarios()
        scenario = next((s for s in shipped if Path(s).name == "baseline.yaml"), shipped[0] if shipped else None)
    state.source = Source(scenario, scenario) if scenario else None
    state.cli_overrides = dict(args.get("overrides") or {})
    state.lever_values = {}
    state.replications = DEFAULT_REPLICATIONS
    state.seed = None
    state.shown = None
    state.pin = None


def forget_choices() -> None:
    """Drop every lever choice, and the widgets' memory of them."""
    for key in [k for k in st.session_state if str(k).startswith(WIDGET)]:
        del st.session_state[key]
    st.session_state.lever_values = {}


def set_source(source: Source, keep_overrides: bool = False) -> None:
    """Work on another scenario file: the choices made on the previous one are dropped."""
    state = st.session_state
    forget_choices()
    state.source = source
    state.lever_values = {}
    state.seed = None
    state.shown = None
    if not keep_overrides:
        state.cli_overrides = {}


def save_upload(name: str, data: bytes) -> Source:
    """Keep an uploaded scenario in a temporary folder of its own, under its own name."""
    folder = Path(tempfile.mkdtemp(prefix="fsim-ui-upload-"))
    old = st.session_state.get("upload_folder")
    if old:
        shutil.rmtree(old, ignore_errors=True)
    st.session_state.upload_folder = str(folder)
    path = folder / (Path(name).name or "upload.yaml")
    path.write_bytes(data)
    return Source(str(path), path.name)


def problems_of(exc: ScenarioError, source: Source | None) -> list[str]:
    """The loader's lines, naming an upload by its own name."""
    lines = list(exc.problems)
    if source is not None and source.path != source.shown:
        # An upload arrives alone: a file it extends cannot be beside it.
        alone = (f"(an uploaded file arrives without the files beside it: give its path on "
                 f"this machine instead, under \"{PATH_LABEL}\")")
        lines = [line.replace(f"(looked in {Path(source.path).parent})", alone).replace(source.path, source.shown)
                 for line in lines]
    return lines


def verbatim(lines: list[str]) -> str:
    """Messages as Markdown that shows them letter for letter (each line a code span:
    ``>=`` stays ``>=``, a ``_`` or ``*`` is no emphasis)."""
    return "\n\n".join(f"`` {line} ``" for line in lines)


def _load(path: str, overrides: dict[str, Any]) -> Scenario:
    return load_scenario(path, overrides or None, override_label="--set")


def base_scenario() -> tuple[Scenario | None, list[str]]:
    """The loaded scenario (with ``fsim ui``'s ``--set``), or the loader's message."""
    source = st.session_state.source
    if source is None:
        return None, ["no scenario loaded: choose a shipped one, give a path or upload a file"]
    try:
        return _load(source.path, st.session_state.cli_overrides), []
    except ScenarioError as exc:
        return None, problems_of(exc, source)


def all_overrides(base: Scenario) -> dict[str, Any]:
    """``fsim ui``'s ``--set`` options, then those of the planner's choices."""
    return {**st.session_state.cli_overrides, **overrides_for(base, st.session_state.lever_values)}


def current_scenario(base: Scenario) -> tuple[Scenario | None, list[str]]:
    """The scenario with the planner's choices, or the loader's message about them."""
    if not st.session_state.lever_values:
        return base, []
    try:
        return _load(st.session_state.source.path, all_overrides(base)), []
    except ScenarioError as exc:
        return None, problems_of(exc, st.session_state.source)


def base_levers(base: Scenario) -> dict[str, Lever]:
    return {lever.path: lever for lever in read_levers(base)}


def seed_of(scenario: Scenario) -> int:
    seed = st.session_state.seed
    return scenario.seed if seed is None else seed


def the_command(base: Scenario, scenario: Scenario | None, with_run: bool = True) -> str:
    """``fsim run SOURCE --set ... -r N --seed S``: what the page runs."""
    state = st.session_state
    if not with_run or scenario is None:
        return command_line(state.source.shown, all_overrides(base))
    return command_line(state.source.shown, all_overrides(base), state.replications, seed_of(scenario))
