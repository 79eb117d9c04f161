"""Paired comparisons: common random numbers narrow the interval of a difference; fsim
compare pairs run folders and scenario files the same way, labels runs by what differs,
shows KPIs per site or channel, and refuses a wrong KPI name with the closest ones."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

from sim.analysis import paired_difference, welch_difference
from sim.cli import main
from sim.experiment import replication_kpis_only

from .conftest import TINY, tiny

KPI = "pick_wait_hours_mean"


def test_pairing_narrows_the_interval_of_a_staffing_change(capsys):
    """East with one picker instead of three, 10 replications each. With the same seeds
    (common random numbers) the paired interval of the difference in pick wait is far
    narrower than Welch's interval from independent seeds, and finds the difference."""
    three, one = tiny(), tiny({"warehouses.east.staff.pickers": 1})
    a = [replication_kpis_only(three, r, 5)[KPI] for r in range(10)]
    same_seeds = [replication_kpis_only(one, r, 5)[KPI] for r in range(10)]
    other_seeds = [replication_kpis_only(one, r, 6)[KPI] for r in range(10)]
    paired = paired_difference(a, same_seeds)
    independent = welch_difference(a, other_seeds)
    factor = (independent.ci95_high - independent.ci95_low) / (paired.ci95_high - paired.ci95_low)
    with capsys.disabled():
        print(f"\n  pairing narrows the 95% CI of the pick-wait difference {factor:.1f}-fold "
              f"(paired ±{(paired.ci95_high - paired.ci95_low) / 2:.4f} h, "
              f"independent ±{(independent.ci95_high - independent.ci95_low) / 2:.4f} h)")
    assert paired.mean > 0 and paired.significant  # one picker: longer waits
    assert factor > 5
    # Pairing is valid only because the replications saw the same orders.
    assert [replication_kpis_only(three, r, 5)["orders_placed"] for r in range(3)] == \
        [replication_kpis_only(one, r, 5)["orders_placed"] for r in range(3)]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Run folders: A (west 2 pickers), B (1 picker) with the same seed; C like A with
    another seed."""
    root = tmp_path_factory.mktemp("cmp")
    scenario = root / "tiny.yaml"
    scenario.write_text(yaml.safe_dump(TINY, sort_keys=False))
    folders = {}
    for name, extra in (("A", []), ("B", ["--set", "warehouses.west.staff.pickers=1"]),
                        ("C", ["--seed", "10"])):
        folders[name] = root / name
        args = ["run", str(scenario), "-r", "4", "--out", str(folders[name]), "--quiet",
                "--no-figures", *extra]
        if name != "C":
            args += ["--seed", "9"]
        assert main(args) == 0
    return scenario, folders


def _per_rep(folder, kpi):
    return json.loads((folder / "summary.json").read_text())["kpis"][kpi]["per_replication"]


def test_compare_pairs_folders_with_the_same_seed(runs, tmp_path, capsys):
    _, f = runs
    out = tmp_path / "cmp"
    assert main(["compare", str(f["A"]), str(f["B"]), "--kpi", KPI, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "west.pickers=2" in printed and "west.pickers=1" in printed  # labelled by what differs
    assert "paired" in printed and "cannot pair" not in printed
    row = pd.read_csv(out / "comparison.csv").iloc[0]
    a, b = _per_rep(f["A"], KPI), _per_rep(f["B"], KPI)
    ci = stats.ttest_rel(b, a).confidence_interval(0.95)
    assert bool(row["paired"]) and row["n"] == 4
    assert row["diff_mean"] == pytest.approx(sum(b) / 4 - sum(a) / 4)
    assert (row["diff_ci95_low"], row["diff_ci95_high"]) == pytest.approx((ci.low, ci.high), rel=1e-3)
    assert (out / "comparison.png").read_bytes()[:4] == b"\x89PNG"
    meta = json.loads((out / "comparison.json").read_text())
    assert meta["differences"] == [["warehouses.west.staff.pickers", 2, 1]]


def test_compare_says_why_it_cannot_pair(runs, tmp_path, capsys):
    _, f = runs
    out = tmp_path / "cmp"
    assert main(["compare", str(f["A"]), str(f["C"]), "--kpi", KPI, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "cannot pair" in printed and "seeds differ" in printed
    # (labelled by what differs: the seed, which each resolved scenario records)
    assert "seed=9 " in printed and "seed=10 " in printed
    row = pd.read_csv(out / "comparison.csv").iloc[0]
    assert not bool(row["paired"])
    want = welch_difference(_per_rep(f["A"], KPI), _per_rep(f["C"], KPI))
    assert row["diff_ci95_low"] == pytest.approx(want.ci95_low)


def test_compare_scenario_files_runs_them_paired(runs, tmp_path, capsys):
    """Scenario files run with common random numbers give the same per-replication
    values, and so the same paired difference, as the run folders made by fsim run."""
    scenario, f = runs
    out = tmp_path / "cmp"
    assert main(["compare", str(scenario), str(scenario), "--set-b",
                 "warehouses.west.staff.pickers=1", "-r", "4", "--seed", "9", "--kpi", KPI,
                 "--kpi", "lead_time_hours_mean", "--out", str(out)]) == 0
    for side, folder in (("a", f["A"]), ("b", f["B"])):
        for kpi in (KPI, "lead_time_hours_mean"):
            assert _per_rep(out / side, kpi) == pytest.approx(_per_rep(folder, kpi))
    summary = json.loads((out / "b" / "summary.json").read_text())
    assert summary["provenance"]["overrides"] == {"warehouses.west.staff.pickers": 1}
    from_files = pd.read_csv(out / "comparison.csv")
    out2 = tmp_path / "cmp2"
    assert main(["compare", str(f["A"]), str(f["B"]), "--kpi", KPI, "--kpi",
                 "lead_time_hours_mean", "--out", str(out2)]) == 0
    pd.testing.assert_frame_equal(from_files, pd.read_csv(out2 / "comparison.csv"))
    # The comparison's own sub-runs can be compared again, as run folders.
    assert main(["compare", str(out / "a"), str(out / "b"), "--kpi", KPI]) == 0


def test_compare_of_scenario_files_refuses_a_users_folder_where_it_writes_a_run(runs, tmp_path, capsys):
    """Given scenario files, fsim compare wrote its a/ run folder into a folder a/ of
    the user's, beside their files (researcher audit); fsim run refuses such a folder."""
    scenario, _ = runs
    out = tmp_path / "cmp"
    (out / "a").mkdir(parents=True)
    (out / "a" / "notes.txt").write_text("mine")
    args = ["compare", str(scenario), str(scenario), "-r", "2", "--kpi", KPI, "--out", str(out), "-w", "1"]
    assert main(args) == 2
    assert "a/ holds files fsim compare does not write (e.g. notes.txt)" in capsys.readouterr().err
    assert sorted(p.name for p in out.rglob("*")) == ["a", "notes.txt"]
    (out / "a" / "notes.txt").unlink()
    assert main(args) == 0  # (an empty a/, or an earlier comparison's, is written into)
    assert main([*args, "--overwrite"]) == 0


