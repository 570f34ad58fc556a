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
import itertools
import shutil
import threading
import time
from pathlib import Path
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


def _positions_along(
    route: dict[str, Any], places: dict[str, Any], t0: float, t1: float
) -> list[tuple[float, float, float]]:
    """(minute, lon, lat) once a minute between t0 and t1, straight between the plan's stops."""
    marks: list[tuple[float, float, float]] = []
    for stop in route["stops"]:
        p = places[stop["at"]]
        arrive = stop.get("arrive", stop.get("start"))
        leave = stop.get("end", stop.get("depart", arrive))
        marks += [(float(arrive), p["lon"], p["lat"]), (float(leave), p["lon"], p["lat"])]
    out = []
    minute = t0
    while minute <= t1:
        if marks[0][0] <= minute <= marks[-1][0]:
            for (ta, xa, ya), (tb, xb, yb) in itertools.pairwise(marks):
                if ta <= minute <= tb:
                    f = 0.0 if tb == ta else (minute - ta) / (tb - ta)
                    out.append((minute, xa + f * (xb - xa), ya + f * (yb - ya)))
                    break
        minute += 1
    return out


def run_demo(
    host: str, port: int, data_dir: Path, keep_serving: bool, speed: float, plan_seconds: float
) -> None:
    from corridor.adapters.clock import RunningClock
    from corridor.bootstrap import bootstrap
    from corridor.entrypoints.cli.demo_negotiation import Negotiation
    from corridor.services import accounts
    from corridor.settings import load_settings

    _prepare_dir(data_dir)
    # The demo runs on the operation's own day: its clock starts two hours before the window
    # opens (the negotiation), then follows the replay; the dashboard reads the same clock.
    opens = _window_opens(ANDORRA / "scenario.yaml")
    clock = RunningClock(opens - dt.timedelta(hours=2))
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
        n = c.call(
            "notify",
            "coordinator",
            "POST",
            "/v1/notifications",
            json={
                "kind": "movement",
                "parties": "AB",
                "subject": f"{check['vehicles_used']} vehicles through the agreed checkpoints",
                "body": {"plan": plan_id},
            },
        )["id"]
        for who in ("liaison-a", "liaison-b"):
            c.call("ack", who, "POST", f"/v1/notifications/{n}/ack", json={"note": "received"})

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
        _say(
            f"6. replaying the first hour ({_clock(zero, t0)}-{_clock(zero, t1)} {TIME_ZONE}) as "
            f"position reports from {len(routes)} vehicles"
        )
        tracks = {r["vehicle"]: _positions_along(r, places, t0, t1) for r in routes}
        checkins = _checkins(routes, t0, t1)
        sent = 0
        step = 5  # simulated minutes per batch
        minute = t0
        while minute <= t1:
            # The server's clock is the replay's: at each step's minute while its reports are
            # sent (real time), then running at ``speed`` until the next step's minute.
            clock.set(zero + dt.timedelta(minutes=minute), rate=1.0)
            for vehicle, track in tracks.items():
                batch = [
                    {
                        "client_id": f"{vehicle.replace('/', '.')}:{m:.0f}",
                        "vehicle": vehicle,
                        "at": (zero + dt.timedelta(minutes=m)).isoformat(),
                        "lat": lat,
                        "lon": lon,
                    }
                    for m, lon, lat in track
                    if minute <= m < minute + step
                ]
                if batch:
                    c.call("positions", vehicle, "POST", "/v1/positions", json={"positions": batch})
                    sent += len(batch)
            for kind, vehicle, place, at, who_people in checkins:
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
    routes: list[dict[str, Any]], t0: float, t1: float
) -> list[tuple[str, str, str, float, dict[str, int]]]:
    out = []
    for r in routes:
        for stop in r["stops"]:
            if stop.get("board") and t0 <= stop["depart"] <= t1:
                out.append(
                    ("boarding", r["vehicle"], stop["at"], float(stop["depart"]), stop["board"])
                )
            if stop.get("alight") and t0 <= stop["arrive"] <= t1:
                out.append(
                    ("arrival", r["vehicle"], stop["at"], float(stop["arrive"]), stop["alight"])
                )
    return out


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
