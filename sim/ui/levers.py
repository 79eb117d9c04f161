"""The levers a planner pulls, in plain words, and the ``--set`` options they stand for.

A :class:`Lever` is one scenario value the page lets a planner change (a head count on a
shift, a picking method, a channel's orders per day, a carrier's cut-off), named by the
dotted path that ``fsim run --set`` takes. The page keeps the planner's choices as
``{lever path: value}`` (only those that differ from the loaded scenario) and turns them
into overrides with :func:`overrides_for`; the overrides go through the same loader as
the command line's ``--set``, so every check and every error message is the loader's.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import yaml

from sim.scenario.diff import get_path
from sim.scenario.schema import WEEKDAYS, Scenario, Shift

# Kinds of value, which say which widget edits a lever:
#   count  a whole number >= 0 (people)      whole   a whole number >= 1
#   number a number >= 0 in the unit named   share   a probability, 0 to 1
#   choice one of ``choices``                flag    yes or no
#   hours  a list of hours of the day (pick-up and wave times)
KINDS = ("count", "whole", "number", "share", "choice", "flag", "hours")

SECTIONS = ("staff", "picking", "demand", "carriers", "horizon")

METHODS = ("single", "batch", "zone", "wave")
# What a method needs that the scenario may lack: switching to it adds the section with
# these settings (the schema's defaults do the rest; a wave needs a schedule).
NEW_SECTION = {"batch": {}, "zone": {"zones": 2}, "wave": {"every_min": 60}}

_PLAIN_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")
_YAML_WORDS = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"}


@dataclass(frozen=True)
class Lever:
    """One value a planner can change: ``path`` is what ``--set`` takes, ``value`` its
    value in the scenario it was read from, ``label`` what it is in plain words (with
    its unit), ``group`` the site, channel or carrier it belongs to."""

    path: str
    section: str
    group: str
    label: str
    kind: str
    value: Any
    choices: tuple[str, ...] = ()
    help: str = ""
    step: float | None = None  # a sensible step for a number box


# --- reading the levers of a scenario ----------------------------------------------------


def _clock(hours: float) -> str:
    """``14.5`` -> ``14:30``; hours past midnight of the next day read ``(+1 day)``, and
    before midnight of the day (a cut-off before a 00:30 pick-up) ``(the day before)``."""
    minutes = round(hours * 60)
    day, minutes = divmod(minutes, 24 * 60)
    text = f"{minutes // 60:02d}:{minutes % 60:02d}"
    return text + {0: "", -1: " (the day before)"}.get(day, f" ({day:+d} day{'s' if abs(day) > 1 else ''})")


def days_text(days: Iterable[str]) -> str:
    """``[mon, ..., sun]`` -> ``every day``; a run of days -> ``Mon-Fri``."""
    days = list(days)
    if days == list(WEEKDAYS):
        return "every day"
    index = [WEEKDAYS.index(d) for d in days]
    if index == list(range(index[0], index[-1] + 1)) and len(index) > 2:
        return f"{days[0].title()}-{days[-1].title()}"
    return ", ".join(d.title() for d in days)


def shift_text(name: str, shift: Shift | None) -> str:
    """A shift in plain words: ``day shift, 06:00-14:30 every day, a 30-min break``."""
    if shift is None:
        return "around the clock (no shifts defined)"
    breaks = sum(b.minutes for b in shift.breaks)
    pause = f", {breaks:g} min of breaks" if breaks else ""
    return f"{name} shift, {_clock(shift.start_h)}-{_clock(shift.end_h)} {days_text(shift.days)}{pause}"


def staff_levers(scenario: Scenario) -> list[Lever]:
    out = []
    for site, wh in scenario.warehouses.items():
        staff = wh.staff
        for pool in ("pickers", "packers"):
            for shift, count in staff.head_count(pool).items():
                path = f"warehouses.{site}.staff.{pool}" + (f".{shift}" if staff.shifts else "")
                label = f"{pool} on the {shift} shift" if staff.shifts else f"{pool} (on duty around the clock)"
                out.append(Lever(path, "staff", site, label, "count", count,
                                 help=shift_text(shift, staff.shifts.get(shift))))
    return out


def picking_levers(scenario: Scenario) -> list[Lever]:
    out = []
    for site, wh in scenario.warehouses.items():
        p = wh.picking
        base = f"warehouses.{site}.picking"
        no_layout = ("" if p.layout is not None else
                     f" (zone needs the site's layout, {base}.layout, which this page cannot add: "
                     "give it in the scenario file, as scenarios/picking/zone.yaml does)")
        out.append(Lever(f"{base}.method", "picking", site, "picking method", "choice", p.method,
                         METHODS, "single: one order a tour; batch: several orders a tour; zone: "
                         "each picker keeps to a zone" + no_layout + "; wave: orders released together"))
        out.append(Lever(f"{base}.error_prob_per_line", "picking", site,
                         "chance that a line is picked wrong (0 to 1)", "share", p.error_prob_per_line))
        out.append(Lever(f"{base}.verification.at_pick", "picking", site, "scan each line at pick",
                         "flag", p.verification.at_pick))
        out.append(Lever(f"{base}.verification.at_pack", "picking", site, "scan each line at pack",
                         "flag", p.verification.at_pack))
        within = p.wave.within if p.method == "wave" and p.wave is not None else None
        if p.wave is not None and p.method == "wave":
            w = p.wave
            if w.every_min is not None:
                out.append(Lever(f"{base}.wave.every_min", "picking", site,
                                 "a wave released every (minutes)", "number", w.every_min))
            elif w.times_h:
                out.append(Lever(f"{base}.wave.times_h", "picking", site,
                                 "waves released at (hours of the day)", "hours", list(w.times_h)))
            else:
                out.append(Lever(f"{base}.wave.cutoff_lead_min", "picking", site,
                                 "a wave released this long before each cut-off (minutes)", "number",
                                 w.cutoff_lead_min))
            out.append(Lever(f"{base}.wave.within", "picking", site, "orders in a wave picked by",
                             "choice", w.within, ("single", "batch", "zone")))
        if p.batch is not None and "batch" in (p.method, within):
            out.append(Lever(f"{base}.batch.max_orders", "picking", site, "orders per batch, at most",
                             "whole", p.batch.max_orders))
            out.append(Lever(f"{base}.batch.max_wait_min", "picking", site,
                             "a batch starts when its oldest order has waited (minutes)", "number",
                             p.batch.max_wait_min))
            out.append(Lever(f"{base}.batch.sort", "picking", site, "orders sorted", "choice",
                             p.batch.sort, ("while_pick", "after_pick"), help=SORT_HELP))
        if p.zone is not None and "zone" in (p.method, within):
            out.append(Lever(f"{base}.zone.zones", "picking", site, "zones", "whole", p.zone.zones))
            out.append(Lever(f"{base}.zone.mode", "picking", site, "zone mode", "choice", p.zone.mode,
                             ("parallel", "pick_and_pass"), help=ZONE_MODE_HELP))
    return out


SORT_HELP = ("When a batch's units are sorted into their orders: while_pick, during the tour "
             "(the sorting time is added to the tour); after_pick, after it (added to the "
             "packer's work). Sorting can put a unit in the wrong order "
             "(sort_error_prob_per_unit).")
ZONE_MODE_HELP = ("parallel: each zone an order touches picks its lines at once, and the parts "
                  "are consolidated at the pack station; pick_and_pass: the tote visits its zones "
                  "in turn.")


def demand_levers(scenario: Scenario) -> list[Lever]:
    out = []
    for name, ch in scenario.demand.channels.items():
        base = f"demand.channels.{name}"
        out.append(Lever(f"{base}.orders_per_day", "demand", name, "orders per day", "number",
                         ch.orders_per_day, step=50.0))
        out.append(Lever(f"{base}.promised_business_days", "demand", name,
                         "delivery promised within (business days)", "count", ch.promised_business_days))
    return out


def cutoff_text(carrier) -> str:
    """``cut-off 16:30 for the 18:00 pick-up, Mon-Fri`` (continuous collection: no
    cut-off)."""
    if not carrier.pickup_times_h:
        return "collects continuously: a parcel leaves the moment it is labelled"
    pairs = ", ".join(f"{_clock(t - carrier.cutoff_min / 60)} for the {_clock(t)} pick-up"
                      for t in carrier.pickup_times_h)
    return f"last label {pairs}, {days_text(carrier.pickup_days)}"


def carrier_levers(scenario: Scenario) -> list[Lever]:
    out = []
    for name, c in scenario.carriers.items():
        base = f"carriers.{name}"
        out.append(Lever(f"{base}.pickup_times_h", "carriers", name, "pick-up times (hours of the day)",
                         "hours", list(c.pickup_times_h), help=cutoff_text(c)))
        out.append(Lever(f"{base}.cutoff_min", "carriers", name,
                         "cut-off: parcels labelled this long before a pick-up leave with it (minutes)",
                         "number", c.cutoff_min, help=cutoff_text(c), step=15.0))
    return out


def horizon_levers(scenario: Scenario) -> list[Lever]:
    h = scenario.horizon
    return [
        Lever("horizon.days", "horizon", "", "days of orders simulated", "number", h.days),
        Lever("horizon.warmup_days", "horizon", "", "warm-up days (orders placed in them are not counted)",
              "number", h.warmup_days),
        Lever("horizon.drain_days", "horizon", "", "days run on after the last order, to finish late ones",
              "number", h.drain_days),
    ]


def read_levers(scenario: Scenario) -> list[Lever]:
    """Every lever of ``scenario``, section by section (see :data:`SECTIONS`)."""
    return (staff_levers(scenario) + picking_levers(scenario) + demand_levers(scenario)
            + carrier_levers(scenario) + horizon_levers(scenario))


# --- from choices to overrides --------------------------------------------------------------


def same_value(a: Any, b: Any) -> bool:
    """Whether two lever values are the same setting (3 and 3.0 are)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return float(a) == float(b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def choose(values: dict[str, Any], lever: Lever, value: Any, base: dict[str, Lever]) -> dict[str, Any]:
    """``values`` with ``lever`` set to ``value``: an entry only while it differs from the
    loaded scenario's (``base``: its levers by path)."""
    out = dict(values)
    original = base.get(lever.path)
    if original is not None and same_value(original.value, value):
        out.pop(lever.path, None)
    else:
        out[lever.path] = value
    return out


_HEAD_COUNT = re.compile(r"warehouses\.([^.]+)\.staff\.(pickers|packers)(?:\.([^.]+))?")
_SECTION_SETTING = re.compile(r"warehouses\.([^.]+)\.picking\.(batch|zone|wave)\.(.+)")


def _needed_sections(method: str, within: str | None) -> set[str]:
    needed = {method} & {"batch", "zone", "wave"}
    if method == "wave" and within in ("batch", "zone"):
        needed.add(within)
    return needed


def overrides_for(base: Scenario, values: dict[str, Any]) -> dict[str, Any]:
    """The dotted overrides (as ``--set`` takes them, in order) that turn ``base`` into
    the scenario with the chosen lever ``values``.

    Three cases are not one path each: a head count given as one number for every
    shift, of which one shift changes (the override names the whole mapping, or one
    number if the shifts are equal again); a method that needs a section the scenario
    lacks (the section is added, with the settings chosen for it); and settings of a
    method no longer chosen (left out)."""
    raw = base.model_dump(mode="json", by_alias=True, exclude_none=True)
    out: dict[str, Any] = {}
    done: set[str] = set()
    for path, value in values.items():
        if path in done:
            continue
        count = _HEAD_COUNT.fullmatch(path)
        setting = _SECTION_SETTING.fullmatch(path)
        if count and count.group(1) in base.warehouses:
            out.update(_head_count(base, values, count.group(1), count.group(2), done))
        elif path.endswith((".picking.method", ".picking.wave.within")) or setting:
            site = path.split(".")[1]
            if site in base.warehouses:
                out.update(_picking(base, raw, values, site, done))
            else:
                out[path] = value
        else:
            out[path] = value
        done.add(path)
    return out


def _head_count(base: Scenario, values: dict, site: str, pool: str, done: set) -> dict[str, Any]:
    staff = base.warehouses[site].staff
    prefix = f"warehouses.{site}.staff.{pool}"
    if not staff.shifts:
        done.add(prefix)
        return {prefix: values[prefix]} if prefix in values else {}
    counts = {shift: values.get(f"{prefix}.{shift}", n) for shift, n in staff.head_count(pool).items()}
    done.update(f"{prefix}.{shift}" for shift in counts)
    if isinstance(getattr(staff, pool), dict):  # already per shift: one override per change
        return {f"{prefix}.{s}": values[f"{prefix}.{s}"] for s in counts if f"{prefix}.{s}" in values}
    if len(set(counts.values())) == 1:
        return {prefix: next(iter(counts.values()))}
    return {prefix: counts}


def _picking(base: Scenario, raw: dict, values: dict, site: str, done: set) -> dict[str, Any]:
    """The method, its sections and their settings for one site."""
    p = base.warehouses[site].picking
    prefix = f"warehouses.{site}.picking"
    method = values.get(f"{prefix}.method", p.method)
    within = values.get(f"{prefix}.wave.within", p.wave.within if p.wave is not None else None)
    needed = _needed_sections(method, within)
    out: dict[str, Any] = {}
    if f"{prefix}.method" in values:
        out[f"{prefix}.method"] = method
    mine = [k for k in values if k.startswith(f"{prefix}.")]
    done.update(mine)
    for section in ("wave", "batch", "zone"):
        settings = {k[len(f"{prefix}.{section}."):]: v for k, v in values.items()
                    if k.startswith(f"{prefix}.{section}.")}
        if section not in needed:
            continue
        if get_path(raw, f"{prefix}.{section}") is None:  # added with what was chosen for it
            defaults = {} if section == "wave" and _has_schedule(settings) else NEW_SECTION[section]
            out[f"{prefix}.{section}"] = {**defaults, **settings}
        else:
            out.update({f"{prefix}.{section}.{k}": v for k, v in settings.items()})
    return out


def _has_schedule(settings: dict) -> bool:
    return any(k in settings for k in ("every_min", "times_h", "align_to_cutoffs"))


# --- as the command line writes them -----------------------------------------------------------


def yaml_text(value: Any) -> str:
    """A value as ``--set`` reads it (YAML flow style): ``5``, ``0.003``, ``[12, 18]``,
    ``{day: 5, evening: 7}``, ``batch``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(yaml_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{yaml_text(str(k))}: {yaml_text(v)}" for k, v in value.items()) + "}"
    text = str(value)
    if _PLAIN_WORD.fullmatch(text) and text.lower() not in _YAML_WORDS:
        return text
    # A double-quoted YAML string, escaped by YAML's own writer.
    return yaml.safe_dump(text, default_style='"', width=10**9, allow_unicode=True).strip()


def set_option(path: str, value: Any) -> str:
    """``--set PATH=VALUE``, quoted for a POSIX shell where needed."""
    return f"--set {shlex.quote(f'{path}={yaml_text(value)}')}"


def command_line(source: str, overrides: dict[str, Any], replications: int | None = None,
                 seed: int | None = None, command: str = "fsim run") -> str:
    """The command that runs what the page runs."""
    parts = [command, shlex.quote(source), *(set_option(p, v) for p, v in overrides.items())]
    if replications is not None:
        parts.append(f"-r {replications}")
    if seed is not None:
        parts.append(f"--seed {seed}")
    return " ".join(parts)


def parse_hours(text: str) -> list[Any]:
    """``"12, 18"`` -> ``[12, 18]``, read like a ``--set`` list (an entry that is no
    number stays text, for the loader to refuse with its message)."""
    from sim.scenario.overrides import parse_set_option

    text = text.strip().strip("[]")
    _, value = parse_set_option(f"x=[{text}]")
    return list(value) if isinstance(value, list) else [value]
