"""The replayed hour of ``corridor demo``: vehicles move along the roads of their planned routes
and report positions, check-ins count people boarding and arriving, and things go wrong (a
vehicle held at a checkpoint, one off its route, a shelling that suspends the corridor and leads
to a replan from the live state). Everything goes through the HTTP API, with the demo's checked
client (``c.call``); the server's clock follows the replay.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import time
from collections import Counter
from typing import Any

import typer

from corridor.entrypoints.cli.demo_negotiation import TIME_ZONE


def _say(text: str) -> None:
    typer.echo(text)


def replay(ctx: Any, clock: Any, troubles: Troubles, first: float, speed: float) -> int:
    """Replay from minute ``first`` to ``ctx.t1`` in steps, each step's reports, check-ins and
    troubles at the server clock's minute, running at ``speed`` in between; the coordinator
    acknowledges the alerts it sees. Returns how many position reports were sent."""
    zero, t1 = ctx.zero, ctx.t1
    sent = 0
    step = 2  # simulated minutes per batch (under the silent alert's 5 min)
    minute = first
    while minute <= t1:
        # The server's clock is the replay's: at each step's minute while its reports are
        # sent (real time), then running at ``speed`` until the next step's minute.
        clock.set(zero + dt.timedelta(minutes=minute), rate=1.0)
        sent += _send_positions(ctx, minute, step)
        _send_checkins(ctx, minute, step)
        for at_minute, act in troubles.events:
            if minute <= at_minute < minute + step:
                clock.set(zero + dt.timedelta(minutes=at_minute), rate=1.0)
                act(ctx, at_minute)
        if "/v1/alerts" in ctx.paths:
            _acknowledge_seen(ctx.c, zero + dt.timedelta(minutes=minute + step))
        minute += step
        if minute <= t1:
            clock.set(clock(), rate=speed)
            target = zero + dt.timedelta(minutes=minute)
            while (left := (target - clock()).total_seconds()) > 0:
                # never far past the next step's minute (at a high speed a fixed nap would
                # run the clock minutes ahead of the reports: every vehicle seen silent)
                time.sleep(min(0.02, left / speed))
    clock.set(zero + dt.timedelta(minutes=t1), rate=1.0)  # from here on, real time
    return sent


def _send_positions(ctx: Any, minute: float, step: int) -> int:
    """Each vehicle's position reports for the minutes of one step, in one batch."""
    sent = 0
    for vehicle, track in ctx.tracks.items():
        batch = [
            {
                "client_id": f"{vehicle.replace('/', '.')}:{m:.0f}",
                "vehicle": vehicle,
                "at": (ctx.zero + dt.timedelta(minutes=m)).isoformat(),
                "lat": round(lat, 6),
                "lon": round(lon, 6),
            }
            for m in range(int(minute), int(minute + step))
            if track.start() <= m <= track.end() and m <= ctx.t1
            for lon, lat in [track.at(m)]
        ]
        if batch:
            ctx.c.call("positions", vehicle, "POST", "/v1/positions", json={"positions": batch})
            sent += len(batch)
    return sent


def _send_checkins(ctx: Any, minute: float, step: int) -> None:
    """The boarding (by the driver) and arrival (by reception) counts due in one step."""
    for kind, vehicle, place, at, who_people in ctx.checkins:
        if minute <= at < minute + step:
            who = vehicle if kind == "boarding" else "reception"
            ctx.c.call(
                "check-in",
                who,
                "POST",
                "/v1/checkins",
                json={
                    "client_id": f"{kind}:{vehicle.replace('/', '.')}:{at:.1f}",
                    "kind": kind,
                    "vehicle": vehicle,
                    "place": place,
                    "at": (ctx.zero + dt.timedelta(minutes=at)).isoformat(),
                    "people": who_people,
                },
            )


