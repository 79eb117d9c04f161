"""The Run and results page: run the scenario (replications, seed, a progress bar), then
per site or channel the KPIs with their confidence intervals, the lead-time and
warehouse-time distributions, the staff pools over time, and the flags (saturated
pools, censored KPIs, warnings). Pin a run to compare with; download its report."""

from __future__ import annotations

import shlex
import time

import streamlit as st

from sim.ui import state
from sim.ui.figures import (
    CI_NOTE,
    MEASURES,
    censored_kpis,
    distributions,
    ecdf_chart,
    ecdf_frame,
    histogram_chart,
    histogram_frame,
    kpi_table,
    pool_chart,
    pool_series,
    saturated_text,
)
from sim.ui.levers import overrides_for
from sim.ui.pinning import pin
from sim.ui.runs import report_html, run_cached, run_key


class ProgressBar:
    """:func:`sim.experiment.run`'s progress callback drawn as a bar (at most every
    0.2 s: each draw goes to the browser)."""

    def __init__(self, total: int) -> None:
        self.bar = st.progress(0.0, text=f"replication 1 of {total}")
        self.last = 0.0

    def __call__(self, done: int, total: int, frac: float) -> None:
        now = time.perf_counter()
        if frac and now - self.last < 0.2:
            return
        self.last = now
        share = min(1.0, (done + frac) / total)
        text = f"replication {min(done + 1, total)} of {total}" if done < total else "assembling"
        self.bar.progress(share, text=text)

    def close(self) -> None:
        self.bar.empty()


def controls(scenario) -> bool:
    """Replications, seed and the Run button; True when Run was pressed. The values are
    kept by callbacks, which run before the page (and its sidebar) is drawn again."""
    col_r, col_s, col_b = st.columns([1, 1, 1], vertical_alignment="bottom")
    col_r.number_input("replications", min_value=1, max_value=200, value=st.session_state.replications,
                       step=1, key="reps_input", on_change=_keep, args=("reps_input", "replications"),
                       help="independent replications; 95% confidence intervals need 2 or more")
    col_s.number_input("seed", min_value=0, value=state.seed_of(scenario), step=1, key="seed_input",
                       on_change=_keep, args=("seed_input", "seed"),
                       help="same scenario and seed: the same numbers, here and with fsim run")
    col_b.button("Run", type="primary", key="run", on_click=_request_run)  # (a callback: see pin_it)
    return st.session_state.pop("run_requested", False)


def _keep(widget: str, name: str) -> None:
    st.session_state[name] = int(st.session_state[widget])


def _request_run() -> None:
    st.session_state.run_requested = True


def flags(summary: dict) -> None:
    saturated = saturated_text(summary)
    censored = censored_kpis(summary)
    for line in saturated:
        st.error(f"Saturated: {line}")
    if censored:
        st.warning("Censored (only a lower bound is known, shown as 'above X'): " + ", ".join(censored))
    for line in summary.get("warnings") or []:
        if not line.startswith(("saturated staff pools", "censored")):  # said above
            st.warning(line)
    if not saturated and not censored:
        st.success("No staff pool saturated; no KPI censored.")


def distribution_charts(result, by: str) -> None:
    for measure, (title, _, _) in MEASURES.items():
        dists = distributions(result, measure, by)
        left, right = st.columns(2)
        left.markdown(f"**{title}: histogram**")
        left.altair_chart(histogram_chart(histogram_frame(dists), by), width="stretch")
        right.markdown(f"**{title}: ECDF**")
        right.altair_chart(ecdf_chart(ecdf_frame(dists), by), width="stretch")
        unfinished = [f"{d.group}: {d.unfinished:,} of {d.total:,}" for d in dists if d.unfinished]
        if unfinished:
            st.caption("Not finished by the end of the run (counted, not drawn; the ECDF stops below 1): "
                       + "; ".join(unfinished))


def pool_charts(result) -> None:
    series = pool_series(result)
    for site in result.scenario.sites:
        mine = series[series["site"] == site]
        left, right = st.columns(2)
        left.markdown(f"**{site}: staff busy**")
        left.altair_chart(pool_chart(mine, "utilization_pct", "busy, % of those on duty"), width="stretch")
        right.markdown(f"**{site}: backlog**")
        right.altair_chart(pool_chart(mine, "queue_length", "parcels waiting"), width="stretch")
    st.caption("Busy above 100%: people finishing a job after their shift ended (the utilisation "
               "KPIs count on-duty time only).")


