"""Benchmark: travel matrices per vehicle type, with the types that drive the same roads sharing
one routing (corridor) against one routing per type (the peer, what a plain loop would do).

Scenario: the Andorra example with six vehicle types, four of which differ only in their speed
factor (they share one routing) and two with their own roads; the places are the example's.
Both sides give the same matrices; the script checks it.

    CORRIDOR_CACHE_DIR=/tmp/cc .venv/bin/python benchmarks/profiles.py
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

from corridor.adapters.scenario_files import load_scenario
from corridor.bootstrap import wire_ports
from corridor.scenario import Scenario
from corridor.services.compile_scenario import type_matrices
from corridor.services.network import Network, TypeRoads, prepare_network

wire_ports()  # the road graphs come from adapters.osm

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "andorra" / "scenario.yaml"
TYPES = {
    "bus": {"seats": 50, "profile": "bus"},
    "bus-slow": {"seats": 50, "profile": "bus", "speed_factor": 0.8},
    "bus-fast": {"seats": 50, "profile": "bus", "speed_factor": 1.1},
    "bus-old": {"seats": 45, "profile": "bus", "speed_factor": 0.7},
    "ambulance": {"seats": 2, "stretchers": 2, "profile": "ambulance"},
    "truck": {"seats": 2, "cargo_kg": 8000, "profile": "truck", "height_m": 4.1},
}


def scenario() -> Scenario:
    base = load_scenario(EXAMPLE)
    raw = base.model_dump(by_alias=True, exclude_none=True)
    raw["vehicle_types"] = TYPES
    raw["depots"][0]["fleet"] = dict.fromkeys(TYPES, 2)
    raw["depots"][1]["fleet"] = {"bus": 2}
    raw["depots"][2]["fleet"] = {"ambulance": 1}
    out = Scenario.model_validate(raw)
    out._source = base.source
    return out


def one_per_type(net: Network) -> list[TypeRoads]:
    """The peer: every type its own routing, as if nothing were shared."""
    out = []
    for group in net.type_roads:
        for t in group.members:
            f = group.scale[t]
            out.append(TypeRoads((t,), group.allowed, group.time_min * f, group.cost * f, {t: 1}))
    return out


def timed(net: Network, repeats: int = 5) -> tuple[float, dict[str, dict[str, object]]]:
    times, got = [], {}
    for _ in range(repeats):
        t0 = time.perf_counter()
        got = type_matrices(net)
        times.append(time.perf_counter() - t0)
    return min(times), got


def main() -> None:
    print(f"load average before the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    net = prepare_network(scenario())
    groups = len(net.type_roads)
    ours, shared = timed(net)
    net.__dict__["type_roads"] = one_per_type(net)  # the cached property, replaced
    peer, alone = timed(net)
    assert shared == alone, "the shared routing must give the same matrices"
    print(f"Andorra, {len(TYPES)} vehicle types in {groups} routings, {len(net.places)} places")
    print(f"  corridor (shared routings)   {ours * 1000:8.1f} ms")
    print(f"  one routing per type (peer)  {peer * 1000:8.1f} ms", end="")
    print(f"   peer / corridor = {peer / ours:.2f}x")
    print(f"load average after the run: {statistics.mean(os.getloadavg()[:1]):.1f}")


if __name__ == "__main__":
    main()
