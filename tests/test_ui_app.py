"""The app's flow without a browser, in Streamlit's AppTest (skipped, with the reason,
where the ``ui`` extra is not installed): load, change a lever and see its ``--set``,
bad input shown with the loader's message and line, run, pin, compare."""

from __future__ import annotations

import importlib.util
import json
import re
import warnings

import pytest

if importlib.util.find_spec("streamlit") is None:  # said in the warnings summary too
    warnings.warn("fsim ui page tests skipped: the ui extra is not installed: pip install -e '.[ui]'",
                  stacklevel=1)
    pytest.skip("the ui extra is not installed: pip install -e '.[ui]'", allow_module_level=True)

from streamlit.testing.v1 import AppTest  # noqa: E402

from sim.ui.state import ARGS_ENV  # noqa: E402

from .conftest import ROOT, SCENARIOS  # noqa: E402

APP = str(ROOT / "sim" / "ui" / "app.py")
SMALL = {"horizon.days": 2, "horizon.warmup_days": 1, "horizon.drain_days": 4}


@pytest.fixture
def app(monkeypatch):
    monkeypatch.setenv(ARGS_ENV, json.dumps({"scenario": str(SCENARIOS / "baseline.yaml"), "overrides": SMALL}))
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def lever(at, path):
    return at.number_input(key=f"lever:{path}")


def test_the_page_opens_on_the_scenario_given_with_its_command(app):
    assert app.title[0].value == "Scenario"
    command = texts(app.sidebar.code)
    assert "--set horizon.days=2 --set horizon.warmup_days=1 --set horizon.drain_days=4" in command
    assert lever(app, "warehouses.east.staff.pickers.day").value == 7
    assert "last label 16:30 for the 18:00 pick-up, Mon-Fri" in texts(app.caption)


def test_a_changed_lever_shows_the_set_it_stands_for(app):
    lever(app, "warehouses.east.staff.pickers.day").set_value(5).run()
    assert "was 7: `--set warehouses.east.staff.pickers.day=5`" in texts(app.caption)
    assert "--set warehouses.east.staff.pickers.day=5" in texts(app.code)
    assert not app.error
    app.selectbox(key="lever:warehouses.east.picking.method").set_value("batch").run()
    assert "--set 'warehouses.east.picking.batch={}'" in texts(app.code)
    lever(app, "warehouses.east.picking.batch.max_orders").set_value(12).run()
    assert "--set 'warehouses.east.picking.batch={max_orders: 12}'" in texts(app.code)
    app.button(key="reset").click().run()
    assert "--set warehouses" not in texts(app.code)
    assert lever(app, "warehouses.east.staff.pickers.day").value == 7


def reopened(address: dict[str, str]) -> AppTest:
    """The page opened afresh (a reload, a bookmark) at an address with these query
    parameters, by the same ``fsim ui`` as the ``app`` fixture's."""
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in address.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_reload_comes_back_to_the_choices_the_address_keeps(app):
    lever(app, "warehouses.east.staff.pickers.day").set_value(5).run()
    app.selectbox(key="lever:warehouses.east.picking.method").set_value("batch").run()
    lever(app, "warehouses.east.picking.batch.max_orders").set_value(12).run()  # (a lever of batch's)
    address = dict(app.query_params)
    assert json.loads(address["levers"]) == {"warehouses.east.staff.pickers.day": 5,
                                             "warehouses.east.picking.method": "batch",
                                             "warehouses.east.picking.batch.max_orders": 12}
    assert "replications" not in address and "seed" not in address  # (the defaults)
    again = reopened({**address, "replications": "4", "seed": "11"})
    assert lever(again, "warehouses.east.staff.pickers.day").value == 5
    assert again.selectbox(key="lever:warehouses.east.picking.method").value == "batch"
    assert lever(again, "warehouses.east.picking.batch.max_orders").value == 12
    command = texts(again.sidebar.code)
    assert "--set warehouses.east.staff.pickers.day=5" in command and "-r 4 --seed 11" in command
    assert "--set horizon.days=2" in command  # fsim ui's own --set still stand
    assert not again.sidebar.warning
    again.button(key="reset").click().run()
    assert "levers" not in dict(again.query_params)


def test_an_address_that_cannot_be_read_says_so_and_keeps_the_defaults(app):
    again = reopened({"levers": json.dumps({"warehouses.east.staff.pickers.day": 4, "no.such.lever": 1}),
                      "replications": "0", "seed": "minus one"})
    warnings_shown = texts(again.sidebar.warning)
    assert "not levers of this scenario, left out: no.such.lever" in warnings_shown
    assert "replications '0': must be a whole number from 1 to 200" in warnings_shown
    assert "seed 'minus one': must be a whole number >= 0" in warnings_shown
    assert lever(again, "warehouses.east.staff.pickers.day").value == 4  # (what could be read)
    from sim.scenario import load_scenario

    seed = load_scenario(SCENARIOS / "baseline.yaml").seed
    assert f"-r 3 --seed {seed}" in texts(again.sidebar.code)  # the defaults
    broken = reopened({"levers": "{not json", "scenario": "no/such/file.yaml"})
    warnings_shown = texts(broken.sidebar.warning)
    assert "levers: not the page's own record of changes" in warnings_shown
    assert "scenario 'no/such/file.yaml': no such file here" in warnings_shown
    assert lever(broken, "warehouses.east.staff.pickers.day").value == 7


