"""Use case: compile a scenario into a CEP instance (``data/cep/FORMAT.md``).

Travel minutes come from hazard-aware routing on the scenario's roads: inside legs (between
checkpoints and gathering points) use only roads within the zone, outside legs (between depots,
reception centres and checkpoints) only roads outside it, so the only ways between the two
sides are the checkpoints. Minutes are the real driving time of the least-cost route (risk
penalties steer the choice, they are not added to the time). Each vehicle type drives with its
own profile: the shared matrices are, leg by leg, the slowest fleet type's time (no road where
any type has none), and ``travel.by_type`` gives every type whose own matrix differs from them.
A place that is not on a road it may use has no road to or from it. Times are minutes from
midnight of the window's local day.
"""

from __future__ import annotations

import math
from typing import Any

from corridor.routing.paths import route_matrix
from corridor.scenario.model import Scenario
from corridor.services.network import Network, prepare_network
from corridor.services.place_bounds import check_places_on_extract

Matrix = list[list[float | None]]


def _minutes(v: float) -> float | None:
    return None if math.isnan(v) else round(float(v), 2)


def side_ids(scenario: Scenario) -> dict[str, list[str]]:
    """The places of each side's matrix, in the CEP order."""
    s = scenario
    return {
        "outside": [d.id for d in s.depots]
        + [r.id for r in s.receptions]
        + [c.id for c in s.checkpoints],
        "inside": [c.id for c in s.checkpoints] + [g.id for g in s.gathering],
    }


def type_matrices(net: Network) -> dict[str, dict[str, Matrix]]:
    """Minutes per fleet type and side (one routing per group of types with the same roads)."""
    out: dict[str, dict[str, Matrix]] = {}
    for side, ids in side_ids(net.scenario).items():
        nodes = [net.places[i].node for i in ids]
        cut = [not net.places[i].on_road for i in ids]
        edges = net.sides.inside if side == "inside" else net.sides.outside
        for roads in net.type_roads:
            res = route_matrix(
                net.graph, roads.cost, edges & roads.allowed, nodes, time=roads.time_min
            )
            for t in roads.members:
                f = roads.scale[t]
                m: Matrix = [
                    [
                        0.0 if a == b else None if cut[a] or cut[b] else
                        _minutes(res.time_min[a, b] * f)
                        for b in range(len(ids))
                    ]
                    for a in range(len(ids))
                ]  # fmt: skip
                out.setdefault(t, {})[side] = m
    return out


def _slowest(matrices: list[Matrix]) -> Matrix:
    """Leg by leg, the largest time; no road where any matrix has none."""
    first = matrices[0]
    return [
        [
            None if any(m[a][b] is None for m in matrices) else max(m[a][b] for m in matrices)  # type: ignore[type-var]
            for b in range(len(first))
        ]
        for a in range(len(first))
    ]


def travel(net: Network) -> dict[str, Any]:
    """The instance's ``travel``: shared matrices and ``by_type`` where a type differs."""
    ids = side_ids(net.scenario)
    per_type = type_matrices(net)
    out: dict[str, Any] = {}
    by_type: dict[str, dict[str, Any]] = {}
    for side in ("outside", "inside"):
        shared = _slowest([per_type[t][side] for t in per_type])
        out[side] = {"ids": ids[side], "minutes": shared}
        for t, sides in per_type.items():
            if sides[side] != shared:
                by_type.setdefault(t, {})[side] = {"ids": ids[side], "minutes": sides[side]}
    if by_type:
        out["by_type"] = by_type
    return out


def compile_instance(scenario: Scenario, net: Network | None = None) -> dict[str, Any]:
    """The CEP instance of ``scenario`` (a JSON-ready dict); raises InputError for a place far
    outside the OSM extract (:mod:`corridor.services.place_bounds`)."""
    net = net or prepare_network(scenario)
    check_places_on_extract(net)
    s = scenario
    open_min, close_min = s.window.minutes()
    noise = {"simulation": dict(s.simulation)} if s.simulation else {}
    return {
        "format": "cep/1",
        "name": s.name,
        "window": {"open": round(open_min, 4), "close": round(close_min, 4)},
        "classes": {
            k: {"weight": c.weight, "stretcher": c.stretcher, "medical": c.medical}
            for k, c in s.classes.items()
        },
        "cargo_weight": s.cargo_weight,
        "stop_time": {"fixed": s.stop_time.fixed, "per_person": s.stop_time.per_person},
        "vehicle_types": {
            k: {"seats": v.seats, "stretchers": v.stretchers, "cargo_kg": v.cargo_kg}
            for k, v in s.vehicle_types.items()
        },
        "depots": [
            {"id": d.id, "fleet": dict(d.fleet), "supplies_kg": d.supplies_kg} for d in s.depots
        ],
        "receptions": [
            {"id": r.id, "capacity": r.capacity, "medical": r.medical} for r in s.receptions
        ],
        "checkpoints": [
            {
                "id": c.id,
                "in": {"service": c.inward.service, "lanes": c.inward.lanes},
                "out": {"service": c.outward.service, "lanes": c.outward.lanes},
            }
            for c in s.checkpoints
        ],
        "gathering": [
            {"id": g.id, "people": dict(g.people), "needs_kg": g.needs_kg} for g in s.gathering
        ],
        "travel": travel(net),
        **noise,
    }
