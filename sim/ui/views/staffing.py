"""The Staffing planner page (``fsim staff``), shown when that module is installed."""

from __future__ import annotations

import streamlit as st

st.title("Staffing planner")
st.info("The staffing planner is not installed in this version.")
