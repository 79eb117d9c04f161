"""The sweep file: its schema (frozen pydantic), and reading it with ``file:line``
errors the way scenario files are read.

    base: scenarios/baseline.yaml        # relative to the sweep file
    replications: 5
    seed: 7                              # optional; default the base scenario's
    set:                                 # optional: overrides applied to every point
      horizon.days: 14
    parameters:                          # dotted scenario paths, as with --set
      warehouses.west.staff.pickers: [2, 3, 4, 5]
      warehouses.west.picking.method: [single, batch, wave]
    design: grid                         # grid | list (zipped) | lhs (with n:)

With ``design: lhs`` a parameter is either a range ``{low: 2, high: 8}`` (whole-number
bounds give whole-number values) or a list of values to choose from.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sim.errors import ScenarioError
from sim.scenario.yaml_source import MAX_FILE_BYTES, parse_yaml, read_limited

DOTTED_PATH = re.compile(r"[A-Za-z0-9_\-]+(\.[A-Za-z0-9_\-]+)*")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class Range(BaseModel):
    """A continuous (or, with whole-number bounds, integer) range for ``design: lhs``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    low: int | float
    high: int | float

    @property
    def integer(self) -> bool:
        """Whole-number bounds: the parameter takes whole-number values low..high."""
        return isinstance(self.low, int) and isinstance(self.high, int)


