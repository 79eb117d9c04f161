"""``fsim ui`` end to end in a real headless Chromium (Playwright): the server started
as a planner starts it, on a free loopback port; the east pickers changed, the scenario
run, and the KPIs shown checked against ``fsim run`` of the same scenario, overrides and
seed; a bad upload shown with its line; a screenshot of each page.

Playwright cannot download its own browser here: it drives the system's Chromium
(``apt-get install chromium``; ``FSIM_CHROMIUM`` names another executable). Without
one these tests are skipped, with that reason. Screenshots go to each test's output
folder (``test-results/``); ``FSIM_UI_SCREENSHOTS=docs/screenshots`` also writes them
there, for the README.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import warnings
from pathlib import Path

import pytest

# pytest-base-url's fixture, under pytest 9: not this project's to fix.
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestRemovedIn10Warning")



def skip_loudly(reason: str, module: bool = False) -> None:
    """Skip with the reason, and say it in the warnings summary too (``pytest -q`` shows
    a skip only as a count)."""
    warnings.warn(f"fsim ui browser tests skipped: {reason}", stacklevel=2)
    pytest.skip(reason, allow_module_level=module)


for _module, _extra in (("streamlit", "ui-test"), ("pytest_playwright", "ui-test")):
    if importlib.util.find_spec(_module) is None:
        skip_loudly(f"{_module} is not installed: pip install -e '.[{_extra}]'", module=True)

from playwright.sync_api import expect  # noqa: E402

from sim.experiment import scenario_sha256  # noqa: E402
from sim.scenario import load_scenario, with_seed  # noqa: E402
from sim.ui.staffing import installed  # noqa: E402

from .conftest import ROOT, SCENARIOS  # noqa: E402

CHROMIUM = os.environ.get("FSIM_CHROMIUM") or shutil.which("chromium")
BASELINE = "scenarios/baseline.yaml"  # as a planner types it, in the repository's root
# A small horizon keeps the test short; the README's screenshots show a longer one.
DOCS = bool(os.environ.get("FSIM_UI_SCREENSHOTS"))
DAYS, WARMUP, DRAIN = (10, 3, 14) if DOCS else (2, 1, 4)
SMALL = ["--set", f"horizon.days={DAYS}", "--set", f"horizon.warmup_days={WARMUP}",
         "--set", f"horizon.drain_days={DRAIN}"]
SEED, REPLICATIONS = 7, 3 if DOCS else 2
# KPIs of the east site read off the page and compared with fsim run's summary.json.
CHECKED = {"on-time delivery (%)": "on_time_delivery_pct_east",
           "lead time, mean (h)": "lead_time_hours_mean_east",
           "warehouse time, 95th percentile (h)": "warehouse_hours_p95_east",
           "pickers busy (% of on-duty time)": "utilization_pct_pickers_east"}
READY = ("() => !document.querySelector('[data-testid=stSkeleton]') && "
         "[...document.querySelectorAll('[data-testid=stVegaLiteChart]')]"
         ".every(c => c.querySelector('canvas, svg'))")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if CHROMIUM is None:
        skip_loudly("no Chromium found to drive (apt-get install chromium, or set FSIM_CHROMIUM); "
                    "Playwright cannot download its own browser here")
    return {**browser_type_launch_args, "executable_path": CHROMIUM}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1400, "height": 900}, "accept_downloads": True}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``fsim ui`` (as ``python -m sim ui``) on a free port, until the module's tests end."""
    port = free_port()
    log = tmp_path_factory.mktemp("ui") / "server.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "sim", "ui", BASELINE, *SMALL, "--port", str(port)],
                                cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                env={**os.environ, "XDG_CACHE_HOME": str(log.parent / "cache")})
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                if reply.read() == b"ok":
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"fsim ui did not start:\n{log.read_text()}")
        time.sleep(0.2)
    yield url, port
    proc.terminate()  # as a service manager stops it: the server goes with it, exit 0
    try:
        code = proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    assert code == 0, log.read_text()
    with socket.socket() as s:  # nothing listens on the port any more
        assert s.connect_ex(("127.0.0.1", port)) != 0


def settle(page) -> None:
    """Wait for the page to finish its run and draw every chart."""
    page.wait_for_timeout(150)  # a rerun starts after the event that asked for it
    page.locator("[data-testid=stStatusWidget]").wait_for(state="hidden", timeout=60_000)
    page.wait_for_function(READY, timeout=30_000)


