"""Zone picking's parts planned before the run (sim.model.picking.zone_tours): a parcel
planned alone (made during the run) gets exactly what it gets planned with the others,
and each part is its zone's lines: set-up + the route through them + their picking."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.picking.methods import ZonePicking
from sim.model.picking.routes import route_distance
from sim.model.world import World
from sim.units import SECONDS_PER_HOUR

from .test_picking_methods import scenario


def zone_method(mode: str) -> tuple[World, ZonePicking]:
    world = World(scenario("zone", zone={"zones": 2, "mode": mode},
                           verification={"at_pick": True}, error_prob_per_line=0.2), 0, 3)
    return world, world.sites[0].method


@pytest.mark.parametrize("mode", ["parallel", "pick_and_pass"])
def test_a_parcel_planned_alone_gets_the_parts_it_gets_with_the_others(mode):
    world, method = zone_method(mode)
    bulk = np.flatnonzero(method.index_of >= 0)
    assert len(bulk) > 100
    for parcel in bulk[:: max(1, len(bulk) // 60)].tolist():
        alone = method._plan(np.array([parcel])).of(0)
        assert alone == method.planned.of(int(method.index_of[parcel]))


@pytest.mark.parametrize("mode", ["parallel", "pick_and_pass"])
def test_each_part_is_its_zones_lines_set_up_walk_and_picking(mode):
    world, method = zone_method(mode)
    t, work = world.draws.table, method.ctx.work
    apz = method.aisles_per_zone
    checked = set()
    for parcel in np.flatnonzero(method.index_of >= 0)[:300].tolist():
        zones, hours, metres, lines = method.planned.of(int(method.index_of[parcel]))
        a, b = int(t.line_start[parcel]), int(t.line_end[parcel])
        zone_of_line = t.line_aisle[a:b] // apz
        assert zones == sorted(set(zone_of_line.tolist()))
        for k, z in enumerate(zones):
            mine = zone_of_line == z
            assert lines[k] == int(mine.sum())
            route = route_distance(method.zone_layout, t.line_aisle[a:b][mine] - z * apz,
                                   t.line_y[a:b][mine], work.cfg.layout.routing)
            assert metres[k] == pytest.approx(route, rel=1e-12, abs=1e-9)
            setup = work.cfg.setup_time_s.ppf(work.setup.uniform(t.key[[parcel]], z))[0]
            expected = (setup + route / method.zone_layout.walk_speed_m_s
                        + float(t.line_time_h[a:b][mine].astype(float).sum()) * SECONDS_PER_HOUR)
            expected /= SECONDS_PER_HOUR
            if k == 0:
                expected += float(t.repick_at_pick_h[parcel])
            passing = mode == "pick_and_pass" and k + 1 < len(zones)
            if passing:
                u = method.pass_draw.uniform(t.key[[parcel]], z)
                expected += method.cfg.pass_time_s.ppf(u)[0] / SECONDS_PER_HOUR
            assert hours[k] == pytest.approx(expected, rel=1e-9)
            checked.add((len(zones) > 1, lines[k] > 1, passing, k == 0 and t.repick_at_pick_h[parcel] > 0))
    # Parcels in one zone and in several, one-line and routed parts, re-picks: all seen.
    assert {c[0] for c in checked} == {False, True} and {c[1] for c in checked} == {False, True}
    assert any(c[3] for c in checked)
    if mode == "pick_and_pass":
        assert any(c[2] for c in checked)


@pytest.mark.parametrize("method", ["zone", "wave_zone", "single", "batch"])
def test_each_tour_names_the_parcel_it_picks_and_each_line_its_zone(method):
    """tours.shipment_id and shipment_lines.zone: a zone tour picks the lines of one
    parcel that lie in its zone (by the line's aisle over the aisles per zone), so its
    line count is the count of that parcel's lines there; a single-order tour names the
    parcel whose tour it is; a batch tour none."""
    from sim.scenario import validate_data

    from .test_picking_methods import LAYOUT, tiny_data

    data = tiny_data({"demand.channels.web.orders_per_day": 400, "catalogue.skus": 1000})
    picking = {"zone": {"method": "zone", "zone": {"zones": 2, "mode": "pick_and_pass"}},
               "wave_zone": {"method": "wave", "wave": {"every_min": 120, "within": "zone"}, "zone": {"zones": 2}},
               "single": {"method": "single"},
               "batch": {"method": "batch", "batch": {"max_orders": 6, "max_wait_min": 20}}}[method]
    for site in ("west", "east"):
        p = data["warehouses"][site]["picking"]
        p.pop("travel_time_s", None)
        p.update({"layout": dict(LAYOUT), "time_per_line_s": 10, **picking})
    scenario = validate_data(data)
    world = World(scenario, 0, 4)
    world.run()
    result = world.collect()
    tours, lines, ships = result.tours, result.shipment_lines, result.shipments
    assert len(lines) and lines["zone"].dtype.kind == "i"
    if method in ("zone", "wave_zone"):
        zones = picking["zone"]["zones"]
        assert set(lines["zone"]) == set(range(zones))
        picked = tours[tours["shipment_id"] >= 0]
        assert len(picked) == len(tours)
        counted = lines.groupby(["shipment_id", "zone"]).size()
        assert (picked.set_index(["shipment_id", "zone"])["lines"] == counted.loc[
            list(zip(picked["shipment_id"], picked["zone"], strict=True))].to_numpy()).all()
    else:
        assert (lines["zone"] == -1).all()
        if method == "single":
            on_tour = ships[ships["tour_id"] >= 0]
            np.testing.assert_array_equal(tours.loc[on_tour["tour_id"], "shipment_id"], on_tour["shipment_id"])
        else:
            assert (tours["shipment_id"] == -1).all() and tours["orders"].max() > 1
