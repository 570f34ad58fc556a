#!/usr/bin/env python3
"""generate.py: a deterministic generator of CEP instances (see FORMAT.md beside this file).

Copied from ../shared/cep/generate.py (the shared CEP folder beside the clone) so that the
planner benchmark makes its generated instances on a fresh clone too. One change: the
Floyd-Warshall closure of the travel matrices runs a step for all pairs at once with numpy
where numpy is installed (a million-person instance has a 1,010-place inside matrix: hours in
pure Python, seconds this way); the additions and comparisons are the same, so the same
arguments give the same bytes as the original (benchmarks/planner.py checks it on gen-20 when
the original is there).

    python3 generate.py --seed N --gathering G --depots D --receptions R --checkpoints K \\
        --buses B --ambulances A --people P --window OPEN CLOSE [--cargo] [--name NAME] -o FILE

Geometry: the besieged zone is a disc (radius grows with the number of gathering points) with
gathering points inside and checkpoints on its edge. Depots lie 10-80 km and reception centres
10-120 km beyond the edge. Outside, roads go around the zone, never through it. Travel minutes
are distance / speed x a detour factor per pair of places (25 km/h inside, 60 km/h outside),
closed under shortest paths, rounded to 0.1. The same arguments always give the same bytes.
Standard library only.
"""

import argparse
import json
import math
import random

INSIDE_KMH, OUTSIDE_KMH = 25.0, 60.0
INSIDE_DETOUR, OUTSIDE_DETOUR = (1.3, 1.6), (1.15, 1.4)
CLASSES = {
    "critical": {"weight": 10, "stretcher": True, "medical": True},
    "vulnerable": {"weight": 3},
    "general": {"weight": 1},
}
SHARES = {"critical": 0.01, "vulnerable": 0.15}  # general: the rest
BUS = {"seats": 50, "stretchers": 0, "cargo_kg": 1000}
AMBULANCE = {"seats": 2, "stretchers": 2, "cargo_kg": 100}


def polar(r, theta):
    return (r * math.cos(theta), r * math.sin(theta))


def around_disc(p, q, radius):
    """Length of the shortest path from p to q that does not enter the disc (both outside it)."""
    rp, rq = math.hypot(*p), math.hypot(*q)
    cos_phi = (p[0] * q[0] + p[1] * q[1]) / (rp * rq)
    phi = math.acos(max(-1.0, min(1.0, cos_phi)))
    ap, aq = math.acos(min(1.0, radius / rp)), math.acos(min(1.0, radius / rq))
    if phi <= ap + aq:  # the straight line misses the zone
        return math.dist(p, q)
    tangents = math.sqrt(max(0.0, rp * rp - radius * radius)) + math.sqrt(
        max(0.0, rq * rq - radius * radius)
    )
    return tangents + radius * (phi - ap - aq)


def travel_matrix(rng, points, distance, kmh, detour):
    """Minutes between every pair: distance / speed x a random detour, then shortest paths."""
    n = len(points)
    m = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            m[i][j] = m[j][i] = distance(points[i], points[j]) / kmh * 60 * rng.uniform(*detour)
    # Floyd-Warshall: a road network has no shortcut through a third place. Row k and column k
    # do not change in step k (m[k][k] is 0), so the step is done for all i, j at once with
    # numpy when it is there: the same additions and comparisons, hence the same floats.
    try:
        import numpy as np
    except ImportError:
        np = None
    if np is not None:
        a = np.array(m, dtype=float)
        for k in range(n):
            np.minimum(a, a[:, k, None] + a[None, k, :], out=a)
        m = a.tolist()
    else:
        for k in range(n):
            for i in range(n):
                for j in range(n):
                    m[i][j] = min(m[i][j], m[i][k] + m[k][j])
    return [[round(v, 1) for v in row] for row in m]


def apportion(total, weights):
    """Split an integer total in proportion to weights (largest remainders), summing exactly."""
    if not weights:
        return []
    raw = [total * w / sum(weights) for w in weights]
    out = [math.floor(x) for x in raw]
    for i in sorted(range(len(raw)), key=lambda i: out[i] - raw[i])[: total - sum(out)]:
        out[i] += 1
    return out


def split_classes(rng, n):
    """The people of one gathering point by class: about 1% critical, 15% vulnerable."""
    people = {}
    for c, share in SHARES.items():
        x = n * share * rng.uniform(0.5, 1.5)
        people[c] = min(
            n - sum(people.values()), math.floor(x) + (rng.random() < x - math.floor(x))
        )
    people["general"] = n - sum(people.values())
    return people


def checkpoint(rng):
    return {
        "in": {"service": round(rng.uniform(3, 6) * 2) / 2, "lanes": rng.randint(1, 3)},
        "out": {"service": round(rng.uniform(8, 20) * 2) / 2, "lanes": rng.randint(1, 3)},
    }


def receptions(rng, n, people):
    """Reception centres with room for 80-120% of everyone in all; the first is medical and
    about a third of the rest too (hospitals, half the size)."""
    medical = [i == 0 or rng.random() < 0.35 for i in range(n)]
    weights = [rng.uniform(0.5, 1.5) * (0.5 if m else 1.0) for m in medical]
    caps = apportion(round(people * rng.uniform(0.8, 1.2) / 10), weights)
    return [
        {"id": f"R{i + 1}", "capacity": 10 * c, "medical": m}
        for i, (c, m) in enumerate(zip(caps, medical, strict=False))
    ]


