"""Use case: the after-action report of an operation, from the log and the operation records.

:func:`gather` reads, for the corridor of the plan in force (or the one named): the agreed
window and vehicles and the signed ceasefire, suspension and resumption messages from the log;
the plan in force (the newest published version: a replan keeps the stops made before it) and
the versions published before it (a vehicle only they planned is listed too; a plan made and
not published is not the operation's); the people the scenario lists by class; every position
report, check-in, incident, notification with its
acknowledgements; and, where the service keeps them, the alerts and the reconciliation. It
returns plain :class:`~corridor.reporting.after_action_model.OperationRecords`. :func:`report_map`
draws nothing: it builds the map scene (roads, zone, hazards, places, the planned routes on
their roads, the reported tracks, the incidents) for the map adapter.
"""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import numpy as np

from corridor.domain.access import Principal, Role
from corridor.reporting.after_action_model import LogEntry, OperationRecords
from corridor.services.alerts import public as public_alert
from corridor.services.errors import NotFound
from corridor.services.ports import scenario_source
from corridor.services.reconciliation import checkins_counted
from corridor.services.reconciliation import view as reconciliation_view

if TYPE_CHECKING:
    from corridor.reporting.after_action_model import AfterActionReport
    from corridor.reporting.map_scene import MapScene
    from corridor.services.network import Network
    from corridor.services.ports import Clock
    from corridor.services.unit_of_work import UnitOfWork

T = TypeVar("T")


class ReportLog(Protocol):
    """What the report reads of the agreement log (``services.log.LogService``)."""

    def read(self, what: Callable[[Any], T]) -> T: ...

    def corridor(self, corridor: str, what: Callable[[Any], T]) -> T: ...

    def entries(self, start: int, end: int) -> list[str]: ...


class ReportSources(Protocol):
    """What the after-action report reads, and no more: the operation's records through units
    of work, the log, the clock, and where parsed road graphs are kept (``bootstrap.Service``
    provides them)."""

    @property
    def log(self) -> ReportLog: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def cache_dir(self) -> Path: ...

    def uow(self) -> UnitOfWork: ...


#: Who the report reads the reconciliation as: a role that gets counts, never names.
REPORT_READER = Principal(0, "after-action report", Role.OBSERVER, 0)
LOG_KINDS = {"ceasefire-start", "suspension", "resumption", "incident", "withdrawal", "acceptance"}
PAGE = 1000  # rows per read of a table that may be long


def _log_entries(service: ReportSources, corridor: str) -> list[LogEntry]:
    """The counted messages of ``corridor`` the report names, in log order."""
    from corridor.tlog import dsse

    size, refused = service.log.read(lambda s: (s.size, {i for i, _ in s.refused}))
    out: list[LogEntry] = []
    for start in range(0, size, PAGE):
        for offset, text in enumerate(service.log.entries(start, min(size, start + PAGE))):
            index = start + offset
            if index in refused:
                continue
            envelope = dsse.parse(base64.b64decode(text))
            statement = json.loads(envelope.payload)
            predicate = statement.get("predicate", {})
            kind = str(statement.get("predicateType", "")).split(":")[2:3]
            if not kind or kind[0] not in LOG_KINDS or predicate.get("corridor") != corridor:
                continue
            at = dt.datetime.fromisoformat(predicate["at"])
            detail = predicate.get("reason") or predicate.get("description") or ""
            out.append(LogEntry(index, kind[0], str(predicate["author"]), at, str(detail)))
    return out


