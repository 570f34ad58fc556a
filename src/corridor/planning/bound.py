"""A proven upper bound on the score of every feasible plan of a CEP instance.

The bound is the optimum of a linear relaxation over a time-indexed network (see
``docs/planning-bound.md``): vehicles of each type move between four layers of nodes per time
cell (outside a checkpoint ready to go in, inside a checkpoint ready to go out, outside a
checkpoint after coming out, at a reception centre), crossings share the lanes of their
checkpoint and direction, people are counted on the legs that take them to a reception centre,
and the minutes people take to board and to alight are paid out of the time vehicles wait.
Every duration is rounded down to the grid, every capacity up, so each feasible plan maps to a
feasible point of the relaxation with the same people-score.

The optimum that HiGHS reports is not trusted as such: :func:`upper_bound` turns the row duals
into a bound by weak duality (any dual vector gives a valid bound when every variable is boxed),
so floating-point error in the solver cannot make the bound invalid. The cargo term is bounded
apart by the needs and the supplies. Where the LP cannot be solved in time, the closed-form
bounds (everyone waiting, reception capacity) are returned and ``method`` says so.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from corridor.planning.instance import Instance

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

TOL = 1e-6  # the referee's tolerance on minutes and kilograms
SLACK = 1e-5  # every duration is shortened by this much, so TOL can never make the bound wrong
INF = math.inf
_OPTS: dict[str, bool] = {}


@dataclass(frozen=True)
class BoundResult:
    """An upper bound on the score of any feasible plan, and where it comes from.

    ``value`` = ``people`` + ``cargo``. ``method`` names the relaxation that gave the people
    term (``"lp-time-indexed"`` or a closed-form fallback); ``binding`` lists the resources whose
    dual prices carry the LP bound, largest share first, as ``(resource, share of the bound)``.
    """

    value: float
    method: str
    people: float
    cargo: float
    cell_minutes: float | None = None
    seconds: float = 0.0
    binding: list[tuple[str, float]] = field(default_factory=list)
    closed_form: float = INF


# --------------------------------------------------------------------------- shared geometry


def quickest_minutes(instance: Instance) -> tuple[dict[str, int], dict[str, int], FloatArray]:
    """All-pairs quickest drives over one graph of both sides of the zone.

    Nodes are the outside places and the inside places (a checkpoint appears on both sides);
    a crossing joins the two sides of its checkpoint at its service time (if it has a lane).
    Any sequence of legs, stops and crossings a route makes between two events lasts at least
    the quickest drive between them in this graph, which is why it is used for every duration.
    Returns (outside index, inside index, matrix) with ``inf`` where there is no way.
    """
    out_ids, in_ids = instance.outside_ids, instance.inside_ids
    n_out = len(out_ids)
    n = n_out + len(in_ids)
    d = np.full((n, n), INF)
    d[:n_out, :n_out] = np.where(np.isnan(instance.outside), INF, instance.outside)
    d[n_out:, n_out:] = np.where(np.isnan(instance.inside), INF, instance.inside)
    oi = {p: i for i, p in enumerate(out_ids)}
    ii = {p: n_out + i for i, p in enumerate(in_ids)}
    for k in instance.checkpoints:
        if k.inward.lanes > 0:
            d[oi[k.id], ii[k.id]] = min(d[oi[k.id], ii[k.id]], k.inward.service)
        if k.outward.lanes > 0:
            d[ii[k.id], oi[k.id]] = min(d[ii[k.id], oi[k.id]], k.outward.service)
    np.fill_diagonal(d, 0.0)
    for m in range(n):  # Floyd-Warshall, one row-and-column relaxation at a time
        np.minimum(d, d[:, m : m + 1] + d[m : m + 1, :], out=d)
    return oi, ii, d


def _greedy(
    weights: dict[str, float], avail: dict[str, float], caps: list[tuple[set[str], float]]
) -> float:
    """max sum(w x) with x[c] <= avail[c] and sum over S of x <= cap for a laminar family."""
    sets = [s for s, _ in caps]
    left = [float(cap) for _, cap in caps]
    total = 0.0
    for c in sorted(avail, key=lambda c: -weights[c]):
        if weights[c] <= 0:
            continue
        x = max(0.0, min([avail[c]] + [left[i] for i, s in enumerate(sets) if c in s]))
        for i, s in enumerate(sets):
            if c in s:
                left[i] -= x
        total += weights[c] * x
    return total


def _evacuable(
    instance: Instance, oi: dict[str, int], ii: dict[str, int], d: FloatArray
) -> dict[str, float]:
    """People by class at gathering points some vehicle can reach and leave by a checkpoint."""
    avail: dict[str, float] = dict.fromkeys(instance.classes, 0.0)
    for g in instance.gathering:
        reach = any(
            k.inward.lanes > 0
            and k2.outward.lanes > 0
            and d[ii[k.id], ii[g.id]] < INF
            and d[ii[g.id], ii[k2.id]] < INF
            for k in instance.checkpoints
            for k2 in instance.checkpoints
        )
        if reach:
            for c, n in g.people.items():
                avail[c] += n
    return avail


def closed_form_people(instance: Instance) -> float:
    """The people term bounded by who waits and by reception beds (medical beds apart)."""
    oi, ii, d = quickest_minutes(instance)
    avail = _evacuable(instance, oi, ii, d)
    weights = {c: p.weight for c, p in instance.classes.items()}
    medical = {c for c, p in instance.classes.items() if p.medical}
    beds = sum(math.floor(r.capacity + 1e-9) for r in instance.receptions)
    medical_beds = sum(math.floor(r.capacity + 1e-9) for r in instance.receptions if r.medical)
    return min(
        _greedy(weights, avail, []),
        _greedy(weights, avail, [(set(instance.classes), beds), (medical, medical_beds)]),
    )


def cargo_bound(instance: Instance) -> float:
    """The cargo term: only what is needed counts, and only what the depots hold can go in.

    The referee allows TOL kg beyond each depot's supplies and TOL kg of overload per vehicle.
    """
    w = instance.cargo_weight
    if w <= 0:
        return 0.0
    needs = sum(g.needs_kg for g in instance.gathering)
    supplies = sum(dp.supplies_kg for dp in instance.depots)
    extra = TOL * (len(instance.depots) + 2 * len(instance.vehicles)) + 1e-9
    carriers = sum(instance.vehicle_types[v.type].cargo_kg for v in instance.vehicles)
    if carriers <= 0:
        return 0.0
    return w * min(needs, supplies + extra)


# --------------------------------------------------------------------------- the LP


class _LP:
    """A sparse LP max c.x, row_lo <= A x <= row_hi, 0 <= x <= col_hi, built by blocks."""

    def __init__(self) -> None:
        self.n_cols = 0
        self.n_rows = 0
        self.cost: list[FloatArray] = []
        self.col_hi: list[FloatArray] = []
        self.rows: list[IntArray] = []
        self.cols: list[IntArray] = []
        self.vals: list[FloatArray] = []
        self.row_lo: list[FloatArray] = []
        self.row_hi: list[FloatArray] = []
        self.row_family: list[tuple[int, int, str]] = []
        self.col_family: list[tuple[int, int, str]] = []  # columns whose upper bound is a limit
        self.integral = False  # mark counts of vehicles and people as whole numbers
        self.integer: list[IntArray] = []

    def add_cols(
        self, n: int, hi: float | FloatArray, cost: float | FloatArray = 0.0, family: str = ""
    ) -> IntArray:
        ids = np.arange(self.n_cols, self.n_cols + n, dtype=np.int64)
        if family:
            self.col_family.append((self.n_cols, self.n_cols + n, family))
        self.n_cols += n
        self.cost.append(np.broadcast_to(np.asarray(cost, dtype=float), (n,)).copy())
        self.col_hi.append(np.broadcast_to(np.asarray(hi, dtype=float), (n,)).copy())
        return ids

    def add_rows(
        self, n: int, lo: float | FloatArray, hi: float | FloatArray, family: str
    ) -> IntArray:
        ids = np.arange(self.n_rows, self.n_rows + n, dtype=np.int64)
        self.row_family.append((self.n_rows, self.n_rows + n, family))
        self.n_rows += n
        self.row_lo.append(np.broadcast_to(np.asarray(lo, dtype=float), (n,)).copy())
        self.row_hi.append(np.broadcast_to(np.asarray(hi, dtype=float), (n,)).copy())
        return ids

    def entries(self, rows: IntArray, cols: IntArray, vals: float | FloatArray) -> None:
        rows = np.asarray(rows, dtype=np.int64)
        cols = np.asarray(cols, dtype=np.int64)
        self.rows.append(rows.ravel())
        self.cols.append(cols.ravel())
        self.vals.append(np.broadcast_to(np.asarray(vals, dtype=float), rows.shape).ravel().copy())

    def arrays(self) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, Any]:
        from scipy.sparse import csc_matrix

        c = np.concatenate(self.cost) if self.cost else np.zeros(0)
        hi = np.concatenate(self.col_hi) if self.col_hi else np.zeros(0)
        lo = np.concatenate(self.row_lo) if self.row_lo else np.zeros(0)
        up = np.concatenate(self.row_hi) if self.row_hi else np.zeros(0)
        r = np.concatenate(self.rows) if self.rows else np.zeros(0, dtype=np.int64)
        k = np.concatenate(self.cols) if self.cols else np.zeros(0, dtype=np.int64)
        v = np.concatenate(self.vals) if self.vals else np.zeros(0)
        a = csc_matrix((v, (r, k)), shape=(self.n_rows, self.n_cols))
        a.sum_duplicates()
        return c, hi, lo, up, a


def _cells(d: float, delta: float) -> int:
    """A duration of d minutes as whole cells, rounded down (after SLACK) so it never grows."""
    if d == INF:
        return -1
    return max(0, math.floor((d - SLACK) / delta + 1e-12))


def _lane_chain_count(length: float, service: float) -> float:
    """Most crossing starts one lane can fit into a closed interval of `length` minutes."""
    if length < -SLACK:
        return 0.0
    return math.floor(max(length, 0.0) / (service - SLACK)) + 1.0


def _loads_per_vehicle(
    span: float, visit: float, turn: float, pp: float, room: int
) -> tuple[int, float]:
    """(most boarding segments, most people) one vehicle can bring out in the window.

    Segment j's zone part (first in-crossing start to last out-crossing end) lasts at least
    ``visit``; between two boarding segments lies at least one ``turn`` (out, alight, back).
    So m segments need m visits + (m - 1) turns <= span. Everyone boards (pp each) before the
    last boarding segment ends, and all but its last load (<= room) also alight before it:
    A people need pp A and pp (2A - room) minutes besides, and A <= m room.
    """
    v, tn = visit - SLACK, max(turn - SLACK, 0.0)
    if not math.isfinite(v) or v > span + SLACK:
        return 0, 0.0
    if v + tn <= 0:
        return 10**9, INF
    m_max = 1 + math.floor((span + SLACK - v) / (v + tn))
    if pp <= 0:
        return m_max, float(m_max * room)
    best = 0.0
    for m in range(1, m_max + 1):
        left = span + SLACK - m * v - (m - 1) * tn
        best = max(best, min(m * room, left / pp, (left / pp + room) / 2))
    return m_max, best


def _choose_cell(instance: Instance) -> float:
    """A grid fine enough to be tight and coarse enough to solve in a few seconds.

    On the public examples the lanes bind, and the bound is the same from 2- to 8-minute
    cells; the network grows with checkpoints squared times receptions, so big instances get
    coarser cells.
    """
    span = max(instance.close - instance.open, 1e-9)
    k = len(instance.checkpoints)
    r = len(instance.receptions)
    per_cell = len(instance.vehicle_types) * (4 * k * k + 4 * k + 2 * k * r + 3 * r)
    cells = max(40, min(400, 8000 // max(per_cell, 1)))
    cell = span / cells
    for step in (0.5, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 12.0, 15.0, 20.0, 30.0):
        if step >= cell:
            return step
    return cell


def upper_bound(
    instance: Instance,
    time_limit: float | None = None,
    cell_minutes: float | None = None,
    exact: bool | None = None,
) -> BoundResult:
    """A proven upper bound on the score of every feasible plan of ``instance``.

    ``time_limit`` caps the LP solve (seconds); if HiGHS stops early the weak-duality bound of
    the duals it has is still valid, and the closed-form bound is used where it is lower.
    ``cell_minutes`` fixes the time grid (chosen from the instance size when None).
    ``exact`` also runs the exact trip MILP of :mod:`corridor.planning.exact` where its model
    covers every plan (one checkpoint, one reception centre, no cargo) and takes its bound if
    lower; None does so only where that model is small (a few vehicles and trips).

    >>> from corridor.planning.instance import load_instance
    >>> b = upper_bound(load_instance("data/cep/tiny.json"))
    >>> 181 <= b.value <= 205
    True
    """
    t0 = time.perf_counter()
    cargo = cargo_bound(instance)
    closed = closed_form_people(instance)
    delta = cell_minutes if cell_minutes is not None else _choose_cell(instance)
    people, method = INF, "closed-form"
    binding: list[tuple[str, float]] = []
    # Cut short, HiGHS leaves no certified duals: try again on coarser cells (a smaller LP, a
    # looser but still valid bound) while the time lasts, unless the grid was imposed.
    grids = [delta] if cell_minutes is not None else [delta, 2.5 * delta, 6 * delta]
    for i, cell in enumerate(grids):
        left = None if time_limit is None else time_limit - (time.perf_counter() - t0)
        if left is not None and left < 0.05:
            break
        if left is not None and i < len(grids) - 1:
            left *= 0.6  # keep some for a coarser try
        try:
            people, binding = _lp_people(instance, cell, left)
            method, delta = "lp-time-indexed", cell
            break
        except _NoLP as exc:
            method = f"closed-form ({exc})"
    if math.isfinite(people) and all(
        float(p.weight).is_integer() for p in instance.classes.values()
    ):
        people = float(math.floor(people + 1e-6))  # whole people times whole weights
    if people >= closed:
        people, method = closed, method if method != "lp-time-indexed" else "closed-form (lower)"
    if exact is None:
        exact = _small_and_complete(instance)
    if exact:
        from corridor.planning.exact import model_is_complete, solve_exact

        if model_is_complete(instance):
            limit = (
                10.0 if time_limit is None else max(1.0, time_limit - (time.perf_counter() - t0))
            )
            res = solve_exact(instance, limit)
            if res.bound - cargo < people:
                people, method = res.bound - cargo, "milp (trip model, complete)"
                binding = [("exact trip model", 1.0)]
    return BoundResult(
        value=people + cargo,
        method=method,
        people=people,
        cargo=cargo,
        cell_minutes=delta,
        seconds=time.perf_counter() - t0,
        binding=binding,
        closed_form=closed + cargo,
    )


@dataclass
class _TypeArcs:
    """The columns of one vehicle type's arcs that the people rows refer to."""

    loaded: list[IntArray]
    in_arcs: list[IntArray]
    wait_q: list[IntArray]
    wait_pr: list[IntArray]
    final: list[IntArray]
    returns: list[IntArray]
    to_rec: list[list[IntArray]]