def shoot(page, name: str, folder: Path) -> Path:
    """A screenshot of the whole page. The page scrolls inside its main section and
    draws charts only once they are in view, so the window is made as tall as the
    content, until the content stops growing."""
    height = 0
    for _ in range(10):
        now = page.evaluate("() => document.querySelector('[data-testid=stMain]').scrollHeight")
        if now == height:
            break
        height = now
        page.set_viewport_size({"width": 1400, "height": max(900, min(int(height), 8000))})
        page.wait_for_timeout(400)
        settle(page)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path))
    extra = os.environ.get("FSIM_UI_SCREENSHOTS")
    if extra:
        Path(extra).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, Path(extra) / path.name)
    page.set_viewport_size({"width": 1400, "height": 900})
    return path


def go(page, title: str) -> None:
    page.get_by_role("link", name=title).click()
    settle(page)


def set_number(page, key: str, value, shows: str) -> None:
    """Type ``value`` into the number box of widget ``key``; done when the sidebar's
    command line ``shows`` the change."""
    box = page.locator(f".st-key-{re.sub(r'[^A-Za-z0-9_-]', '-', key)} input")
    box.fill(str(value))
    box.press("Enter")
    expect(page.locator("[data-testid=stSidebar] [data-testid=stCode]")).to_contain_text(shows)
    settle(page)


def tables(page) -> list[dict[str, dict[str, str]]]:
    """The tables on the page, each as {row header: {column: text}}."""
    return page.evaluate("""() => [...document.querySelectorAll('[data-testid=stTable] table')].map(t => {
        const cols = [...t.querySelectorAll('thead th')].map(th => th.innerText.trim());
        const out = {};
        for (const tr of t.querySelectorAll('tbody tr')) {
            const cells = [...tr.querySelectorAll('th, td')].map(c => c.innerText.trim());
            out[cells[0]] = Object.fromEntries(cols.slice(1).map((c, i) => [c, cells[i + 1]]));
        }
        return out; })""")


def run_on_page(page) -> None:
    """Run what is not run yet: a progress bar, then the results."""
    page.get_by_role("button", name="Run", exact=True).click()
    page.locator("[data-testid=stProgress]").wait_for(timeout=30_000)
    page.get_by_text("KPIs", exact=True).wait_for(timeout=120_000)
    settle(page)


