"""Use case: compile a scenario into a CEP instance (``data/cep/FORMAT.md``).

Travel minutes come from hazard-aware routing on the scenario's roads: inside legs (between
checkpoints and gathering points) use only roads within the zone, outside legs (between depots,
reception centres and checkpoints) only roads outside it, so the only ways between the two
sides are the checkpoints. Minutes are the real driving time of the least-cost route (risk
penalties steer the choice, they are not added to the time), scaled for the slowest vehicle
type in the fleet. Times are minutes from midnight of the window's local day.
"""

from __future__ import annotations

import math
from typing import Any

from corridor.routing.paths import route_matrix
from corridor.scenario.model import Scenario
from corridor.services.routes import Network, prepare_network


def _minutes(v: float) -> float | None:
    return None if math.isnan(v) else round(float(v), 2)


def compile_instance(scenario: Scenario, net: Network | None = None) -> dict[str, Any]:
    """The CEP instance of ``scenario`` (a JSON-ready dict)."""
    net = net or prepare_network(scenario)
    s = scenario
    open_min, close_min = s.window.minutes()

    outside_ids = (
        [d.id for d in s.depots] + [r.id for r in s.receptions] + [c.id for c in s.checkpoints]
    )
    inside_ids = [c.id for c in s.checkpoints] + [g.id for g in s.gathering]
    matrices = {}
    for side, ids, keep in (
        ("outside", outside_ids, net.outside_edges),
        ("inside", inside_ids, net.inside_edges),
    ):
        nodes = [net.places[i].node for i in ids]
        res = route_matrix(net.graph, net.effect.cost, keep, nodes, time_factor=net.time_factor)
        minutes = [[_minutes(res.time_min[a, b]) for b in range(len(ids))] for a in range(len(ids))]
        for a in range(len(ids)):
            minutes[a][a] = 0.0
        matrices[side] = {"ids": ids, "minutes": minutes}

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
        "travel": matrices,
    }
