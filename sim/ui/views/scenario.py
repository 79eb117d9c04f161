"""The Scenario page: load a scenario, change its levers in plain words, see the
``--set`` each change stands for, download the scenario as YAML."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from sim.scenario import scenario_to_yaml
from sim.ui import state
from sim.ui.levers import Lever, choose, parse_hours, read_levers, set_option, yaml_text

WIDGET = state.WIDGET


def _load_shipped() -> None:
    chosen = st.session_state.get("shipped_choice")
    if chosen:
        state.set_source(state.Source(chosen, chosen))


def _load_path() -> None:
    text = (st.session_state.get("path_choice") or "").strip()
    if text:
        state.set_source(state.Source(text, text))


def source_picker() -> None:
    st.subheader("Load a scenario")
    shipped = state.shipped_scenarios()
    col_a, col_b, col_c = st.columns(3)
    with col_a:
        current = st.session_state.source.shown if st.session_state.source else None
        st.selectbox("shipped scenarios", shipped, index=shipped.index(current) if current in shipped else None,
                     key="shipped_choice", on_change=_load_shipped, placeholder="choose one")
    with col_b:
        st.text_input(state.PATH_LABEL, key="path_choice", on_change=_load_path,
                      placeholder="path/to/scenario.yaml, then Enter")
    with col_c:
        upload = st.file_uploader("or upload one", type=["yaml", "yml"], key="upload_choice")
        if upload is not None and st.session_state.get("upload_id") != upload.file_id:
            st.session_state.upload_id = upload.file_id
            state.set_source(state.save_upload(upload.name, upload.getvalue()))
            st.session_state.pop("shipped_choice", None)  # no shipped scenario is chosen now
            st.rerun()  # the sidebar, drawn before this page, names the new file


def _changed(lever: Lever, base_levers: dict[str, Lever]) -> None:
    raw = st.session_state[WIDGET + lever.path]
    value = parse_hours(raw) if lever.kind == "hours" else raw
    st.session_state.lever_values = choose(st.session_state.lever_values, lever, value, base_levers)


def lever_widget(lever: Lever, base_levers: dict[str, Lever], overrides: dict, label: str | None = None):
    """The widget for one lever, and under it the ``--set`` its change stands for."""
    value = st.session_state.lever_values.get(lever.path, lever.value)
    common = dict(key=WIDGET + lever.path, on_change=_changed, args=(lever, base_levers),
                  help=lever.help or None)
    label = label or lever.label
    if lever.kind in ("count", "whole"):
        st.number_input(label, min_value=0 if lever.kind == "count" else 1, value=int(value), step=1, **common)
    elif lever.kind == "number":
        # (%g: 35 days, 1300 orders a day, 16.5 h, not "35.00" and "1300.00")
        st.number_input(label, min_value=0.0, value=float(value), step=lever.step or 1.0, format="%g",
                        **common)
    elif lever.kind == "share":
        # (%g: as many decimals as the value has; "%.4f" showed 0.00004 as 0.0000)
        st.number_input(label, min_value=0.0, max_value=1.0, value=float(value), step=0.001,
                        format="%g", **common)
    elif lever.kind == "choice":
        st.selectbox(label, lever.choices, index=list(lever.choices).index(value), **common)
    elif lever.kind == "flag":
        st.checkbox(label, value=bool(value), **common)
    elif lever.kind == "hours":
        text = ", ".join(yaml_text(v) for v in value) if isinstance(value, list) else str(value)
        st.text_input(label, value=text, **common)
    if lever.path in st.session_state.lever_values:
        path = next((k for k in overrides if lever.path == k or lever.path.startswith(k + ".")), None)
        was = base_levers.get(lever.path)
        if path is not None:
            st.caption((f"was {yaml_text(was.value)}: " if was is not None else "")
                       + f"`{set_option(path, overrides[path])}`")


@st.cache_data(show_spinner=False, max_entries=32)
def validation_warnings(_scenario, resolved_yaml: str) -> list[str]:
    """What ``fsim validate`` warns about the scenario as changed (cached by its
    resolved text: the capacity check draws a week of demand)."""
    from sim.model.warnings import capacity_warnings, scenario_warnings

    return scenario_warnings(_scenario) + capacity_warnings(_scenario)


def staff_tab(levers: list[Lever], base_levers, overrides, scenario) -> None:
    for site, wh in scenario.warehouses.items():
        st.markdown(f"**{site}** ({wh.location.name or f'{wh.location.lat}, {wh.location.lon}'})")
        mine = [lv for lv in levers if lv.group == site]
        pickers = [lv for lv in mine if ".staff.pickers" in lv.path]
        packers = [lv for lv in mine if ".staff.packers" in lv.path]
        for pick, pack in zip(pickers, packers, strict=True):
            shift, a, b = st.columns([2, 1, 1])
            shift.markdown(pick.help)
            with a:
                lever_widget(pick, base_levers, overrides, "pickers")
            with b:
                lever_widget(pack, base_levers, overrides, "packers")


def grouped_tab(levers: list[Lever], base_levers, overrides, noun: str, columns: int = 3) -> None:
    groups = list(dict.fromkeys(lv.group for lv in levers))
    for group in groups:
        mine = [lv for lv in levers if lv.group == group]
        if group:
            st.markdown(f"**{noun} {group}**")
        if mine[0].section == "carriers":
            st.caption(mine[0].help)
        cols = st.columns(columns)
        for i, lever in enumerate(mine):
            with cols[i % columns]:
                lever_widget(lever, base_levers, overrides)


st.title("Scenario")
source_picker()
base, problems = state.base_scenario()
if base is None:
    st.error("The scenario could not be loaded:\n\n" + state.verbatim(problems))
    st.stop()

current, problems = state.current_scenario(base)
shown = current or base  # the levers of the scenario as changed (its method's settings)
levers = read_levers(shown)
base_levers = state.base_levers(base)
overrides = state.all_overrides(base)

st.subheader(f"{base.name}: the levers")
if base.description:
    st.caption(base.description)
tabs = st.tabs(["Staff per site and shift", "Picking per site", "Demand per channel",
                "Carriers and cut-offs", "Horizon"])
with tabs[0]:
    staff_tab([lv for lv in levers if lv.section == "staff"], base_levers, overrides, shown)
with tabs[1]:
    grouped_tab([lv for lv in levers if lv.section == "picking"], base_levers, overrides, "site", 4)
with tabs[2]:
    grouped_tab([lv for lv in levers if lv.section == "demand"], base_levers, overrides, "channel", 2)
with tabs[3]:
    grouped_tab([lv for lv in levers if lv.section == "carriers"], base_levers, overrides, "carrier", 2)
with tabs[4]:
    grouped_tab([lv for lv in levers if lv.section == "horizon"], base_levers, overrides, "", 3)

st.subheader("As a command line")
st.code(state.the_command(base, current, with_run=False), language="bash", wrap_lines=True)
if problems:
    st.error("The scenario with these changes is not valid:\n\n" + state.verbatim(problems))
else:
    st.caption("Every change is checked by the same loader as `fsim run --set`.")
    for line in validation_warnings(current, scenario_to_yaml(current)):
        st.warning(line)
    # (an edited scenario is not saved over its original by accident)
    edited = "-edited" if state.all_overrides(base) else ""
    st.download_button("Download this scenario (YAML)", scenario_to_yaml(current),
                       file_name=f"{Path(current.name).name}{edited}.yaml", mime="application/x-yaml",
                       help="fully resolved: every default written out; it loads back as the same scenario")
