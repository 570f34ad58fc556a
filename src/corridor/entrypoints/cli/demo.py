"""``corridor demo``: a living operation on this machine, in a minute or two.

It starts the coordination service on 127.0.0.1 with SQLite in a local data directory, loads the
Andorra example, plays a scripted negotiation with demo keys for both parties and the
intermediary (proposal, counter-proposal, acceptances, ceasefire confirmations, a cosigned
checkpoint), computes and checks the plan, registers a few (fictional) evacuees, and replays the
first hour of the operation as position reports and check-ins, printing the URLs to open and one
token per role. Everything goes through the same HTTP API a real client uses.
"""

from __future__ import annotations

import datetime as dt
import math
import shutil
import threading
import time
from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from typing import Annotated, Any

import typer

from corridor.errors import CorridorError, InputError

ANDORRA = Path(__file__).resolve().parents[4] / "examples" / "andorra"
MARKER = ".corridor-demo"
TIME_ZONE = "Europe/Andorra"
ROLES_SHOWN = ("coordinator", "liaison-a", "liaison-b", "registrar", "reception", "observer")
#: The demo's organisations, by the role each speaks for in the log (fictional, as the example).
ORGANISATIONS = {
    "party_a": "Andorra la Vella civil defence",
    "party_b": "Encamp valley command",
    "intermediary": "Corridor liaison mission",
}
# Fictional people for the registry; nobody real.
NAMES = [
    "Aina Puig",
    "Biel Vidal",
    "Carla Font",
    "Dídac Soler",
    "Elna Roig",
    "Ferran Mas",
    "Gemma Pla",
    "Hug Serra",
    "Ivet Riba",
    "Joan Camps",
    "Laia Bosch",
    "Marc Vila",
]


class DemoFailed(CorridorError):
    def __init__(self, step: str, problem: str) -> None:
        super().__init__(f"demo step '{step}' failed: {problem}")


def _prepare_dir(data_dir: Path) -> None:
    if data_dir.exists() and any(data_dir.iterdir()):
        if not (data_dir / MARKER).exists():
            raise InputError(
                "--data-dir",
                f"{str(data_dir)!r} holds files that are not a previous demo; "
                "choose an empty or new folder",
            )
        shutil.rmtree(data_dir)  # a previous demo: start afresh
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / MARKER).write_text("made by corridor demo; removed by the next demo run\n")


class Client:
    """The demo's HTTP calls, each checked; a failure names the step."""

    def __init__(self, base: str) -> None:
        import httpx  # here, not at the top: `corridor --help` must not wait for it

        self.http = httpx.Client(base_url=base, timeout=120)
        self.tokens: dict[str, str] = {}

    def call(self, step: str, who: str, method: str, url: str, **kw: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[who]}", **kw.pop("headers", {})}
        r = self.http.request(method, url, headers=headers, **kw)
        if r.status_code >= 400:
            raise DemoFailed(step, f"{method} {url} -> {r.status_code}: {r.text[:300]}")
        if not r.content:
            return None
        ctype = r.headers.get("content-type", "")
        return r.json() if "json" in ctype else r.text


