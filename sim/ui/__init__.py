"""``fsim ui``: a local page for planners (Streamlit, the optional ``ui`` extra).

The page is a thin layer over the Python API: it loads scenarios with
:func:`sim.scenario.load_scenario`, runs them with :func:`sim.experiment.run`, compares
runs with :mod:`sim.paired` and writes reports with :mod:`sim.html_report`. The modules
here that hold its logic (:mod:`sim.ui.levers`, :mod:`sim.ui.runs`,
:mod:`sim.ui.figures`) import no Streamlit, so they are tested without it; the page
itself is :mod:`sim.ui.app` and the scripts in ``sim/ui/views/``.
"""