def _all_positions(uow: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    after = 0
    while True:
        rows = list(uow.positions.list(None, after, 5000))
        out += [
            {"vehicle": r["vehicle"], "at": r["at"], "lat": r["lat"], "lon": r["lon"]} for r in rows
        ]
        if len(rows) < 5000:
            return out
        after = rows[-1]["id"]


def _all_incidents(uow: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    after = 0
    while True:
        rows = list(uow.incidents.list(after, PAGE))
        out += rows
        if len(rows) < PAGE:
            return out
        after = rows[-1]["id"]


def _earlier_versions(uow: Any, plan: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The versions published before the plan in force, oldest first: each one's plan's
    routes and the vehicles it held (the report lists a vehicle only they planned)."""
    if plan is None:
        return []
    out = []
    for pub in uow.publications.list():
        if int(pub["id"]) >= int(plan["plan_version"]):
            break
        row = uow.plans.get(int(pub["plan_id"])) or {}
        body = row.get("plan") or {}
        out.append(
            {
                "version": int(pub["id"]),
                "plan_id": int(pub["plan_id"]),
                "routes": list(body.get("routes") or []),
                "held": list(body.get("held") or []),
            }
        )
    return out


def _scenario_people(scenario: dict[str, Any] | None) -> dict[str, int]:
    """People by class the scenario lists at its gathering points: every class it has."""
    instance = (scenario or {}).get("instance") or {}
    out = dict.fromkeys(instance.get("classes") or {}, 0)
    for g in instance.get("gathering") or []:
        for c, n in (g.get("people") or {}).items():
            out[c] = out.get(c, 0) + int(n)
    return out


def gather(
    service: ReportSources, corridor: str | None = None
) -> tuple[OperationRecords, dict[str, Any] | None]:
    """The records of the operation and the row of the plan in force (None: none published).

    ``corridor`` defaults to the corridor of the plan in force; NotFound if there is neither.
    """
    uow = service.uow()
    with uow:
        plan = uow.plans.in_force()
        scenario = uow.scenarios.get(plan["scenario_id"]) if plan else None
        earlier = _earlier_versions(uow, plan)
        positions = _all_positions(uow)
        checkins = [
            {"kind": c.kind, "vehicle": c.vehicle, "place": c.place, "at": c.at, "people": c.people}
            for c in checkins_counted(uow)  # a late retry counts nobody (reconciliation)
        ]
        incidents = _all_incidents(uow)
        notifications = list(uow.notifications.list(None))
        users = {u["id"]: u for u in uow.accounts.list_users()}
        alert_rows = list(uow.alerts.list()) if uow.alerts is not None else []
    alerts = [public_alert(r) for r in alert_rows]  # counts only: no person
    reconciliation = reconciliation_view(service.uow(), REPORT_READER)
    for i in incidents:
        who = users.get(i.get("user_id"))
        i["reported_by"] = f"{who['role']} ({who['name']})" if who else None
    corridor = corridor or ((plan or {}).get("params") or {}).get("corridor")
    if not corridor:
        raise NotFound("corridor of a published plan", "latest")

    def terms(state: Any) -> tuple[Any, int | None, str]:
        window = state.window
        latest = state.latest.document if state.latest else {}
        agreed = latest.get("max_vehicles") if isinstance(latest, dict) else None
        zone = str(window[0].tzinfo) if window else "UTC"
        return window, agreed if isinstance(agreed, int) else None, zone

    window, agreed, zone = service.log.corridor(corridor, terms)
    origin = (
        dt.datetime.fromisoformat(scenario["origin"])
        if scenario and scenario.get("origin")
        else None
    )
    records = OperationRecords(
        corridor=corridor,
        generated_at=service.clock(),
        time_zone=zone,
        window=window,
        agreed_vehicles=agreed,
        log=_log_entries(service, corridor),
        plan_id=plan["id"] if plan else None,
        origin=origin,
        plan_routes=list((plan.get("plan") or {}).get("routes", [])) if plan else [],
        plan_held=list((plan.get("plan") or {}).get("held", [])) if plan else [],
        positions=positions,
        checkins=checkins,
        incidents=incidents,
        notifications=notifications,
        alerts=alerts,
        reconciliation=reconciliation,
        earlier_versions=earlier,
        scenario_people=_scenario_people(scenario),
        plan_version=plan["plan_version"] if plan else None,
    )
    return records, (dict(plan, scenario=scenario) if plan else None)


def scenario_network(service: ReportSources, scenario: dict[str, Any]) -> Network | None:
    """The road network of a stored scenario (None when its folder is gone)."""
    from corridor.services.network import prepare_network

    base_dir = scenario.get("base_dir")
    kept = scenario_source().kept(Path(base_dir)) if base_dir else None
    if kept is None:
        return None
    return prepare_network(kept, cache_dir=service.cache_dir)


def leg_geometries(
    net: Network, instance: dict[str, Any], route: dict[str, Any]
) -> list[list[tuple[float, float]]]:
    """(lon, lat) along the roads of each leg of one planned route, stop to stop (the two
    stops alone where a leg has no road)."""
    from corridor.planning.instance import parse_instance
    from corridor.services.trip_directions import leg_route

    types = {v.name: v.type for v in parse_instance(instance).vehicles}
    vtype = types.get(route["vehicle"], "")
    g = net.graph
    out: list[list[tuple[float, float]]] = []
    inside = False
    for a, b in itertools.pairwise(route["stops"]):
        side = "inside" if inside else "outside"
        if "dir" in b:
            inside = b["dir"] == "in"
        pa, pb = net.places.get(a["at"]), net.places.get(b["at"])
        if pa is None or pb is None:
            out.append([])
            continue
        leg = leg_route(net, a["at"], b["at"], side, vtype)
        if leg is None or len(leg.nodes) < 2:
            out.append([(pa.lon, pa.lat), (pb.lon, pb.lat)])
            continue
        nodes = np.asarray(leg.nodes)
        out.append([(float(x), float(y)) for x, y in zip(g.lon[nodes], g.lat[nodes], strict=True)])
    return out


def planned_geometry(
    net: Network, instance: dict[str, Any], route: dict[str, Any]
) -> list[tuple[float, float]]:
    """(lon, lat) along the roads of one planned route, every leg in order."""
    return [p for leg in leg_geometries(net, instance, route) for p in leg]


def report_map(
    net: Network, instance: dict[str, Any], records: OperationRecords, report: AfterActionReport
) -> MapScene:
    """The map: roads, zone, hazards and places as on the routes map, the planned routes on
    their roads (dashed), the reported tracks (solid) and the incidents."""
    from corridor.reporting.map_scene import Line, MapScene, Marker, Panel, box_around
    from corridor.services.route_map import ATTRIBUTION, _areas, _markers, _roads

    proj = net.graph.projection
    lines = []
    for r in records.plan_routes:
        if len(r.get("stops", [])) < 2:
            continue
        pts = planned_geometry(net, instance, r)
        if len(pts) > 1:
            x, y = proj.forward([p[0] for p in pts], [p[1] for p in pts])
            lines.append(Line(np.stack([x, y], 1), "alternative", "Planned route", "#2166ac"))
    tracks: dict[str, list[tuple[dt.datetime, float, float]]] = {}
    for p in records.positions:
        at = (
            p["at"] if isinstance(p["at"], dt.datetime) else dt.datetime.fromisoformat(str(p["at"]))
        )
        tracks.setdefault(p["vehicle"], []).append((at, p["lon"], p["lat"]))
    for track in tracks.values():
        track.sort()
        if len(track) > 1:
            x, y = proj.forward([t[1] for t in track], [t[2] for t in track])
            lines.append(Line(np.stack([x, y], 1), "best", "Reported positions", "#d7301f"))
    markers = _markers(net, set())
    for label, lon, lat in report.incidents_at:
        x, y = proj.forward(lon, lat)
        markers.append(Marker(label, float(x), float(y), "incident", label))
    extent = [ln.xy for ln in lines] + [np.array([[m.x, m.y] for m in markers])]
    box = box_around(np.concatenate(extent))
    areas = _areas(net)
    main = Panel(box, "", _roads(net.graph, box), areas, lines, markers)
    # The zone close up: where the vehicles board, cross and meet the incidents.
    zx0, zy0, zx1, zy1 = net.zone.bounds
    zbox = box_around([[zx0, zy0], [zx1, zy1]], 0.12, 80)
    inner = [m for m in markers if m.kind in ("gathering", "checkpoint", "incident")]
    close = Panel(zbox, "Zone close-up", _roads(net.graph, zbox), areas, lines, inner)
    return MapScene(
        title=f"{records.corridor}: planned routes and what the vehicles reported",
        main=main,
        close_up=close,
        footer=ATTRIBUTION,
    )


def build_report(
    service: ReportSources, corridor: str | None = None
) -> tuple[AfterActionReport, MapScene | None]:
    """The report and its map scene (None when the plan's scenario or roads are gone)."""
    from corridor.reporting.after_action import after_action

    records, plan = gather(service, corridor)
    report = after_action(records)
    scenario = (plan or {}).get("scenario")
    if not scenario or not scenario.get("instance"):
        return report, None
    net = scenario_network(service, scenario)
    if net is None:
        return report, None
    return report, report_map(net, scenario["instance"], records, report)
