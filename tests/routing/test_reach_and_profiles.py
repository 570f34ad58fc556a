"""Reachability reasons and vehicle profiles on small hand-made road graphs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corridor.routing.graph import EdgeTags, RoadGraph, build_graph, grid_graph
from corridor.routing.profiles import VehicleProfile, allowed_edges, edge_minutes, profile_groups
from corridor.routing.reach import connects, diagnose


def line_graph(edges: list[tuple[int, int]], n: int) -> RoadGraph:
    """Nodes 0..n-1 on a line 100 m apart; the given directed edges at 36 km/h."""
    lon = np.linspace(0, 0.001 * (n - 1), n)
    lat = np.zeros(n)
    src = np.array([a for a, _ in edges])
    dst = np.array([b for _, b in edges])
    return build_graph(lon, lat, src, dst, np.full(len(edges), 36.0), largest_component=False)


def two_way(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    return [e for a, b in pairs for e in ((a, b), (b, a))]


def mask(g: RoadGraph, pairs: list[tuple[int, int]]) -> np.ndarray:
    want = set(pairs)
    return np.array([(int(s), int(d)) in want for s, d in zip(g.src, g.dst, strict=True)])


def test_a_dead_end_is_named_with_its_roads_and_length() -> None:
    # 0-1-2 is the network with the target at 2; 3-4 is a stub that joins nothing.
    g = line_graph(two_way([(0, 1), (1, 2), (3, 4)]), 5)
    every = np.ones(g.n_edges, dtype=bool)
    cut = diagnose(g, every, every, 3, [2], "to")
    assert cut is not None
    assert cut.kind == "dead_end"
    assert sorted(set(g.src[cut.edges].tolist()) | set(g.dst[cut.edges].tolist())) == [3, 4]
    assert cut.length_m == pytest.approx(111.3, rel=0.01)  # one road, counted once
    assert diagnose(g, every, every, 0, [2], "to") is None


def test_one_way_streets_that_only_lead_in_are_named() -> None:
    # 0 <-> 1 -> 2: the place at 2 can be reached from 0 but cannot get back.
    g = line_graph([(0, 1), (1, 0), (1, 2)], 3)
    every = np.ones(g.n_edges, dtype=bool)
    cut = diagnose(g, every, every, 2, [0], "to")
    assert cut is not None
    assert (cut.kind, cut.direction) == ("one_way", "to")
    assert [(int(g.src[e]), int(g.dst[e])) for e in cut.edges] == [(1, 2)]
    assert diagnose(g, every, every, 2, [0], "from") is None


def test_an_exit_across_the_boundary_is_the_way_on() -> None:
    # Inside side is 0-1-2; 2 -> 3 leaves the side (one way); the checkpoint is 0.
    g = line_graph([(0, 1), (1, 0), (1, 2), (2, 3), (3, 0)], 4)
    side = mask(g, [(0, 1), (1, 0), (1, 2)])
    cut = diagnose(g, side, np.ones(g.n_edges, dtype=bool), 2, [0], "to")
    assert cut is not None
    assert cut.kind == "one_way"
    assert [(int(g.src[e]), int(g.dst[e])) for e in cut.exits] == [(2, 3)]


def test_a_closed_hazard_is_named_when_it_alone_cuts_the_way() -> None:
    g = line_graph(two_way([(0, 1), (1, 2), (2, 3)]), 4)
    closed = np.flatnonzero(mask(g, [(1, 2), (2, 1)]))
    usable = np.ones(g.n_edges, dtype=bool)
    usable[closed] = False
    side = np.ones(g.n_edges, dtype=bool)
    closures = [("H-OTHER", np.flatnonzero(mask(g, [(2, 3)]))), ("H-BRIDGE", closed)]
    cut = diagnose(g, side, usable, 0, [3], "to", closures=closures)
    assert cut is not None
    assert (cut.kind, cut.hazards) == ("hazard", ("H-BRIDGE",))


def test_a_legal_limit_is_named_with_the_road_that_carries_it() -> None:
    g = line_graph(two_way([(0, 1), (1, 2)]), 3)
    legal = ~mask(g, [(1, 2), (2, 1)])  # a bridge the truck may not cross
    side = np.ones(g.n_edges, dtype=bool)
    cut = diagnose(g, side, legal, 0, [2], "to", legal=legal)
    assert cut is not None
    assert cut.kind == "restricted"
    assert [(int(g.src[e]), int(g.dst[e])) for e in cut.edges] == [(1, 2)]


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), a=st.integers(0, 35), b=st.integers(0, 35))
def test_a_reason_is_given_exactly_when_the_place_does_not_connect(
    seed: int, a: int, b: int
) -> None:
    """Property: on a grid with random closures, ``diagnose`` answers None iff it connects."""
    g = grid_graph(6, 6, seed=seed)
    rng = np.random.default_rng(seed)
    usable = rng.random(g.n_edges) > 0.45
    side = np.ones(g.n_edges, dtype=bool)
    closures = [("H", np.flatnonzero(~usable))]
    for direction in ("to", "from"):
        cut = diagnose(g, side, usable, a, [b], direction, closures=closures)
        assert (cut is None) == connects(g, side & usable, a, [b], direction)
        if cut is not None and cut.kind == "hazard":
            assert cut.hazards == ("H",)
            assert connects(g, side, a, [b], direction)
        elif cut is not None:
            assert cut.kind in ("dead_end", "one_way")
            assert not connects(g, side, a, [b], direction) or cut.kind == "one_way"


def _tagged(n: int) -> EdgeTags:
    tags = EdgeTags.plain(n, "primary")
    return EdgeTags(**{**tags.arrays(), "max_weight_t": np.array([7.5] + [np.inf] * (n - 1))})


def test_profiles_keep_to_their_limits_and_speeds() -> None:
    g0 = line_graph(two_way([(0, 1), (1, 2)]), 3)
    g = RoadGraph(g0.lon, g0.lat, g0.src, g0.dst, g0.length_m, g0.time_min, g0.projection,
                  _tagged(g0.n_edges))  # fmt: skip
    car = VehicleProfile("car")
    truck = VehicleProfile("truck", weight_t=18, speed_kmh={"primary": 18.0})
    slow_car = VehicleProfile("slow", speed_factor=0.5)
    odd_car = VehicleProfile("odd", speed_factor=0.7)  # 1 / 0.7 is not exact in binary
    assert allowed_edges(g, car).all()
    assert allowed_edges(g, truck).tolist() == [False, True, True, True]
    assert edge_minutes(g, truck) == pytest.approx(2 * g.time_min)  # 36 km/h capped at 18
    groups = profile_groups(g, [car, truck, slow_car, odd_car])
    assert [grp.members for grp in groups] == [("car", "slow", "odd"), ("truck",)]
    assert groups[0].scale["slow"] == pytest.approx(2.0)
    scaled = groups[0].time_min * groups[0].scale["odd"]
    assert scaled == pytest.approx(edge_minutes(g, odd_car))


def test_a_profile_refuses_impossible_values() -> None:
    with pytest.raises(ValueError, match="weight_t"):
        VehicleProfile("x", weight_t=0)
    with pytest.raises(ValueError, match="'highway' is not a road class"):
        VehicleProfile("x", speed_kmh={"highway": 50.0})
