"""Use case: replan the operation from its live state after an incident.

The plan in force is cut where each vehicle really is: the stops it has reached (its tracked
progress along its route, or a check-in there), with the boarding counts the check-ins give,
are kept (``--keep`` semantics: a vehicle caught inside or with people aboard is first brought
out and to a reception centre); the incident becomes a closed hazard of ``radius_m`` around it
(the roads it touches are closed and the travel times compiled again); what remains of the
agreed window is planned, and no new movement reaches a checkpoint before the agreement's
notification lead time (plus ``REVIEW_MIN`` for the coordinator to publish) from now. A vehicle
inside with no road out (or no time left to take one) is held where it is, its people aboard:
the plan lists it under ``held``, the answer under ``stranded``, and a ``stranded`` alert is
raised (its reason says which). The hazards of the plan replaced stay closed, and the vehicles
it held stay held (or are brought out from where they are, their people aboard). A vehicle
whose recorded stops break a plan rule (more boarded than its room) is held as recorded, and
the answer's ``notes`` name it with the rule: the replan does not fail. Where the check-ins
count more boarded at a gathering point than the scenario says wait there (people came after
the count), the replan's instance has what they counted (nobody is left waiting there, the
extra are carried out like everyone aboard), the plan's ``params.counted`` and the answer's
``notes`` say so with both numbers: that does not fail the replan either. Legs driven before
the hazard keep their times in the new instance (:func:`with_driven_legs`); new stops are planned
on the roads as the hazard left them. The new plan is checked against the new instance and
against the agreement, stored as a plan like any other (``rejected`` with why when it fails),
and published by the coordinator as the next version (``POST /v1/plans/{id}/publish``), which
lists its differences and notifies the new movements.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corridor.domain.access import Principal
from corridor.domain.operations import Event, plan_compliance, restrict_instance
from corridor.domain.tracking import minute_of
from corridor.errors import CorridorError
from corridor.services.accounts import require
from corridor.services.errors import Conflict, NotFound
from corridor.services.live_plan import params_of, plan_in_force
from corridor.services.reconciliation import checkins_counted
from corridor.services.replan_carry import (
    counted_notes,
    counted_over,
    hazards_for,
    held_routes,
    idle_notes,
    keep_since,
    odd_notes,
    with_counted,
)
from corridor.services.stranded import raise_stranded

if TYPE_CHECKING:
    from collections.abc import Callable

    from corridor.services.network import Network
    from corridor.services.unit_of_work import UnitOfWork


#: Minutes a replan leaves the coordinator to look at it and publish it: its new trips enter
#: the zone no sooner than the notification lead time plus this from the replan's now.
REVIEW_MIN = 10.0


@functools.lru_cache(maxsize=4)
def _network(scenario_file: str, cache_dir: str, hazards: tuple[str, ...]) -> tuple[Any, Network]:
    import json

    from corridor.scenario.model import Hazard
    from corridor.services.network import prepare_network
    from corridor.services.ports import scenario_source

    scenario = scenario_source().load(Path(scenario_file))
    extra = [Hazard.model_validate(json.loads(h)) for h in hazards]
    if extra:
        scenario = scenario.model_copy(update={"hazards": [*scenario.hazards, *extra]})
    return scenario, prepare_network(scenario, cache_dir=Path(cache_dir))


def network_with(
    scenario: dict[str, Any], data_dir: Path, hazards: list[dict[str, Any]]
) -> tuple[Any, Network]:
    """The scenario (with extra closed hazards) and its road network, kept for reuse."""
    import json

    key = tuple(json.dumps(h, sort_keys=True) for h in hazards)
    return _network(str(Path(scenario["base_dir"]) / "scenario.yaml"), str(data_dir / "cache"), key)


def live_keep(
    plan: dict[str, Any],
    reached: dict[str, int],
    boarded: dict[tuple[str, str], dict[str, int]],
) -> dict[str, Any]:
    """The plan in force cut after the stops each vehicle has reached (``reached``: how many
    of its stops), the boardings as the check-ins counted them. A vehicle the plan held where
    it was keeps every stop it made (its people are aboard): the planner holds it again or
    brings it out from there."""
    keep = copy.deepcopy(plan)
    for route in keep["routes"]:
        route["stops"] = route["stops"][: reached.get(route["vehicle"], 0)]
    keep["routes"] += held_routes(keep)
    keep.pop("held", None)
    for route in keep["routes"]:
        for s in route["stops"]:
            counted = boarded.get((route["vehicle"], s["at"]))
            if counted is not None and s.get("board"):
                s["board"] = dict(counted)
    return keep


def with_driven_legs(
    instance: dict[str, Any], before: dict[str, Any] | None, keep: dict[str, Any], now: float
) -> dict[str, Any]:
    """``instance`` with each leg already driven (between two stops kept at ``now``) that the
    new hazard closed or lengthened given back the time it had in ``before``: it was driven
    before the hazard. The planner plans new stops on the roads of ``instance`` as it was
    (closed for good), so the legs given back serve only the plan's history and the referee's
    check."""
    from itertools import pairwise

    from corridor.planning.replan import kept_stops

    if before is None:
        return instance
    out = copy.deepcopy(instance)
    tables = [("", out["travel"], before["travel"])]
    tables += [
        (t, sides, before["travel"].get("by_type", {}).get(t, before["travel"]))
        for t, sides in out["travel"].get("by_type", {}).items()
    ]
    for stops in kept_stops(keep, now).values():
        inside = False
        for a, b in pairwise(stops):
            inside = a["dir"] == "in" if "dir" in a else inside
            side = "inside" if inside else "outside"
            for _, sides, old in tables:
                if side in sides and side in old:
                    _give_back(sides[side], old[side], a["at"], b["at"])
    return out


def _give_back(matrix: dict[str, Any], old: dict[str, Any], a: str, b: str) -> None:
    ids, was = matrix["ids"], old["ids"]
    if a in ids and b in ids and a in was and b in was:
        i, j = ids.index(a), ids.index(b)
        then, now = old["minutes"][was.index(a)][was.index(b)], matrix["minutes"][i][j]
        if then is not None and (now is None or now > then):
            matrix["minutes"][i][j] = then


def replan(
    uow: UnitOfWork,
    who: Principal,
    agreed: Callable[[str], dict[str, Any] | None],
    data_dir: Path,
    incident_id: int | None,
    radius_m: float,
    time_limit: float,
    seed: int,
    iterations: int | None = None,
    ahead: float | None = None,
) -> dict[str, Any]:
    """Plan again from now; returns the new plan's row (done or rejected, with why).
    ``iterations`` caps each round's improvement iterations (the same replan on any machine);
    ``ahead``: at most, minutes a loaded vehicle waits at its out-lane (default: the planner's)."""
    require(who, "plans.write")
    from corridor.planning.replan import kept_stops
    from corridor.services import tracking

    with uow:
        pub = uow.publications.current()
        if pub is None:
            raise Conflict("replan", "no plan is in force: publish one first")
        base = uow.plans.get(pub["plan_id"])
        scenario = uow.scenarios.get(pub["scenario_id"])
        incident = None if incident_id is None else _incident(uow, incident_id)
        live = plan_in_force(uow)
        tracks = {r["vehicle"]: r for r in uow.tracks.all()}
        if live is not None:
            tracking._overlay(uow, live.id, tracks)
        checkins = checkins_counted(uow)  # a late retry boards nobody again
        now = uow.clock()
        radius = params_of(uow).stop_radius_m
    assert live is not None
    now_min = minute_of(pub["origin"], now)
    reached = _reached(live, tracks, checkins, radius)
    keep = live_keep(base["plan"], reached, _boarded(checkins))
    hazards = hazards_for(base.get("params"), incident, radius_m)  # earlier ones stay closed
    document = agreed(str(pub["corridor"]))
    if document is None:
        raise Conflict("replan", f"corridor {pub['corridor']!r} is no longer agreed")
    instance, narrowed, planned_on, terms, over = _instances(
        scenario, data_dir, hazards, document, pub["origin"], base, keep, now_min
    )
    lead = float(document.get("notification_lead_minutes") or 0)
    params = {
        "corridor": pub["corridor"],
        "replan_of": base["id"],
        "plan_version": pub["id"],
        "now": round(now_min, 3),
        "incident": incident_id,
        "hazards": hazards,
        "reached": reached,
        "time_limit": time_limit,
        "seed": seed,
        **({} if ahead is None else {"ahead": ahead}),
        **({"counted": over} if over else {}),
    }
    with uow:
        plan_id = int(uow.plans.add(pub["scenario_id"], params, who.user_id))
        uow.commit()
    try:
        result, held = _solve_with_notice(
            narrowed, keep, now_min, lead, time_limit, seed, iterations, planned_on, ahead
        )
    except CorridorError as exc:
        return _store_failure(uow, plan_id, instance, exc)
    held_now = result.plan.get("held") or []
    keep_since(held_now, base["plan"])
    status, error = _store_checked(uow, plan_id, instance, terms, result)
    kept = {v: len(stops) for v, stops in kept_stops(keep, now_min).items()}
    stranded = raise_stranded(uow, live.routes, held_now, pub["id"])
    notes = counted_notes(over) + odd_notes(held_now)
    return {"id": plan_id, "status": status, "error": error, "reached": reached, "kept": kept,
            "held": held, "stranded": stranded,
            "notes": notes + idle_notes(kept, result.plan["routes"], held_now)}  # fmt: skip


def _instances(
    scenario: dict[str, Any],
    data_dir: Path,
    hazards: list[dict[str, Any]],
    document: dict[str, Any],
    origin: str,
    base: dict[str, Any],
    keep: dict[str, Any],
    now_min: float,
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], Any, list[dict[str, Any]]]:
    """The replan's instance (roads closed by the hazards, legs driven given back), the same
    narrowed to the agreed terms, the narrowed one with the roads as the hazard left them (to
    plan new stops on), and the terms; in each, a gathering point holds at least the people
    the kept stops board there, and the points where they board more than the scenario says
    wait come last (:func:`~corridor.services.replan_carry.counted_over`)."""
    from corridor.planning.replan import kept_stops
    from corridor.services.compile_scenario import compile_instance
    from corridor.services.plans import terms_for, vehicle_kinds

    model, net = network_with(scenario, data_dir, hazards)
    instance = compile_instance(model, net)
    terms = terms_for(
        document, origin, scenario["places"] or {}, vehicle_kinds(scenario.get("source"))
    )
    assert terms is not None
    before = base.get("instance") or scenario.get("instance")
    planned_on = restrict_instance(instance, terms)
    over = counted_over(instance, kept_stops(keep, now_min))
    return (
        with_counted(with_driven_legs(instance, before, keep, now_min), over),
        with_counted(with_driven_legs(planned_on, before, keep, now_min), over),
        with_counted(planned_on, over),
        terms,
        over,
    )