_quiet = False


def new_highs() -> Any:
    """A silent HiGHS instance (the first one of a process prints a banner on stdout, which
    would land in the middle of a CLI's output; it is sent to /dev/null)."""
    import os
    import sys

    import highspy

    global _quiet
    if _quiet:
        h = highspy.Highs()  # type: ignore[no-untyped-call]
    else:
        sys.stdout.flush()
        saved = os.dup(1)
        try:
            with open(os.devnull, "w") as null:
                os.dup2(null.fileno(), 1)
                h = highspy.Highs()  # type: ignore[no-untyped-call]
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        _quiet = True
    h.setOptionValue("output_flag", False)
    return h


def _small_and_complete(instance: Instance) -> bool:
    from corridor.planning.exact import max_trips, model_is_complete

    return model_is_complete(instance) and len(instance.vehicles) * max_trips(instance) <= 12


class _NoLP(Exception):
    """The LP relaxation could not give a bound (solver missing, failed or out of time)."""


def _lp_people(
    instance: Instance, delta: float, time_limit: float | None
) -> tuple[float, list[tuple[str, float]]]:
    model = _build(instance, delta)
    if model is None:
        return 0.0, [("no vehicle can carry anyone out", 1.0)]
    lp, _ = model
    return _solve_certified(lp, time_limit)


