"""The Staffing planner page: the cheapest head counts for a site's pools that meet a
service target with a stated confidence (``fsim staff``), shown when this version has
the planner (:mod:`sim.staffing`)."""

from __future__ import annotations

import streamlit as st

from sim.errors import ScenarioError
from sim.experiment import scenario_sha256
from sim.ui import state
from sim.ui.levers import choose
from sim.ui.staffing import (
    ROLES,
    TARGET_KPIS,
    frontier_chart,
    frontier_frame,
    installed,
    plan_values,
    plans_frame,
    search_folder,
    search_key,
    staff_command,
    target_text,
    whole_scenario_text,
)

st.title("Staffing planner")
if "staff_toast" in st.session_state:
    st.toast(st.session_state.pop("staff_toast"))
if not installed():
    st.info("The staffing planner is not installed in this version.")
    st.stop()

from sim.staffing import plan_staffing  # noqa: E402 - only where it is installed

base, problems = state.base_scenario()
scenario, more = state.current_scenario(base) if base is not None else (None, [])
if scenario is None:
    st.error("No scenario to plan on:\n\n" + state.verbatim(problems or more))
    st.stop()

st.caption("The cheapest head counts for a site's pickers and packers that meet a service "
           "target, each plan decided on common random numbers with as many replications as "
           "the decision needs (fsim staff). The scenario is the one on the Scenario page, with "
           "its changes.")
col_site, col_roles, col_shift = st.columns([1, 2, 1], vertical_alignment="bottom")
site = col_site.selectbox("site", scenario.sites, key="staff_site")
roles = col_roles.multiselect("pools to plan", ROLES, default=list(ROLES), key="staff_roles")
per_shift = col_shift.checkbox("a count per shift", key="staff_per_shift",
                               disabled=not scenario.warehouses[site].staff.shifts)

col_kpi, col_op, col_value = st.columns([2, 1, 1])
kpi_base = col_kpi.selectbox("target", list(TARGET_KPIS), format_func=lambda k: TARGET_KPIS[k][0],
                             key="staff_kpi")
ops = [">=", "<="] if TARGET_KPIS[kpi_base][1] == ">=" else ["<=", ">="]
op = col_op.selectbox("must be", ops, key=f"staff_op_{kpi_base}")
value = col_value.number_input("value", value=95.0 if kpi_base.endswith("_pct") else 24.0,
                               key=f"staff_value_{kpi_base}")

pools = [f"{site}.{role}" for role in roles]
bounds = {}
if pools:
    bound_cols = st.columns(len(pools))
    for col, pool in zip(bound_cols, pools, strict=True):
        now = max(scenario.warehouses[site].staff.head_count(pool.split(".")[1]).values())
        low, high = col.slider(f"{pool}: head counts to search", 0, max(40, 3 * now),
                               (1, max(2 * now, 10)), key=f"staff_bounds_{pool}")
        bounds[pool] = (int(low), int(high))

with st.expander("confidence and effort"):
    c1, c2, c3, c4 = st.columns(4)
    confidence = c1.selectbox("confidence", [0.9, 0.95, 0.99], index=1, key="staff_confidence")
    replications = c2.number_input("replications per plan, to start", 2, 50, 5, key="staff_reps")
    max_replications = c3.number_input("at most, for a close call", 2, 400, 40, key="staff_max_reps")
    workers = c4.number_input("parallel processes", 1, 64, 1, key="staff_workers")

seed = state.seed_of(scenario)
overrides = state.all_overrides(base)
targets = [target_text(f"{kpi_base}_{site}", op, value)]
command = staff_command(st.session_state.source.shown, overrides, pools, targets, bounds, per_shift,
                        confidence, int(replications), int(max_replications), seed, int(workers))
st.code(command, language="bash", wrap_lines=True)

asked = dict(pools=pools, targets=targets, bounds=bounds, per_shift=per_shift, confidence=confidence,
             replications=int(replications), max_replications=int(max_replications), seed=seed)
key = search_key(scenario_sha256(scenario), **asked)
found = st.session_state.setdefault("staff_results", {})
if st.button("Find the cheapest plan", type="primary", key="staff_run", disabled=not pools):
    status = st.empty()

    def progress(p) -> None:
        status.info(f"{p.phase}: plan {p.plan} ({p.replications} replications); "
                    f"{p.plans_decided} plans decided, {p.runs} runs")

    folder = search_folder(key)
    try:
        found[key] = plan_staffing(st.session_state.source.path, pools, targets, overrides=overrides or None,
                                   bounds=bounds, per_shift=per_shift, confidence=confidence,
                                   replications=int(replications), max_replications=int(max_replications),
                                   seed=seed, out=folder, overwrite=True,
                                   executor="serial" if workers == 1 else "processes",
                                   workers=None if workers == 1 else int(workers), progress=progress,
                                   figures=False)
    except ScenarioError as exc:
        status.error(state.verbatim(state.problems_of(exc, st.session_state.source)))
        st.stop()
    status.empty()

result = found.get(key)
if result is None:
    st.info("Press the button to search (a search runs many replications: it can take minutes).")
    st.stop()

best = result.recommended
if best is None:
    st.error("No plan within the bounds meets the target:\n\n" + state.verbatim(result.diagnosis))
else:
    st.success(f"Recommended: {best.label}, {best.cost_per_week:,.0f} a week of labour for the planned "
               f"pools ({result.runs} runs, {len(result.plans)} plans decided)")
    st.table(plans_frame([best]).set_index("plan"))
    st.caption(f"Targets {result.guarantee}.")
    if st.button("Use this plan on the Scenario page", key="staff_use"):
        levers = state.base_levers(base)
        values = dict(st.session_state.lever_values)
        for path, count in plan_values(scenario, best.staff).items():
            if path in levers:
                values = choose(values, levers[path], count, levers)
        state.forget_choices()
        st.session_state.lever_values = values
        # (again from the top: the sidebar, drawn before this button, shows the new levers)
        st.session_state.staff_toast = "The plan's head counts are set: run it on the Run and results page"
        st.rerun()
    recommended = result.out / "recommended.yaml"
    if recommended.exists():
        # Whole (every value resolved): the folder's file extends the input by a path
        # relative to the search's folder, which a downloaded copy would not find.
        st.download_button("Download the recommended scenario (YAML)", whole_scenario_text(recommended),
                           file_name=f"{scenario.name}-recommended.yaml", mime="application/x-yaml")

st.markdown("#### Cost and service of every plan decided")
frame = frontier_frame(result)
for target in result.targets:
    text = str(target)
    st.markdown(f"**{text}**")
    st.altair_chart(frontier_chart(frame, text, target.value), width="stretch")
st.caption("Blue: accepted, grey: rejected (bar: the confidence interval); green: the frontier, "
           "the best mean at that cost or less; red: the target; orange: the recommended plan.")
st.markdown("**The frontier**: the plans that give the best mean at their cost or less "
            f"(every plan decided is in `{result.out / 'staffing.csv'}`)")
st.table(plans_frame(result.frontier).set_index("plan"))
