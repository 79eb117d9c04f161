"""What a page session remembers, and the scenario it works on.

Streamlit forgets a widget's value when its page is not shown, so the planner's choices
live in plain session keys: ``source`` (the scenario file and how the command line names
it), ``cli_overrides`` (the ``--set`` options ``fsim ui`` was started with), ``lever_values``
(lever path -> chosen value, only where it differs from the loaded scenario),
``replications``, ``seed``, ``shown`` (the run on screen) and ``pin``.

The page's address keeps the scenario file, the choices, the replications and the seed
(:func:`keep_in_address`), so a reload or a bookmark comes back to them
(:func:`choices_from_address`); runs on screen and the pin are not kept.
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
MAX_REPLICATIONS = 200  # (the Run page's box)
# The page's address (query parameters): what a reload or a bookmark comes back to.
ADDRESS_KEYS = ("scenario", "levers", "replications", "seed")


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
    state.address_problems = []
    if any(key in st.query_params for key in ADDRESS_KEYS):
        _come_back(st.query_params.to_dict())


def _come_back(query: dict[str, str]) -> None:
    """Take the choices a page's address kept (a reload, a bookmark): its scenario file,
    the lever choices that are levers of that scenario, the replications and the seed.
    What cannot be taken is said (``address_problems``) and left at its default."""
    state = st.session_state
    came = choices_from_address(query)
    problems = list(came.problems)
    if came.scenario is not None:
        if state.source is None or came.scenario != state.source.shown:
            state.cli_overrides = {}  # (``fsim ui``'s --set belong to its own scenario)
        state.source = Source(came.scenario, came.scenario)
    if came.replications is not None:
        state.replications = came.replications
    state.seed = came.seed
    if came.levers:
        base, load_problems = base_scenario()
        if base is None:
            problems.extend(load_problems)
        else:
            # The base's levers, then those its chosen methods bring (a batch's size
            # is a lever only once batch picking is chosen).
            known = base_levers(base)
            state.lever_values = {path: value for path, value in came.levers.items() if path in known}
            current, _ = current_scenario(base)
            if current is not None:
                known = {**known, **base_levers(current)}
            state.lever_values = {path: value for path, value in came.levers.items() if path in known}
            unknown = sorted(set(came.levers) - set(known))
            if unknown:
                problems.append(f"not levers of this scenario, left out: {', '.join(unknown)}")
    state.address_problems = problems


@dataclass(frozen=True)
class AddressChoices:
    """What a page address keeps (see :func:`address_of`), read back; ``problems``:
    what could not be read (each left at its default)."""

    scenario: str | None
    levers: dict[str, Any]
    replications: int | None
    seed: int | None
    problems: tuple[str, ...]


def address_of(source: Source | None, lever_values: dict[str, Any], replications: int,
               seed: int | None) -> dict[str, str]:
    """The query parameters that keep a session's choices: the scenario file, the levers
    that differ (JSON), the replications and the seed where they are not the defaults;
    nothing for an upload (its copy is gone with the session, and its choices would
    land on another scenario)."""
    out: dict[str, str] = {}
    if source is None or source.path != source.shown:
        return out  # (an upload's choices would land on another scenario after a reload)
    out["scenario"] = source.shown
    if lever_values:
        out["levers"] = json.dumps(lever_values, sort_keys=True, separators=(",", ":"))
    if replications != DEFAULT_REPLICATIONS:
        out["replications"] = str(replications)
    if seed is not None:
        out["seed"] = str(seed)
    return out


def choices_from_address(query: dict[str, str]) -> AddressChoices:
    """:func:`address_of`'s parameters read back, each checked: a scenario that is no
    file here, levers that are not a JSON object, replications or a seed that are not
    whole numbers in range are left out, and said."""
    problems = []
    scenario = query.get("scenario")
    if scenario is not None and not Path(scenario).is_file():
        problems.append(f"scenario {scenario!r}: no such file here")
        scenario = None
    levers: dict[str, Any] = {}
    if "levers" in query:
        try:
            levers = json.loads(query["levers"])
        except ValueError:
            levers = None
        if not isinstance(levers, dict):
            problems.append("levers: not the page's own record of changes, left out")
            levers = {}
    replications = _whole(query, "replications", 1, MAX_REPLICATIONS, problems)
    seed = _whole(query, "seed", 0, None, problems)
    return AddressChoices(scenario, levers, replications, seed, tuple(problems))


def _whole(query: dict[str, str], key: str, low: int, high: int | None, problems: list[str]) -> int | None:
    if key not in query:
        return None
    text = query[key]
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or value < low or (high is not None and value > high):
        allowed = f"a whole number from {low} to {high}" if high is not None else f"a whole number >= {low}"
        problems.append(f"{key} {text!r}: must be {allowed}, left at its default")
        return None
    return value


def keep_in_address() -> None:
    """Write the session's choices into the page's address (only when they changed)."""
    state = st.session_state
    wanted = address_of(state.source, state.lever_values, state.replications, state.seed)
    if st.query_params.to_dict() != wanted:
        st.query_params.from_dict(wanted)


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