def test_compare_by_site(runs, tmp_path, capsys):
    _, f = runs
    out = tmp_path / "cmp"
    assert main(["compare", str(f["A"]), str(f["B"]), "--by", "site", "--kpi",
                 "utilization_pct_pickers", "--out", str(out)]) == 0
    table = pd.read_csv(out / "comparison.csv")
    assert table["site"].tolist() == ["all", "west", "east"]  # the pooled KPI, then each site
    west = table[table["site"] == "west"].iloc[0]
    a = _per_rep(f["A"], "utilization_pct_pickers_west")
    assert west["mean_a"] == pytest.approx(sum(a) / 4)
    assert west["diff_mean"] > 0 and bool(west["significant"])  # one picker: busier
    east = table[table["site"] == "east"].iloc[0]
    assert east["diff_mean"] == pytest.approx(0.0) and not bool(east["significant"])
    printed = capsys.readouterr().out
    assert "west" in printed and "east" in printed


def _fake_run(folder, seed, values):
    """A run folder with per-channel KPIs, as the model will write them."""
    folder.mkdir()
    kpis = {name: {"mean": sum(v) / len(v), "ci95_low": None, "ci95_high": None,
                   "per_replication": v} for name, v in values.items()}
    (folder / "summary.json").write_text(json.dumps(
        {"scenario": "shop", "seed": seed, "replications": 3, "kpis": kpis}))
    resolved = {"name": "shop", "demand": {"channels": {"web": {}, "marketplace": {}}},
                "warehouses": {"west": {"staff": {"pickers": 5 if "b" in folder.name else 4}}}}
    (folder / "scenario.resolved.yaml").write_text(yaml.safe_dump(resolved, sort_keys=False))


