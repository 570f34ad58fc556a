"""Small generated CEP instances for property tests: buses, two-seat trucks that have roads of
their own (``travel.by_type``, some of them ``null``: a bridge a truck may not cross) and
ambulances, with or without an agreed vehicle limit (``max_vehicles``).

``complete=True`` keeps to one checkpoint, one reception centre and no cargo, where the exact
trip MILP covers every plan (its optimum is the optimum); otherwise two of each and cargo.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

CLASSES = {
    "critical": {"weight": 10, "stretcher": True, "medical": True},
    "general": {"weight": 1},
}


def _matrix(draw: Any, ids: list[str], nulls: float) -> list[list[float | None]]:
    """Whole minutes 3..30 (0 on the diagonal); a leg is null with probability ``nulls``."""
    out: list[list[float | None]] = []
    for a in ids:
        row: list[float | None] = []
        for b in ids:
            if a == b:
                row.append(0)
            elif nulls and draw(st.floats(0, 1)) > 1 - nulls:
                row.append(None)
            else:
                row.append(draw(st.integers(3, 30)))
        out.append(row)
    return out


@st.composite
def small_instances(
    draw: Any, complete: bool = True, by_type: bool = True, cap: bool | None = None
) -> dict[str, Any]:
    """One instance (see the module docstring); ``cap`` None: with or without a limit."""
    n_g = draw(st.integers(1, 3 if complete else 4))
    n_k = 1 if complete else 2
    n_r = 1 if complete else 2
    ks = [f"K{i + 1}" for i in range(n_k)]
    gs = [f"G{i + 1}" for i in range(n_g)]
    rs = [f"R{i + 1}" for i in range(n_r)]
    fleet = {
        "bus": draw(st.integers(0, 2)),
        "truck": draw(st.integers(0, 2)),
        "ambulance": draw(st.integers(0, 1)),
    }
    if sum(fleet.values()) == 0:
        fleet["truck"] = 1
    total = sum(fleet.values())
    cargo = not complete and draw(st.booleans())
    gathering = []
    for g in gs:
        point: dict[str, Any] = {
            "id": g,
            "people": {"critical": draw(st.integers(0, 3)), "general": draw(st.integers(1, 30))},
        }
        if cargo:
            point["needs_kg"] = draw(st.integers(0, 300))
        gathering.append(point)
    out_ids, in_ids = ["D1", *rs, *ks], [*ks, *gs]
    inst: dict[str, Any] = {
        "format": "cep/1",
        "name": "generated",
        "window": {"open": 0, "close": draw(st.integers(50, 160))},
        "classes": CLASSES,
        "stop_time": {
            "fixed": draw(st.integers(0, 4)),
            "per_person": draw(st.sampled_from([0, 0.5])),
        },
        "vehicle_types": {
            "bus": {"seats": draw(st.integers(4, 10)), "cargo_kg": 200},
            "truck": {"seats": 2, "cargo_kg": 500},
            "ambulance": {"seats": 1, "stretchers": 2},
        },
        "depots": [{"id": "D1", "fleet": fleet, "supplies_kg": 400 if cargo else 0}],
        "receptions": [
            {"id": r, "capacity": draw(st.integers(5, 40)), "medical": i == 0}
            for i, r in enumerate(rs)
        ],
        "checkpoints": [
            {
                "id": k,
                "in": {"service": draw(st.integers(1, 4)), "lanes": draw(st.integers(1, 2))},
                "out": {"service": draw(st.integers(1, 6)), "lanes": draw(st.integers(1, 2))},
            }
            for k in ks
        ],
        "gathering": gathering,
        "travel": {
            "outside": {"ids": out_ids, "minutes": _matrix(draw, out_ids, 0.0)},
            "inside": {"ids": in_ids, "minutes": _matrix(draw, in_ids, 0.1)},
        },
    }
    if cargo:
        inst["cargo_weight"] = 0.01
    if by_type:
        # Trucks drive slower and some roads (a damaged bridge) are closed to them.
        inst["travel"]["by_type"] = {
            "truck": {
                "outside": {"ids": out_ids[::-1], "minutes": _matrix(draw, out_ids[::-1], 0.2)},
                "inside": {"ids": in_ids, "minutes": _matrix(draw, in_ids, 0.3)},
            }
        }
    if cap is None:
        cap = draw(st.booleans())
    if cap and total > 1:
        inst["max_vehicles"] = draw(st.integers(1, total - 1))
    return inst
