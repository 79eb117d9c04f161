"""How KPIs print on the terminal: one convention for every command.

Counts (orders, parcels) print as whole numbers with thousands separators; percentages
(every ``_pct`` KPI, utilisation included) with one decimal; hours with one decimal;
money with two. A censored KPI prints as ``> X`` (its lower bound); a KPI with no value
as ``-``.
"""

from __future__ import annotations

import math

from sim.kpis.registry import KPIS, base_of, kpi_of

_DIGITS = {"orders": 0, "parcels": 0, "count": 0, "%": 1, "h": 1, "currency": 2, "m": 1,
           "per 1000": 2, "orders/day": 1, "lines/h": 1, "parcels/day": 2, "score": 2}


def digits_for(name: str, sites: list[str] = (), channels: list[str] = ()) -> int:
    """Decimals to print a KPI with (by its unit)."""
    base, _, _ = base_of(name, list(sites), list(channels))
    kpi = KPIS.get(base) or kpi_of(name)  # (kpi_of: sites and channels not known)
    if kpi is None:
        return 2
    return _DIGITS.get(kpi.unit, 2)


def enough_digits(digits: int, *values: float) -> int:
    """``digits``, or more where a value below 100 that is not whole would show fewer than
    three significant digits (a mean queue of 1.50 against 1.93 printed "2" against
    "2"), at most 4."""
    need = digits
    for x in values:
        if x is None or not math.isfinite(x) or abs(x) < 1e-9 or x == int(x) or abs(x) >= 100:
            continue  # (below 1e-9: rounding noise of a zero, e.g. a flat trend's -4e-17)
        need = max(need, min(4, 2 - math.floor(math.log10(abs(x)))))
    return need


def fmt(value: float | None, digits: int) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    text = f"{value:,.{digits}f}"
    # A small negative value rounded to zero prints as 0, not -0 (an interval [-0, 2]).
    return text[1:] if text.startswith("-") and not text.strip("-0.") else text


def fmt_entry(name: str, entry: dict, sites=(), channels=()) -> tuple[str, str]:
    """(mean, CI) of a summary.json KPI entry as text."""
    d = digits_for(name, sites, channels)
    if entry.get("censored"):
        return f"> {fmt(entry.get('lower_bound'), d)}", "censored"
    if entry.get("ci95_low") is None:
        return fmt(entry.get("mean"), d), "-"
    return fmt(entry["mean"], d), f"{fmt(entry['ci95_low'], d)} .. {fmt(entry['ci95_high'], d)}"