def test_an_invalid_change_shows_the_loaders_message(app):
    app.selectbox(key="lever:warehouses.east.picking.method").set_value("zone").run()
    errors = texts(app.error)
    assert "warehouses.east.picking.layout: zone picking needs a layout" in errors
    # The way forward, in the method's help: the page cannot add a layout.
    method = app.selectbox(key="lever:warehouses.east.picking.method")
    assert "zone needs the site's layout, warehouses.east.picking.layout" in method.help


def test_a_bad_upload_shows_the_error_with_its_line(app):
    text = (SCENARIOS / "baseline.yaml").read_text(encoding="utf-8")
    bad = text.replace("pickers: {day: 7, evening: 7}", "pickers: {day: -3, evening: 7}")
    line = bad.splitlines().index(next(ln for ln in bad.splitlines() if "day: -3" in ln)) + 1
    app.get("file_uploader")[0].set_value(("my plan.yaml", bad.encode(), "application/x-yaml")).run()
    errors = texts(app.error)
    assert f"my plan.yaml:{line} warehouses.east.staff.pickers.day: must be >= 0, got -3" in errors
    assert "fsim-ui-upload" not in errors  # named as the planner named it


def test_an_uploaded_scenario_that_extends_another_says_to_give_its_path(app):
    """An upload arrives alone, so the file it extends is never found: say so, not
    "looked in /tmp/fsim-ui-upload-..."."""
    peak = (SCENARIOS / "peak.yaml").read_text(encoding="utf-8")
    app.get("file_uploader")[0].set_value(("peak.yaml", peak.encode(), "application/x-yaml")).run()
    errors = texts(app.error)
    assert "peak.yaml:2 extends: no such file 'baseline.yaml'" in errors
    assert "give its path on this machine instead" in errors and "fsim-ui-upload" not in errors


def test_a_shipped_scenario_and_a_path_load(app, tmp_path):
    shipped = app.selectbox(key="shipped_choice")
    peak = next(name for name in shipped.options if name.endswith("peak.yaml"))
    shipped.set_value(peak).run()
    assert not app.exception and not app.error
    assert app.sidebar.markdown[0].value.startswith("**peak**")
    app.text_input(key="path_choice").set_value(str(tmp_path / "missing.yaml")).run()
    assert "missing.yaml: no such scenario file" in texts(app.error)


def test_run_pin_change_run_compare(app):
    app.switch_page("views/results.py").run()
    app.number_input(key="reps_input").set_value(2).run()
    assert "Press Run" in texts(app.info)
    assert "orders per replication x 2 replications; about" in texts(app.info)  # (its size)
    app.button(key="run").click().run()
    assert not app.exception, [e.value for e in app.exception]
    table = app.table[0].value
    assert list(table.columns) == ["all", "west", "east"]
    assert "on-time delivery (%)" in table.index
    assert "**baseline**, as loaded, 2 replication(s)" in texts(app.markdown)
    app.button(key="pin_run").click().run()
    app.switch_page("views/scenario.py").run()
    lever(app, "warehouses.east.staff.pickers.day").set_value(5).run()
    app.switch_page("views/results.py").run()
    assert "Press Run" in texts(app.info)  # not run yet
    app.button(key="run").click().run()
    assert "**baseline** with 1 change(s) (the sidebar's command), 2 replication(s)" in texts(app.markdown)
    app.switch_page("views/compare.py").run()
    assert not app.exception, [e.value for e in app.exception]
    tables = [t.value for t in app.table]
    changes = next(t for t in tables if "warehouses.east.staff.pickers.day" in t.index)
    assert changes.loc["warehouses.east.staff.pickers.day"].tolist() == ["7", "5"]
    assert "Paired on common random numbers" in texts(app.caption)
    differences = next(t for t in tables if "current − pinned" in t.columns)
    assert differences.loc["lead time, mean (h)", "pairs"] == 2
    assert "--set warehouses.east.staff.pickers.day=5" in texts(app.code)
    assert "levers have changed" not in texts(app.info)
    # A lever changed but not run: the current run is still the one with 5 pickers, and
    # its command says so (it showed the levers' command above the 5-picker numbers).
    app.switch_page("views/scenario.py").run()
    lever(app, "warehouses.east.staff.pickers.day").set_value(9).run()
    app.switch_page("views/compare.py").run()
    assert not app.exception, [e.value for e in app.exception]
    shown = texts(app.main.code)  # (the sidebar shows the levers' command)
    assert "pickers.day=9" not in shown and "--set warehouses.east.staff.pickers.day=5" in shown
    assert "levers have changed since the current run" in texts(app.info)
    # Back to 7 pickers: the pinned run's numbers come from the cache, without Run.
    app.switch_page("views/scenario.py").run()
    lever(app, "warehouses.east.staff.pickers.day").set_value(7).run()
    app.switch_page("views/results.py").run()
    assert "Press Run" not in texts(app.info) and app.table


