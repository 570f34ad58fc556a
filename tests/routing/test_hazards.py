"""Hazards on a synthetic grid: closed ones are never crossed, risk ones can be left."""

from __future__ import annotations

import numpy as np
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corridor.routing.graph import RoadGraph, grid_graph
from corridor.routing.hazards import HazardArea, apply_hazards, boundary_nodes, zone_sides
from corridor.routing.paths import NoPath, alternatives, route_matrix, shortest_route

GRID = grid_graph(30, 30, spacing_m=100.0, seed=3)  # 3 km x 3 km, 900 nodes
SPAN = 2900.0


def closed_shapes() -> st.SearchStrategy[shapely.Geometry]:
    # Metres to the millimetre: a coordinate such as 1.7e-239 is no place on a map, and GEOS
    # divides by zero on it while the test forms the union of the shapes.
    coord = st.floats(-100, SPAN + 100, allow_nan=False).map(lambda x: round(x, 3))
    box = st.tuples(coord, coord, st.floats(50, 900), st.floats(50, 900)).map(
        lambda t: shapely.box(t[0], t[1], t[0] + t[2], t[1] + t[3])
    )
    line = st.lists(st.tuples(coord, coord), min_size=2, max_size=4).map(shapely.LineString)
    disc = st.tuples(coord, coord, st.floats(30, 500)).map(
        lambda t: shapely.Point(t[0], t[1]).buffer(t[2])
    )
    return st.one_of(box, line, disc)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    shapes=st.lists(closed_shapes(), min_size=1, max_size=4),
    ends=st.lists(st.integers(0, GRID.n_nodes - 1), min_size=3, max_size=5, unique=True),
)
def test_no_route_edge_crosses_a_closed_hazard(
    shapes: list[shapely.Geometry], ends: list[int]
) -> None:
    g = GRID
    hazards = [HazardArea(f"H{i}", s, closed=True) for i, s in enumerate(shapes)]
    effect = apply_hazards(g, hazards)
    res = route_matrix(g, effect.cost, effect.open_edges, ends)
    union = shapely.union_all(shapes)
    for r in res.routes.values():
        if len(r.edges):
            assert not shapely.intersects(g.segments()[r.edges], union).any()
    # And alternatives, too.
    a, b = ends[0], ends[1]
    try:
        alts = alternatives(g, effect.cost, effect.open_edges, a, b, 3)
    except NoPath:
        alts = []
    for r in alts:
        assert not shapely.intersects(g.segments()[r.edges], union).any()


@settings(max_examples=40, deadline=None)
@given(
    cx=st.floats(500, 2400),
    cy=st.floats(500, 2400),
    radius=st.floats(150, 600),
    penalty=st.floats(0.5, 50),
)
def test_a_point_inside_a_risk_hazard_can_leave_it(
    cx: float, cy: float, radius: float, penalty: float
) -> None:
    g = GRID
    area = shapely.Point(cx, cy).buffer(radius)
    effect = apply_hazards(g, [HazardArea("R", area, penalty=penalty)], near_m=0)
    x, y = g.xy
    inside = np.flatnonzero(shapely.contains_xy(area, x, y))
    outside = np.flatnonzero(~shapely.contains_xy(area.buffer(200), x, y))
    if not len(inside) or not len(outside):
        return
    r = shortest_route(
        g, effect.cost, effect.open_edges, int(inside[0]), int(outside[0]), near=effect.near_any
    )
    assert r.nodes[-1] == outside[0]
    # Cost counts the penalty on risky edges; real time does not.
    assert r.cost >= r.time_min - 1e-9
    assert r.exposure_min > 0  # it started inside, so some time was spent near the hazard


def test_risk_penalty_steers_routes_around_when_a_detour_exists() -> None:
    g = grid_graph(21, 21, spacing_m=100.0, seed=0)
    a, b = 10 * 21, 10 * 21 + 20  # west and east ends of the middle row
    risky = shapely.box(900, 700, 1100, 1300)  # straddles the straight line a -> b
    plain = shortest_route(g, g.time_min, np.ones(g.n_edges, bool), a, b)
    assert shapely.intersects(g.segments()[plain.edges], risky).any()
    effect = apply_hazards(g, [HazardArea("S", risky, penalty=20)], near_m=0)
    steered = shortest_route(g, effect.cost, effect.open_edges, a, b, near=effect.near_any)
    assert not shapely.intersects(g.segments()[steered.edges], risky).any()
    assert steered.exposure_min == 0
    # With a tiny penalty the risky shortcut is still worth it.
    light = apply_hazards(g, [HazardArea("S", risky, penalty=0.001)], near_m=0)
    r = shortest_route(g, light.cost, light.open_edges, a, b, near=light.near_any)
    assert r.exposure_min > 0