def test_compare_by_channel(tmp_path, capsys):
    _fake_run(tmp_path / "a", 1, {"on_time_delivery_pct": [90, 91, 92],
                                  "on_time_delivery_pct_web": [88, 90, 91],
                                  "on_time_delivery_pct_marketplace": [95, 93, 94]})
    _fake_run(tmp_path / "b", 1, {"on_time_delivery_pct": [93, 94, 95],
                                  "on_time_delivery_pct_web": [92, 94, 95],
                                  "on_time_delivery_pct_marketplace": [95, 93, 94.5]})
    out = tmp_path / "cmp"
    assert main(["compare", str(tmp_path / "a"), str(tmp_path / "b"), "--by", "channel",
                 "--kpi", "on_time_delivery_pct", "--out", str(out)]) == 0
    table = pd.read_csv(out / "comparison.csv")
    assert table["channel"].tolist() == ["all", "web", "marketplace"]
    assert table["diff_mean"].tolist() == pytest.approx([3.0, 4.0, 0.5 / 3])
    web = paired_difference([88, 90, 91], [92, 94, 95])
    assert table.loc[1, "diff_ci95_low"] == pytest.approx(web.ci95_low)
    assert "west.pickers=4" in capsys.readouterr().out


@pytest.mark.parametrize("kpis", [["lead_time_p95"], ["lead_time_hours_mean", "lead_time_p95"]])
def test_a_wrong_kpi_exits_2_with_close_names(runs, kpis, capsys):
    _, f = runs
    args = ["compare", str(f["A"])]
    for k in kpis:
        args += ["--kpi", k]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "--kpi lead_time_p95: no such KPI; did you mean lead_time_hours_p95" in err
    assert "Traceback" not in err and "KeyError" not in err


def test_folders_and_files_are_not_mixed(runs, capsys):
    scenario, f = runs
    assert main(["compare", str(f["A"]), str(scenario)]) == 2
    assert "not both" in capsys.readouterr().err


def test_runs_with_different_replication_counts_pair_the_common_ones(tmp_path, capsys):
    _fake_run(tmp_path / "a", 1, {"on_time_delivery_pct": [90, 91, 92]})
    _fake_run(tmp_path / "b", 1, {"on_time_delivery_pct": [93, 95, 94, 99]})
    summary = json.loads((tmp_path / "b" / "summary.json").read_text())
    summary["replications"] = 4
    (tmp_path / "b" / "summary.json").write_text(json.dumps(summary))
    out = tmp_path / "cmp"
    assert main(["compare", str(tmp_path / "a"), str(tmp_path / "b"), "--kpi",
                 "on_time_delivery_pct", "--out", str(out)]) == 0
    assert "paired over the first 3" in capsys.readouterr().out
    row = pd.read_csv(out / "comparison.csv").iloc[0]
    assert row["n"] == 3 and row["diff_mean"] == pytest.approx(3.0)
    # Each run's mean is over all its replications, as the table shows it (comparison.csv
    # gave B's over the pairs only: 94, where the table said 95.25).
    assert row["mean_a"] == pytest.approx(91.0) and row["mean_b"] == pytest.approx(95.25)