def test_the_staffing_page_plans_or_says_it_is_not_installed(monkeypatch, tmp_path):
    import yaml

    from sim.ui.staffing import installed

    from .conftest import tiny_data

    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(tiny_data()), encoding="utf-8")
    monkeypatch.setenv(ARGS_ENV, json.dumps({"scenario": str(path), "overrides": {}}))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    app = AppTest.from_file(APP, default_timeout=300).run()
    app.switch_page("views/staffing.py").run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.title[0].value == "Staffing planner"
    if not installed():
        assert "The staffing planner is not installed in this version." in texts(app.info)
        return
    app.selectbox(key="staff_site").set_value("east").run()
    app.multiselect(key="staff_roles").set_value(["pickers"]).run()
    app.selectbox(key="staff_kpi").set_value("on_time_delivery_pct").run()
    app.number_input(key="staff_value_on_time_delivery_pct").set_value(80.0).run()
    app.slider(key="staff_bounds_east.pickers").set_value((1, 4)).run()
    app.number_input(key="staff_reps").set_value(2).run()
    app.number_input(key="staff_max_reps").set_value(4).run()
    command = texts(app.code)
    assert "fsim staff" in command and "--pool east.pickers" in command
    assert "--target 'on_time_delivery_pct_east >= 80'" in command and "--bounds east.pickers=1..4" in command
    app.button(key="staff_run").click().run()
    assert not app.exception, [e.value for e in app.exception]
    recommended = re.search(r"Recommended: east\.pickers=(\d+)", texts(app.success))
    assert recommended, texts(app.error)
    # The confidence each look decided with, and what it gives over them all (2 and 4
    # replications: 2 looks at 0.975 for the stated 0.95).
    assert "97.5% confidence interval at every look (2, 4 replications), so with 97.5% one-sided" in texts(app.caption)
    # (kept in the user's own cache folder, not in the machine's shared temporary one)
    searches = list((tmp_path / "cache" / "fsim" / "ui-staff").glob("*/staffing.csv"))
    assert len(searches) == 1
    app.button(key="staff_use").click().run()  # the plan becomes the east pickers lever
    assert app.session_state["lever_values"] == {"warehouses.east.staff.pickers": int(recommended[1])} or \
        int(recommended[1]) == 3  # (3 is tiny's own count: no change to make)


def test_a_run_too_big_for_the_machine_is_refused_with_what_the_page_can_change(app):
    app.number_input(key="lever:demand.channels.web.orders_per_day").set_value(10_000_000.0).run()
    app.number_input(key="lever:horizon.days").set_value(60.0).run()
    app.switch_page("views/results.py").run()
    app.button(key="run").click().run()
    assert not app.exception, [e.value for e in app.exception]
    said = texts(app.error)
    assert "too big for this machine's memory" in said and "run fewer replications" in said
    # (not the command line's options, which the page does not have)
    assert "--no-size-check" not in said and "--workers" not in said


def test_too_few_people_for_the_demand_is_said_before_a_run(app):
    """The page warns as fsim validate does: east's pickers cut to 2 a shift cannot keep
    up with its demand (the run would report the pool saturated)."""
    assert "cannot keep up" not in texts(app.warning)
    for shift in ("day", "evening"):
        lever(app, f"warehouses.east.staff.pickers.{shift}").set_value(2).run()
    assert "warehouses.east.staff.pickers: picking takes about" in texts(app.warning)
    assert "cannot keep up" in texts(app.warning)


def test_the_change_count_is_the_changes_that_stand(app):
    """A method chosen and then left (wave, its waves picked by batch, back to single)
    leaves no change: the sidebar counted the hidden settings (2 changes, no --set)."""
    method = "lever:warehouses.east.picking.method"
    app.selectbox(key=method).set_value("wave").run()
    app.selectbox(key="lever:warehouses.east.picking.wave.within").set_value("batch").run()
    assert "--set" in texts(app.sidebar.code).replace("--set horizon", "")
    app.selectbox(key=method).set_value("single").run()
    assert "no changes on this page" in texts(app.sidebar.caption)
    assert "warehouses.east" not in texts(app.sidebar.code)


def test_quantities_show_as_many_decimals_as_they_have(app):
    """Days and orders a day read "35" and "1300", not "35.00" and "1300.00" (a planner
    found the page's numbers padded); the format is the page's, shown by the browser."""
    for path in ("horizon.days", "demand.channels.web.orders_per_day"):
        assert lever(app, path).proto.format == "%g", path