def _build(
    instance: Instance, delta: float, integral: bool = False, per_vehicle: bool = False
) -> tuple[_LP, dict[str, object]] | None:
    """The time-indexed relaxation (see the module docstring and docs/planning-bound.md)."""
    oi, ii, d = quickest_minutes(instance)
    span = instance.close - instance.open
    n_cells = math.floor((span + SLACK) / delta) + 1
    cps = instance.checkpoints
    kk = len(cps)
    recs = instance.receptions
    fixed, pp = instance.stop_fixed, instance.stop_per_person
    classes = instance.classes
    avail = _evacuable(instance, oi, ii, d)
    if sum(avail.values()) <= 0 or not recs or not cps:
        return None
    people_points = [g.id for g in instance.gathering if sum(g.people.values()) > 0]

    svc_in = [k.inward.service for k in cps]
    svc_out = [k.outward.service for k in cps]
    lanes_in = [k.inward.lanes for k in cps]
    lanes_out = [k.outward.lanes for k in cps]
    # Durations in minutes (lower bounds), then cells.
    loaded = np.full((kk, kk), INF)
    transit = np.full((kk, kk), INF)
    for a, ka in enumerate(cps):
        if lanes_in[a] == 0:
            continue
        for b, kb in enumerate(cps):
            if lanes_out[b] == 0:
                continue
            transit[a, b] = svc_in[a] + d[ii[ka.id], ii[kb.id]]
            best = min(
                (d[ii[ka.id], ii[g]] + d[ii[g], ii[kb.id]] for g in people_points), default=INF
            )
            loaded[a, b] = svc_in[a] + best + fixed
    alight = np.array([[d[oi[k.id], oi[r.id]] + fixed for r in recs] for k in cps])
    back = np.array([[d[oi[r.id], oi[k.id]] for k in cps] for r in recs])
    # The last cell a crossing may start in, per checkpoint and direction.
    last_out = [
        math.floor((span - svc_out[b] + 2 * SLACK) / delta + 1e-12) if lanes_out[b] else -1
        for b in range(kk)
    ]
    last_out = [min(x, n_cells - 1) for x in last_out]
    first_out_min = [min(transit[a, b] for a in range(kk)) for b in range(kk)]
    # an in-crossing is useful only if some out-crossing can follow it in time
    latest_in_min = [  # the latest an in-crossing can start and still get out somewhere
        max(
            (span - svc_out[b] + 2 * SLACK - transit[a, b] for b in range(kk) if lanes_out[b]),
            default=-INF,
        )
        if lanes_in[a]
        else -INF
        for a in range(kk)
    ]
    last_in = [
        min(n_cells - 1, math.floor((x + SLACK) / delta + 1e-12)) if x > -INF else -1
        for x in latest_in_min
    ]
    if max(last_in) < 0 or max(last_out) < 0:
        return None

    visit_min = min((loaded[a, b] + svc_out[b] for a in range(kk) for b in range(kk)), default=INF)
    turn_min = float(
        min(
            (
                alight[b, r] + back[r, a]
                for b in range(kk)
                for r in range(len(recs))
                for a in range(kk)
            ),
            default=INF,
        )
    )
    vtypes = [t for t in instance.vehicle_types.values() if t.seats + t.stretchers > 0]
    fleet = {t.name: 0 for t in vtypes}
    depots_of: dict[str, list[tuple[str, int]]] = {t.name: [] for t in vtypes}
    for dp in instance.depots:
        for tname, count in dp.fleet.items():
            if tname in fleet and count > 0:
                fleet[tname] += count
                depots_of[tname].append((dp.id, count))
    vtypes = [t for t in vtypes if fleet[t.name] > 0]
    if not vtypes:
        return None
    if per_vehicle:  # one unit per vehicle: its boarding and alighting minutes are its own
        from corridor.planning.instance import VehicleType

        by_type = {t.name: t for t in vtypes}
        vtypes, fleet, depots_of = [], {}, {}
        for veh in instance.vehicles:
            if veh.type in by_type:
                t = by_type[veh.type]
                vtypes.append(VehicleType(veh.name, t.seats, t.stretchers, t.cargo_kg))
                fleet[veh.name] = 1
                depots_of[veh.name] = [(veh.depot, 1)]

    lp = _LP()
    lp.integral = integral
    n = n_cells
    cells = np.arange(n, dtype=np.int64)
    n_recs = len(recs)
    # Lane usage: arcs (by column) starting a crossing in a cell, per checkpoint and direction.
    lane_cols: dict[tuple[int, str], list[tuple[IntArray, IntArray]]] = {}
    loaded_out: dict[int, list[tuple[IntArray, IntArray]]] = {}
    per_type: dict[str, _TypeArcs] = {}

    for t in vtypes:
        hi = float(fleet[t.name])
        # Node rows: O[k][i], Q[k][i], P[k][i], R[r][i], flow balance = 0 (sources add fleet).
        o_rows = lp.add_rows(kk * n, 0.0, 0.0, f"flow {t.name}").reshape(kk, n)
        q_rows = lp.add_rows(kk * n, 0.0, 0.0, f"flow {t.name}").reshape(kk, n)
        qt_rows = lp.add_rows(kk * n, 0.0, 0.0, f"flow {t.name}").reshape(kk, n)  # after transit
        p_rows = lp.add_rows(kk * n, 0.0, 0.0, f"flow {t.name}").reshape(kk, n)
        r_rows = lp.add_rows(n_recs * n, 0.0, 0.0, f"flow {t.name}").reshape(n_recs, n)

        def arc(tail: IntArray | None, head: IntArray | None, m: int, hi: float = hi) -> IntArray:
            cols = lp.add_cols(m, hi)
            if integral:
                lp.integer.append(cols)
            if tail is not None:
                lp.entries(tail, cols, -1.0)
            if head is not None:
                lp.entries(head, cols, 1.0)
            return cols

        # Sources: each depot's vehicles of this type start at any checkpoint they can reach.
        for dep, count in depots_of[t.name]:
            src_row = lp.add_rows(1, 0.0, float(count), f"fleet {dep}/{t.name}")
            for a, k in enumerate(cps):
                if d[oi[dep], oi[k.id]] < INF and lanes_in[a] > 0:
                    col = lp.add_cols(1, float(count))
                    if integral:
                        lp.integer.append(col)
                    lp.entries(src_row, col, 1.0)
                    lp.entries(o_rows[a, :1], col, 1.0)
        # Waits (O is free, Q pays boarding, P and R pay alighting) and ends.
        waits: dict[str, list[IntArray]] = {"Q": [], "PR": []}
        for layer, rows, count in (
            ("O", o_rows, kk),
            ("Q", q_rows, kk),
            ("Qt", qt_rows, kk),
            ("P", p_rows, kk),
            ("R", r_rows, n_recs),
        ):
            for x in range(count):
                top = n - 1 if layer not in ("Q", "Qt") else last_out[x]
                if top >= 1:
                    w = arc(rows[x, :top], rows[x, 1 : top + 1], top)
                    if layer == "Q":
                        waits["Q"].append(w)
                    elif layer in ("P", "R"):
                        waits["PR"].append(w)
        end_cols = [arc(o_rows[a, n - 1 : n], None, 1) for a in range(kk)]
        end_cols += [arc(p_rows[b, n - 1 : n], None, 1) for b in range(kk)]
        del end_cols
        # In-crossings: loaded visits and transits, O[a][i] -> Q[b][i + len].
        loaded_cols: list[IntArray] = []
        in_arcs: list[IntArray] = []
        for a in range(kk):
            if lanes_in[a] == 0 or last_in[a] < 0:
                continue
            for b in range(kk):
                for kind, dur in (("loaded", loaded[a, b]), ("transit", transit[a, b])):
                    step = _cells(dur, delta)
                    if step < 0:
                        continue
                    top = min(last_in[a], last_out[b] - step)
                    if top < 0:
                        continue
                    src = cells[: top + 1]
                    heads = (q_rows if kind == "loaded" else qt_rows)[b, src + step]
                    cols = arc(o_rows[a, src], heads, top + 1)
                    lane_cols.setdefault((a, "in"), []).append((src, cols))
                    in_arcs.append(cols)
                    if kind == "loaded":
                        loaded_cols.append(cols)
        # Out-crossings Q[b][i] -> P[b][i + svc].
        for b in range(kk):
            if last_out[b] < 0:
                continue
            step = _cells(svc_out[b], delta)
            src = cells[: last_out[b] + 1]
            head = src + step
            ok = head < n
            for layer_rows in (q_rows, qt_rows):
                cols = arc(layer_rows[b, src[ok]], p_rows[b, head[ok]], int(ok.sum()))
                lane_cols.setdefault((b, "out"), []).append((src[ok], cols))
                if layer_rows is q_rows:
                    loaded_out.setdefault(b, []).append((src[ok], cols))
        # Alighting legs P[b][i] -> R[r][i + len] (or the end, if past the grid), people aboard.
        to_rec: list[list[IntArray]] = [[] for _ in recs]
        final_cols: list[IntArray] = []
        return_cols: list[IntArray] = []
        for b in range(kk):
            for r in range(n_recs):
                step = _cells(float(alight[b, r]), delta)
                if step < 0:
                    continue
                src = cells
                head = src + step
                inside = head < n
                if inside.any():
                    cols = arc(p_rows[b, src[inside]], r_rows[r, head[inside]], int(inside.sum()))
                    to_rec[r].append(cols)
                if (~inside).any():
                    cols = arc(p_rows[b, src[~inside]], None, int((~inside).sum()))
                    to_rec[r].append(cols)
                    final_cols.append(cols)
        for r in range(n_recs):
            final_cols.append(arc(r_rows[r, :], None, n))  # the vehicle's last alighting
            for a in range(kk):
                step = _cells(float(back[r, a]), delta)
                if step < 0 or lanes_in[a] == 0:
                    continue
                top = last_in[a] - step
                if top < 0:
                    continue
                src = cells[: top + 1]
                return_cols.append(arc(r_rows[r, src], o_rows[a, src + step], top + 1))
        per_type[t.name] = _TypeArcs(
            loaded_cols, in_arcs, waits["Q"], waits["PR"], final_cols, return_cols, to_rec
        )

    # Lanes: cumulative counts C[i] per checkpoint and direction, then windows over C.
    for (a, direction), parts in lane_cols.items():
        k = cps[a]
        spec = k.inward if direction == "in" else k.outward
        if spec.service <= SLACK:
            continue  # a crossing that takes no time is limited by nothing but the network
        top = max(int(src.max()) for src, _ in parts if len(src)) if parts else -1
        if top < 0:
            continue
        m = top + 1
        lanes = float(spec.lanes)
        fam = f"lanes {k.id} {direction}"
        if direction == "out":
            latest = span - spec.service + 2 * SLACK
            earliest = first_out_min[a] - SLACK
        else:
            latest = latest_in_min[a] + SLACK
            earliest = -SLACK
        # S[i] = crossings starting in cells i, i+1, ...: at most what one lane fits into the
        # real time from the start of cell i to the latest start, times the lanes.
        start_of = cells[:m] * delta - SLACK
        suffix_cap = lanes * np.array(
            [_lane_chain_count(latest - max(s, earliest), spec.service) for s in start_of]
        )
        suf = lp.add_cols(m, suffix_cap, family=fam)
        # S[i] - S[i+1] - sum(arcs starting in cell i) = 0
        rows = lp.add_rows(m, 0.0, 0.0, fam)
        lp.entries(rows, suf, 1.0)
        lp.entries(rows[:-1], suf[1:], -1.0)
        for src, used in parts:
            lp.entries(rows[src], used, -1.0)
        s_eff = spec.service - SLACK
        mult = 1
        done: set[int] = set()
        while True:
            width = math.floor(mult * s_eff / delta + 1e-12)
            if width >= m:
                break
            if width >= 1 and width not in done:
                done.add(width)
                # starts in cells [i, i + width) fit mult crossings per lane: S[i] - S[i + width]
                body = lp.add_rows(m - width, -INF, mult * lanes, fam)
                lp.entries(body, suf[: m - width], 1.0)
                lp.entries(body, suf[width:], -1.0)
            if not _OPTS.get("windows", True):
                break
            mult = mult + 1 if mult < 4 else int(mult * 1.5)
        # Near the start, starts in cells [0, i] come no earlier than the earliest crossing.
        for i in range(min(m - 1, math.ceil(4 * spec.service / delta))):
            e = (i + 1) * delta - SLACK
            cap = lanes * math.ceil(max(e - earliest, 0.0) / s_eff - 1e-12)
            row = lp.add_rows(1, -INF, cap, fam)
            lp.entries(
                np.array([row[0], row[0]]), np.array([suf[0], suf[i + 1]]), np.array([1.0, -1.0])
            )
        if direction == "out" and a in loaded_out:
            # Crossings after a visit that boarded someone form chains of their own, and none
            # starts before the quickest such visit can end.
            first_loaded = min(loaded[x, a] for x in range(kk)) - SLACK
            for i in range(min(m, math.ceil((first_loaded + 4 * spec.service) / delta) + 1)):
                e = (i + 1) * delta - SLACK
                cap = lanes * math.ceil(max(e - first_loaded, 0.0) / s_eff - 1e-12)
                row = lp.add_rows(1, -INF, cap, fam)
                for src, used in loaded_out[a]:
                    early = src <= i
                    if early.any():
                        lp.entries(np.full(int(early.sum()), row[0]), used[early], 1.0)
            # ... and from each cell to the end they fit the time left after that start.
            loaded_cap = lanes * np.array(
                [_lane_chain_count(latest - max(s, first_loaded), spec.service) for s in start_of]
            )
            suf_l = lp.add_cols(m, loaded_cap, family=fam)
            rows_l = lp.add_rows(m, 0.0, 0.0, fam)
            lp.entries(rows_l, suf_l, 1.0)
            lp.entries(rows_l[:-1], suf_l[1:], -1.0)
            for src, used in loaded_out[a]:
                lp.entries(rows_l[src], used, -1.0)

    # People: z[t][c][r], the objective.
    class_names = list(classes)
    z: dict[tuple[str, str, int], int] = {}
    for t in vtypes:
        for c in class_names:
            cls = classes[c]
            room = t.stretchers if cls.stretcher else t.seats
            for r, rec in enumerate(recs):
                if room <= 0 or (cls.medical and not rec.medical) or avail[c] <= 0:
                    continue
                col = lp.add_cols(1, avail[c], cls.weight)
                if integral:
                    lp.integer.append(col)
                z[t.name, c, r] = int(col[0])
    # Who waits.
    for c in class_names:
        zc = [z[key] for key in z if key[1] == c]
        if zc:
            row = lp.add_rows(1, -INF, avail[c], f"people {c}")
            lp.entries(np.full(len(zc), row[0]), np.array(zc), 1.0)
    # Beds.
    for r, rec in enumerate(recs):
        zr = [z[key] for key in z if key[2] == r]
        if zr:
            row = lp.add_rows(1, -INF, math.floor(rec.capacity + 1e-9), f"reception {rec.id}")
            lp.entries(np.full(len(zr), row[0]), np.array(zr), 1.0)
    for t in vtypes:
        info = per_type[t.name]
        # Each vehicle: m boarding segments take m visits and m - 1 turns inside the window,
        # and their boarding minutes too; see _loads_per_vehicle.
        loads, most = _loads_per_vehicle(span, visit_min, turn_min, pp, t.seats + t.stretchers)
        mine = [z[key] for key in z if key[0] == t.name]
        if mine and math.isfinite(most):
            row = lp.add_rows(1, -INF, fleet[t.name] * most, f"fleet round trips {t.name}")
            lp.entries(np.full(len(mine), row[0]), np.array(mine), 1.0)
        for kind, room in (("seated", t.seats), ("stretcher", t.stretchers)):
            part = [
                z[key]
                for key in z
                if key[0] == t.name and classes[key[1]].stretcher == (kind == "stretcher")
            ]
            if part:
                row = lp.add_rows(
                    1, -INF, fleet[t.name] * loads * room, f"fleet round trips {t.name}"
                )
                lp.entries(np.full(len(part), row[0]), np.array(part), 1.0)
        for kind, room in (("seated", t.seats), ("stretcher", t.stretchers)):
            sel = [c for c in class_names if classes[c].stretcher == (kind == "stretcher")]
            # A load may alight at several centres on one way back; its leg in the network goes
            # to one of them (any will do for the times), to a medical one if it carries
            # medical classes. So: people fit all legs, medical people fit legs to medical
            # centres.
            for subset, only_medical in (
                (sel, False),
                ([c for c in sel if classes[c].medical], True),
            ):
                zr = [z[key] for key in z if key[0] == t.name and key[1] in subset]
                if not zr:
                    continue
                row = lp.add_rows(1, -INF, 0.0, f"room {t.name}")
                lp.entries(np.full(len(zr), row[0]), np.array(zr), 1.0)
                for r, rec in enumerate(recs):
                    if only_medical and not rec.medical:
                        continue
                    for leg in info.to_rec[r]:
                        lp.entries(np.full(len(leg), row[0]), leg, -float(room))
            # every load was boarded in a visit that stopped at a gathering point
            zt = [z[key] for key in z if key[0] == t.name and key[1] in sel]
            if zt:
                row = lp.add_rows(1, -INF, 0.0, f"room {t.name}")
                lp.entries(np.full(len(zt), row[0]), np.array(zt), 1.0)
                for leg in info.loaded:
                    lp.entries(np.full(len(leg), row[0]), leg, -float(room))
        if pp > 0 and _OPTS.get("budget", True):
            everyone = [z[key] for key in z if key[0] == t.name]
            if not everyone:
                continue
            # boarding minutes come out of the waits inside (one cell of rounding per visit)
            row = lp.add_rows(1, -INF, 0.0, f"boarding time {t.name}")
            lp.entries(np.full(len(everyone), row[0]), np.array(everyone), pp)
            for arcs in (*info.wait_q, *info.in_arcs):
                lp.entries(np.full(len(arcs), row[0]), arcs, -delta)
            # alighting minutes of vehicles that come back come out of the waits outside
            z_fin = lp.add_cols(1, float(sum(avail.values())))
            row = lp.add_rows(1, -INF, 0.0, f"alighting time {t.name}")
            lp.entries(np.full(len(everyone), row[0]), np.array(everyone), pp)
            lp.entries(row, z_fin, -pp)
            for arcs in (*info.wait_pr, *info.returns):
                lp.entries(np.full(len(arcs), row[0]), arcs, -delta)
            row = lp.add_rows(1, -INF, 0.0, f"alighting time {t.name}")
            lp.entries(row, z_fin, 1.0)
            for arcs in info.final:
                lp.entries(np.full(len(arcs), row[0]), arcs, -float(t.seats + t.stretchers))
    return lp, {"cells": n_cells, "delta": delta}