def say_progress(c: Any, sent: int) -> None:
    """What the service counted after the replay: people boarded and arrived, alerts."""
    progress = c.call("progress", "observer", "GET", "/v1/progress")
    boarded = sum(progress["boarded"].values())
    arrived = sum(progress["evacuated"].values())
    planned = sum(progress["planned"].values())
    _say(
        f"   {sent} position reports; so far {boarded} people boarded and {arrived} arrived, "
        f"of {planned} planned"
    )
    alerts = c.http.get(
        "/v1/alerts", headers={"Authorization": f"Bearer {c.tokens['coordinator']}"}
    )
    if alerts.status_code == 200:
        kinds = Counter(a["kind"] for a in alerts.json())
        cleared = sum(1 for a in alerts.json() if a["state"] == "cleared")
        _say(
            f"   alerts: {sum(kinds.values())} raised ("
            + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items()))
            + f"), {cleared} cleared since"
        )


def clock_at(zero: dt.datetime, minute: float) -> str:
    from zoneinfo import ZoneInfo

    return (zero + dt.timedelta(minutes=minute)).astimezone(ZoneInfo(TIME_ZONE)).strftime("%H:%M")


def checkins_due(
    routes: list[dict[str, Any]], t0: float, t1: float, held: dict[str, tuple[float, float]]
) -> list[tuple[str, str, str, float, dict[str, int]]]:
    """Boarding and arrival counts on the plan's times (later by the hold of a vehicle held
    at a checkpoint: ``held`` maps it to (from minute, minutes))."""
    out = []
    for r in routes:
        since, late = held.get(r["vehicle"], (math.inf, 0.0))
        for stop in r["stops"]:
            board_at = float(stop.get("depart", 0)) + (late if stop.get("depart", 0) > since else 0)
            arrive_at = float(stop.get("arrive", 0)) + (
                late if stop.get("arrive", 0) > since else 0
            )
            if stop.get("board") and t0 <= board_at <= t1:
                out.append(("boarding", r["vehicle"], stop["at"], board_at, stop["board"]))
            if stop.get("alight") and t0 <= arrive_at <= t1:
                out.append(("arrival", r["vehicle"], stop["at"], arrive_at, stop["alight"]))
    return out


def road_tracks(
    service: Any, scenario_id: int, instance: dict[str, Any], routes: list[dict[str, Any]],
    places: dict[str, dict[str, float]],
) -> dict[str, Any]:  # fmt: skip
    """Each vehicle's track along the roads of its planned route (straight only where a leg
    has no road)."""
    from corridor.entrypoints.cli.demo_movement import Track
    from corridor.services.after_action import leg_geometries, scenario_network

    with service.uow() as uow:
        row = uow.scenarios.get(scenario_id)
    net = scenario_network(service, row) if row else None
    where = {pid: (p["lon"], p["lat"]) for pid, p in places.items()}
    return {
        r["vehicle"]: Track.along(
            r["stops"], leg_geometries(net, instance, r) if net is not None else [], where
        )
        for r in routes
    }


def sheet_tracks(ctx: Any, routes: list[dict[str, Any]]) -> dict[str, Any]:
    """Each vehicle's track along the roads of its published trip sheet (the version in force:
    after a replan, on the roads its hazard left open)."""
    from corridor.entrypoints.cli.demo_movement import Track

    sheets = {
        s["vehicle"]: s for s in ctx.c.call("sheets", "coordinator", "GET", "/v1/trip-sheets")
    }
    where = {pid: (p["lon"], p["lat"]) for pid, p in ctx.places.items()}
    out = {}
    for r in routes:
        sheet = sheets.get(r["vehicle"])
        legs: list[list[tuple[float, float]]] = []
        if sheet is not None and len(sheet["stops"]) == len(r["stops"]):
            coords = [tuple(c) for c in sheet["route"]["coordinates"]]
            ends = [*sheet["leg_starts"], len(coords) - 1]
            legs = [coords[a : b + 1] for a, b in itertools.pairwise(ends)]
        out[r["vehicle"]] = Track.along(r["stops"], legs, where)
    return out