def _serve_in_thread(service: Any, host: str, port: int) -> Any:
    import uvicorn

    from corridor.entrypoints.http.app import create_app

    config = uvicorn.Config(create_app(service), host=host, port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="corridor-demo-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise InputError("--port", f"the service could not listen on {host}:{port}")
        time.sleep(0.05)
    return server, thread


def _say(text: str) -> None:
    typer.echo(text)


def run_demo(
    host: str, port: int, data_dir: Path, keep_serving: bool, speed: float, plan_seconds: float
) -> None:
    from corridor.adapters.clock import RunningClock
    from corridor.bootstrap import bootstrap
    from corridor.entrypoints.cli.demo_negotiation import Negotiation
    from corridor.services import accounts
    from corridor.settings import load_settings

    _prepare_dir(data_dir)
    # The demo runs on the operation's own day: its clock starts four hours before the window
    # opens (the negotiation, and publishing the plan at least the notification lead time
    # before its first movement), then follows the replay; the dashboard reads the same clock.
    opens = _window_opens(ANDORRA / "scenario.yaml")
    clock = RunningClock(opens - dt.timedelta(hours=4))
    service = bootstrap(load_settings(data_dir=data_dir), clock=clock)
    admin = accounts.bootstrap_admin(service.uow(), service.settings.token_secret)
    assert admin is not None
    server, thread = _serve_in_thread(service, host, port)
    base = f"http://{host}:{port}"
    c = Client(base)
    c.tokens["admin"] = admin.token
    try:
        _say(f"1. the coordination service is up on {base} (SQLite in {data_dir})")
        # each party's liaison belongs to its party's organisation; the rest to the mission
        orgs = {
            role: c.call("organisation", "admin", "POST", "/v1/organisations", json={"name": n})[
                "id"
            ]
            for role, n in ORGANISATIONS.items()
        }
        organisations = dict(ORGANISATIONS)
        for who in ROLES_SHOWN:
            side = {"liaison-a": "party_a", "liaison-b": "party_b"}.get(who, "intermediary")
            issued = c.call(
                "users",
                "admin",
                "POST",
                "/v1/users",
                json={"organisation_id": orgs[side], "name": f"demo {who}", "role": who},
            )
            c.tokens[who] = issued["token"]

        _say("2. the coordinator uploads the Andorra example; the server checks and compiles it")
        sid = c.call(
            "scenario",
            "coordinator",
            "POST",
            "/v1/scenarios",
            json={
                "name": "andorra",
                "source": (ANDORRA / "scenario.yaml").read_text(),
                "files": {"hazards.geojson": (ANDORRA / "hazards.geojson").read_text()},
            },
        )["id"]
        scenario = c.call("scenario", "coordinator", "GET", f"/v1/scenarios/{sid}")
        scenario["instance"] = c.call(
            "scenario", "coordinator", "GET", f"/v1/scenarios/{sid}/instance"
        )
        scenario["map"] = c.call("scenario", "coordinator", "GET", f"/v1/scenarios/{sid}/map")
        scenario["routes"] = c.call(
            "scenario", "coordinator", "GET", "/v1/routes", params={"scenario": sid}
        )
        inst = scenario["instance"]
        people = sum(sum(g["people"].values()) for g in inst["gathering"])
        _say(
            f"   {len(inst['gathering'])} gathering points, {people} people, "
            f"{len(scenario['routes']['features'])} corridor routes"
        )

        _say("3. a scripted negotiation with demo keys (each side signs on 'its own machine')")
        talks = Negotiation(c, data_dir / "demo-keys", clock, _say)
        corridor = talks.agree(scenario, organisations)
        talks.witness()

        _say(f"4. the planner works within the agreed terms ({plan_seconds:.0f} s)...")
        plan_id = c.call(
            "plan",
            "coordinator",
            "POST",
            "/v1/plans",
            json={"scenario_id": sid, "corridor": corridor, "time_limit": plan_seconds, "seed": 1},
        )["id"]
        while True:
            plan = c.call("plan", "observer", "GET", f"/v1/plans/{plan_id}")
            if plan["status"] in ("done", "rejected", "failed"):
                break
            time.sleep(1)
        if plan["status"] != "done":
            raise DemoFailed("plan", f"{plan['status']}: {plan.get('error')}")
        check = plan["report"]["check"]
        _say(
            f"   plan {plan_id}: feasible, score {check['score']:.0f}, "
            f"{sum(check['evacuated'].values())} people evacuated by {check['vehicles_used']} "
            f"vehicles; complies with the agreement: {plan['report']['agreement']['complies']}"
        )

        _say("5. registrars register households; the coordinator notifies the parties")
        gathering = [g["id"] for g in inst["gathering"]]
        for i, name in enumerate(NAMES):
            c.call(
                "register",
                "registrar",
                "POST",
                "/v1/registry/evacuees",
                json={
                    "client_id": f"demo-{i}",
                    "household": f"H{i // 2:03d}",
                    "people_class": ("general", "vulnerable", "medical")[i % 3],
                    "gathering": gathering[i % len(gathering)],
                    "name": name,
                    "needs": "wheelchair" if i % 5 == 0 else None,
                },
            )
        _notify(c, plan_id, check["vehicles_used"])

        routes = [r for r in plan["plan"]["routes"] if len(r["stops"]) > 1]
        places = {
            fid: {"lon": f["geometry"]["coordinates"][0], "lat": f["geometry"]["coordinates"][1]}
            for f in scenario["map"]["features"]
            if f["geometry"]["type"] == "Point"
            for fid in [f["id"]]
        }
        for r in routes:
            issued = c.call(
                "driver",
                "admin",
                "POST",
                "/v1/users",
                json={
                    "organisation_id": orgs["intermediary"],
                    "name": f"driver {r['vehicle']}",
                    "role": "driver",
                    "vehicle": r["vehicle"],
                },
            )
            c.tokens[r["vehicle"]] = issued["token"]
        first_token = next(iter(r["vehicle"] for r in routes))
        # The first hour of the operation: from the opening of the agreed window.
        t0 = float(plan["report"]["agreement"]["terms"]["open"])
        t1 = t0 + 60
        zero = dt.datetime.fromisoformat(plan["origin"])
        tracks = _road_tracks(service, sid, inst, routes, places)
        # Vehicles that leave their depot before the window opens report from their departure
        # (else the service rightly finds them silent when the replay starts).
        first = min([t0, *(float(int(t.start())) for t in tracks.values())])
        _say(
            f"6. replaying the first hour ({_clock(zero, t0)}-{_clock(zero, t1)} {TIME_ZONE}, "
            f"from the first departure at {_clock(zero, first)}) as position reports from "
            f"{len(routes)} vehicles"
        )
        troubles = _troubles(tracks, routes, t0)
        for line in troubles.lines:
            _say(f"   {line}")
        checkins = _checkins(routes, t0, t1, troubles.held)
        ctx = SimpleNamespace(
            c=c, talks=talks, corridor=corridor, zero=zero, tracks=tracks, checkins=checkins,
            service=service, scenario_id=sid, instance=inst, places=places, t1=t1,
            plan_seconds=plan_seconds, paths=c.http.get("/openapi.json").json().get("paths", {}),
        )  # fmt: skip
        sent = 0
        step = 2  # simulated minutes per batch (under the silent alert's 5 min)
        minute = first
        while minute <= t1:
            # The server's clock is the replay's: at each step's minute while its reports are
            # sent (real time), then running at ``speed`` until the next step's minute.
            clock.set(zero + dt.timedelta(minutes=minute), rate=1.0)
            for vehicle, track in ctx.tracks.items():
                batch = [
                    {
                        "client_id": f"{vehicle.replace('/', '.')}:{m:.0f}",
                        "vehicle": vehicle,
                        "at": (zero + dt.timedelta(minutes=m)).isoformat(),
                        "lat": round(lat, 6),
                        "lon": round(lon, 6),
                    }
                    for m in range(int(minute), int(minute + step))
                    if track.start() <= m <= track.end() and m <= t1
                    for lon, lat in [track.at(m)]
                ]
                if batch:
                    c.call("positions", vehicle, "POST", "/v1/positions", json={"positions": batch})
                    sent += len(batch)
            for kind, vehicle, place, at, who_people in ctx.checkins:
                if minute <= at < minute + step:
                    who = vehicle if kind == "boarding" else "reception"
                    c.call(
                        "check-in",
                        who,
                        "POST",
                        "/v1/checkins",
                        json={
                            "client_id": f"{kind}:{vehicle.replace('/', '.')}:{at:.1f}",
                            "kind": kind,
                            "vehicle": vehicle,
                            "place": place,
                            "at": (zero + dt.timedelta(minutes=at)).isoformat(),
                            "people": who_people,
                        },
                    )
            for at_minute, act in troubles.events:
                if minute <= at_minute < minute + step:
                    clock.set(zero + dt.timedelta(minutes=at_minute), rate=1.0)
                    act(ctx, at_minute)
            if "/v1/alerts" in ctx.paths:
                _acknowledge_seen(c, zero + dt.timedelta(minutes=minute + step))
            minute += step
            if minute <= t1:
                clock.set(clock(), rate=speed)
                while clock() < zero + dt.timedelta(minutes=minute):
                    time.sleep(0.02)
        clock.set(zero + dt.timedelta(minutes=t1), rate=1.0)  # from here on, real time
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
        report = _after_action(service, data_dir / "after-action")
        _say(f"7. the after-action report: {report} (and .pdf; also {base}/v1/after-action.html)")
        _say("")
        _say(
            f"The service's clock now reads {_clock(zero, t1)} {TIME_ZONE} on the operation's "
            "day and runs on in real time; the dashboard shows the same clock."
        )
        _say(f"Open the dashboard:  {base}/")
        _say(f"API reference:       {base}/docs")
        _say("Sign in with one of these demo tokens (valid for this demo only):")
        for who in (*ROLES_SHOWN, first_token):
            label = who if who in ROLES_SHOWN else f"driver of {who}"
            _say(f"  {label:24s} {c.tokens[who]}")
        _say(f"Demo keys of the parties and the intermediary: {talks.keys_dir}")
        if keep_serving:
            _say("Serving until you press Ctrl-C.")
            try:
                while thread.is_alive():
                    time.sleep(0.5)
            except KeyboardInterrupt:
                _say("stopping")
    finally:
        c.http.close()
        server.should_exit = True
        thread.join(timeout=10)
        service.close()


def _after_action(service: Any, out: Path) -> Path:
    """The after-action report of the replayed hour, as ``corridor after-action`` writes it."""
    from corridor.adapters.after_action_files import write_after_action
    from corridor.services.after_action import build_report

    report, scene = build_report(service)
    return write_after_action(report, scene, out).html


def _clock(zero: dt.datetime, minute: float) -> str:
    from zoneinfo import ZoneInfo

    return (zero + dt.timedelta(minutes=minute)).astimezone(ZoneInfo(TIME_ZONE)).strftime("%H:%M")


def _window_opens(scenario: Path) -> dt.datetime:
    """When the scenario's ceasefire window opens (its ``window.open``, with its offset)."""
    import yaml

    opens = yaml.safe_load(scenario.read_text())["window"]["open"]
    at = opens if isinstance(opens, dt.datetime) else dt.datetime.fromisoformat(str(opens))
    if at.tzinfo is None:  # PyYAML gives UTC as a naive time
        at = at.replace(tzinfo=dt.UTC)
    return at


def _checkins(
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


def _notify(c: Client, plan_id: int, vehicles: int) -> None:
    """Publish the plan (trip sheets, and movement notifications to both parties, each its
    lead time ahead) where the service publishes plans; else one notification by hand. Each
    party acknowledges what it received (an acknowledgement is never an approval)."""
    paths = c.http.get("/openapi.json").json().get("paths", {})
    if "/v1/plans/{plan_id}/publish" not in paths:
        n = c.call(
            "notify",
            "coordinator",
            "POST",
            "/v1/notifications",
            json={
                "kind": "movement",
                "parties": "AB",
                "subject": f"{vehicles} vehicles through the agreed checkpoints",
                "body": {"plan": plan_id},
            },
        )["id"]
        ids = [n]
    else:
        c.call("publish", "coordinator", "POST", f"/v1/plans/{plan_id}/publish", json={})
        notes = c.call("notifications", "coordinator", "GET", "/v1/notifications")
        ids = [n["id"] for n in notes]
        _say(
            f"   plan {plan_id} published: trip sheets for {vehicles} vehicles, {len(ids)} "
            "movement notifications to both parties"
        )
    for who in ("liaison-a", "liaison-b"):
        for n in ids:
            c.call("ack", who, "POST", f"/v1/notifications/{n}/ack", json={"note": "received"})


def _road_tracks(
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


def _troubles(tracks: dict[str, Any], routes: list[dict[str, Any]], t0: float) -> Troubles:
    """One vehicle held at a checkpoint, one off its route for a while, and a shelling near a
    third one's route that leads to a suspension (then both parties resume)."""
    out = Troubles()
    used: set[str] = set()
    for r in routes:  # the first checkpoint crossing in the replayed hour
        crossing = next(
            (s for s in r["stops"] if s.get("dir") and t0 + 5 <= float(s["arrive"]) <= t0 + 40),
            None,
        )
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
        _say(f"   {_clock(ctx.zero, m)} the driver of {near} reports shelling near its route")

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
    return out


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
        f"   {_clock(ctx.zero, m)} replanned from the live state (plan {new['id']}, stops "
        f"reached kept, roads within {REPLAN_RADIUS_M:.0f} m of the shelling closed), published "
        f"as version "
        f"{out['plan_version']} with {len(out.get('differences', []))} differences and "
        f"{len(out.get('notifications', []))} new notifications"
    )
    row = ctx.c.call("replan", "coordinator", "GET", f"/v1/plans/{new['id']}")
    routes = [r for r in row["plan"]["routes"] if len(r["stops"]) > 1]
    fresh = _road_tracks(ctx.service, ctx.scenario_id, ctx.instance, routes, ctx.places)
    for vehicle, track in fresh.items():
        ctx.tracks[vehicle] = track
    later = _checkins(routes, m, ctx.t1, {})
    ctx.checkins[:] = [x for x in ctx.checkins if x[3] < m] + [x for x in later if x[3] >= m]


def _acknowledge_seen(c: Client, now: dt.datetime) -> None:
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


def register(app: typer.Typer) -> None:
    """Add this module's commands to the ``corridor`` app."""

    @app.command("demo")
    def demo(
        host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="TCP port", min=1, max=65535)] = 8000,
        data_dir: Annotated[
            Path, typer.Option("--data-dir", help="A new folder for the demo's database and keys")
        ] = Path("corridor-demo"),
        keep_serving: Annotated[
            bool, typer.Option("--keep-serving/--exit", help="Stay up after the replay (default)")
        ] = True,
        speed: Annotated[
            float, typer.Option(help="Replay speed: simulated minutes per real minute", min=1)
        ] = 120.0,
        plan_seconds: Annotated[
            float, typer.Option("--plan-seconds", help="Time for the planner", min=1, max=600)
        ] = 20.0,
    ) -> None:
        """Start the service, load the Andorra example, negotiate, plan, replay the first hour."""
        run_demo(host, port, data_dir, keep_serving, speed, plan_seconds)
