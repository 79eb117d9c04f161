"""The Compare page: the current run beside the pinned one, what differs between their
scenarios, the paired differences (current − pinned) with 95% CIs, and their lead-time
distributions on one chart."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from sim.ui import state
from sim.ui.figures import ecdf_chart, ecdf_frame, kpi_cell, plain_name
from sim.ui.pinning import comparison, differences_table, pin, run_command, scenario_changes
from sim.ui.runs import run_key

HEADLINE = ("on_time_delivery_pct", "lead_time_hours_mean", "lead_time_hours_p95",
            "picking_accuracy_pct", "return_rate_pct", "cost_per_order")


def side(title: str, p, sites, channels) -> None:
    summary = p.run.summary
    st.markdown(f"**{title}**: {summary['scenario']}, {summary['replications']} replication(s), "
                f"seed {summary['seed']}")
    st.code(p.command, language="bash", wrap_lines=True)
    st.table(pd.DataFrame({"mean [95% CI]": [kpi_cell(k, summary, sites, channels) for k in HEADLINE]},
                          index=[plain_name(k) for k in HEADLINE]))


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
levers = state.the_command(base, scenario) if scenario is not None else ""
# The run on screen, with its own command: the levers may have changed since it ran.
current = pin(result, "current", st.session_state.source.shown, run_command(result, levers))
if scenario is None or run_key(scenario, state.seed_of(scenario), st.session_state.replications) != shown:
    st.info("The levers have changed since the current run: it is compared as it ran (its command "
            "below). Run them on the Run and results page to compare them instead.")
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
    st.caption("differs: yes where the 95% interval of the difference leaves out 0 (the runs "
               "differ beyond their noise); the decimals are those that tell the two runs apart.")

lead_by = by or "site"
st.markdown(f"#### Lead time per {lead_by}, pinned and current: ECDF")
frames = []
for label, p in (("pinned", pinned), ("current", current)):
    frame = ecdf_frame(p.lead[lead_by])
    frame["run"] = label
    frames.append(frame)
st.altair_chart(ecdf_chart(pd.concat(frames, ignore_index=True), lead_by, dash="run"), width="stretch")