PAGE_SIZE_ADVICE = (
    "shorten the horizon, lower the orders per day or run fewer replications: this page "
    "keeps every run's tables in memory; `fsim run` with the command shown keeps them on "
    "disk and runs bigger runs")


def pin_it(result, command: str) -> None:
    st.session_state.pin = pin(result, "pinned", st.session_state.source.shown, command)
    st.session_state.pinned_now = True


def show(result, base, scenario) -> None:
    summary = result.summary
    reps, seed = summary["replications"], summary["seed"]
    took = summary.get("provenance", {}).get("wall_time_s")
    changes = len(overrides_for(base, st.session_state.lever_values))
    st.markdown(f"**{summary['scenario']}**"
                + (f" with {changes} change(s) (the sidebar's command)" if changes else ", as loaded")
                + f", {reps} replication(s), seed {seed}"
                + (f", {took:.1f} s" if took is not None else ""))
    flags(summary)
    st.caption("This page keeps its runs in memory and writes no files: the command in the "
               "sidebar runs the same and writes its folder (kpis.csv, summary.json, the tables "
               "and figures). The page's address keeps your changes: a reload comes back to them.")
    command = state.the_command(base, scenario)
    col_pin, col_report, col_figures = st.columns([1, 1, 2], vertical_alignment="center")
    # A callback, not the button's return value: it runs even if the click arrives while
    # the page is still drawing (the return value of such a click can be lost).
    col_pin.button("Pin this run", key="pin_run", help="keep it to compare the next runs with",
                   on_click=pin_it, args=(result, command))
    if st.session_state.get("pinned_now"):
        st.session_state.pinned_now = False
        st.toast("Pinned: change a lever, run, and open Compare with pinned")
    figures = col_figures.checkbox("report with figures (about 10 s more)", value=True, key="report_figures")
    col_report.download_button("Download the report (HTML)", lambda: report_html(result, figures=figures),
                               file_name=f"{summary['scenario']}-report.html", mime="text/html",
                               key="report", on_click="ignore",
                               help="what fsim report makes of this run's folder")
    by = st.radio("per", ["site", "channel"], horizontal=True, key="by")
    sites, channels = result.scenario.sites, list(result.scenario.demand.channels)
    st.markdown("#### KPIs")
    st.caption(CI_NOTE + (" (one replication: no interval)" if reps == 1 else ""))
    st.table(kpi_table(summary, sites, channels, by))
    st.markdown("#### Distributions")
    distribution_charts(result, by)
    st.markdown("#### Staff over time (mean over replications)")
    pool_charts(result)


st.title("Run and results")
base, problems = state.base_scenario()
scenario, more = state.current_scenario(base) if base is not None else (None, [])
if scenario is None:
    st.error("Nothing to run:\n\n" + state.verbatim(problems or more))
    st.page_link("views/scenario.py", label="Go to the Scenario page")
    st.stop()

run_clicked = controls(scenario)
seed, reps = state.seed_of(scenario), st.session_state.replications
key = run_key(scenario, seed, reps)
cache = state.result_cache()
if run_clicked and not cache.has(key):
    from sim.errors import ScenarioError
    from sim.sizing import check_fits, estimate_run

    try:  # the page keeps each run's tables in memory (fsim run keeps them on disk)
        check_fits(estimate_run(scenario, reps), advice=PAGE_SIZE_ADVICE)
    except ScenarioError as exc:
        st.error(state.verbatim(exc.problems))
        st.stop()
if run_clicked or cache.has(key):
    bar = ProgressBar(reps)
    provenance = {"scenario_file": st.session_state.source.shown, "overrides": state.all_overrides(base),
                  "command": shlex.split(state.the_command(base, scenario))}
    result = run_cached(scenario, reps, seed, cache, progress=bar, provenance=provenance)
    bar.close()
    st.session_state.shown = key
    show(result, base, scenario)
else:
    from sim.sizing import estimate_run

    st.info("Press Run to simulate this scenario (runs already made are shown at once): "
            + estimate_run(scenario, reps).describe() + ".")
