"""fsim staff end to end: exit codes and messages (infeasible: staff too few, or a
constraint that is not staff), the output files (recommended.yaml loads and sets what
was recommended; fsim report rebuilds the page), resuming (an interrupted search
reruns nothing that finished; a rerun reruns nothing), and the same answer on Dask."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from sim.cli import main
from sim.scenario import load_scenario
from sim.staffing import plan_staffing
from sim.sweep.task import run_task

from .conftest import SCENARIOS

MMC = str(SCENARIOS / "validation" / "mmc.yaml")
SHORT = ["--set", "horizon.days=2.3", "--set", "horizon.warmup_days=0.5", "--set", "horizon.drain_days=2"]
SHORT_SET = {"horizon.days": 2.3, "horizon.warmup_days": 0.5, "horizon.drain_days": 2}


def staff(*args):
    return main(["staff", MMC, *SHORT, "--executor", "serial", "-q", *args])


def test_staff_too_few_at_the_upper_bounds_is_exit_1(tmp_path, capsys):
    code = staff("--pool", "only.pickers", "--target", "pick_wait_hours_mean <= 0.03",
                 "--bounds", "only.pickers=1..4", "--out", str(tmp_path / "o"))
    err = capsys.readouterr().err
    assert code == 1, err
    # (4 pickers for an offered load of 4: saturated, which decides before the target)
    assert ("no plan within the bounds can be accepted: even at the upper bounds (only.pickers=4) "
            "only.pickers is saturated") in err
    assert "staff is the constraint" in err
    assert "--bounds only.pickers=1..8" in err


def test_a_busy_pool_that_is_not_planned_is_named(tmp_path, capsys):
    """Pickers planned with time to spare while the site's packers (not planned) are
    busy (packing 5 min an order for 4 packers: 83% of their time at 40 orders an
    hour): the message names the packers and says to plan them, not that staff is not
    the constraint (found by a new user: it sent the planner to the carrier's
    schedule)."""
    code = staff("--set", "warehouses.only.staff.packers=4",
                 "--set", "warehouses.only.packing.time_per_order_s=300",
                 "--pool", "only.pickers", "--target", "warehouse_hours_mean <= 0.05",
                 "--bounds", "only.pickers=6..9", "--out", str(tmp_path / "o"))
    err = capsys.readouterr().err
    assert code == 1, err
    assert "pools that are not planned may hold it back: only.packers:" in err
    assert "Plan them too (--pool only.packers)" in err
    assert "not staff" not in err


def test_a_constraint_that_is_not_staff_is_named(tmp_path, capsys):
    """One carrier pick-up a day at 17:00: a lead time of 2 hours is out of reach at
    any head count, and the pickers have time to spare."""
    code = staff("--set", "carriers.instant.pickup_times_h=[17]", "--pool", "only.pickers",
                 "--target", "lead_time_hours_mean <= 2", "--bounds", "only.pickers=6..9",
                 "--out", str(tmp_path / "o"))
    err = capsys.readouterr().err
    assert code == 1, err
    assert "the binding constraint is not staff: lead_time_hours_mean misses its target" in err
    assert "utilization_pct_pickers_only" in err
    assert "instant collects mon, tue, wed, thu, fri at 17:00" in err


@pytest.fixture(scope="module")
def searched(tmp_path_factory):
    out = tmp_path_factory.mktemp("staff") / "out"
    code = staff("--pool", "only.pickers", "--target", "pick_wait_hours_mean <= 0.03",
                 "--bounds", "only.pickers=3..7", "--out", str(out))
    return code, out


def test_outputs(searched, tmp_path):
    code, out = searched
    assert code == 0
    for name in ("staffing.csv", "staffing.json", "report.html", "frontier.png",
                 "recommended.yaml", "manifest.json", "base.resolved.yaml"):
        assert (out / name).exists(), name
    table = pd.read_csv(out / "staffing.csv")
    summary = json.loads((out / "staffing.json").read_text())
    best = summary["recommended"]
    assert table["recommended"].sum() == 1
    row = table[table["recommended"]].iloc[0]
    assert row["status"] == "accepted" and row["only.pickers"] == best["staff"]["only.pickers"]
    assert {"cost", "cost_per_week", "replications", "pick_wait_hours_mean_mean",
            "pick_wait_hours_mean_ci_high", "met_pick_wait_hours_mean",
            "utilization_pct_pickers_only"} <= set(table.columns)
    assert row["pick_wait_hours_mean_ci_high"] <= 0.03
    assert best["kpis"]["pick_wait_hours_mean"]["ci_high"] <= 0.03
    # recommended.yaml extends the input and loads as the input with the plan's pickers.
    text = (out / "recommended.yaml").read_text()
    assert "extends:" in text
    scenario = load_scenario(out / "recommended.yaml")
    assert scenario.warehouses["only"].staff.pickers == best["staff"]["only.pickers"]
    assert scenario.horizon.days == 2.3
    # fsim report rebuilds the page from the folder.
    assert main(["report", str(out), "--out", str(tmp_path / "page.html")]) == 0
    page = (tmp_path / "page.html").read_text()
    assert "Recommended: only.pickers=" in page and "data:image/png;base64" in page


def test_rerunning_the_same_search_runs_nothing(searched, capsys):
    code, out = searched
    before = sorted(p.name for p in (out / "tasks").iterdir())
    assert staff("--pool", "only.pickers", "--target", "pick_wait_hours_mean <= 0.03",
                 "--bounds", "only.pickers=3..7", "--out", str(out)) == 0
    assert "(0 run now, " in capsys.readouterr().err
    assert sorted(p.name for p in (out / "tasks").iterdir()) == before


def test_a_folder_of_another_search_is_refused(searched, capsys):
    _, out = searched
    assert main(["staff", MMC, *SHORT, "--set", "seed=2", "--pool", "only.pickers",
                 "--target", "pick_wait_hours_mean <= 0.03", "--out", str(out), "-q"]) == 2
    assert "holds a staffing search of another scenario, --set values" in capsys.readouterr().err


def test_an_interrupted_search_resumes_without_rerunning_finished_runs(searched, tmp_path):
    done = []

    def interrupted(task):
        if len(done) == 7:
            raise KeyboardInterrupt
        done.append(task.key)
        return run_task(task)

    kwargs = dict(overrides=SHORT_SET, bounds={"only.pickers": (3, 7)}, out=tmp_path / "o")
    target = ["pick_wait_hours_mean <= 0.03"]
    with pytest.raises(KeyboardInterrupt):
        plan_staffing(MMC, ["only.pickers"], target, task_fn=interrupted, **kwargs)
    assert len(list((tmp_path / "o" / "tasks").glob("*.json"))) == 7

    ran = []

    def counting(task):
        ran.append(task.key)
        return run_task(task)

    resumed = plan_staffing(MMC, ["only.pickers"], target, task_fn=counting, **kwargs)
    assert not set(ran) & set(done)
    assert resumed.runs_now == len(ran) == resumed.runs - 7
    again = plan_staffing(MMC, ["only.pickers"], target, task_fn=counting, **kwargs)
    assert again.runs_now == 0
    assert again.recommended.staff == resumed.recommended.staff

    # The same answer as the search never interrupted (``searched``, the same search).
    code, out = searched
    summary = json.loads((out / "staffing.json").read_text())
    assert resumed.recommended.staff == summary["recommended"]["staff"]
    assert resumed.runs == summary["search"]["runs"]


# --- every executor ---------------------------------------------------------------------------


def test_dask_gives_the_same_search(searched, tmp_path):
    """The search of ``searched`` (serial) again on a Dask LocalCluster: the same plans,
    replications and estimates (a run depends only on its plan, replication and seed)."""
    result = plan_staffing(MMC, ["only.pickers"], ["pick_wait_hours_mean <= 0.03"],
                           overrides=SHORT_SET, bounds={"only.pickers": (3, 7)},
                           out=tmp_path / "o", executor="dask", workers=2)
    a = pd.read_csv(searched[1] / "staffing.csv")
    b = pd.read_csv(result.out / "staffing.csv")
    pd.testing.assert_frame_equal(a, b)


def test_a_plan_that_saturates_a_pool_is_rejected_whatever_its_targets_say(tmp_path, capsys):
    """M/M/c with offered load 4: 2 to 4 pickers cannot keep up (the backlog grows to
    the end of the run), yet the mean pick wait of the orders they did pick stays
    under a loose target. Such a plan is rejected as saturated, and the cheapest plan
    recommended is one that keeps up (5 or more)."""
    out = tmp_path / "s"
    assert main(["staff", MMC, *SHORT, "--executor", "serial", "--pool", "only.pickers", "--target",
                 "pick_wait_hours_mean <= 1000", "--bounds", "only.pickers=2..7", "-o", str(out)]) == 0
    rows = pd.read_csv(out / "staffing.csv", keep_default_na=False)
    low = rows[rows["only.pickers"] <= 4]  # (4: offered load 4, utilisation ~100%)
    assert len(low) and (low["status"] == "rejected").all()
    assert (low["saturated"] == "only.pickers").all()
    # One line per plan decided, those rejected as saturated included.
    captured = capsys.readouterr()
    printed = captured.out + captured.err
    assert printed.count(": rejected (saturated: only.pickers)") == len(low)
    assert printed.count(": accepted") + printed.count(": rejected") == len(rows)
    best = rows[rows["recommended"]]
    assert int(best["only.pickers"].iloc[0]) >= 5 and best["saturated"].iloc[0] == ""
    # Nor is a saturated plan on the cost / service frontier (its means look too good).
    frontier = json.loads((out / "staffing.json").read_text())["frontier"]
    assert frontier and not set(frontier) & set(low["plan"])


def test_the_frontier_drawn_leaves_out_saturated_plans_as_the_frontier_listed_does():
    """frontier.png's line: a cheap saturated plan whose mean looks best (it is over the
    orders that got through) is not a step of it."""
    from types import SimpleNamespace

    from sim.staffing.report import _best_so_far

    def plan(cost, mean, saturated=()):
        est = SimpleNamespace(mean=mean)
        return SimpleNamespace(cost_per_week=cost, invalid=None, saturated=saturated,
                               targets=[SimpleNamespace(estimate=est)])
    plans = [plan(100, 0.2, ("east.pickers",)), plan(200, 0.9), plan(300, 0.5), plan(400, 0.6)]
    line = _best_so_far(plans, 0, False, lambda p: p.cost_per_week)
    assert line == [(200, 0.9), (300, 0.5), (400, 0.5)]


BASELINE = str(SCENARIOS / "baseline.yaml")
TWO_SITES_SHORT = {"horizon.days": 6, "horizon.warmup_days": 1, "horizon.drain_days": 4}


def _east_search(tmp_path, name, targets, west_pickers=None):
    overrides = dict(TWO_SITES_SHORT)
    if west_pickers is not None:
        overrides["warehouses.west.staff.pickers"] = west_pickers
    return plan_staffing(BASELINE, ["east.pickers"], targets, overrides=overrides,
                         bounds={"east.pickers": (3, 9)}, replications=2, max_replications=4,
                         out=tmp_path / name, figures=False)


def test_a_pool_saturated_at_a_site_the_targets_do_not_read_does_not_reject_the_plans(tmp_path, capsys):
    """West cut to one picker a shift (saturated) while east is planned for an east
    target: the sites share nothing without stock, so east's KPIs are those of the same
    search with west as shipped, replication by replication, and so is the answer. The
    saturated west is named on every plan (not held against it) and in a warning. A
    pooled target reads west too: there the same plans are rejected as saturated."""
    target = ["on_time_delivery_pct_east >= 90"]
    cut = _east_search(tmp_path, "cut", target, west_pickers=1)
    shipped = _east_search(tmp_path, "shipped", target)
    assert cut.recommended is not None and shipped.recommended is not None
    assert cut.recommended.staff == shipped.recommended.staff
    assert [p.staff for p in cut.plans] == [p.staff for p in shipped.plans]
    assert [t.estimate.mean for t in cut.recommended.targets] == \
        [t.estimate.mean for t in shipped.recommended.targets]
    assert all(p.saturated_elsewhere == ("west.pickers",) for p in cut.plans)
    assert not any(p.saturated_elsewhere for p in shipped.plans)
    assert all("west.pickers" not in p.saturated for p in cut.plans)
    rows = pd.read_csv(tmp_path / "cut" / "staffing.csv", keep_default_na=False)
    assert (rows["saturated_elsewhere"] == "west.pickers").all()

    pooled = _east_search(tmp_path, "pooled", ["on_time_delivery_pct >= 50"], west_pickers=1)
    assert pooled.recommended is None
    assert all("west.pickers" in p.saturated for p in pooled.plans)
    assert "west.pickers is saturated" in " ".join(pooled.diagnosis)
    assert "--pool west.pickers" in " ".join(pooled.diagnosis)


def test_the_cli_warns_of_a_pool_saturated_where_the_targets_do_not_look(tmp_path, capsys):
    args = ["staff", BASELINE, *[f"--set={k}={v}" for k, v in TWO_SITES_SHORT.items()],
            "--set", "warehouses.west.staff.pickers=1", "--pool", "east.pickers",
            "--target", "on_time_delivery_pct_east >= 90", "--bounds", "east.pickers=5..6",
            "-r", "2", "--executor", "serial", "--no-figures", "-o", str(tmp_path / "o")]
    assert main(args) == 0
    captured = capsys.readouterr()
    assert "east.pickers=5: accepted (west.pickers saturated: not at the targets' sites)" in captured.out + captured.err
    assert "warning: west.pickers saturated in some plans' runs" in captured.err


def test_the_recommended_scenario_runs_as_searched_with_another_seed(tmp_path):
    """`--seed 7` (not the scenario's): recommended.yaml carries it, so running the file
    gives the search's numbers for the plan (it gave the scenario's seed's)."""
    import sim

    out = tmp_path / "o"
    assert staff("--pool", "only.pickers", "--target", "pick_wait_hours_mean <= 0.03",
                 "--bounds", "only.pickers=6..6", "--seed", "7", "-r", "2", "--out", str(out)) == 0
    assert load_scenario(MMC).seed != 7
    scenario = load_scenario(out / "recommended.yaml")
    assert scenario.seed == 7
    best = json.loads((out / "staffing.json").read_text())["recommended"]
    rerun = sim.run(scenario, replications=best["replications"])
    assert rerun.summary["kpis"]["pick_wait_hours_mean"]["mean"] == pytest.approx(
        best["kpis"]["pick_wait_hours_mean"]["mean"], rel=1e-12)


def test_the_advice_to_raise_a_zero_upper_bound_raises_it(tmp_path, capsys):
    """Nobody at the upper bound: the advice doubled it ("--bounds only.pickers=0..0")."""
    code = staff("--pool", "only.pickers", "--target", "pick_wait_hours_mean <= 0.03",
                 "--bounds", "only.pickers=0..0", "--out", str(tmp_path / "o"))
    err = capsys.readouterr().err
    assert code == 1, err
    assert "--bounds only.pickers=0..1" in err and "=0..0" not in err


def _staff_short(scenario, tmp_path, capsys, *args) -> tuple[int, str]:
    """fsim staff on a short two-site horizon, 3 replications a plan, quietly: (exit
    code, stderr)."""
    code = main(["staff", str(scenario), *[f"--set={k}={v}" for k, v in TWO_SITES_SHORT.items()],
                 *args, "-r", "3", "--executor", "serial", "-q", "--no-figures",
                 "-o", str(tmp_path / "o")])
    return code, capsys.readouterr().err


def test_a_busy_pool_that_keeps_nobody_waiting_is_not_blamed(tmp_path, capsys):
    """East's packers are busy (over 65%) but parcels wait for them a few % of their time
    in the warehouse; on-time delivery of 99.5% is out of reach by transit times and
    pick-up days. The diagnosis blamed the packers (plan them too), and after following
    it said the constraint was not staff; it now says so at once."""
    code, err = _staff_short(BASELINE, tmp_path, capsys, "--pool", "east.pickers", "--target",
                             "on_time_delivery_pct_east >= 99.5", "--bounds", "east.pickers=5..8")
    assert code == 1
    assert "the binding constraint is not staff" in err
    assert "pools that are not planned may hold it back" not in err


def test_one_shift_planned_while_another_is_the_busy_one(tmp_path, capsys):
    """Day pickers planned, one picker on the evening shift: the pool is busy over its
    shifts, but more day pickers do not help (16 day pickers still miss 80% same-day;
    8 day and 3 evening meet it). The diagnosis said to raise the day's bounds only; it
    now names the evening shift not planned."""
    code, err = _staff_short(SCENARIOS / "picking" / "zone.yaml", tmp_path, capsys,
                             "--set", "warehouses.east.staff.packers=8",
                             "--set", "warehouses.east.staff.pickers.evening=1",
                             "--pool", "east.pickers.day", "--target", "same_day_ship_pct_east >= 80",
                             "--bounds", "east.pickers.day=6..8")
    assert code == 1
    assert "east.pickers.evening is not planned: plan it too (--pool east.pickers.evening)" in err


def test_help_lists_pool_and_target_as_required(capsys):
    """fsim staff --help listed --pool and --target among the optional arguments."""
    from sim.cli import main

    with pytest.raises(SystemExit):
        main(["staff", "--help"])
    text = capsys.readouterr().out
    required = text.split("required (each at least once):", 1)[1].split("\n\n", 1)[0]
    assert "--pool SITE.ROLE[.SHIFT]" in required and '--target "KPI OP VALUE"' in required