def _pass(lp: _LP, time_limit: float | None) -> Any:
    """A silent HiGHS instance holding the model (and its integrality, if any)."""
    import highspy

    c, col_hi, row_lo, row_hi, a = lp.arrays()
    h = new_highs()
    h.setOptionValue("threads", 1)
    if time_limit is not None:
        h.setOptionValue("time_limit", float(max(time_limit, 0.1)))
    model = highspy.HighsLp()
    model.num_col_ = a.shape[1]
    model.num_row_ = a.shape[0]
    model.sense_ = highspy.ObjSense.kMaximize
    model.col_cost_ = c
    model.col_lower_ = np.zeros(a.shape[1])
    model.col_upper_ = np.where(np.isinf(col_hi), highspy.kHighsInf, col_hi)
    model.row_lower_ = np.where(np.isinf(row_lo), -highspy.kHighsInf, row_lo)
    model.row_upper_ = np.where(np.isinf(row_hi), highspy.kHighsInf, row_hi)
    model.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    model.a_matrix_.start_ = a.indptr.astype(np.int32)
    model.a_matrix_.index_ = a.indices.astype(np.int32)
    model.a_matrix_.value_ = a.data
    if lp.integer:
        kinds = np.full(a.shape[1], int(highspy.HighsVarType.kContinuous), dtype=np.uint8)
        kinds[np.concatenate(lp.integer)] = int(highspy.HighsVarType.kInteger)
        model.integrality_ = [highspy.HighsVarType(int(x)) for x in kinds]
    h.passModel(model)
    return h