def test_scenario_files_compared_say_what_a_run_says(runs, tmp_path, capsys):
    """Comparing scenario files writes the same summary and tidy kpis.csv as fsim run:
    a site with nobody picking is saturated, its percentiles censored (a lower bound,
    never a value), and the table and warnings say so."""
    scenario, _ = runs
    out = tmp_path / "cmp"
    assert main(["compare", str(scenario), str(scenario), "-r", "2", "--seed", "9", "--out", str(out),
                 "--set-b", "warehouses.east.staff.pickers=0", "--kpi", "lead_time_hours_p95",
                 "--csv", str(tmp_path / "means.csv")]) == 0
    printed = capsys.readouterr()
    b = json.loads((out / "b" / "summary.json").read_text())
    assert b["saturated_pools"] == {"east.pickers": 2}
    entry = b["kpis"]["lead_time_hours_p95"]
    assert entry["censored"] is True and entry["mean"] is None and entry["lower_bound"] > 0
    assert "(censored)" in printed.out and "saturated staff pools" in printed.err
    tidy = pd.read_csv(out / "b" / "kpis.csv")
    assert list(tidy.columns) == ["replication", "name", "kpi", "site", "channel", "value", "censored",
                                  "lower_bound"]
    row = tidy[tidy["name"] == "lead_time_hours_p95"]
    assert row["censored"].all() and row["value"].isna().all() and (row["lower_bound"] > 0).all()
    a = json.loads((out / "a" / "summary.json").read_text())
    assert a["saturated_pools"] == {} and a["kpis"]["lead_time_hours_p95"]["mean"] > 0
    # A KPI censored in either run has no difference (not one of its uncensored replications).
    row = pd.read_csv(out / "comparison.csv").set_index("kpi").loc["lead_time_hours_p95"]
    assert np.isnan(row["diff_mean"]) and np.isnan(row["mean_b"]) and row["n"] == 0
    assert not row["significant"]
    # Its lower bound is written, as the console shows it, and the report shows it too
    # (it showed "–", as for a KPI with no value).
    assert row["lower_bound_b"] == pytest.approx(entry["lower_bound"]) and np.isnan(row["lower_bound_a"])
    from sim.html_report import build_report
    page = build_report(out)
    assert "&gt; " in page and "(censored)" in page
    means = pd.read_csv(tmp_path / "means.csv").set_index("run")["lower_bound"]
    assert np.isnan(means.iloc[0]) and means.iloc[1] == pytest.approx(entry["lower_bound"])


def test_compare_scenario_files_keeps_the_models_warnings(tmp_path, capsys):
    """The model's warnings (parcels fitting no box, returns still on their way back):
    `fsim run` gives them; `fsim compare` of scenario files printed none and wrote none in
    each side's summary.json, though the README says each side's summary is what fsim
    run writes."""
    scenario = tmp_path / "tiny.yaml"
    scenario.write_text(yaml.safe_dump(TINY, sort_keys=False))
    run_dir, cmp_dir = tmp_path / "run", tmp_path / "cmp"
    assert main(["run", str(scenario), "-r", "2", "--seed", "4", "--outputs", "kpis", "-q",
                 "--out", str(run_dir)]) == 0
    assert main(["compare", str(scenario), str(scenario), "--set-b", "warehouses.west.staff.pickers=1",
                 "-r", "2", "--seed", "4", "--out", str(cmp_dir)]) == 0
    printed = capsys.readouterr()
    ran = json.loads((run_dir / "summary.json").read_text())["warnings"]
    side_a = json.loads((cmp_dir / "a" / "summary.json").read_text())["warnings"]
    assert any("still on their way back" in w for w in ran)
    assert side_a == ran
    assert "still on their way back" in printed.out + printed.err