class Troubles:
    """What goes wrong in the replay: tracks changed in place, check-ins delayed, events."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.held: dict[str, tuple[float, float]] = {}
        self.events: list[tuple[float, Any]] = []


HOLD_MIN = 25.0  # a checkpoint keeps one vehicle this much longer than planned
DETOUR = (12.0, 800.0)  # another leaves its route: for how long (minutes), how far (metres)
REPLAN_RADIUS_M = 300.0  # roads closed around the shelling
SHELLING_AT, SUSPEND_AT, REPLAN_AT, RESUME_AT = 35.0, 37.0, 41.0, 50.0  # minutes into the replay


def make_troubles(tracks: dict[str, Any], routes: list[dict[str, Any]], t0: float) -> Troubles:
    """One vehicle held at a checkpoint, one off its route for a while, and a shelling near a
    third one's route that leads to a suspension (then both parties resume)."""
    out = Troubles()
    used: set[str] = set()
    _hold_at_checkpoint(tracks, routes, t0, out, used)
    _detour(tracks, routes, t0, out, used)
    _shelling(tracks, routes, t0, out, used)
    return out


def _hold_at_checkpoint(
    tracks: dict[str, Any], routes: list[dict[str, Any]], t0: float, out: Troubles, used: set[str]
) -> None:
    """The first vehicle to cross a checkpoint in the replayed hour is held there: one whose
    crossing the plan ends early enough that the hold makes it late before the replan (the
    plan has it wait there until then; the late alert comes 10 min after)."""
    last_end = t0 + REPLAN_AT - 12
    for r in routes:  # the first checkpoint crossing in the replayed hour
        crossing = next(
            (s for s in r["stops"] if s.get("dir") and t0 + 5 <= float(s["arrive"])
             and float(s.get("end", s["arrive"])) <= last_end),
            None,
        )  # fmt: skip
        if crossing is not None:
            v, at = r["vehicle"], float(crossing["arrive"])
            tracks[v] = tracks[v].held(at, HOLD_MIN)
            out.held[v] = (at, HOLD_MIN)
            out.lines.append(
                f"{v} is held {HOLD_MIN:.0f} min at checkpoint {crossing['at']} "
                f"(from {_clock_of(at)})"
            )
            used.add(v)
            break


def _detour(
    tracks: dict[str, Any], routes: list[dict[str, Any]], t0: float, out: Troubles, used: set[str]
) -> None:
    """Another vehicle on the road leaves its route where a detour takes it well away."""
    span, away = DETOUR
    chosen = None
    for r in routes:  # a vehicle on the road, where a detour takes it well away from its route
        v = r["vehicle"]
        if v in used:
            continue
        for start in (15.0, 20.0, 25.0, 10.0, 30.0):
            mid = t0 + start + span / 2
            if tracks[v].at(mid - 1) == tracks[v].at(mid + 1):
                continue  # standing at a stop
            left, right = tracks[v].clearance(mid, away), tracks[v].clearance(mid, -away)
            side = away if left >= right else -away
            if tracks[v].clearance(mid, side) >= 0.75 * away:
                chosen = (v, start, side)
                break
        if chosen:
            break
    if chosen is not None:
        v, start, side = chosen
        tracks[v] = tracks[v].detour(t0 + start, t0 + start + span, side)
        out.lines.append(f"{v} leaves its route for {span:.0f} min (up to {away:.0f} m away)")
        used.add(v)


def _shelling(
    tracks: dict[str, Any], routes: list[dict[str, Any]], t0: float, out: Troubles, used: set[str]
) -> None:
    """A shelling near a third vehicle's route: party A suspends, the coordinator replans,
    both parties resume."""
    near = next((r["vehicle"] for r in routes if r["vehicle"] not in used), routes[0]["vehicle"])
    lon, lat = tracks[near].at(t0 + SHELLING_AT)
    # some 600 m from the road: near enough to raise an alert, far enough that closing the
    # roads around it leaves the vehicle a way out
    spot = (round(lon + 0.006, 6), round(lat + 0.003, 6))

    seen: dict[str, int] = {}

    def shelling(ctx: Any, m: float) -> None:
        made = ctx.c.call(
            "incident", near, "POST", "/v1/incidents",
            json={"client_id": f"demo-shelling-{m:.0f}", "kind": "shelling", "severity": "critical",
                  "description": f"Shelling some 600 m from the road, seen from {near}",
                  "at": (ctx.zero + dt.timedelta(minutes=m)).isoformat(), "vehicle": near,
                  "lat": spot[1], "lon": spot[0]},
        )  # fmt: skip
        seen["incident"] = made["id"]
        _say(f"   {clock_at(ctx.zero, m)} the driver of {near} reports shelling near its route")

    def suspension(ctx: Any, m: float) -> None:
        ctx.talks.suspend(ctx.corridor, "party_a", f"shelling reported near the route of {near}")

    def replan(ctx: Any, m: float) -> None:
        _replan(ctx, m, seen["incident"])

    def resumption(ctx: Any, m: float) -> None:
        ctx.talks.resume(ctx.corridor)

    out.events = [
        (t0 + SHELLING_AT, shelling),
        (t0 + SUSPEND_AT, suspension),
        (t0 + REPLAN_AT, replan),
        (t0 + RESUME_AT, resumption),
    ]
    out.lines.append(
        f"shelling near the route of {near} at {_clock_of(t0 + SHELLING_AT)}: party A suspends "
        f"the corridor, the coordinator replans at {_clock_of(t0 + REPLAN_AT)}, both parties "
        f"resume at {_clock_of(t0 + RESUME_AT)}"
    )


