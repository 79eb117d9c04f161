"""fsim warmup on a run whose transient is known, fsim run --precision, and the
self-contained report.html of a run, a comparison and a sweep."""

from __future__ import annotations

import base64
import json
import re

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.cli import main
from sim.warmup import analyse_run

from .conftest import TINY


def _fake_run(folder, transient_days: int, days: int = 60):
    """A run folder whose daily mean lead time is 60 h too high for its first
    ``transient_days`` days, with only the order columns the warm-up needs."""
    folder.mkdir()
    rng = np.random.default_rng(3)
    rows = []
    for replication in range(2):
        placed = np.repeat(np.arange(days), 50) * 24.0 + rng.uniform(0, 24, days * 50)
        lead = 100 + rng.normal(0, 10, days * 50) + np.where(placed < transient_days * 24, 60, 0)
        rows.append(pd.DataFrame({"replication": replication, "placed_h": placed,
                                  "lead_time_h": lead, "status": "delivered"}))
    pd.concat(rows).to_parquet(folder / "orders.parquet")
    (folder / "summary.json").write_text(json.dumps(
        {"scenario": "fake", "horizon_days": days, "warmup_days": 5, "replications": 2, "kpis": {}}))


def test_warmup_finds_a_known_transient(tmp_path, capsys):
    _fake_run(tmp_path / "run", transient_days=12)
    report = analyse_run(tmp_path / "run")
    # The transient is removed (its last days share the third 5-day batch), and not much
    # more: past it, MSER's choice among 5-day batches is noise.
    assert 10 <= report.suggested_days <= 25
    assert not report.warmup_enough and report.long_enough
    assert main(["warmup", str(tmp_path / "run")]) == 0
    out = capsys.readouterr().out
    assert "the configured warm-up is too short" in out and "--set horizon.warmup_days=" in out
    assert "the run is long enough" in out
    assert (tmp_path / "run" / "warmup_lead_time_hours_mean.png").read_bytes()[:4] == b"\x89PNG"


def test_warmup_says_when_a_run_never_settles(tmp_path, capsys):
    _fake_run(tmp_path / "run", transient_days=33)  # of 60
    assert main(["warmup", str(tmp_path / "run")]) == 0
    assert "not long enough to tell" in capsys.readouterr().out


def test_a_run_too_short_to_see_a_late_settling_is_not_called_long_enough(tmp_path, capsys):
    """35 days at MSER-5 are 7 batches: no truncation in the second half keeps the five
    batches a late minimum needs, so a series that settles late cannot be seen: the
    verdict says so instead of "long enough". By hand, the series settles only at its
    sixth batch (MSER there is a thousandth of the first half's minimum)."""
    from sim.analysis import mser

    late = mser(np.repeat([18.93, 24.34, 28.62, 26.18, 17.0, 28.86, 28.73], 5))
    assert late.long_enough and not late.late_checked
    assert late.statistic[5] < late.statistic[:4].min() / 1000
    assert mser(np.zeros(50)).late_checked  # (10 batches: a late minimum can be seen)
    _fake_run(tmp_path / "run", transient_days=8, days=45)  # (9 batches)
    assert main(["warmup", str(tmp_path / "run")]) == 0
    out = capsys.readouterr().out
    assert "too short to tell whether the run is long enough" in out and "run 50 days or more" in out
    assert "  the run is long enough" not in out


def test_warmup_of_a_saturated_run_says_it_has_no_steady_state(tmp_path, capsys):
    """Its daily series is over the orders that got through: it looks settled (here
    flat), and the warm-up and the run must not be judged long enough."""
    _fake_run(tmp_path / "run", transient_days=0)
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    summary["saturated_pools"] = {"east.pickers": 2}
    (tmp_path / "run" / "summary.json").write_text(json.dumps(summary))
    assert main(["warmup", str(tmp_path / "run")]) == 0
    out = capsys.readouterr().out
    assert "no steady state" in out and "east.pickers (in 2 of 2 replications)" in out
    assert "long enough" not in out