def test_an_interrupted_comparison_is_not_taken_for_a_finished_one(tmp_path, monkeypatch, capsys):
    """Ctrl-C while the comparison's files are written left comparison.csv (its mark)
    without comparison.png: the same command was then refused ("already holds a
    comparison"). comparison.csv is now written last."""
    import sim.paired

    scenario = tmp_path / "tiny.yaml"
    scenario.write_text(yaml.safe_dump(TINY, sort_keys=False))
    out = tmp_path / "cmp"
    args = ["compare", str(scenario), str(scenario), "-r", "2", "--set-b", "warehouses.west.staff.pickers=1",
            "--out", str(out), "--kpi", "lead_time_hours_mean"]

    def interrupted(*_a, **_k):
        raise KeyboardInterrupt
    with monkeypatch.context() as m:
        m.setattr(sim.paired, "differences_figure", interrupted)
        assert main(args) == 130
    assert not (out / "comparison.csv").exists()
    assert main(args) == 0  # the same command finishes it
    assert (out / "comparison.csv").exists() and (out / "comparison.png").exists()


def test_an_interrupted_comparison_of_scenario_files_says_nothing_was_kept(tmp_path, monkeypatch, capsys):
    """It said only "interrupted" and left an empty results/compare/<A>-vs-<B>/<time>/."""
    import sim.paired

    scenario = tmp_path / "tiny.yaml"
    scenario.write_text(yaml.safe_dump(TINY, sort_keys=False))
    monkeypatch.chdir(tmp_path)

    def interrupted(*_a, **_k):
        raise KeyboardInterrupt
    monkeypatch.setattr(sim.paired, "run_alternatives", interrupted)
    assert main(["compare", str(scenario), str(scenario), "-r", "2"]) == 130
    assert "keeps no partial runs of scenario files; run the same command again" in capsys.readouterr().err
    assert list((tmp_path / "results" / "compare" / "tiny-vs-tiny").iterdir()) == []
    mine = tmp_path / "mine"
    mine.mkdir()  # a folder the user made stays, empty or not
    assert main(["compare", str(scenario), str(scenario), "-r", "2", "--out", str(mine)]) == 130
    assert mine.is_dir()


def test_the_star_legend_is_printed_only_under_a_star(runs, capsys):
    """Two identical runs (every difference 0 [0, 0]) showed the legend of a * no row had."""
    _, f = runs
    assert main(["compare", str(f["A"]), str(f["A"]), "--kpi", KPI]) == 0
    printed = capsys.readouterr().out
    assert "*" not in printed and "excludes 0" not in printed
    assert main(["compare", str(f["A"]), str(f["B"]), "--kpi", KPI]) == 0
    printed = capsys.readouterr().out
    significant = pd.Series([" *" in line for line in printed.splitlines()]).any()
    assert ("excludes 0" in printed) == significant