def cli_run(out: Path, east_day_pickers: int) -> subprocess.Popen:
    """``fsim run`` of what the page is asked to run (started now, read later)."""
    return subprocess.Popen(
        [sys.executable, "-m", "sim", "run", BASELINE, *SMALL,
         "--set", f"warehouses.east.staff.pickers.day={east_day_pickers}",
         "-r", str(REPLICATIONS), "--seed", str(SEED), "--outputs", "kpis", "-q", "-o", str(out)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def choose_option(page, key: str, option: str) -> None:
    page.locator(f".st-key-{key}").click()
    page.get_by_role("option", name=option, exact=True).click()
    settle(page)


def search_staff(page) -> None:
    """The east site's pickers and packers for 95% on time, three replications a plan."""
    choose_option(page, "staff_site", "east")
    page.get_by_text("confidence and effort").click()
    box = page.locator(".st-key-staff_reps input")
    box.fill("3")
    box.press("Enter")
    expect(page.locator("[data-testid=stMain] [data-testid=stCode]")).to_contain_text("-r 3")
    settle(page)
    page.get_by_role("button", name="Find the cheapest plan").click()
    page.get_by_text("Recommended:").or_(page.get_by_text("No plan within the bounds")).wait_for(
        timeout=900_000)
    settle(page)


def upload_bad_scenario(page, output_path) -> None:
    """A scenario with a negative head count, uploaded: the loader's message names the
    upload and the line."""
    text = (SCENARIOS / "baseline.yaml").read_text(encoding="utf-8")
    bad = text.replace("pickers: {day: 7, evening: 7}", "pickers: {day: -3, evening: 7}")
    line = next(i for i, ln in enumerate(bad.splitlines(), start=1) if "day: -3" in ln)
    page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(
        files=[{"name": "bad.yaml", "mimeType": "application/x-yaml", "buffer": bad.encode()}])
    error = page.locator("[data-testid=stMain] [data-testid=stAlertContentError]").first
    error.wait_for(timeout=30_000)
    settle(page)
    assert f"bad.yaml:{line} warehouses.east.staff.pickers.day: must be >= 0, got -3" in error.inner_text()
    shoot(page, "bad-upload", Path(output_path))


def test_change_run_check_against_the_cli_compare_plan_and_upload(page, server, output_path, tmp_path):
    """One planner's session (one page load: each costs seconds): the east pickers
    changed and run, the KPIs shown equal fsim run's, the report downloaded, a pinned
    run compared, the staffing page, and a bad scenario uploaded."""
    url, _ = server
    cli = cli_run(tmp_path / "cli", 5)
    page.goto(url)
    page.get_by_text("the levers").wait_for(timeout=60_000)
    settle(page)
    set_number(page, "lever:warehouses.east.staff.pickers.day", 5, "pickers.day=5")
    page.get_by_text("was 7: --set warehouses.east.staff.pickers.day=5").wait_for()
    shoot(page, "scenario", Path(output_path))
    with page.expect_download() as download:
        page.get_by_role("button", name="Download this scenario (YAML)").click()
    assert download.value.suggested_filename == "baseline-edited.yaml"  # (not over baseline.yaml)
    downloaded = tmp_path / "edited.yaml"
    download.value.save_as(downloaded)

    go(page, "Run and results")
    set_number(page, "reps_input", REPLICATIONS, f"-r {REPLICATIONS}")
    set_number(page, "seed_input", SEED, f"--seed {SEED}")
    run_on_page(page)
    shown = tables(page)[0]
    shoot(page, "results", Path(output_path))

    assert cli.wait(timeout=120) == 0, cli.stdout.read()
    summary = json.loads((tmp_path / "cli" / "summary.json").read_text())
    assert summary["seed"] == SEED and summary["replications"] == REPLICATIONS
    # The downloaded scenario is the one fsim run ran (its resolved scenario's hash, which
    # records the run's --seed).
    assert scenario_sha256(with_seed(load_scenario(downloaded), SEED)) == summary["scenario_sha256"]
    for label, name in CHECKED.items():
        entry = summary["kpis"][name]
        assert shown[label]["east"] == f"{entry['mean']:,.1f} [{entry['ci95_low']:,.1f}, {entry['ci95_high']:,.1f}]", label

    page.get_by_text("report with figures").click()  # the figures are tested with fsim report
    expect(page.get_by_role("checkbox", name="report with figures")).not_to_be_checked()
    settle(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the report (HTML)").click()
    report = Path(download.value.path()).read_text(encoding="utf-8")
    assert report.startswith("<!DOCTYPE html>") and "Run: baseline" in report

    page.get_by_role("button", name="Pin this run").click()
    page.get_by_text("Pinned: change a lever").wait_for()
    settle(page)
    go(page, "Scenario")
    set_number(page, "lever:warehouses.east.staff.pickers.day", 6, "pickers.day=6")
    go(page, "Run and results")
    run_on_page(page)
    go(page, "Compare with pinned")
    page.get_by_text("Paired on common random numbers").wait_for()
    changed = [t for t in tables(page) if "warehouses.east.staff.pickers.day" in t]
    assert changed == [{"warehouses.east.staff.pickers.day": {"pinned": "5", "current": "6"}}]
    shoot(page, "compare", Path(output_path))

    go(page, "Staffing planner")
    if DOCS and installed():  # the README's picture shows a search (minutes: not in the tests)
        search_staff(page)
    shoot(page, "staffing", Path(output_path))

    # A reload (or a bookmark) comes back to the choices: the page's address keeps them.
    page.reload()
    expect(page.locator("[data-testid=stSidebar] [data-testid=stCode]")).to_contain_text(
        f"pickers.day=6 -r {REPLICATIONS} --seed {SEED}", timeout=60_000)
    settle(page)

    go(page, "Scenario")
    # A small chance keeps its digits in its box ("%.4f" showed 0.00004 as 0.0000).
    page.get_by_role("tab", name="Picking per site").click()
    chance = "lever:warehouses.east.picking.error_prob_per_line"
    box = page.locator(f".st-key-{re.sub(r'[^A-Za-z0-9_-]', '-', chance)} input")
    assert box.input_value() == "0.003"
    set_number(page, chance, 0.00004, "error_prob_per_line=4e-05")
    assert box.input_value() == "0.00004"
    upload_bad_scenario(page, output_path)


def test_served_on_loopback_only(server):
    """Listening on 127.0.0.1 alone: another loopback address (127.0.0.2, which a
    server bound to every address would answer) is refused."""
    _, port = server
    with socket.create_connection(("127.0.0.1", port), timeout=5):
        pass
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.2", port), timeout=5):
        pass