def test_alternatives_are_diverse_and_ordered() -> None:
    g = grid_graph(25, 25, seed=5)
    keep = np.ones(g.n_edges, bool)
    alts = alternatives(g, g.time_min, keep, 0, g.n_nodes - 1, 3)
    assert len(alts) == 3
    costs = [r.cost for r in alts]
    assert costs[0] == min(costs)
    assert len({tuple(r.nodes) for r in alts}) == 3


@settings(max_examples=30, deadline=None)
@given(
    x0=st.integers(3, 12),
    y0=st.integers(3, 12),
    w=st.integers(6, 15),
    h=st.integers(6, 15),
    cpx=st.floats(0, 1),
)
def test_inside_legs_stay_inside_and_outside_legs_stay_outside(
    x0: int, y0: int, w: int, h: int, cpx: float
) -> None:
    g: RoadGraph = GRID
    # Edges off the grid lines (+37 m), as real boundaries are.
    zone = shapely.box(x0 * 100 + 37, y0 * 100 + 37, (x0 + w) * 100 + 37, (y0 + h) * 100 + 37)
    x, y = g.xy
    candidates = np.flatnonzero(boundary_nodes(g, zone))
    cp = int(candidates[int(cpx * (len(candidates) - 1))])
    sides = zone_sides(g, zone, np.array([cp]))
    node_in = shapely.contains_xy(zone, x, y)
    ins = np.flatnonzero(node_in)
    outs = np.flatnonzero(~node_in)
    pts_in = sorted({cp, int(ins[0]), int(ins[-1])})
    res_in = route_matrix(g, g.time_min, sides.inside, pts_in)
    # The zone's grid is connected, through the checkpoint too.
    assert len(res_in.routes) == len(pts_in) ** 2
    for r in res_in.routes.values():
        away = r.edges[(g.src[r.edges] != cp) & (g.dst[r.edges] != cp)]
        assert shapely.covered_by(g.segments()[away], zone).all()
        assert node_in[r.nodes[r.nodes != cp]].all()
    pts_out = sorted({cp, int(outs[0]), int(outs[-1])})
    res_out = route_matrix(g, g.time_min, sides.outside, pts_out)
    assert len(res_out.routes) == len(pts_out) ** 2
    for r in res_out.routes.values():
        away = r.edges[(g.src[r.edges] != cp) & (g.dst[r.edges] != cp)]
        assert not shapely.intersects(g.segments()[away], zone).any()
        assert not node_in[r.nodes[r.nodes != cp]].any()


def test_hazard_outside_graph_changes_nothing() -> None:
    g = GRID
    far = shapely.box(1e6, 1e6, 1e6 + 10, 1e6 + 10)
    effect = apply_hazards(g, [HazardArea("far", far, closed=True)])
    assert effect.open_edges.all()
    np.testing.assert_array_equal(effect.cost, g.time_min)


def test_near_reaches_farther_than_touching() -> None:
    g = GRID
    h = HazardArea("bridge", shapely.Point(1450, 1450).buffer(60), penalty=1)
    touching = apply_hazards(g, [h], near_m=0).near_any
    near = apply_hazards(g, [h], near_m=250).near_any
    assert touching.sum() > 0
    assert (near >= touching).all()
    assert near.sum() > touching.sum()
    d = shapely.distance(g.segments()[near], h.geometry)
    assert (d <= 250 + 1e-6).all()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_no_route_crosses_a_closed_hazard_on_real_roads(
    andorra: RoadGraph, data: st.DataObject
) -> None:
    """Same property on Andorra's real roads, hazards dropped around the valley towns."""
    g = andorra
    x, y = g.xy
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    k = data.draw(st.integers(1, 5))
    shapes = []
    for _ in range(k):
        c = int(rng.integers(g.n_nodes))
        if rng.random() < 0.5:
            shapes.append(shapely.Point(x[c], y[c]).buffer(float(rng.uniform(20, 800))))
        else:
            d = rng.uniform(-1500, 1500, 2)
            shapes.append(shapely.LineString([(x[c], y[c]), (x[c] + d[0], y[c] + d[1])]))
    effect = apply_hazards(g, [HazardArea(f"H{i}", s, closed=True) for i, s in enumerate(shapes)])
    ends = [int(v) for v in rng.choice(g.n_nodes, 4, replace=False)]
    res = route_matrix(g, effect.cost, effect.open_edges, ends)
    union = shapely.union_all(shapes)
    for r in res.routes.values():
        assert not shapely.intersects(g.segments()[r.edges], union).any()
    # Where a pair has no route now, every route the open map had crossed a hazard.
    plain = route_matrix(g, g.time_min, np.ones(g.n_edges, bool), ends)
    for pair, r in plain.routes.items():
        if pair not in res.routes:
            assert shapely.intersects(g.segments()[r.edges], union).any()
