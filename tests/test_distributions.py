"""Time distributions count the orders the KPIs count, finished or not: an ECDF of a
site whose orders did not all arrive by the end stops below 1 by that share, in the
figures of fsim run and fsim compare as on the planners' page (sim.distributions)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import sim  # noqa: E402
from sim.compare import lead_time_groups  # noqa: E402
from sim.distributions import distributions_of  # noqa: E402
from sim.kpis.views import window_h  # noqa: E402
from sim.report import _ecdf_axes, _lead_times_by  # noqa: E402

from .conftest import tiny  # noqa: E402


@pytest.fixture(scope="module")
def overloaded():
    """East with one picker and no time to drain: many of its orders still undelivered."""
    scenario = tiny({"horizon.drain_days": 0, "warehouses.east.staff.pickers": 1})
    return sim.run(scenario, replications=2)


def _kpi_sum(result, name: str) -> float:
    return float(result.kpis[name].sum())


def test_a_sites_lead_times_count_every_order_the_kpis_count(overloaded):
    dists = {d.group: d for d in _lead_times_by(overloaded, "site")}
    for site in ("west", "east"):
        d = dists[site]
        should = (_kpi_sum(overloaded, f"orders_placed_{site}") - _kpi_sum(overloaded, f"orders_cancelled_{site}")
                  - _kpi_sum(overloaded, f"orders_lost_{site}"))
        assert d.total == should
        assert d.unfinished == _kpi_sum(overloaded, f"orders_undelivered_at_end_{site}")
        assert np.all(np.diff(d.done) >= 0) and len(d.done) + d.unfinished == d.total
    assert dists["east"].unfinished > 0.1 * dists["east"].total  # (the case this is about)


def test_an_ecdf_stops_at_the_share_finished_not_at_one(overloaded):
    dists = _lead_times_by(overloaded, "site")
    fig, ax = plt.subplots()
    _ecdf_axes(ax, dists, "t")
    ends = {line.get_label().split(" ")[0]: line.get_ydata()[-1] for line in ax.get_lines()}
    plt.close(fig)
    for d in dists:
        assert ends[d.group] == pytest.approx(len(d.done) / d.total)
    east = next(d for d in dists if d.group == "east")
    assert ends["east"] < 0.9
    assert "not finished by the end" in east.label()


def test_the_warehouse_time_counts_paid_orders_not_cancelled(overloaded):
    orders = overloaded.orders
    (d,) = distributions_of(orders, window_h(overloaded.scenario), "warehouse")
    lo, hi = window_h(overloaded.scenario)
    inside = orders[(orders["placed_h"] >= lo) & (orders["placed_h"] < hi)]
    paid = inside[(inside["status"] != "cancelled") & inside["paid_h"].notna()]
    assert d.total == len(paid)
    assert d.unfinished == int(paid["shipped_h"].isna().sum()) > 0


def test_compare_plots_each_run_under_its_label_and_counts_its_unfinished_orders(tmp_path, overloaded):
    from sim.cli import main

    folder = tmp_path / "run"
    scenario = tmp_path / "s.yaml"
    scenario.write_text(sim.scenario.loader.scenario_to_yaml(overloaded.scenario))
    assert main(["run", str(scenario), "-r", "2", "-o", str(folder), "--no-figures", "-q"]) == 0
    lead, warehouse = lead_time_groups([("east short of pickers", folder)])
    assert [d.group for d in lead] == ["east short of pickers"]
    expected = distributions_of(overloaded.orders, window_h(overloaded.scenario), "lead")[0]
    assert lead[0].total == expected.total and lead[0].unfinished == expected.unfinished


def test_staff_pools_figure_names_a_saturated_pool(tmp_path, monkeypatch):
    """staff_pools.png did not say which pool could not keep up."""
    import matplotlib.axes
    import pandas as pd

    from sim.report import _pools_figure

    titles = []
    real = matplotlib.axes.Axes.set_title
    monkeypatch.setattr(matplotlib.axes.Axes, "set_title",
                        lambda self, label, *a, **k: titles.append(label) or real(self, label, *a, **k))
    hours = np.arange(0, 96, 0.5)
    ts = pd.concat([pd.DataFrame({"site": site, "pool": pool, "replication": r, "t_h": hours,
                                  "utilization": 0.5, "queue_length": 1.0})
                    for site in ("west", "east") for pool in ("pickers", "packers") for r in (0, 1)])
    scenario = tiny()
    _pools_figure(ts, scenario, tmp_path / "pools.png", {"east.pickers": 2})
    red = [t for t in titles if "saturated" in t]
    assert red == ["east pickers: saturated in 2 of 2 replications, it cannot keep up"] * 2


def test_eleven_sites_get_eleven_colours():
    from sim.distributions import Distribution

    groups = [Distribution(f"site{i}", np.arange(1.0, 5.0) + i, 4) for i in range(11)]
    fig, ax = plt.subplots()
    _ecdf_axes(ax, groups, "t")
    colours = {line.get_color() for line in ax.get_lines()}
    plt.close(fig)
    assert len(colours) == 11


def test_the_pick_queue_panel_counts_the_parcels_never_picked(overloaded, tmp_path, monkeypatch):
    """picking_distributions.png drew the waits of the parcels picked and left out, without
    a word, those still waiting at the end."""
    import matplotlib.axes

    from sim.report import _picking_figure

    texts = []
    real = matplotlib.axes.Axes.text
    monkeypatch.setattr(matplotlib.axes.Axes, "text",
                        lambda self, x, y, s, *a, **k: texts.append(s) or real(self, x, y, s, *a, **k))
    _picking_figure(overloaded, tmp_path / "p.png")
    lo, hi = window_h(overloaded.scenario)
    sh = overloaded.shipments
    noted = 0
    for site in overloaded.scenario.sites:
        mine = (sh["site"] == site) & (sh["released_h"] >= lo) & (sh["released_h"] < hi)
        waiting, total = int((mine & sh["pick_start_h"].isna()).sum()), int(mine.sum())
        note = f"{waiting:,} of {total:,} parcels ({100 * waiting / total:.3g}%)\nnot picked by the end: not drawn"
        assert (note in texts) == (waiting > 0)
        noted += waiting > 0
    assert noted  # (the case this is about)


def test_a_lead_time_axis_says_how_many_orders_lie_beyond_its_end():
    """The lead-time figures end at the 99.5th percentile; the orders beyond were in
    the legend's n but not drawn, and nothing said so (a check from outside)."""
    from sim.distributions import Distribution

    done = np.arange(1.0, 1001.0)  # 1,000 finished orders: 5 lie past the 99.5th percentile
    fig, ax = plt.subplots()
    _ecdf_axes(ax, [Distribution("west", done, 1000)], "t")
    notes = [t.get_text() for t in ax.texts]
    plt.close(fig)
    assert "5 orders beyond the axis\n(it ends at the 99.5th percentile)" in notes, notes
    fig, ax = plt.subplots()
    _ecdf_axes(ax, [Distribution("west", np.ones(10), 10)], "t")  # none beyond: no note
    assert not any("beyond" in t.get_text() for t in ax.texts)
    plt.close(fig)