def _incident(uow: UnitOfWork, incident_id: int) -> dict[str, Any]:
    rows = uow.incidents.list(incident_id - 1, 1)
    found: dict[str, Any] | None = next((i for i in rows if i["id"] == incident_id), None)
    if found is None:
        raise NotFound("incident", incident_id)
    return found


def _reached(
    live: Any, tracks: dict[str, dict[str, Any]], checkins: list[Any], radius_m: float
) -> dict[str, int]:
    """How many of its stops each vehicle has really reached: its tracked progress (a vehicle
    standing still within ``radius_m`` before a stop waits there: a checkpoint's queue, a
    gathering point whose place lies metres from the road node), or a check-in at a later
    stop."""
    reached: dict[str, int] = {}
    for vehicle, route in live.routes.items():
        row = tracks.get(vehicle)
        near = 1.0 if row is None or row.get("stopped_since") is None else radius_m
        n = 0 if row is None else int((route.stop_at <= float(row["progress_m"]) + near).sum())
        places = [s["place"] for s in live.stops[vehicle]]
        k = 0
        for c in checkins:
            if c.vehicle == vehicle:
                k = next(
                    (i + 1 for i in range(max(k - 1, 0), len(places)) if places[i] == c.place), k
                )
        reached[vehicle] = max(n, k)
    return reached