def relaxation_mip(
    instance: Instance, time_limit: float, cell_minutes: float = 1.0, per_vehicle: bool = True
) -> float:
    """The time-indexed relaxation with whole vehicles and people (one unit per vehicle by
    default, so each pays its own boarding minutes), solved as a MIP: an upper bound on every
    plan's people-score, often much tighter than the LP on small instances. Returns the MIP's
    dual bound (rounded down where every weight is whole), or ``inf`` if HiGHS has none.
    """
    model = _build(instance, cell_minutes, integral=True, per_vehicle=per_vehicle)
    if model is None:
        return 0.0
    h = _pass(model[0], time_limit)
    h.setOptionValue("mip_rel_gap", 0.0)
    h.run()
    info = h.getInfo()
    value = float(info.mip_dual_bound)
    if not math.isfinite(value) or abs(value) >= 1e30:
        return INF
    value += 1e-6 * max(1.0, abs(value))
    if all(float(p.weight).is_integer() for p in instance.classes.values()):
        value = float(math.floor(value))
    return value


def _solve_certified(lp: _LP, time_limit: float | None) -> tuple[float, list[tuple[str, float]]]:
    """Solve with HiGHS and return a bound certified from the duals by weak duality."""
    c, col_hi, row_lo, row_hi, a = lp.arrays()
    h = _pass(lp, time_limit)
    h.setOptionValue("solver", "ipm")
    h.setOptionValue("run_crossover", "off")  # the duals are certified below, not trusted
    h.run()
    sol = h.getSolution()
    if not sol.dual_valid:
        raise _NoLP(f"HiGHS stopped: {h.modelStatusToString(h.getModelStatus())}")
    y = np.asarray(sol.row_dual, dtype=float)
    best, share, col_share = INF, np.zeros(0), np.zeros(0)
    for sign in (1.0, -1.0):
        value, contrib, col_contrib = _weak_duality(c, col_hi, row_lo, row_hi, a, sign * y)
        if value < best:
            best, share, col_share = value, contrib, col_contrib
    if not math.isfinite(best):
        raise _NoLP("the LP duals give no finite bound")
    families: dict[str, float] = {}
    for lo, hi, fam in lp.row_family:
        if hi > lo:
            families[fam] = families.get(fam, 0.0) + float(share[lo:hi].sum())
    for lo, hi, fam in lp.col_family:
        families[fam] = families.get(fam, 0.0) + float(col_share[lo:hi].sum())
    total = sum(v for v in families.values() if v > 0) or 1.0
    binding = sorted(
        ((f, v / total) for f, v in families.items() if v > 1e-6 * total), key=lambda x: -x[1]
    )
    return best, binding