def _replan(ctx: Any, m: float, incident: int) -> None:
    """The coordinator replans from the live state around the incident and publishes the new
    plan (where the service replans); the vehicles follow it from here on."""
    if "/v1/replan" not in ctx.paths:
        _say("   (this service does not replan from the live state: the plan stays in force)")
        return
    body = {"incident": incident, "radius_m": REPLAN_RADIUS_M, "time_limit": ctx.plan_seconds,
            "seed": 1}  # fmt: skip
    new = ctx.c.call("replan", "coordinator", "POST", "/v1/replan", json=body)
    if new.get("status") != "done":
        _say(f"   the replan failed ({new.get('error')}): the plan in force stays")
        return
    out = ctx.c.call(
        "publish", "coordinator", "POST", f"/v1/plans/{new['id']}/publish",
        json={"reason": "shelling near the route"},
    )  # fmt: skip
    _say(
        f"   {clock_at(ctx.zero, m)} replanned from the live state (plan {new['id']}, stops "
        f"reached kept, roads within {REPLAN_RADIUS_M:.0f} m of the shelling closed), published "
        f"as version "
        f"{out['plan_version']} with {len(out.get('differences', []))} differences and "
        f"{len(out.get('notifications', []))} new notifications"
    )
    for h in new.get("stranded", []):
        # Held (no road out, or a plan rule): it waits where it is, its people aboard.
        ctx.tracks[h["vehicle"]] = ctx.tracks[h["vehicle"]].held(m, ctx.t1 - m + 1)
        how = "is stranded" if h.get("stranded", True) else "is held"
        _say(
            f"   {h['vehicle']} {how} at {h['at']} with {h['on_board']} people on board "
            f"({h['reason']}): held there, a 'stranded' alert tells the coordinator"
        )
    row = ctx.c.call("replan", "coordinator", "GET", f"/v1/plans/{new['id']}")
    evacuated = ((row.get("report") or {}).get("check") or {}).get("evacuated") or {}
    _say(
        f"   version 2 takes {sum(evacuated.values())} people out in all, those already out "
        "included (what the closed roads still allow)"
    )
    routes = [r for r in row["plan"]["routes"] if len(r["stops"]) > 1]
    ctx.tracks.update(sheet_tracks(ctx, routes))
    later = checkins_due(routes, m, ctx.t1, {})
    ctx.checkins[:] = [x for x in ctx.checkins if x[3] < m] + [x for x in later if x[3] >= m]


def _acknowledge_seen(c: Any, now: dt.datetime) -> None:
    """The coordinator acknowledges each alert some three minutes after it was raised."""
    token = {"Authorization": f"Bearer {c.tokens['coordinator']}"}
    raised = c.http.get("/v1/alerts", params={"state": "raised"}, headers=token).json()
    for a in raised:
        if dt.datetime.fromisoformat(a["raised_at"]) <= now - dt.timedelta(minutes=3):
            c.call("acknowledge", "coordinator", "POST", f"/v1/alerts/{a['id']}/acknowledge")


def _clock_of(minute: float) -> str:
    """A plan minute as HH:MM on the operation's day (its origin is local midnight)."""
    m = round(minute)
    return f"{(m // 60) % 24:02d}:{m % 60:02d}"
