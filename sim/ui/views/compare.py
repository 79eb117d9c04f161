"""The Compare page: the current run beside the pinned one, what differs between their
scenarios, the paired differences (current − pinned) with 95% CIs, and their lead-time
distributions on one chart."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from sim.cli.tables import digits_for, fmt
from sim.ui import state
from sim.ui.figures import ALL, NO_VALUE, ecdf_chart, ecdf_frame, kpi_cell
from sim.ui.pinning import comparison, pin, scenario_changes

HEADLINE = ("on_time_delivery_pct", "lead_time_hours_mean", "lead_time_hours_p95",
            "picking_accuracy_pct", "return_rate_pct", "cost_per_order")


def side(title: str, p, sites, channels) -> None:
    summary = p.run.summary
    st.markdown(f"**{title}**: {summary['scenario']}, {summary['replications']} replication(s), "
                f"seed {summary['seed']}")
    st.code(p.command, language="bash", wrap_lines=True)
    st.table(pd.DataFrame({"mean [95% CI]": [kpi_cell(k, summary, sites, channels) for k in HEADLINE]},
                          index=list(HEADLINE)))


def number(value, digits: int) -> str:
    text = fmt(value, digits)
    return NO_VALUE if text == "-" else text


def differences_table(table: pd.DataFrame, by: str | None, sites, channels) -> pd.DataFrame:
    rows = []
    for _, r in table.iterrows():
        name = r["kpi"] if by is None or r[by] == ALL else f"{r['kpi']}_{r[by]}"
        d = digits_for(name, sites, channels)
        ci = (NO_VALUE if pd.isna(r["diff_ci95_low"]) else
              f"[{number(r['diff_ci95_low'], d)}, {number(r['diff_ci95_high'], d)}]")
        row = {"KPI": r["kpi"]}
        if by is not None:
            row[by] = r[by]
        row.update({"pinned": number(r["mean_a"], d), "current": number(r["mean_b"], d),
                    "current − pinned": number(r["diff_mean"], d), "95% CI": ci,
                    "differs": "yes" if r["significant"] else "", "pairs": int(r["n"])})
        rows.append(row)
    return pd.DataFrame(rows)


st.title("Compare with the pinned run")
pinned = st.session_state.get("pin")
shown = st.session_state.get("shown")
result = state.result_cache().result(shown) if shown else None
if pinned is None:
    st.info("No run pinned yet: run a scenario, press **Pin this run** on the Run and results page, "
            "change a lever and run again.")
    st.stop()
if result is None:
    st.info("Run the current scenario on the Run and results page to compare it with the pinned run.")
    st.stop()

base, _ = state.base_scenario()
scenario, _ = state.current_scenario(base) if base is not None else (None, [])
command = state.the_command(base, scenario) if scenario is not None else ""
current = pin(result, "current", st.session_state.source.shown, command)
sites = list(dict.fromkeys([*result.scenario.sites, *(pinned.run.resolved or {}).get("warehouses", {})]))
channels = list(dict.fromkeys([*result.scenario.demand.channels,
                               *((pinned.run.resolved or {}).get("demand", {}).get("channels", {}))]))

left, right = st.columns(2)
with left:
    side("Pinned", pinned, sites, channels)
with right:
    side("Current", current, sites, channels)

st.markdown("#### What differs between the two scenarios")
changes = scenario_changes(pinned, current)
if changes.empty:
    st.info("The two runs are of the same scenario.")
else:
    st.table(changes.set_index("setting"))

st.markdown("#### Current − pinned, with 95% confidence intervals")
by_choice = st.radio("per", ["all", "site", "channel"], horizontal=True, key="compare_by")
by = None if by_choice == "all" else by_choice
table, reason = comparison(pinned, current, by)
if reason is None:
    st.caption("Paired on common random numbers: replication r of each run used the same random "
               "draws, so the interval is that of the per-replication differences.")
else:
    st.warning(f"Not paired: {reason}. Welch's interval for two independent means.")
if table.empty:
    st.info("No KPI in common.")
else:
    st.table(differences_table(table, by, sites, channels).set_index("KPI"))

lead_by = by or "site"
st.markdown(f"#### Lead time per {lead_by}, pinned and current: ECDF")
frames = []
for label, p in (("pinned", pinned), ("current", current)):
    frame = ecdf_frame(p.lead[lead_by])
    frame["run"] = label
    frames.append(frame)
st.altair_chart(ecdf_chart(pd.concat(frames, ignore_index=True), lead_by, dash="run"), width="stretch")
