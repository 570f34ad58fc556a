"""An instance and a feasible plan, flattened into the arrays both engines read.

Every stop of every route is one *step*: the leg that reaches it and what is done there. Steps
are stored route after route (``first[v]:first[v + 1]`` are vehicle ``v``'s). A *trip* runs from
an ``"in"`` crossing to the next ``"out"`` crossing and owns the outside stops that follow it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from corridor.errors import InputError
from corridor.planning.instance import Instance

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: step kinds
OUTSIDE, GATHERING, CROSS_IN, CROSS_OUT = 0, 1, 2, 3


@dataclass(frozen=True)
class Trip:
    """One zone visit of a vehicle, for the tables: where it crosses and when it should be out."""

    vehicle: str
    number: int  # 1, 2, ... within the vehicle's route
    checkpoint_in: str
    checkpoint_out: str
    planned_in: float  # start of the "in" crossing
    planned_out: float  # end of the "out" crossing
    people: int


@dataclass(frozen=True)
class SimModel:
    """What the engines need to execute a plan (see the module docstring)."""

    name: str
    open: float
    close: float
    classes: list[str]
    vehicles: list[str]
    first: IntArray  # [V + 1] offsets of each vehicle's steps
    kind: npt.NDArray[np.int8]  # [S] OUTSIDE, GATHERING, CROSS_IN, CROSS_OUT
    inside_leg: BoolArray  # [S] the leg that reaches the step is inside the zone
    travel: FloatArray  # [S] matrix minutes of that leg (0 for a route's first stop)
    p_arrive: FloatArray  # [S] planned arrival
    p_begin: FloatArray  # [S] planned start of the crossing, or the planned arrival
    p_leave: FloatArray  # [S] planned end of the crossing, or the planned departure
    resource: IntArray  # [S] checkpoint direction of a crossing (2 k + 0 in, 1 out), else -1
    service: FloatArray  # [S] agreed inspection minutes of a crossing, else 0
    cargo: BoolArray  # [S] cargo is loaded or unloaded at the stop
    board: IntArray  # [S, C] planned boardings
    alight: IntArray  # [S, C] planned alightings
    point: IntArray  # [S] gathering point of the stop, else -1
    board_before: IntArray  # [S, C] planned boardings at the same point by earlier visits
    trip: IntArray  # [S] trip of the step, -1 before the route's first "in" crossing
    cross_index: IntArray  # [S] position of a crossing among all crossings, else -1
    trip_duration: FloatArray  # [T] planned minutes from the "in" start to the "out" end
    trip_out: FloatArray  # [T] planned end of the trip's "out" crossing
    trips: list[Trip]
    resources: list[tuple[str, str]]  # (checkpoint, "in"/"out") of each resource index
    lanes: IntArray  # [K2] lanes of each checkpoint direction
    registered: IntArray  # [G, C] people registered at each gathering point
    points: list[str]
    stop_fixed: float
    stop_per_person: float

    @property
    def steps(self) -> int:
        return int(self.kind.shape[0])

    @property
    def crossings(self) -> int:
        return int((self.cross_index >= 0).sum())

    @property
    def planned_out(self) -> IntArray:
        """[C] people the plan takes out, by class."""
        out: IntArray = self.board.sum(axis=0)
        return out


def _matrices(inst: Instance, vtype: str) -> dict[str, tuple[dict[str, int], Any]]:
    """The outside and inside matrices of a vehicle type: its own (``by_type``) or the shared."""
    travel = inst.raw.get("travel", {})
    own = (travel.get("by_type") or {}).get(vtype) or {}
    out: dict[str, tuple[dict[str, int], Any]] = {}
    for side in ("outside", "inside"):
        m = own.get(side) or travel[side]
        out[side] = ({p: i for i, p in enumerate(m["ids"])}, m["minutes"])
    return out


def _leg(
    mats: dict[str, tuple[dict[str, int], Any]], side: str, a: str, b: str, where: str
) -> float:
    idx, minutes = mats[side]
    v = minutes[idx[a]][idx[b]]
    if v is None:
        raise InputError(where, f"no road from {a} to {b}")
    return float(v)


#: What :func:`build_model` collects for each stop of each route, in plan order.
_COLUMNS = (
    "kind", "inside_leg", "travel", "p_arrive", "p_begin", "p_leave", "resource", "service",
    "cargo", "board", "alight", "point", "trip",
)  # fmt: skip


def build_model(inst: Instance, plan: dict[str, Any]) -> SimModel:
    """Flatten ``plan`` (already checked feasible against ``inst``) into a :class:`SimModel`."""
    classes = list(inst.classes)
    cidx = {c: i for i, c in enumerate(classes)}
    kinds = {d.id: "depot" for d in inst.depots}
    kinds.update({r.id: "reception" for r in inst.receptions})
    kinds.update({g.id: "gathering" for g in inst.gathering})
    kinds.update({k.id: "checkpoint" for k in inst.checkpoints})
    kidx = {k.id: i for i, k in enumerate(inst.checkpoints)}
    gidx = {g.id: i for i, g in enumerate(inst.gathering)}
    vtype = {v.name: v.type for v in inst.vehicles}
    cols: dict[str, list[Any]] = {k: [] for k in _COLUMNS}
    first, vehicles = [0], []
    trips: list[list[Any]] = []
    trip_in: dict[int, float] = {}
    for r, route in enumerate(plan.get("routes", [])):
        stops = route.get("stops", [])
        if len(stops) < 2:
            continue  # a vehicle that stays at its depot
        name = str(route["vehicle"])
        mats = _matrices(inst, vtype[name])
        vehicles.append(name)
        inside, trip, number = False, -1, 0
        for i, s in enumerate(stops):
            at, where = s["at"], f"plan: routes[{r}].stops[{i}]"
            kind = kinds[at]
            prev = stops[i - 1]["at"] if i else None
            side = "inside" if inside else "outside"
            cols["inside_leg"].append(inside)
            cols["travel"].append(0.0 if prev is None else _leg(mats, side, prev, at, where))
            cols["p_arrive"].append(float(s["arrive"]))
            board = [0] * len(classes)
            alight = [0] * len(classes)
            for c, n in (s.get("board") or {}).items():
                board[cidx[c]] += int(n)
            for c, n in (s.get("alight") or {}).items():
                alight[cidx[c]] += int(n)
            cols["board"].append(board)
            cols["alight"].append(alight)
            cols["cargo"].append(bool(s.get("load_kg") or s.get("unload_kg")))
            cols["point"].append(gidx.get(at, -1))
            if kind == "checkpoint":
                d = s["dir"]
                if d == "in":
                    trip, number = len(trips), number + 1
                    trip_in[trip] = float(s["start"])
                    trips.append([name, number, at, "", float(s["start"]), 0.0, 0])
                else:
                    trips[trip][3] = at
                    trips[trip][5] = float(s["end"])
                k = kidx[at]
                cross = inst.checkpoints[k].direction(d)
                cols["kind"].append(CROSS_IN if d == "in" else CROSS_OUT)
                cols["p_begin"].append(float(s["start"]))
                cols["p_leave"].append(float(s["end"]))
                cols["resource"].append(2 * k + (0 if d == "in" else 1))
                cols["service"].append(float(cross.service))
                inside = d == "in"
            else:
                cols["kind"].append(GATHERING if kind == "gathering" else OUTSIDE)
                cols["p_begin"].append(float(s["arrive"]))
                cols["p_leave"].append(float(s["depart"]))
                cols["resource"].append(-1)
                cols["service"].append(0.0)
            if trip >= 0:
                trips[trip][6] += sum(board)
            cols["trip"].append(trip)
        first.append(first[-1] + len(stops))
    return _assemble(inst, classes, vehicles, first, cols, trips)


def _assemble(
    inst: Instance,
    classes: list[str],
    vehicles: list[str],
    first: list[int],
    cols: dict[str, list[Any]],
    trips: list[list[Any]],
) -> SimModel:
    """The model's arrays from the columns :func:`build_model` collected, stop by stop."""
    board_arr = np.asarray(cols["board"], dtype=np.int64).reshape(-1, len(classes))
    point = np.asarray(cols["point"], dtype=np.int64)
    p_arrive = np.asarray(cols["p_arrive"], dtype=np.float64)
    step_kind = np.asarray(cols["kind"], dtype=np.int8)
    cross_index = np.full(len(step_kind), -1, dtype=np.int64)
    crossing = (step_kind == CROSS_IN) | (step_kind == CROSS_OUT)
    cross_index[crossing] = np.arange(int(crossing.sum()))
    trip_objs = [Trip(*t) for t in trips]
    return SimModel(
        name=inst.name,
        open=float(inst.open),
        close=float(inst.close),
        classes=classes,
        vehicles=vehicles,
        first=np.asarray(first, dtype=np.int64),
        kind=step_kind,
        inside_leg=np.asarray(cols["inside_leg"], dtype=np.bool_),
        travel=np.asarray(cols["travel"], dtype=np.float64),
        p_arrive=p_arrive,
        p_begin=np.asarray(cols["p_begin"], dtype=np.float64),
        p_leave=np.asarray(cols["p_leave"], dtype=np.float64),
        resource=np.asarray(cols["resource"], dtype=np.int64),
        service=np.asarray(cols["service"], dtype=np.float64),
        cargo=np.asarray(cols["cargo"], dtype=np.bool_),
        board=board_arr,
        alight=np.asarray(cols["alight"], dtype=np.int64).reshape(-1, len(classes)),
        point=point,
        board_before=_board_before(board_arr, point, p_arrive),
        trip=np.asarray(cols["trip"], dtype=np.int64),
        cross_index=cross_index,
        trip_duration=np.asarray([t.planned_out - t.planned_in for t in trip_objs], np.float64),
        trip_out=np.asarray([t.planned_out for t in trip_objs], dtype=np.float64),
        trips=trip_objs,
        resources=[(k.id, d) for k in inst.checkpoints for d in ("in", "out")],
        lanes=np.asarray(
            [k.direction(d).lanes for k in inst.checkpoints for d in ("in", "out")], np.int64
        ),
        registered=np.asarray(
            [[g.people.get(c, 0) for c in classes] for g in inst.gathering], dtype=np.int64
        ).reshape(-1, len(classes)),
        points=[g.id for g in inst.gathering],
        stop_fixed=float(inst.stop_fixed),
        stop_per_person=float(inst.stop_per_person),
    )


def _board_before(board: IntArray, point: IntArray, p_arrive: FloatArray) -> IntArray:
    """People of each class the plan boards at a stop's point in earlier visits.

    People are called to their vehicle from a list made in advance, in the plan's order of
    visits (planned arrival, then route order): when fewer come than registered, the last
    visits to the point find fewer people, whatever order the vehicles really arrive in.
    """
    out = np.zeros_like(board)
    visits = np.flatnonzero(point >= 0)
    order = visits[np.lexsort((visits, p_arrive[visits]))]
    seen: dict[int, IntArray] = {}
    for s in order:
        g = int(point[s])
        before = seen.get(g)
        if before is None:
            before = np.zeros(board.shape[1], dtype=np.int64)
        out[s] = before
        seen[g] = before + board[s]
    return out
