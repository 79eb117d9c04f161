"""Every KPI's definition: unit, direction, whether it is reported per site and per
channel, and a one-line meaning (the README's KPI table is checked against this).

Naming rule. A KPI's *base* name (``on_time_delivery_pct``) is its pooled value over
every site and channel. ``<base>_<site>`` (``on_time_delivery_pct_east``) is the same
KPI over the orders routed to that site (parcels shipped from it, for parcel and pool
KPIs), and ``<base>_<channel>`` over that channel's orders. Site and channel names are
distinct (the scenario schema refuses a channel named like a site), so a name says
which it is. Pool KPIs name their role in the base: ``utilization_pct_pickers_east``.

Direction: ``higher`` (more is better: throughput, on-time, accuracy), ``lower``
(lead times, warehouse time, cost, return rate, waits, backlogs, the flags) or
``none`` (a count or a description of the workload: orders placed, travel per line).
``fsim check`` compares each KPI in its direction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Kpi:
    name: str
    unit: str  # "orders", "%", "h", "currency", "m", "per 1000", "count", ...
    direction: str  # "higher" | "lower" | "none"
    by_group: bool  # also per site and per channel
    meaning: str


def _k(name, unit, direction, by_group, meaning) -> Kpi:
    return Kpi(name, unit, direction, by_group, meaning)


PERCENTILES = (50, 90, 95, 99)

KPIS: dict[str, Kpi] = {k.name: k for k in [
    # Orders placed in the window (per site: routed to it; per channel).
    _k("orders_placed", "orders", "none", True, "customer orders placed in the measurement window"),
    _k("orders_cancelled", "orders", "lower", True,
       "of those, cancelled (payment declined; below the channel's minimum quantity with "
       "`moq_policy: reject`; `backorder: cancel_after` timed out)"),
    _k("orders_shipped", "orders", "none", True, "of those, every parcel handed to a carrier by the end of the run"),
    _k("orders_delivered", "orders", "none", True, "of those, delivered whole by the end of the run"),
    _k("orders_lost", "orders", "lower", True, "of those, with a parcel declared lost by the end of the run"),
    _k("orders_in_progress", "orders", "lower", True,
       "of those, still in the warehouse (or awaiting payment) at the end of the run"),
    _k("orders_in_transit", "orders", "none", True, "of those, shipped and still travelling at the end of the run"),
    _k("orders_backordered", "orders", "lower", True,
       "of those, still waiting for stock (or for the rest of their units) at the end of the run"),
    _k("orders_undelivered_at_end", "orders", "lower", True,
       "of those, neither cancelled nor lost and not delivered by the end of the run"),
    _k("completion_pct", "%", "higher", True,
       "delivered or finally failed (cancelled, lost) by the end of the run, % of orders placed"),
    _k("throughput_orders_per_day", "orders/day", "higher", True,
       "customer orders whose last parcel was handed to a carrier inside the window, per day "
       "(reships and second parcels are not orders)"),
    _k("lead_time_hours_mean", "h", "lower", True,
       "placed to delivered (an order in parts: its last parcel), mean over the orders "
       "delivered by the end of the run: read it with `completion_pct`"),
    *[_k(f"lead_time_hours_p{q}", "h", "lower", True,
         f"placed to delivered, {q}th percentile over every order placed and neither cancelled "
         "nor lost; an undelivered one takes at least its age at the end: censored (no value, "
         "a lower bound) unless it is the same whatever the undelivered ones' times")
      for q in PERCENTILES],
    _k("on_time_delivery_pct", "%", "higher", True,
       "delivered by the end of the promised day (`promised_business_days` after the day of "
       "placement; an order placed on a weekend counts from the Monday), % of the orders whose outcome is known: delivered, lost (late: a lost order stays "
       "lost, reshipped or not), or undelivered with the promised day past (late); other "
       "undelivered orders not yet due are left out"),
    _k("warehouse_hours_mean", "h", "lower", True,
       "time in the warehouse: paid to shipped (the last parcel handed to the carrier), mean over "
       "orders shipped"),
    *[_k(f"warehouse_hours_p{q}", "h", "lower", True,
         f"paid to shipped, {q}th percentile over every paid order not cancelled; an unshipped "
         "one takes at least its age at the end: censored unless it is the same whatever the "
         "unshipped ones' times")
      for q in PERCENTILES],
    _k("same_day_ship_pct", "%", "higher", True,
       "orders paid on a pick-up day before its last cut-off that left with that day's last "
       "pick-up or earlier, % of such orders; the pick-ups of the order's carrier service (its "
       "first parcel's: express for an express order; the site's default carrier while none is "
       "made)"),
    _k("picking_accuracy_pct", "%", "higher", True,
       "(delivered orders - those with a parcel returned for a picking error) / delivered orders x 100 "
       "(per site: the orders routed there, wherever picked; `pick_errors_*` count by picking site): "
       "accuracy as customers report it, through `wrong_item` returns, so it moves with "
       "`returns.wrong_item_return_prob` and misses returns still on their way at the end; every "
       "error that left the warehouse is in `pick_errors_shipped_per_1000_orders`"),
    _k("return_rate_pct", "%", "lower", True,
       "units returned / units delivered, first-attempt parcels x 100 (a parcel comes back whole, "
       "but a wrong-item return brings back the wrong units only; per site: the parcels shipped from it)"),
    _k("payment_failure_pct", "%", "lower", True, "orders whose payment finally failed / orders that went to payment x 100"),
    _k("cost_per_order", "currency", "lower", True,
       "`labour_cost_per_order` + packaging, carrier charge (first-attempt parcels) and remedies "
       "of the orders shipped, per order shipped: pooled, the sum of the four cost KPIs (costs not modelled "
       "count as 0; per site, the site's labour and its orders' parcels wherever shipped from; per "
       "channel, labour is shared by orders shipped, the same for each order)"),
    _k("labour_cost_per_order", "currency", "lower", True,
       "on-duty picker and packer hours inside the window x their hourly cost / orders shipped "
       "inside the window (per site: its orders, those routed to it, wherever shipped from)"),
    _k("pick_wait_hours_mean", "h", "lower", True,
       "first-attempt parcels: released to picking started (the pick queue), mean over the parcels "
       "whose picking started by the end of the run (with a backlog at the end it reads low: read it with "
       "`completion_pct` and the saturated pools); per site: parcels picked there"),
    _k("pack_wait_hours_mean", "h", "lower", True, "first-attempt parcels: picked to packing started (the pack queue), mean over the parcels "
       "whose packing started by the end of the run (as `pick_wait_hours_mean`)"),
    _k("pick_travel_m_per_order", "m", "none", True,
       "metres walked per parcel picked (a batch tour's metres shared by lines; none without a "
       "layout, where travel is a time)"),
    _k("pick_travel_m_per_line", "m", "none", True, "metres walked per line picked"),
    _k("pick_errors_found_per_1000_orders", "per 1000", "none", True,
       "wrong lines (and sort errors) caught by a scan per 1,000 first-attempt parcels packed (the last check)"),
    _k("pick_errors_shipped_per_1000_orders", "per 1000", "lower", True,
       "first-attempt parcels packed with an uncaught error per 1,000 of them packed"),
    _k("csat_mean", "score", "higher", True, "mean survey score (1-5)"),
    # Parcels, after-sales and stock (pooled).
    _k("packaging_cost_per_order", "currency", "lower", False,
       "box + dunnage of the first-attempt parcels of the orders shipped, per order shipped (where a box catalogue is given)"),
    _k("shipping_cost_per_order", "currency", "lower", False,
       "carrier charge of the first-attempt parcels of the orders shipped, per order shipped (where a rate table is given)"),
    _k("box_fill_pct_mean", "%", "higher", False, "share of the chosen box's volume the units fill, mean over first-attempt parcels"),
    _k("no_box_per_1000_orders", "per 1000", "lower", False, "first-attempt parcels that fit no box per 1,000 orders shipped"),
    _k("label_wait_hours_mean", "h", "lower", False, "packed to labelled (bulk labels: the wait for the print)"),
    _k("label_labour_hours_per_1000_orders", "h", "lower", False,
       "labelling work inside the window per 1,000 parcels labelled inside it"),
    _k("lost_pct", "%", "lower", False, "first-attempt parcels declared lost, % of those shipped (a reship lost is not counted)"),
    _k("damaged_pct", "%", "lower", False, "first-attempt parcels delivered damaged, % of those shipped"),
    _k("address_problem_pct", "%", "lower", False, "first-attempt parcels delayed by an address problem, % of those shipped"),
    _k("remedy_cost_per_order", "currency", "lower", False,
       "refunds + discount codes + reships' cost (goods at unit cost, box, carrier charge) of the "
       "orders shipped, per order shipped (a reship counts whole once made, shipped by the end of the run or not)"),
    _k("refunds_per_1000_orders", "per 1000", "lower", False, "orders with a parcel refunded per 1,000 placed (reshipped first or not)"),
    _k("discounts_per_1000_orders", "per 1000", "lower", False, "late-delivery discount codes per 1,000 orders placed"),
    _k("reships_per_1000_orders", "per 1000", "lower", False,
       "reships made inside the window per 1,000 orders placed (a reship is a parcel, not an order)"),
    _k("lead_time_to_correct_delivery_hours_mean", "h", "lower", False,
       "placed to the first intact, right delivery through reships, every parcel of the order "
       "(orders that got one)"),
    _k("csat_responses", "count", "none", False, "survey answers"),
    _k("dissatisfied_pct", "%", "lower", False, "answers at or below `dissatisfied_at_most`, % of answers"),
    _k("fill_rate_pct", "%", "higher", False,
       "with `inventory`: paid orders shipped whole, in one parcel, from their nearest site's stock at "
       "once, % of paid orders"),
    _k("rerouted_pct", "%", "none", False,
       "with `inventory`: paid orders shipped whole from another site (an `other_site` parcel), %"),
    _k("shipped_in_parts_pct", "%", "none", False,
       "with `inventory`: paid orders shipped in two parcels (`split`, `ship_available`), %; filled, "
       "rerouted, in parts and backordered add up to 100, except that an order shipped with "
       "`ship_available` is both backordered and in parts"),
    _k("backorder_rate_pct", "%", "lower", False, "with `inventory`: paid orders that waited for stock, %"),
    _k("backorder_wait_hours_mean", "h", "lower", False, "with `inventory`: how long filled backorders waited, mean"),
    _k("backorder_wait_hours_p90", "h", "lower", False, "with `inventory`: the same, 90th percentile"),
    _k("dock_to_stock_hours_mean", "h", "lower", False,
       "with `inventory`: returned units back at the warehouse to back on the shelf (inspection), "
       "returns of orders placed in the window; supplier receipts go on the shelf the moment they arrive"),
    # Staff pools: the base name carries the role; per site by suffix.
    *[_k(f"{kpi}_{role}", unit, direction, False, f"{role}: {meaning}")
      for role in ("pickers", "packers")
      for kpi, unit, direction, meaning in (
          ("utilization_pct", "%", "none",
           "share of the on-duty hours inside the window spent busy x 100 (pickers: tours; "
           "packers: packing, sorting, consolidating, label jobs); the overtime that finishes a job "
           "begun before a shift ends is not on-duty time, so it is at most 100"),
          ("queue_length_mean", "parcels", "lower",
           "time-weighted mean number waiting inside the window, exact from event times"),
          ("queue_length_max", "parcels", "lower", "most waiting at once inside the window (pooled: "
           "at every site together, at the same instant)"),
          ("backlog_at_end", "parcels", "lower", "waiting at the end of the run"),
          ("backlog_trend_per_day", "parcels/day", "lower",
           "least-squares slope of the number waiting, sampled once a day (at the window's end time "
           "of day) over the window"))],
    _k("picks_per_picker_hour", "lines/h", "higher", False,
       "lines picked on tours ending inside the window / picker on-duty hours inside it"),
    _k("picks_per_busy_picker_hour", "lines/h", "higher", False, "the same per hour spent on tours"),
    _k("orders_per_tour", "parcels", "none", False, "parcels per picking tour (1 for single and zone picking)"),
    _k("release_wait_hours_mean", "h", "lower", False,
       "paid (a reship: made) to released to picking, parcels of orders placed in the window: "
       "waiting for a wave, or for stock"),
    # Flags.
    _k("saturated_pools", "count", "lower", False,
       "staff pools that cannot keep up (README: Saturation: nobody on duty, busy 98% or more "
       "of their time on duty, or a queue growing to the end); named in summary.json"),
    _k("censored_percentiles", "count", "lower", False,
       "pooled lead-time and warehouse-time percentiles that fall among unfinished orders"),
]}

# KPIs per site only (pools and picking belong to a site), besides the pooled value.
PER_SITE = {"orders_per_tour", "release_wait_hours_mean", "picks_per_picker_hour",
            "picks_per_busy_picker_hour"} | {n for n in KPIS if n.endswith(("_pickers", "_packers"))}

# Families of KPIs named by a value of the scenario (a return reason, an ABC class).
FAMILIES: dict[str, Kpi] = {k.name: k for k in [
    _k("return_rate_pct_<reason>", "%", "lower", False,
       "return_rate_pct for one reason: wrong_item, damaged, late, and each of returns.reasons; "
       "they add up to return_rate_pct"),
    _k("dissatisfied_pct_<reason>", "%", "lower", False,
       "dissatisfied answers by the worst thing that happened: lost, wrong_item, damaged, late, "
       "address_problem, other"),
    _k("stockout_days_per_sku_<class>", "days", "lower", False,
       "days out of stock inside the window per SKU of ABC class A, B, C... (mean over SKUs and sites)"),
]}


def family_of(name: str) -> Kpi | None:
    """The family a KPI name belongs to, if any."""
    for template, kpi in FAMILIES.items():
        if name.startswith(template.split("<")[0]) and name != template.split("<")[0].rstrip("_"):
            return kpi
    return None


def base_of(name: str, sites: list[str], channels: list[str]) -> tuple[str, str, str]:
    """(base KPI, site, channel) of a full KPI name ("" where pooled). A family member
    (``return_rate_pct_late``) and a name that is no known KPI come back whole."""
    if name in KPIS:
        return name, "", ""
    for group, names in (("site", sites), ("channel", channels)):
        for g in names:
            suffix = f"_{g}"
            if name.endswith(suffix) and name[: -len(suffix)] in KPIS:
                base = name[: -len(suffix)]
                return (base, g, "") if group == "site" else (base, "", g)
    return name, "", ""


def direction(name: str, sites: list[str] = (), channels: list[str] = ()) -> str:
    """``higher``, ``lower`` or ``none`` for a full KPI name."""
    base, _, _ = base_of(name, list(sites), list(channels))
    kpi = KPIS.get(base) or family_of(base)
    return kpi.direction if kpi is not None else "none"


# The values a KPI can take, by its unit: a confidence interval is cut to them (a
# t-interval of a share near 100% or of a count near 0 reaches past them with few
# replications). Units not named here are never negative; a trend may be either.
_RANGES = {"%": (0.0, 100.0), "score": (1.0, 5.0), "parcels/day": (-math.inf, math.inf)}


def kpi_of(name: str) -> Kpi | None:
    """The KPI a full name (``on_time_delivery_pct_east``) is of, its site or channel
    suffix read off whatever it is: the longest known KPI the name starts with, or its
    family; None for a name that is no known KPI."""
    kpi = KPIS.get(name)
    if kpi is None:
        parts = name.split("_")
        for i in range(len(parts) - 1, 0, -1):
            kpi = KPIS.get("_".join(parts[:i]))
            if kpi is not None:
                break
    return kpi or family_of(name)


def value_range(name: str) -> tuple[float, float]:
    """(lowest, highest) value a KPI of this full name can take (:func:`kpi_of`);
    unbounded for a name that is no known KPI."""
    kpi = kpi_of(name)
    if kpi is None:
        return -math.inf, math.inf
    return _RANGES.get(kpi.unit, (0.0, math.inf))


def clip_interval(name: str, mean: float, low: float, high: float) -> tuple[float, float]:
    """A KPI's confidence interval cut to the values it can take, never past its mean
    (NaN stays NaN)."""
    lo, hi = value_range(name)
    if not math.isnan(mean):  # (a mean outside the range: the range is wrong, not the mean)
        lo, hi = min(lo, mean), max(hi, mean)
    return (low if math.isnan(low) else min(max(low, lo), hi),
            high if math.isnan(high) else max(min(high, hi), lo))


def clip_difference(name: str, diff: float, low: float, high: float) -> tuple[float, float]:
    """The interval of a difference of two values of a KPI, cut to the differences it
    can take (±100 for a share: two runs' shares differ by at most 100 points; none for
    a KPI unbounded above), never past the difference itself."""
    lo, hi = value_range(name)
    span = hi - lo
    if not math.isfinite(span):
        return low, high
    least, most = (-span, span) if math.isnan(diff) else (min(-span, diff), max(span, diff))
    return (low if math.isnan(low) else max(low, least), high if math.isnan(high) else min(high, most))


def markdown_table() -> str:
    """The README's KPI table, generated from this registry (``python -m sim.kpis.registry``
    prints it; ``tests/test_readme.py`` checks the README holds exactly this)."""
    rows = ["| KPI | unit | better | per site / channel | meaning |", "|---|---|---|---|---|"]
    for kpi in [*KPIS.values(), *FAMILIES.values()]:
        group = ("site and channel" if kpi.by_group else "site" if kpi.name in PER_SITE else "")
        better = {"higher": "higher", "lower": "lower", "none": ""}[kpi.direction]
        rows.append(f"| `{kpi.name}` | {kpi.unit} | {better} | {group} | {kpi.meaning} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(markdown_table(), end="")
