"""Use case: publish a checked, compliant plan as the operation's plan in force.

Publishing derives, stored with the new version: one trip sheet per vehicle (its stops with
planned times, what it carries in and who it takes out by class, and the road it drives
between stops, from the routing layer, as a GeoJSON LineString), and one movement notification
to both parties for every movement (a vehicle's visit to the zone, from its inbound crossing
to its outbound one). Each notification must go out at least the agreement's notification lead
time before its movement starts: publishing is refused, naming the first movement, when that
can no longer be met. A notification asks for acknowledgement, never permission: nothing waits
on it. A later version (a replan) lists its differences from the one it replaces and notifies
only the movements that are new or changed. A vehicle a version holds where it is (the plan's
``held``) has no trip sheet in it: the differences say it is held, and why, rather than no
longer used, and that it is back in service, rather than newly used, when a later version
brings it out (:mod:`corridor.services.stranded`).
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corridor.domain.access import Principal, Role
from corridor.domain.operations import Event
from corridor.domain.tracking import minute_of
from corridor.errors import InputError
from corridor.services.accounts import require
from corridor.services.errors import Conflict, Forbidden, NotFound

if TYPE_CHECKING:
    from collections.abc import Callable

    from corridor.services.network import Network
    from corridor.services.unit_of_work import UnitOfWork

#: Two movements are the same when they cross at the same checkpoint within this many minutes.
SAME_MOVEMENT_MIN = 1.0


def at_minute(origin: str, minutes: float) -> dt.datetime:
    return dt.datetime.fromisoformat(origin) + dt.timedelta(minutes=float(minutes))


def build_sheets(
    instance: dict[str, Any],
    plan: dict[str, Any],
    places: dict[str, Any],
    origin: str,
    net: Network | None,
) -> dict[str, dict[str, Any]]:
    """One trip sheet per vehicle of ``plan`` that moves: stops, planned times, road route."""
    from corridor.planning.instance import parse_instance

    types = {v.name: v.type for v in parse_instance(instance).vehicles}
    out = {}
    for route in plan.get("routes", []):
        stops = route.get("stops", [])
        if len(stops) < 2:
            continue
        vehicle = str(route["vehicle"])
        vtype = types.get(vehicle, "")
        rows = []
        for i, s in enumerate(stops):
            p = places.get(s["at"], {})
            arrive = float(s["arrive"])
            leave = float(s["end"] if "dir" in s else s.get("depart", arrive))
            row: dict[str, Any] = {
                "seq": i + 1,
                "place": s["at"],
                "name": p.get("name") or s["at"],
                "kind": p.get("kind") or ("checkpoint" if "dir" in s else ""),
                "lat": p.get("lat"),
                "lon": p.get("lon"),
                "planned_arrival": at_minute(origin, arrive).isoformat(),
                "planned_departure": at_minute(origin, leave).isoformat(),
                "arrive_min": arrive,
                "leave_min": leave,
                "board": {k: int(v) for k, v in (s.get("board") or {}).items() if v},
                "deliver": {k: int(v) for k, v in (s.get("alight") or {}).items() if v},
                "load_kg": float(s.get("load_kg") or 0),
                "unload_kg": float(s.get("unload_kg") or 0),
            }
            if "dir" in s:
                row["dir"] = s["dir"]
                row["inspection_start"] = at_minute(origin, float(s["start"])).isoformat()
                row["inspection_end"] = at_minute(origin, float(s["end"])).isoformat()
            rows.append(row)
        coordinates, leg_starts, on_roads = _geometry(net, stops, rows, vtype)
        out[vehicle] = {
            "vehicle": vehicle,
            "type": vtype,
            "stops": rows,
            "route": {"type": "LineString", "coordinates": coordinates},
            "leg_starts": leg_starts,
            "on_roads": on_roads,
        }
    return out


def _geometry(
    net: Network | None, stops: list[dict[str, Any]], rows: list[dict[str, Any]], vtype: str
) -> tuple[list[list[float]], list[int], bool]:
    """The road from stop to stop (each leg starts a new run of vertices), or a straight line
    where the routing layer has no road for a leg (``on_roads`` is then False)."""
    from corridor.services.trip_directions import leg_route

    coordinates: list[list[float]] = []
    leg_starts: list[int] = []
    on_roads = True
    inside = False
    for (a, b), (ra, rb) in zip(itertools.pairwise(stops), itertools.pairwise(rows), strict=True):
        side = "inside" if inside else "outside"
        leg_starts.append(len(coordinates))
        route = None
        if net is not None and a["at"] in net.places and b["at"] in net.places:
            route = leg_route(net, a["at"], b["at"], side, vtype)
        if net is not None and route is not None and len(route.nodes) >= 1:
            lon, lat = net.graph.lon[route.nodes], net.graph.lat[route.nodes]
            coordinates += [
                [round(float(x), 6), round(float(y), 6)]
                for x, y in zip(lon.tolist(), lat.tolist(), strict=True)
            ]
        else:
            # No road for this leg: a straight line between where the two places meet the
            # roads (else the places themselves), so that the legs still join up.
            on_roads = False
            coordinates += [_on_road(net, a["at"], ra), _on_road(net, b["at"], rb)]
        if "dir" in b:
            inside = b["dir"] == "in"
    return coordinates, leg_starts, on_roads


def _on_road(net: Network | None, place: str, row: dict[str, Any]) -> list[float]:
    if net is not None and place in net.places:
        node = net.places[place].node
        return [round(float(net.graph.lon[node]), 6), round(float(net.graph.lat[node]), 6)]
    return [float(row["lon"] or 0.0), float(row["lat"] or 0.0)]


def movements(sheets: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Every vehicle's visits to the zone, in the order they start: inbound crossing (where,
    when) to outbound crossing, the places inside, people to take out, cargo to bring in."""
    out = []
    for vehicle, sheet in sheets.items():
        trip, current = 0, None
        for s in sheet["stops"]:
            if s.get("dir") == "in":
                trip += 1
                current = {
                    "vehicle": vehicle,
                    "trip": trip,
                    "enters_at": s["place"],
                    "enters": s["planned_arrival"],
                    "enters_min": s["arrive_min"],
                    "places": [],
                    "people_out": {},
                    "cargo_in_kg": 0.0,
                }
            elif current is not None and s.get("dir") == "out":
                current["leaves_at"] = s["place"]
                current["leaves"] = s["inspection_end"]
                out.append(current)
                current = None
            elif current is not None:
                current["places"].append(s["place"])
                for k, n in s["board"].items():
                    current["people_out"][k] = current["people_out"].get(k, 0) + n
                current["cargo_in_kg"] += s["unload_kg"]
    out.sort(key=lambda m: (m["enters_min"], m["vehicle"]))
    return out