def test_the_differences_figure_says_why_a_row_has_no_difference_and_colours_by_direction(tmp_path, monkeypatch):
    """comparison.png left a row blank for a censored KPI, an undefined one and a KPI
    whose A mean is 0, and coloured every significant change red, better or worse."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.axes

    from sim.paired import differences_figure

    texts, points, colours, ylims = [], [], [], []
    real_text, real_plot = matplotlib.axes.Axes.text, matplotlib.axes.Axes.plot
    real_ylim = matplotlib.axes.Axes.set_ylim
    monkeypatch.setattr(matplotlib.axes.Axes, "text",
                        lambda self, x, y, s, *a, **k: texts.append(s) or colours.append(k.get("color"))
                        or real_text(self, x, y, s, *a, **k))
    monkeypatch.setattr(matplotlib.axes.Axes, "set_ylim",
                        lambda self, *a, **k: ylims.append(a) or real_ylim(self, *a, **k))
    monkeypatch.setattr(matplotlib.axes.Axes, "plot",
                        lambda self, *a, **k: points.append((a, k)) or real_plot(self, *a, **k))
    nan = float("nan")
    table = pd.DataFrame([
        # kpi, mean_a, mean_b, lower_bound_a, lower_bound_b, diff, low, high, significant
        ("lead_time_hours_p95", 150.0, nan, nan, 640.0, nan, nan, nan, False),
        ("pick_travel_m_per_order", nan, nan, nan, nan, nan, nan, nan, False),
        ("saturated_pools", 0.0, 1.0, nan, nan, 1.0, 1.0, 1.0, True),
        ("on_time_delivery_pct", 97.0, 44.0, nan, nan, -53.0, -54.0, -52.0, True),
        ("picks_per_busy_picker_hour", 20.0, 30.0, nan, nan, 10.0, 9.0, 11.0, True),
    ], columns=["kpi", "mean_a", "mean_b", "lower_bound_a", "lower_bound_b", "diff_mean",
                "diff_ci95_low", "diff_ci95_high", "significant"]).assign(
        run_a="a", run_b="b", n=3, paired=True)
    differences_figure(table, None, tmp_path / "comparison.png")
    notes = [t.strip() for t in texts]
    assert "censored (B: > 640)" in notes
    assert "no value in either run" in notes
    # Significant, and worse (saturated_pools: lower is better): said so, in red (a check
    # from outside found the worst change of a comparison drawn in grey, as if nothing).
    assert "A is 0, B is 1: no relative difference; the difference is significant" in notes
    assert colours[notes.index("A is 0, B is 1: no relative difference; the difference is significant")] == "tab:red"
    assert colours[notes.index("no value in either run")] == "0.35"
    import matplotlib.pyplot as plt

    assert ylims[-1][0] < -0.5  # the bottom row clear of the x axis
    plt.close("all")
    dots = {round(a[0][0]): k.get("color") for a, k in points if len(a) == 3 and a[2] == "o"}
    assert dots == {round(100 * -53 / 97): "tab:red", 50: "tab:green"}


def test_a_site_only_one_run_has_stays_in_the_comparison_with_the_others_mean_empty():
    """A 3-site run against a 4-site run: comparison.csv left the fourth site's rows out
    while the terminal showed them."""
    from sim.paired import RunData, comparison_rows

    def run(label, kpis):
        return RunData(label, {"seed": 1, "kpis": {k: {"per_replication": v} for k, v in kpis.items()}},
                       None, label)
    a = run("three", {"lead_time_hours_mean_west": [90.0, 92.0]})
    b = run("four", {"lead_time_hours_mean_west": [91.0, 93.0], "lead_time_hours_mean_penn": [70.0, 74.0]})
    rows = [("lead_time_hours_mean", site, f"lead_time_hours_mean_{site}") for site in ("west", "penn", "nowhere")]
    table, _ = comparison_rows([a, b], rows, "site")
    table = table.set_index("site")
    assert list(table.index) == ["west", "penn"]  # (a site neither run has: no row)
    assert table.loc["west", "diff_mean"] == 1.0
    penn = table.loc["penn"]
    assert math.isnan(penn["mean_a"]) and penn["mean_b"] == 72.0 and math.isnan(penn["diff_mean"])
    assert not penn["significant"]


def test_a_run_folder_given_twice_gets_two_columns(tmp_path):
    """fsim compare A A showed one mean column: both runs had the same label."""
    from sim.cli import main
    from sim.compare import run_labels

    scenario = tmp_path / "tiny.yaml"
    scenario.write_text(yaml.safe_dump(TINY, sort_keys=False))
    folder = tmp_path / "run"
    assert main(["run", str(scenario), "-r", "2", "-o", str(folder), "-q", "--outputs", "kpis"]) == 0
    labels = run_labels([folder, folder])
    assert len(set(labels)) == 2 and labels == ["tiny (run) #1", "tiny (run) #2"]