def _boarded(checkins: list[Any]) -> dict[tuple[str, str], dict[str, int]]:
    """The people the boarding check-ins counted, by (vehicle, place)."""
    boarded: dict[tuple[str, str], dict[str, int]] = {}
    for c in checkins:
        if c.kind == "boarding":
            got = boarded.setdefault((c.vehicle, c.place), {})
            for k, v in c.people.items():
                got[k] = got.get(k, 0) + int(v)
    return boarded


def _store_failure(
    uow: UnitOfWork, plan_id: int, instance: dict[str, Any], exc: CorridorError
) -> dict[str, Any]:
    with uow:
        uow.plans.set_fields(
            plan_id, status="failed", error=str(exc), finished_at=uow.clock(), instance=instance
        )
        uow.emit(Event("plans", {"id": plan_id, "status": "failed", "error": str(exc)}))
        uow.commit()
    return {"id": plan_id, "status": "failed", "error": str(exc)}


def _store_checked(
    uow: UnitOfWork, plan_id: int, instance: dict[str, Any], terms: Any, result: Any
) -> tuple[str, str | None]:
    """Check the new plan against the new instance and the agreement and store it: ``done``,
    or ``rejected`` with the first three reasons. Returns (status, error)."""
    from corridor.planning.check import check_plan
    from corridor.services.plans import _report

    check = check_plan(instance, result.plan)
    problems = plan_compliance(result.plan, terms)
    status = "done" if check.feasible and not problems else "rejected"
    error = (
        None
        if status == "done"
        else "; ".join((problems or [str(v) for v in check.violations])[:3])
    )
    with uow:
        uow.plans.set_fields(
            plan_id,
            status=status,
            progress=1.0,
            plan=result.plan,
            report=_report(check, problems, terms, result),
            score=result.score,
            upper_bound=result.upper_bound,
            error=error,
            finished_at=uow.clock(),
            instance=instance,
        )
        uow.emit(Event("plans", {"id": plan_id, "status": status, "score": result.score}))
        uow.commit()
    return status, error