def generate(a):
    rng = random.Random(a.seed)
    radius = (2.5 + 0.8 * math.sqrt(a.gathering)) * rng.uniform(0.9, 1.1)
    inner = [
        polar(0.95 * radius * math.sqrt(rng.random()), rng.uniform(0, 2 * math.pi))
        for _ in range(a.gathering)
    ]
    turn = rng.uniform(0, 2 * math.pi)
    gates = [
        polar(radius, turn + 2 * math.pi * (k + rng.uniform(-0.3, 0.3)) / a.checkpoints)
        for k in range(a.checkpoints)
    ]
    depot_xy = [
        polar(radius + rng.uniform(10, 80), rng.uniform(0, 2 * math.pi)) for _ in range(a.depots)
    ]
    recep_xy = [
        polar(radius + rng.uniform(10, 120), rng.uniform(0, 2 * math.pi))
        for _ in range(a.receptions)
    ]

    sizes = apportion(a.people, [rng.lognormvariate(0, 0.5) for _ in range(a.gathering)])
    gathering = [{"id": f"G{i + 1}", "people": split_classes(rng, n)} for i, n in enumerate(sizes)]
    buses = apportion(a.buses, [rng.uniform(0.5, 1.5) for _ in range(a.depots)])
    ambulances = apportion(a.ambulances, [rng.uniform(0.5, 1.5) for _ in range(a.depots)])
    depots = [
        {"id": f"D{i + 1}", "fleet": {"bus": b, "ambulance": m}}
        for i, (b, m) in enumerate(zip(buses, ambulances, strict=False))
    ]
    checkpoints = [{"id": f"K{k + 1}"} | checkpoint(rng) for k in range(a.checkpoints)]
    recs = receptions(rng, a.receptions, a.people)

    vehicle_types = {"bus": dict(BUS), "ambulance": dict(AMBULANCE)}
    if a.cargo:
        for g, n in zip(gathering, sizes, strict=False):
            g["needs_kg"] = 10 * round(n * rng.uniform(1.0, 3.0) / 10)
        stock = sum(g["needs_kg"] for g in gathering) * rng.uniform(0.6, 0.9)
        for d, kg in zip(
            depots,
            apportion(round(stock / 10), [rng.uniform(0.5, 1.5) for _ in depots]),
            strict=False,
        ):
            d["supplies_kg"] = 10 * kg
    else:
        for v in vehicle_types.values():
            del v["cargo_kg"]

    out_ids = [d["id"] for d in depots] + [r["id"] for r in recs] + [k["id"] for k in checkpoints]
    in_ids = [k["id"] for k in checkpoints] + [g["id"] for g in gathering]
    outside = travel_matrix(
        rng,
        depot_xy + recep_xy + gates,
        lambda p, q: around_disc(p, q, radius),
        OUTSIDE_KMH,
        OUTSIDE_DETOUR,
    )
    inside = travel_matrix(rng, gates + inner, math.dist, INSIDE_KMH, INSIDE_DETOUR)

    instance = {
        "format": "cep/1",
        "name": a.name or f"cep-s{a.seed}-g{a.gathering}-p{a.people}",
        "window": {"open": a.window[0], "close": a.window[1]},
        "classes": CLASSES,
    }
    if a.cargo:
        instance["cargo_weight"] = 0.01
    instance |= {
        "stop_time": {"fixed": 5, "per_person": 0.25},
        "vehicle_types": vehicle_types,
        "depots": depots,
        "receptions": recs,
        "checkpoints": checkpoints,
        "gathering": gathering,
        "travel": {
            "outside": {"ids": out_ids, "minutes": outside},
            "inside": {"ids": in_ids, "minutes": inside},
        },
    }
    return instance


def dumps(obj, level=0):
    """JSON with one line per record and per matrix row, so the file stays readable."""
    one = json.dumps(obj)
    values = obj.values() if isinstance(obj, dict) else obj if isinstance(obj, list) else None
    if values is None or len(one) <= 100 or not any(isinstance(v, (dict, list)) for v in values):
        return one
    pad, end = "  " * (level + 1), "  " * level
    if isinstance(obj, dict):
        body = [f"{pad}{json.dumps(k)}: {dumps(v, level + 1)}" for k, v in obj.items()]
        return "{\n" + ",\n".join(body) + "\n" + end + "}"
    return "[\n" + ",\n".join(pad + dumps(v, level + 1) for v in obj) + "\n" + end + "]"


def main(argv=None):
    ap = argparse.ArgumentParser(description="Generate a CEP instance (deterministic per seed).")
    for flag in (
        "seed",
        "gathering",
        "depots",
        "receptions",
        "checkpoints",
        "buses",
        "ambulances",
        "people",
    ):
        ap.add_argument(f"--{flag}", type=int, required=True)
    ap.add_argument("--window", type=float, nargs=2, metavar=("OPEN", "CLOSE"), required=True)
    ap.add_argument("--cargo", action="store_true", help="add relief cargo (needs and supplies)")
    ap.add_argument("--name")
    ap.add_argument("-o", "--output", required=True)
    a = ap.parse_args(argv)
    if min(a.gathering, a.depots, a.receptions, a.checkpoints) < 1 or a.people < 0:
        ap.error("need at least one gathering point, depot, reception centre and checkpoint")
    a.window = [int(t) if t.is_integer() else t for t in a.window]
    with open(a.output, "w", encoding="utf-8") as f:
        f.write(dumps(generate(a)) + "\n")


if __name__ == "__main__":
    main()
