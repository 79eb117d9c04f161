"""The page's entry point (``streamlit run sim/ui/app.py``; ``fsim ui`` starts it).

It sets up the session, draws the sidebar that every page shares (the scenario, the
changes made to it, the command that runs it) and hands over to the page chosen; the
pages are the scripts in ``sim/ui/views/``.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from sim.ui import state
from sim.ui.levers import overrides_for

VIEWS = Path(__file__).resolve().parent / "views"
PAGES = (  # (script, title, url path)
    ("scenario.py", "Scenario", "scenario"),
    ("results.py", "Run and results", "results"),
    ("compare.py", "Compare with pinned", "compare"),
    ("staffing.py", "Staffing planner", "staffing"),
)

st.set_page_config(page_title="fsim", layout="wide")
state.init_session()
navigation = st.navigation([st.Page(str(VIEWS / script), title=title, url_path=url, default=i == 0)
                            for i, (script, title, url) in enumerate(PAGES)])

state.keep_in_address()  # (the choices as they stand after the widgets' callbacks)

with st.sidebar:
    for problem in st.session_state.address_problems:
        st.warning(f"The page's address: {problem}")
    base, problems = state.base_scenario()
    source = st.session_state.source
    if base is None:
        st.error("No scenario" if source is None else f"{source.shown}: not loaded")
    else:
        st.markdown(f"**{base.name}** from `{source.shown}`")
        # The changes that stand: each a --set of the command (a setting of a method
        # chosen and then left is kept for when it is chosen again, not counted).
        changes = len(overrides_for(base, st.session_state.lever_values))
        st.caption(f"{changes} change(s) to it on this page" if changes else "no changes on this page")
        current, _ = state.current_scenario(base)
        st.code(state.the_command(base, current), language="bash", wrap_lines=True)
        if st.session_state.lever_values and st.button("Undo every change", key="reset"):
            state.forget_choices()
            st.rerun()

navigation.run()
state.keep_in_address()  # (and after what the page itself changed)