def _subject(m: dict[str, Any]) -> str:
    return (
        f"{m['vehicle']} trip {m['trip']}: enters at {m['enters_at']} {m['enters'][11:16]}, "
        f"leaves at {m.get('leaves_at', '?')} {str(m.get('leaves', ''))[11:16]}"
    )


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return (
        a["vehicle"] == b["vehicle"]
        and a["enters_at"] == b["enters_at"]
        and abs(float(a["enters_min"]) - float(b["enters_min"])) <= SAME_MOVEMENT_MIN
        and a.get("leaves_at") == b.get("leaves_at")
    )


def differences(
    old: dict[str, dict[str, Any]],
    new: dict[str, dict[str, Any]],
    held_before: list[dict[str, Any]] | None = None,
) -> list[str]:
    """What changed from one version's trip sheets to the next, one sentence each;
    ``held_before``: the vehicles the old version held where they were (no trip sheet)."""
    from corridor.services.stranded import back_line

    was_held = {str(h["vehicle"]): h for h in held_before or []}
    out = []
    for v in sorted(set(old) | set(new)):
        if v not in new:
            out.append(f"{v}: no longer used")
            continue
        if v not in old:
            n = len(new[v]["stops"])
            out.append(
                back_line(v, was_held[v], n) if v in was_held else f"{v}: newly used, {n} stops"
            )
            continue
        a = [(s["place"], round(s["arrive_min"])) for s in old[v]["stops"]]
        b = [(s["place"], round(s["arrive_min"])) for s in new[v]["stops"]]
        if a == b:
            continue
        n = next(
            (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
        )
        was = " → ".join(p for p, _ in a[n:]) or "nothing"
        now = " → ".join(p for p, _ in b[n:]) or "nothing"
        out.append(f"{v}: from stop {n + 1}, was {was}; now {now}")
    return out


def _ended(row: dict[str, Any]) -> Any:
    from corridor.domain.tracking import Condition

    return Condition(row["kind"], False, row["detail"], row["data"], row["subject"])


def publish(
    uow: UnitOfWork,
    who: Principal,
    plan_id: int,
    agreed: Callable[[str], dict[str, Any] | None],
    data_dir: Path,
    reason: str = "",
    net: Network | None = None,
) -> dict[str, Any]:
    """Publish plan ``plan_id`` (done, checked, compliant) as the next version in force."""
    require(who, "plans.write")
    plan, scenario, previous, old_sheets, held_before = _publishable(uow, plan_id)
    corridor = str(plan["params"].get("corridor"))
    document = agreed(corridor)
    if document is None:
        raise Conflict(f"plans/{plan_id}", f"corridor {corridor!r} is no longer agreed")
    from corridor.services.plans import terms_for, vehicle_kinds

    terms = terms_for(
        document,
        scenario["origin"],
        scenario["places"] or {},
        vehicle_kinds(scenario.get("source")),
    )
    assert terms is not None
    lead = float(document.get("notification_lead_minutes") or 0)
    if net is None and scenario.get("base_dir"):
        from corridor.services.replanning import network_with

        net = network_with(scenario, data_dir, list(plan["params"].get("hazards") or []))[1]
    sheets = build_sheets(
        plan.get("instance") or scenario["instance"],
        plan["plan"],
        scenario["places"] or {},
        scenario["origin"],
        net,
    )
    moves = _new_movements(old_sheets, sheets, scenario["origin"], uow.clock(), lead, plan_id)
    changed = differences(old_sheets, sheets, held_before) if previous else []
    if plan["plan"].get("held"):
        from corridor.services.stranded import held_differences

        changed = held_differences(changed, plan["plan"]["held"])
    with uow:
        ident = uow.publications.add(
            {
                "plan_id": plan_id,
                "scenario_id": plan["scenario_id"],
                "corridor": corridor,
                "origin": scenario["origin"],
                "window_open": terms.open_min,
                "window_close": terms.close_min,
                "lead_minutes": lead,
                "replaces": previous["id"] if previous else None,
                "reason": reason,
                "differences": changed,
                "user_id": who.user_id,
            },
            sheets,
        )
        sent = _notify_movements(uow, moves, ident, lead, who.user_id)
        uow.tracks.clear()  # progress is measured along the new routes from the next report
        from corridor.services.tracking import forget

        forget(uow)
        _end_incident_alerts(uow, ident)
        uow.emit(Event("plans", {"id": plan_id, "published": ident}))
        uow.commit()
    return {
        "plan_version": ident,
        "plan": plan_id,
        "vehicles": sorted(sheets),
        "notifications": sent,
        "differences": changed,
    }


def _publishable(
    uow: UnitOfWork, plan_id: int
) -> tuple[
    dict[str, Any],
    dict[str, Any],
    dict[str, Any] | None,
    dict[str, dict[str, Any]],
    list[dict[str, Any]],
]:
    """The plan, its scenario, the version in force, its sheets and the vehicles it holds where
    they are; refuses a plan that is not done, checked and compliant."""
    with uow:
        plan = uow.plans.get(plan_id)
        if plan is None:
            raise NotFound("plan", plan_id)
        scenario = uow.scenarios.get(plan["scenario_id"])
        previous = uow.publications.current()
        old_sheets = (
            {s["vehicle"]: s for s in uow.publications.sheets(previous["id"])} if previous else {}
        )
        before = uow.plans.get(previous["plan_id"]) if previous else None
    held_before = list(((before or {}).get("plan") or {}).get("held") or [])
    report = plan.get("report") or {}
    if plan["status"] != "done" or not report.get("agreement", {}).get("complies"):
        raise Conflict(
            f"plans/{plan_id}",
            f"is {plan['status']}: only a finished plan that passed its check and complies "
            "with the agreement is published",
        )
    return plan, scenario, previous, old_sheets, held_before


def _new_movements(
    old_sheets: dict[str, dict[str, Any]],
    sheets: dict[str, dict[str, Any]],
    origin: str,
    now: dt.datetime,
    lead: float,
    plan_id: int,
) -> list[dict[str, Any]]:
    """The movements of ``sheets`` not announced before; refuses one that enters the zone
    sooner than the agreement's notification lead time."""
    old_moves = movements(old_sheets)
    moves = [m for m in movements(sheets) if not any(_same(m, o) for o in old_moves)]
    for m in moves:
        starts_in = float(m["enters_min"]) - minute_of(origin, now)
        # A movement under way cannot be announced ahead: it is notified as it changes.
        if 0 <= starts_in < lead:
            raise InputError(
                f"plans/{plan_id}: {m['vehicle']} trip {m['trip']}",
                f"enters the zone at {m['enters_at']} at {m['enters']}, {starts_in:.0f} min "
                f"from now; the agreement's notification lead time is {lead:g} min",
            )
    return moves


def _notify_movements(
    uow: UnitOfWork, moves: list[dict[str, Any]], ident: int, lead: float, user_id: int
) -> list[int]:
    """One notification to both parties per new movement; returns their ids."""
    sent = []
    for m in moves:
        body = {**m, "plan_version": ident, "lead_minutes": lead}
        nid = int(uow.notifications.add("movement", "AB", _subject(m), body, user_id))
        sent.append(nid)
        for party in "AB":
            uow.emit(
                Event(
                    "notifications",
                    {"id": nid, "kind": "movement", "subject": _subject(m)},
                    party=party,
                )
            )
    return sent


def _end_incident_alerts(uow: UnitOfWork, ident: int) -> None:
    """The new version answers the incidents near the old routes: their alerts end here."""
    from corridor.services import alerts

    for key, row in uow.alerts.open().items():
        if row["kind"] == "incident_near_route":
            alerts.apply(uow, [alerts.Judged(_ended(row), row["vehicle"])], ident, {key: row})


def current(uow: UnitOfWork, who: Principal) -> dict[str, Any] | None:
    require(who, "plans.read")
    with uow:
        return uow.publications.current()  # type: ignore[no-any-return]


def trip_sheets(
    uow: UnitOfWork, who: Principal, vehicle: str | None = None
) -> list[dict[str, Any]]:
    """The trip sheets of the plan in force: a driver gets only its own vehicle's."""
    require(who, "trips.read")
    if who.role is Role.DRIVER:
        if vehicle is not None and vehicle != who.vehicle:
            raise Forbidden(who.role.value, "trips.read",
                            f"a driver sees only its own vehicle {who.vehicle!r}",
                            field="vehicle", value=vehicle)  # fmt: skip
        vehicle = who.vehicle or "\x00"
    with uow:
        pub = uow.publications.current()
        if pub is None:
            return []
        return list(uow.publications.sheets(pub["id"], vehicle))