def _solve_with_notice(
    instance: dict[str, Any],
    keep: dict[str, Any],
    now_min: float,
    lead: float,
    time_limit: float,
    seed: int,
    iterations: int | None = None,
    roads: dict[str, Any] | None = None,
    ahead: float | None = None,
) -> tuple[Any, list[str]]:
    """Solve from ``now_min``; a vehicle the plan sends into the zone on a new trip sooner
    than the notification lead time is held to the trip it is on, and the rest planned
    again, until no new trip enters too soon. Returns the result and the vehicles held."""
    from corridor.planning.instance import parse_instance
    from corridor.planning.replan import kept_stops
    from corridor.planning.retime import BUFFER
    from corridor.planning.solver import SolveParams, solve

    # The stops the solver keeps (started by now); a vehicle caught mid-trip is first brought
    # out by new stops, which count as new here.
    kept = {v: len(stops) for v, stops in kept_stops(keep, now_min).items()}
    held: set[str] = set()
    parsed = parse_instance(instance)
    plan_roads = None if roads is None or roads == instance else parse_instance(roads)
    # Each round holds at least one more vehicle, so this ends; once every vehicle is held
    # nothing new enters the zone at all.
    for _ in range(len(parsed.vehicles) + 1):
        params = SolveParams(
            time_limit=time_limit / 3,
            seed=seed,
            iterations=iterations,
            keep=keep,
            now=now_min,
            excluded_vehicles=frozenset(held),
            plan_roads=plan_roads,
            enter_from=now_min + lead + REVIEW_MIN,
            ahead=BUFFER if ahead is None else ahead,
        )
        result = solve(parsed, params)
        _wait_outside(result.plan, kept, now_min + lead + REVIEW_MIN)
        early = {
            route["vehicle"]
            for route in result.plan["routes"]
            for s in route["stops"][kept.get(route["vehicle"], 0) :]
            if s.get("dir") == "in" and float(s["arrive"]) < now_min + lead + REVIEW_MIN
        }
        if not early - held:
            return result, sorted(held)
        held |= early
    return result, sorted(held)


def _wait_outside(plan: dict[str, Any], kept: dict[str, int], enter_from: float) -> None:
    """A new trip whose crossing starts after ``enter_from`` but would reach the checkpoint
    before it waits outside until then: its movement starts (and is notified) no sooner."""
    for route in plan["routes"]:
        for s in route["stops"][kept.get(route["vehicle"], 0) :]:
            if s.get("dir") == "in" and float(s["arrive"]) < enter_from <= float(s["start"]):
                s["arrive"] = enter_from