def test_the_warmup_figure_draws_the_second_half_where_the_verdict_reads_it(tmp_path, monkeypatch):
    """The band of the second half starts at the first truncation point the verdict
    counts as late (d = ceil(k / 2)), not one batch earlier, where the suggested warm-up
    could be drawn inside it; and where too few batches are left for a late minimum to
    count, the figure says so instead of "too short if the minimum is here"."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.axes

    from sim.warmup import analyse_run, warmup_figure

    spans = []
    real = matplotlib.axes.Axes.axvspan
    monkeypatch.setattr(matplotlib.axes.Axes, "axvspan",
                        lambda self, a, b, **k: spans.append((a, k.get("label", ""))) or real(self, a, b, **k))
    _fake_run(tmp_path / "run", transient_days=8, days=60)  # 12 batches of 5 days
    report = analyse_run(tmp_path / "run")
    warmup_figure(report, tmp_path / "w.png")
    # d = 6..7 (30 to 35 days): a late minimum there counts; from d = 8 (40 days, fewer
    # than 5 batches left) it does not: drawn as such, not as "too short if here".
    assert [a for a, label in spans if label.startswith("second half: a minimum here")] == [30.0]
    assert [a for a, label in spans if label.startswith("second half with fewer than 5")] == [40.0]
    assert report.suggested_days < 30.0 and report.long_enough
    spans.clear()
    _fake_run(tmp_path / "short", transient_days=0, days=20)  # 4 batches: no late minimum counts
    warmup_figure(analyse_run(tmp_path / "short"), tmp_path / "s.png")
    assert [label.split(":")[0] for _, label in spans if label] == ["second half with fewer than 5 batches left"]


def test_warmup_errors(tmp_path, capsys):
    _fake_run(tmp_path / "run", transient_days=0, days=12)
    assert main(["warmup", str(tmp_path / "run")]) == 2
    assert "MSER-5 needs at least 15" in capsys.readouterr().err
    assert main(["warmup", str(tmp_path / "run"), "--kpi", "lead_time"]) == 2
    assert "did you mean lead_time_hours_mean" in capsys.readouterr().err


def test_warmup_says_when_days_without_orders_were_left_out_and_when_nothing_was_delivered(
        tmp_path, capsys):
    """Weekends without orders were dropped before batching while the output spoke of
    batches of calendar days; a run that delivered nothing was told to run longer."""
    _fake_run(tmp_path / "run", transient_days=12)
    orders = pd.read_parquet(tmp_path / "run" / "orders.parquet")
    weekend = (orders["placed_h"] // 24) % 7 >= 5
    orders[~weekend].to_parquet(tmp_path / "run" / "orders.parquet")
    assert main(["warmup", str(tmp_path / "run")]) == 0
    out = capsys.readouterr().out
    assert "100 days with a value or more give a firmer one" in out
    assert "note: 16 days had no value (no order placed then) and were left out" in out
    orders["status"] = "lost"
    orders["lead_time_h"] = np.nan
    orders.to_parquet(tmp_path / "run" / "orders.parquet")
    assert main(["warmup", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert "no day has a value" in err and "run longer" not in err


@pytest.mark.parametrize(("plot", "words"), [
    ("nodir/w.png", "no such folder"),
    ("w.txt", "must end in .png, .pdf, .svg"),
    ("run", "is a folder; give a file name"),
])
def test_a_bad_plot_path_is_refused_before_the_analysis(tmp_path, capsys, plot, words):
    _fake_run(tmp_path / "run", transient_days=5)
    assert main(["warmup", str(tmp_path / "run"), "--plot", str(tmp_path / plot)]) == 2
    err = capsys.readouterr().err
    assert f"--plot {tmp_path / plot}" in err and words in err and "internal error" not in err


@pytest.fixture(scope="module")
def tiny_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("tiny") / "tiny.yaml"
    path.write_text(yaml.safe_dump(TINY, sort_keys=False))
    return path


def test_run_to_precision_is_a_plain_run_of_the_replications_it_needed(tiny_file, tmp_path, capsys):
    out = tmp_path / "prec"
    assert main(["run", str(tiny_file), "--precision", "0.015", "--kpi", "lead_time_hours_mean",
                 "--max-replications", "20", "-w", "2", "--seed", "4", "--out", str(out),
                 "--no-figures"]) == 0
    assert "precision ±1.5% of the mean reached with" in capsys.readouterr().err
    summary = json.loads((out / "summary.json").read_text())
    n = summary["replications"]
    assert summary["precision"]["replications"] == n and 3 < n <= 20
    entry = summary["kpis"]["lead_time_hours_mean"]
    assert (entry["ci95_high"] - entry["ci95_low"]) / 2 <= 0.015 * entry["mean"]
    plain = tmp_path / "plain"
    assert main(["run", str(tiny_file), "-r", str(n), "--seed", "4", "--out", str(plain),
                 "--no-figures", "-q"]) == 0
    pd.testing.assert_frame_equal(pd.read_csv(out / "kpis.csv"), pd.read_csv(plain / "kpis.csv"))


def test_precision_needs_a_kpi(tiny_file, tmp_path, capsys):
    assert main(["run", str(tiny_file), "--precision", "0.05", "--out", str(tmp_path / "o")]) == 2
    assert "--precision needs --kpi" in capsys.readouterr().err


def _check_self_contained(page: str) -> None:
    assert page.startswith("<!DOCTYPE html>")
    assert not re.search(r"https?://", page)
    assert "<script" not in page and "<link" not in page and "@import" not in page
    images = re.findall(r'<img [^>]*src="([^"]+)"', page)
    assert images
    for src in images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"


def test_report_of_a_run(tiny_file, tmp_path):
    out = tmp_path / "run"
    assert main(["run", str(tiny_file), "-r", "2", "--seed", "21", "--out", str(out), "-q",
                 "--set", "warehouses.west.staff.pickers=3"]) == 0
    assert main(["report", str(out)]) == 0
    page = (out / "report.html").read_text()
    _check_self_contained(page)
    summary = json.loads((out / "summary.json").read_text())
    assert "<h1>Run: tiny</h1>" in page and ">21<" in page
    assert "lead_time_hours_mean" in page and "scenario.resolved.yaml" in page
    assert "pickers: 3" in page  # the resolved scenario, with the --set applied
    assert summary["sim_version"] in page
    assert len(re.findall(r"<img ", page)) == len(list(out.glob("*.png")))
    # The figures come first, lead times first, each captioned; the command as typed.
    assert page.index("<h2>Figures</h2>") < page.index("<h2>KPIs")
    captions = re.findall(r"<figcaption>([^<]+)</figcaption>", page)
    assert captions[0].startswith("Lead time by site") and not any(c.endswith(".png") for c in captions)
    assert "fsim run " in page and "[&#x27;fsim&#x27;" not in page
    kpis_only = tmp_path / "kpis"
    assert main(["run", str(tiny_file), "-o", str(kpis_only), "-q", "--outputs", "kpis"]) == 0
    assert main(["report", str(kpis_only)]) == 0
    assert "None: the run was made with --no-figures or --outputs kpis" in (kpis_only / "report.html").read_text()


def test_report_of_a_comparison(tiny_file, tmp_path):
    out = tmp_path / "cmp"
    assert main(["compare", str(tiny_file), str(tiny_file), "--set-b",
                 "warehouses.east.staff.pickers=1", "-r", "3", "--out", str(out)]) == 0
    assert main(["report", str(out), "--out", str(tmp_path / "page.html")]) == 0
    page = (tmp_path / "page.html").read_text()
    _check_self_contained(page)
    assert "Comparison: east.pickers=3 vs east.pickers=1" in page
    assert "warehouses.east.staff.pickers" in page and "common random numbers" in page
    assert "resolved scenario of east.pickers=1" in page
    # A and B named once above the differences, not on every row; the runs' warnings
    # (one picker at east: orders not delivered by the end) are in the report.
    assert "A: east.pickers=3; B: east.pickers=1." in page
    head = page[page.index("<h2>Differences"):]
    assert "<th>A</th>" not in head[:head.index("</tr>")]
    b_summary = json.loads((out / "b" / "summary.json").read_text())
    assert b_summary["warnings"] and "Warnings of the runs" in page
    assert f"east.pickers=1: {b_summary['warnings'][0][:40]}" in page.replace("&#x27;", "'")


def test_a_comparison_report_says_not_set_for_a_section_one_scenario_lacks(tiny_file, tmp_path):
    out = tmp_path / "cmp"
    assert main(["compare", str(tiny_file), str(tiny_file), "--set-b",
                 "warehouses.west.picking.batch={max_orders: 4}", "--set-b",
                 "warehouses.west.picking.method=batch", "-r", "2", "--out", str(out)]) == 0
    assert main(["report", str(out)]) == 0
    page = (out / "report.html").read_text()
    row = page[page.index("<td>warehouses.west.picking.batch</td>"):]
    assert row[:row.index("</tr>")].count("(not set)") == 1 and ">null<" not in page


def test_report_of_a_sweep(tiny_file, tmp_path):
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(f"base: {tiny_file}\nreplications: 2\nparameters:\n"
                     "  warehouses.west.staff.pickers: [1, 2]\n  warehouses.east.staff.pickers: [2, 3]\n")
    out = tmp_path / "sweep"
    assert main(["sweep", str(sweep), "--out", str(out), "--executor", "serial", "-q",
                 "--kpi", "pick_wait_hours_mean"]) == 0
    assert (out / "heatmap_pick_wait_hours_mean.png").exists()
    assert (out / "sweep_pick_wait_hours_mean.png").exists()
    assert main(["report", str(out)]) == 0
    page = (out / "report.html").read_text()
    _check_self_contained(page)
    assert "<h1>Sweep: sweep</h1>" in page and "pick_wait_hours_mean" in page
    assert "warehouses.west.staff.pickers: [1, 2]" in page  # the sweep file
    assert "Resolved base scenario" in page
    assert "not complete" not in page


def test_a_sweep_report_marks_saturated_points_and_shows_the_kpis_asked_for(tiny_file, tmp_path, capsys):
    """One picker at east cannot keep up: its point is marked saturated, in how many
    replications, with a warning; the KPI asked for with --kpi is in the points table."""
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(f"base: {tiny_file}\nreplications: 2\nset:\n  horizon.drain_days: 0\n"
                     "  demand.channels.web.orders_per_day: 1500\n"
                     "parameters:\n  warehouses.east.staff.pickers: [1, 12]\n")
    out = tmp_path / "sweep"
    assert main(["sweep", str(sweep), "--out", str(out), "--executor", "serial", "-q",
                 "--kpi", "release_wait_hours_mean_east"]) == 0
    # The terminal says so too (it showed the point's means without a word).
    err = capsys.readouterr().err
    # The pool named (a check from outside: the warning said "a staff pool" and that its
    # queue grew without bound, though the rule is also busy 98% or more).
    assert ("warning: point 0 (east.pickers=1): saturated staff pools: east.pickers (in 2 of 2 "
            "replications): they cannot keep up (busy 98% or more of their time on duty") in err
    assert "point 1 (east.pickers=12): saturated" not in err
    runs = pd.read_csv(out / "runs.csv")
    at_one = runs[runs["warehouses.east.staff.pickers"] == 1]["saturated_pools"]
    assert (at_one > 0).all() and (runs[runs["warehouses.east.staff.pickers"] == 12]["saturated_pools"] == 0).all()
    assert main(["report", str(out)]) == 0
    page = (out / "report.html").read_text()
    header = page[page.index("<h2>Points"):]
    header = header[:header.index("</tr>")]
    assert "release_wait_hours_mean_east" in header and "saturated" in header
    assert "in 2 of 2 replications" in page and "grew without bound" in page


def test_a_run_reports_kpis_print_as_the_terminal_does_with_their_units(tmp_path):
    """Counts whole (a mean of 565.67 cancelled orders read 565.67), shares and hours with
    one decimal, money with two, rounding noise of a zero as 0.00 (it read -4.4e-17)."""
    from sim.html_report import build_report

    def entry(mean, low, high):
        return {"mean": mean, "ci95_low": low, "ci95_high": high, "per_replication": [mean] * 3}
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "summary.json").write_text(json.dumps({"scenario": "s", "replications": 3, "kpis": {
        "orders_cancelled": entry(565.6667, 509.6, 621.7),
        "on_time_delivery_pct_east": entry(97.1234, 92.93, 100.0),
        "cost_per_order": entry(27.0812, 25.19, 28.97),
        "backlog_trend_per_day_packers_east": entry(-4.4e-17, -1e-16, 1e-16),
        "return_rate_pct": entry(12.5, 2.66, 22.33)}}))
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", build_report(folder)))
    assert "orders_cancelled orders 566 510 622 3" in text
    assert "on_time_delivery_pct_east % 97.1 92.9 100.0 3" in text
    assert "cost_per_order currency 27.08 25.19 28.97 3" in text
    assert "backlog_trend_per_day_packers_east parcels/day 0.00 0.00 0.00 3" in text
    assert "return_rate_pct % 12.5 2.7 22.3 3" in text  # (as the terminal: 12.5 (2.7..22.3))


def test_report_refuses_other_folders(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 2
    assert "not a run, comparison, sweep or staffing folder" in capsys.readouterr().err


def test_report_of_a_run_shows_a_censored_kpi_by_its_lower_bound(tiny_file, tmp_path):
    """As the terminal's tables: `> X`, not a dash."""
    out = tmp_path / "run"
    assert main(["run", str(tiny_file), "-r", "2", "--seed", "21", "--out", str(out), "-q",
                 "--set", "horizon.drain_days=0.25", "--outputs", "kpis"]) == 0
    assert main(["report", str(out)]) == 0
    page = (out / "report.html").read_text()
    summary = json.loads((out / "summary.json").read_text())
    censored = [k for k, v in summary["kpis"].items() if v.get("censored")]
    assert censored
    from sim.cli.tables import fmt_entry

    mean, _ = fmt_entry(censored[0], summary["kpis"][censored[0]])
    assert mean.startswith("> ") and mean.replace(">", "&gt;") in page


def test_messages_are_whole_lines_when_the_output_is_no_terminal(tiny_file, tmp_path, capsys):
    """A log or a CI job's output is no terminal: rich cut its messages at 80 columns
    ("... (0.2 MB, no network" / "needed)")."""
    out = tmp_path / "a-folder-with-a-rather-long-name-so-that-the-message-passes-eighty-columns"
    assert main(["run", str(tiny_file), "-o", str(out), "-q", "--no-figures"]) == 0
    capsys.readouterr()
    assert main(["report", str(out)]) == 0
    lines = capsys.readouterr().err.splitlines()
    (line,) = [x for x in lines if x.startswith("wrote the run report")]
    assert line.endswith("no network needed)") and len(line) > 80