class SweepSpec(BaseModel):
    """A sweep: which scenario, which parameters take which values, how many
    replications of each point, and how points are built from the values."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    name: str | None = None
    base: str
    replications: int = Field(3, ge=1)
    seed: int | None = Field(None, ge=0)
    design: Literal["grid", "list", "lhs"] = "grid"
    n: int | None = Field(None, ge=1)
    parameters: dict[str, tuple[Any, ...] | Range]
    fixed: dict[str, Any] = Field(default_factory=dict, alias="set")

    @field_validator("parameters", mode="before")
    @classmethod
    def _parameters(cls, value: Any) -> Any:
        if not isinstance(value, dict) or not value:
            raise ValueError("must be a mapping of dotted scenario paths to lists of values "
                             f"(or to ranges {{low, high}} with design: lhs), got {value!r}")
        out = {}
        for key, values in value.items():
            if not isinstance(key, str) or not DOTTED_PATH.fullmatch(key):
                raise ValueError(f"{key}: not a dotted path like warehouses.west.staff.pickers")
            if key == "seed":
                raise ValueError("seed: the seed is not swept: replications give independent "
                                 "runs; set the sweep's seed with seed: at the top")
            if isinstance(values, list):
                if not values:
                    raise ValueError(f"{key}: an empty list of values")
                out[key] = tuple(values)
            elif isinstance(values, dict):
                if set(values) != {"low", "high"}:
                    raise ValueError(f"{key}: a range has exactly the keys low and high, "
                                     f"got {sorted(values)}")
                low, high = values["low"], values["high"]
                if not (_is_number(low) and _is_number(high)):
                    raise ValueError(f"{key}: low and high must be numbers, got {low!r} and {high!r}")
                if not low < high:
                    raise ValueError(f"{key}: low must be < high, got low {low!r}, high {high!r}")
                out[key] = Range(low=low, high=high)
            else:
                raise ValueError(f"{key}: must be a list of values (or, with design: lhs, "
                                 f"a range {{low, high}}), got {values!r}")
        return out

    @field_validator("fixed", mode="before")
    @classmethod
    def _fixed(cls, value: Any) -> Any:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise ValueError(f"must be a mapping of dotted scenario paths to values, got {value!r}")
        for key in value:
            if not isinstance(key, str) or not DOTTED_PATH.fullmatch(key):
                raise ValueError(f"{key}: not a dotted path like horizon.days")
        return value

    @model_validator(mode="after")
    def _design(self) -> SweepSpec:
        if self.design == "lhs":
            if self.n is None:
                raise ValueError("design: lhs needs n, the number of points (e.g. n: 50)")
            return self
        if self.n is not None:
            raise ValueError(f"n: only for design: lhs (design is {self.design}; the points "
                             "come from the lists)")
        for key, values in self.parameters.items():
            if isinstance(values, Range):
                raise ValueError(f"parameters.{key}: a range {{low, high}} needs design: lhs; "
                                 f"with design: {self.design} give the values as a list")
        if self.design == "list":
            lengths = {key: len(v) for key, v in self.parameters.items()}
            if len(set(lengths.values())) > 1:
                listed = ", ".join(f"{k}: {n}" for k, n in lengths.items())
                raise ValueError(f"parameters: design: list zips the lists, so they must have "
                                 f"the same length; got {listed}")
        overlap = sorted(set(self.parameters) & set(self.fixed))
        if overlap:
            raise ValueError(f"set.{overlap[0]}: is also a swept parameter; give it in one place")
        return self


@dataclass(frozen=True)
class SweepFile:
    """A sweep file as read: the spec, where it is, its text and a line per dotted key."""

    spec: SweepSpec
    path: Path
    text: str
    lines: dict[str, str]

    @property
    def base_path(self) -> Path:
        """The base scenario, relative to the sweep file."""
        return (self.path.parent / self.spec.base).resolve()

    @property
    def name(self) -> str:
        return self.spec.name or self.path.stem

    def where(self, dotted: str) -> str:
        """``file:line`` of a dotted key (or of its closest ancestor)."""
        parts = dotted.split(".")
        for i in range(len(parts), 0, -1):
            found = self.lines.get(".".join(parts[:i]))
            if found:
                return found
        return f"{self.path}:1"


def read_sweep(path: str | Path) -> SweepFile:
    """Read and validate a sweep file; raise ScenarioError (exit 2) with ``file:line``."""
    path = Path(path)
    try:
        text = read_limited(path, MAX_FILE_BYTES, "sweep file").decode("utf-8")
    except FileNotFoundError:
        raise ScenarioError([f"{path}: no such sweep file"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([f"{path}: cannot read the sweep file: {exc}"]) from None
    data, lines = parse_yaml(text, str(path))  # bounded, duplicate keys refused, file:line
    if not isinstance(data, dict):
        raise ScenarioError([f"{path}:1: a sweep file must be a mapping with base, replications "
                             "and parameters; see the README, \"Sweeps\" (fsim sweep --help)"])
    try:
        spec = SweepSpec.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(_describe(exc, lines, str(path))) from None
    return SweepFile(spec=spec, path=path, text=text, lines=lines)


_PLAIN = {
    "missing": "is required",
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "string_type": "must be text",
    "dict_type": "must be a mapping",
}


def _describe(exc: ValidationError, lines: dict[str, str], file: str) -> list[str]:
    """One ``file:line path: message`` line per pydantic error."""
    out = []
    for err in exc.errors():
        loc = [str(p) for p in err["loc"] if not str(p).startswith(("tuple[", "Range"))]
        path = ".".join(loc)
        kind, ctx, got = err["type"], err.get("ctx") or {}, err.get("input")
        if kind == "value_error":
            msg = str(ctx.get("error", err["msg"]))
            # A validator names the key it is about first ("n: ...", "<param>: ...").
            head, sep, rest = msg.partition(": ")
            candidate = f"{path}.{head}" if path else head
            if sep and (candidate in lines or head in lines or DOTTED_PATH.fullmatch(head)):
                path, msg = (head if head in lines and not path else candidate), rest
        elif kind == "extra_forbidden":
            allowed = sorted(f.alias or name for name, f in SweepSpec.model_fields.items())
            close = difflib.get_close_matches(loc[-1], allowed, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            msg = f"unknown key{hint} (allowed: {', '.join(allowed)})"
        elif kind == "literal_error":
            msg = f"must be one of {ctx.get('expected')}, got {got!r}"
        elif kind in ("greater_than_equal",):
            msg = f"must be >= {ctx.get('ge')}, got {got!r}"
        else:
            msg = _PLAIN.get(kind, err["msg"][0].lower() + err["msg"][1:])
            if kind != "missing":
                msg += f", got {got!r}"
        where = _where(path, lines) or f"{file}:1"
        out.append(f"{where} {path or '(top level)'}: {msg}")
    return sorted(out, key=_line_of)  # in file order, as a scenario's (stable among one line's)


def _line_of(message: str) -> int:
    """The line a ``file:line path: message`` line names (0 when it names none)."""
    m = re.match(r"\S*?:(\d+) ", message)
    return int(m.group(1)) if m else 0


def _where(dotted: str, lines: dict[str, str]) -> str:
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        found = lines.get(".".join(parts[:i]))
        if found:
            return found
    return ""