def _weak_duality(
    c: FloatArray,
    col_hi: FloatArray,
    row_lo: FloatArray,
    row_hi: FloatArray,
    a: Any,
    y: FloatArray,
) -> tuple[float, FloatArray, FloatArray]:
    """max c.x over {row_lo <= Ax <= row_hi, 0 <= x <= col_hi} <= this, for ANY vector y.

    c.x = y.Ax + (c - A'y).x <= sum_i max(y_i lo_i, y_i hi_i) + sum_j max(0, (c - A'y)_j) hi_j.
    A term that would be infinite makes the bound infinite (useless, never wrong).
    Returns the bound (with a margin for rounding) and each row's and column's share of it.
    """
    y = np.where(np.abs(y) < 1e-12, 0.0, y)
    # A price on the unbounded side of a row would give infinity: drop it (y stays any vector).
    y = np.where((y > 0) & np.isinf(row_hi), 0.0, y)
    y = np.where((y < 0) & np.isinf(row_lo), 0.0, y)
    row_term = np.where(y > 0, y * np.where(np.isinf(row_hi), 0.0, row_hi), 0.0)
    row_term = row_term + np.where(y < 0, y * np.where(np.isinf(row_lo), 0.0, row_lo), 0.0)
    reduced = c - a.T @ y
    pos = np.maximum(reduced, 0.0)
    with np.errstate(invalid="ignore"):
        col_term = np.where(pos > 0, pos * col_hi, 0.0)
    if not np.all(np.isfinite(col_term)):
        return INF, row_term, col_term
    value = float(row_term.sum() + col_term.sum())
    scale = float(np.abs(row_term).sum() + np.abs(col_term).sum())
    return value + 1e-9 * scale + 1e-7, row_term, col_term
