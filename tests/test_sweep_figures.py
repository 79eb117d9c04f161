"""Sweep figures show censored points at their lower bound instead of leaving them out."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402

from sim.sweep.figures import _against, _by_point, sweep_figures  # noqa: E402

NAN = math.nan


def _points(means, bounds, pickers=(1, 2, 3, 4)) -> pd.DataFrame:
    return pd.DataFrame({
        "point": range(len(means)), "pickers": list(pickers)[:len(means)], "kpi": "lead_time_hours_p95",
        "mean": means, "ci95_low": [m - 1 for m in means], "ci95_high": [m + 1 for m in means],
        "censored": [0 if math.isnan(b) else 1 for b in bounds], "lower_bound": bounds})


def _markers(ax) -> np.ndarray:
    """The offsets of the open triangles drawn on ``ax`` (the censored points)."""
    found = [c.get_offsets() for c in ax.collections
             if isinstance(c, PathCollection) and len(c.get_offsets()) and c.get_facecolors().size == 0]
    return np.vstack(found) if found else np.empty((0, 2))


def test_a_censored_point_is_drawn_at_its_lower_bound():
    """Pickers 1 saturates: its p95 is censored (> 130 h). The line of the others stays
    and the censored point is a marker at 130, not a gap."""
    rows = _points([NAN, 50.0, 40.0, 35.0], [130.0, NAN, NAN, NAN])
    fig, ax = plt.subplots()
    _against(ax, rows, ["pickers"], "pickers")
    assert _markers(ax).tolist() == [[1.0, 130.0]]
    assert "censored: at least" in [t.get_text() for t in ax.get_legend().get_texts()]
    plt.close(fig)


def test_no_marker_without_censoring():
    rows = _points([60.0, 50.0, 40.0, 35.0], [NAN] * 4)
    fig, ax = plt.subplots()
    _against(ax, rows, ["pickers"], "pickers")
    assert len(_markers(ax)) == 0 and ax.get_legend() is None
    plt.close(fig)


def test_bars_mark_censored_points_too():
    rows = _points([NAN, 50.0], [90.0, NAN]).assign(method=["batch", "wave"])
    fig, ax = plt.subplots()
    _by_point(ax, rows, ["method"])
    assert _markers(ax).tolist() == [[0.0, 90.0]]
    plt.close(fig)


def test_a_kpi_censored_at_every_point_still_gets_its_figure(tmp_path):
    """It got none, silently: every mean is empty, but the bounds say how bad it is."""
    rows = _points([NAN, NAN], [130.0, 110.0])
    written = sweep_figures(rows, ["pickers"], ["lead_time_hours_p95"], tmp_path)
    assert written == [tmp_path / "sweep_lead_time_hours_p95.png"] and written[0].stat().st_size > 0
    # A KPI with no value and no bound anywhere has nothing to draw.
    empty = _points([NAN, NAN], [NAN, NAN])
    assert sweep_figures(empty, ["pickers"], ["lead_time_hours_p95"], tmp_path / "x") == []


def test_heat_map_writes_censored_cells_as_bounds(tmp_path, monkeypatch):
    """Two swept parameters on a grid: a censored cell reads "> bound", uncoloured;
    every cell censored still draws, without warnings."""
    import warnings

    texts = []
    real_text = matplotlib.axes.Axes.text
    monkeypatch.setattr(matplotlib.axes.Axes, "text",
                        lambda self, x, y, s, *a, **k: texts.append(s) or real_text(self, x, y, s, *a, **k))
    grid = pd.concat([_points([NAN, 50.0], [130.0, NAN], pickers=(1, 2)).assign(method=m)
                      for m in ("batch", "wave")], ignore_index=True)
    sweep_figures(grid, ["pickers", "method"], ["lead_time_hours_p95"], tmp_path)
    assert (tmp_path / "heatmap_lead_time_hours_p95.png").exists()
    assert texts.count("> 130\ncensored") == 2 and texts.count("50") == 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        every = grid.assign(mean=NAN, lower_bound=[130.0, 90.0, 131.0, 91.0])
        (tmp_path / "all").mkdir()
        written = sweep_figures(every, ["pickers", "method"], ["lead_time_hours_p95"], tmp_path / "all")
    assert [p.name for p in written] == ["sweep_lead_time_hours_p95.png", "heatmap_lead_time_hours_p95.png"]


def _crosses(ax) -> np.ndarray:
    """The offsets of the red crosses drawn on ``ax`` (the saturated points)."""
    found = [c.get_offsets() for c in ax.collections
             if isinstance(c, PathCollection) and len(c.get_offsets()) and c.get_facecolors().size
             and tuple(np.round(c.get_facecolors()[0][:3], 3)) == tuple(np.round(matplotlib.colors.to_rgb("tab:red"), 3))]
    return np.vstack(found) if found else np.empty((0, 2))


def _with_saturation(rows: pd.DataFrame, saturated_pools) -> pd.DataFrame:
    """The points of one KPI plus their ``saturated_pools`` rows (mean over replications)."""
    sat = rows.assign(kpi="saturated_pools", mean=list(saturated_pools), lower_bound=NAN)
    return pd.concat([rows, sat], ignore_index=True)


def test_saturated_points_are_crossed_in_red_at_their_value_or_bound(tmp_path, monkeypatch):
    """Pickers 1 and 2 saturate (in every, in some replication): their means are over
    the orders that got through, and pickers 2's looks fine. Both are crossed, the
    censored one at its bound; the points that keep up are not."""
    drawn = []
    real_against = _against
    monkeypatch.setattr("sim.sweep.figures._against",
                        lambda ax, rows, *a: drawn.append(ax) or real_against(ax, rows, *a))
    rows = _with_saturation(_points([NAN, 45.0, 40.0, 35.0], [130.0, NAN, NAN, NAN]), [1.0, 0.5, 0.0, 0.0])
    sweep_figures(rows, ["pickers"], ["lead_time_hours_p95"], tmp_path)
    (ax,) = drawn
    assert sorted(_crosses(ax).tolist()) == [[1.0, 130.0], [2.0, 45.0]]
    assert "saturated: a staff pool cannot keep up" in [t.get_text() for t in ax.get_legend().get_texts()]
    plt.close("all")
    drawn.clear()
    (tmp_path / "none").mkdir()
    sweep_figures(_with_saturation(_points([60.0, 45.0], [NAN, NAN]), [0.0, 0.0]), ["pickers"],
                  ["lead_time_hours_p95"], tmp_path / "none")
    assert len(_crosses(drawn[0])) == 0 and drawn[0].get_legend() is None
    plt.close("all")


def test_heat_map_frames_saturated_cells_and_writes_big_numbers_in_full(tmp_path, monkeypatch):
    texts = []
    real_text = matplotlib.axes.Axes.text
    monkeypatch.setattr(matplotlib.axes.Axes, "text",
                        lambda self, x, y, s, *a, **k: texts.append(s) or real_text(self, x, y, s, *a, **k))
    grid = pd.concat([_points([1124.4, 2780.0], [NAN, NAN], pickers=(1, 2)).assign(method=m)
                      for m in ("batch", "wave")], ignore_index=True)
    grid["point"] = range(len(grid))
    sweep_figures(_with_saturation(grid, [1.0, 0.0, 0.0, 0.0]), ["pickers", "method"],
                  ["lead_time_hours_p95"], tmp_path)
    assert texts.count("1,124") == 2 and texts.count("2,780") == 2
    assert texts.count("saturated") == 1


def test_heat_maps_colour_the_better_end_alike_and_axes_carry_units(tmp_path, monkeypatch):
    """Yellow is better whether the KPI is a wait (lower) or a throughput (higher)."""
    maps, labels = [], []
    real_imshow, real_colorbar = matplotlib.axes.Axes.imshow, matplotlib.figure.Figure.colorbar
    monkeypatch.setattr(matplotlib.axes.Axes, "imshow",
                        lambda self, *a, **k: maps.append(k.get("cmap")) or real_imshow(self, *a, **k))
    monkeypatch.setattr(matplotlib.figure.Figure, "colorbar",
                        lambda self, *a, **k: labels.append(k.get("label")) or real_colorbar(self, *a, **k))
    for kpi in ("lead_time_hours_p95", "throughput_orders_per_day"):
        grid = pd.concat([_points([60.0, 50.0], [NAN, NAN], pickers=(1, 2)).assign(method=m, kpi=kpi)
                          for m in ("batch", "wave")], ignore_index=True)
        (tmp_path / kpi).mkdir()
        sweep_figures(grid, ["pickers", "method"], [kpi], tmp_path / kpi)
    assert maps == ["viridis_r", "viridis"]
    assert labels == ["lead_time_hours_p95 (h) (yellow: better)",
                      "throughput_orders_per_day (orders/day) (yellow: better)"]


def test_a_few_swept_values_each_get_their_tick():
    """Head counts 1, 3 and 6 were ticked 2, 4, 6."""
    rows = _points([60.0, 50.0, 40.0], [NAN] * 3, pickers=(1, 3, 6))
    fig, ax = plt.subplots()
    _against(ax, rows, ["pickers"], "pickers")
    assert ax.get_xticks().tolist() == [1.0, 3.0, 6.0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "3", "6"]
    plt.close(fig)


def _draw_heat_map(tmp_path, monkeypatch, means: list[float], half_width: float):
    """A 2 x 2 heat map of on-time means with intervals of ``half_width``: the cell
    texts, the colour limits and the title drawn."""
    texts, images, titles = [], [], []
    axes = matplotlib.axes.Axes
    real_text, real_imshow, real_title = axes.text, axes.imshow, axes.set_title
    monkeypatch.setattr(axes, "text", lambda self, x, y, s, *a, **k: texts.append(s) or real_text(self, x, y, s, *a, **k))
    monkeypatch.setattr(axes, "imshow", lambda self, *a, **k: images.append(real_imshow(self, *a, **k)) or images[-1])
    monkeypatch.setattr(axes, "set_title",
                        lambda self, label, *a, **k: titles.append(label) or real_title(self, label, *a, **k))
    grid = pd.DataFrame({"point": range(4), "pickers": [1, 2, 1, 2], "method": ["a", "a", "b", "b"],
                         "kpi": "on_time_delivery_pct", "mean": means,
                         "ci95_low": [m - half_width for m in means], "ci95_high": [m + half_width for m in means],
                         "censored": 0, "lower_bound": NAN})
    sweep_figures(grid, ["pickers", "method"], ["on_time_delivery_pct"], tmp_path)
    return set(texts), images[-1].get_clim(), titles[-1]


def test_heat_map_means_within_the_noise_neither_span_the_colours_nor_read_alike(tmp_path, monkeypatch):
    """A check from outside: means 97.708 to 97.733 with 95% intervals a point wide filled
    the whole colour scale, each cell reading "97.7". The scale now spans at least the
    typical interval (the title says so) and the cells show the digits that differ."""
    texts, (low, high), title = _draw_heat_map(tmp_path, monkeypatch, [97.708, 97.733, 97.712, 97.725], 0.5)
    assert high - low == pytest.approx(1.0)  # the intervals' width, not the means' 0.025
    assert {"97.708", "97.733", "97.712", "97.725"} <= texts
    assert "colours span a typical 95% interval" in title


def test_heat_map_means_far_apart_keep_their_range_and_three_digits(tmp_path, monkeypatch):
    texts, limits, title = _draw_heat_map(tmp_path, monkeypatch, [80.0, 90.0, 85.0, 95.0], 0.5)
    assert limits == (80.0, 95.0)
    assert {"80", "90", "85", "95"} <= texts
    assert "colours span" not in title