def test_the_routes_figure_of_a_zone_picking_site_says_its_tours_stay_in_a_zone(tmp_path, monkeypatch):
    """pick_routes_<site>.png drew one tour across every aisle at a site whose pickers
    each walk one zone, without a word of zones."""
    from sim.report import _routes_figure
    from sim.scenario import load_scenario

    from .conftest import SCENARIOS

    titles = []
    real = matplotlib.figure.Figure.suptitle
    monkeypatch.setattr(matplotlib.figure.Figure, "suptitle",
                        lambda self, t, *a, **k: titles.append(t) or real(self, t, *a, **k))
    scenario = load_scenario(SCENARIOS / "picking" / "zone.yaml")

    class Result:  # (the figure reads only the scenario)
        pass

    result = Result()
    result.scenario = scenario
    site = next(s for s in scenario.sites if scenario.warehouses[s].picking.method == "zone")
    _routes_figure(result, site, tmp_path / "r.png")
    zones = scenario.warehouses[site].picking.zone.zones
    assert f"this site picks by zone ({zones} zones), each picker's tours stay in its zone" in titles[-1]
    single = load_scenario(SCENARIOS / "picking" / "single.yaml")
    result.scenario = single
    _routes_figure(result, single.sites[0], tmp_path / "s.png")
    assert "zone" not in titles[-1]
