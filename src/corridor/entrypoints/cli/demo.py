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
import shutil
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Annotated, Any

import typer

from corridor.entrypoints.cli.demo_negotiation import TIME_ZONE
from corridor.errors import CorridorError, InputError

ANDORRA = Path(__file__).resolve().parents[4] / "examples" / "andorra"
MARKER = ".corridor-demo"
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
        orgs = _accounts(c)
        _say("2. the coordinator uploads the Andorra example; the server checks and compiles it")
        sid, scenario = _upload_scenario(c)
        _say("3. a scripted negotiation with demo keys (each side signs on 'its own machine')")
        talks = Negotiation(c, data_dir / "demo-keys", clock, _say)
        corridor = talks.agree(scenario, dict(ORGANISATIONS))
        talks.witness()
        _say(f"4. the planner works within the agreed terms ({plan_seconds:.0f} s)...")
        plan = _plan(c, sid, corridor, plan_seconds)
        _say("5. registrars register households; the coordinator notifies the parties")
        _register(c, scenario["instance"])
        _notify(c, plan["id"], plan["report"]["check"]["vehicles_used"])
        routes = [r for r in plan["plan"]["routes"] if len(r["stops"]) > 1]
        _driver_tokens(c, routes, orgs["intermediary"])
        ctx = _replay_hour(c, service, clock, talks, corridor, sid, scenario, plan, routes, speed,
                           plan_seconds)  # fmt: skip
        report = _after_action(service, data_dir / "after-action")
        _say(f"7. the after-action report: {report} (and .pdf; also {base}/v1/after-action.html)")
        _say_how_to_look(c, base, talks, ctx, routes[0]["vehicle"])
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


def _accounts(c: Client) -> dict[str, int]:
    """The demo's organisations and one user per role shown; each party's liaison belongs to
    its party's organisation, the rest to the mission. Returns the organisations' ids."""
    orgs = {
        role: c.call("organisation", "admin", "POST", "/v1/organisations", json={"name": n})["id"]
        for role, n in ORGANISATIONS.items()
    }
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
    return orgs


def _upload_scenario(c: Client) -> tuple[int, dict[str, Any]]:
    """Upload the Andorra example; returns its id and its row with the compiled instance, its
    map and its routes."""
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
    scenario["instance"] = c.call("scenario", "coordinator", "GET", f"/v1/scenarios/{sid}/instance")
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
    return int(sid), scenario


def _plan(c: Client, sid: int, corridor: str, plan_seconds: float) -> dict[str, Any]:
    """Plan within the agreed terms and wait for it; a plan that is not done stops the demo."""
    plan_id = c.call(
        "plan",
        "coordinator",
        "POST",
        "/v1/plans",
        json={"scenario_id": sid, "corridor": corridor, "time_limit": plan_seconds, "seed": 1},
    )["id"]
    while True:
        plan: dict[str, Any] = c.call("plan", "observer", "GET", f"/v1/plans/{plan_id}")
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
    return plan


def _register(c: Client, inst: dict[str, Any]) -> None:
    """The registrars register the (fictional) households at the gathering points."""
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


def _driver_tokens(c: Client, routes: list[dict[str, Any]], organisation_id: int) -> None:
    """One driver per vehicle on the road, each with a token for its vehicle only."""
    for r in routes:
        issued = c.call(
            "driver",
            "admin",
            "POST",
            "/v1/users",
            json={
                "organisation_id": organisation_id,
                "name": f"driver {r['vehicle']}",
                "role": "driver",
                "vehicle": r["vehicle"],
            },
        )
        c.tokens[r["vehicle"]] = issued["token"]


def _replay_hour(
    c: Client, service: Any, clock: Any, talks: Any, corridor: str, sid: int,
    scenario: dict[str, Any], plan: dict[str, Any], routes: list[dict[str, Any]], speed: float,
    plan_seconds: float,
) -> SimpleNamespace:  # fmt: skip
    """Step 6: the first hour of the operation from the opening of the agreed window, as
    position reports and check-ins, with its troubles. Returns the replay's context."""
    from corridor.entrypoints.cli import demo_replay as rp

    inst = scenario["instance"]
    places = {
        fid: {"lon": f["geometry"]["coordinates"][0], "lat": f["geometry"]["coordinates"][1]}
        for f in scenario["map"]["features"]
        if f["geometry"]["type"] == "Point"
        for fid in [f["id"]]
    }
    t0 = float(plan["report"]["agreement"]["terms"]["open"])
    t1 = t0 + 60
    zero = dt.datetime.fromisoformat(plan["origin"])
    tracks = rp.road_tracks(service, sid, inst, routes, places)
    # Vehicles that leave their depot before the window opens report from their departure
    # (else the service rightly finds them silent when the replay starts).
    first = min([t0, *(float(int(t.start())) for t in tracks.values())])
    _say(
        f"6. replaying the first hour ({rp.clock_at(zero, t0)}-{rp.clock_at(zero, t1)} "
        f"{TIME_ZONE}, from the first departure at {rp.clock_at(zero, first)}) as position "
        f"reports from {len(routes)} vehicles"
    )
    troubles = rp.make_troubles(tracks, routes, t0)
    for line in troubles.lines:
        _say(f"   {line}")
    checkins = rp.checkins_due(routes, t0, t1, troubles.held)
    ctx = SimpleNamespace(
        c=c, talks=talks, corridor=corridor, zero=zero, tracks=tracks, checkins=checkins,
        service=service, scenario_id=sid, instance=inst, places=places, t1=t1,
        plan_seconds=plan_seconds, paths=c.http.get("/openapi.json").json().get("paths", {}),
    )  # fmt: skip
    sent = rp.replay(ctx, clock, troubles, first, speed)
    rp.say_progress(c, sent)
    return ctx


def _say_how_to_look(
    c: Client, base: str, talks: Any, ctx: SimpleNamespace, first_vehicle: str
) -> None:
    """Where to look now: the service's clock, the dashboard, one token per role."""
    from corridor.entrypoints.cli.demo_replay import clock_at

    _say("")
    _say(
        f"The service's clock now reads {clock_at(ctx.zero, ctx.t1)} {TIME_ZONE} on the "
        "operation's day and runs on in real time; the dashboard shows the same clock."
    )
    _say(f"Open the dashboard:  {base}/")
    _say(f"API reference:       {base}/docs")
    _say("Sign in with one of these demo tokens (valid for this demo only):")
    for who in (*ROLES_SHOWN, first_vehicle):
        label = who if who in ROLES_SHOWN else f"driver of {who}"
        _say(f"  {label:24s} {c.tokens[who]}")
    _say(f"Demo keys of the parties and the intermediary: {talks.keys_dir}")


def _after_action(service: Any, out: Path) -> Path:
    """The after-action report of the replayed hour, as ``corridor after-action`` writes it."""
    from corridor.adapters.after_action_files import write_after_action
    from corridor.services.after_action import build_report

    report, scene = build_report(service)
    return write_after_action(report, scene, out).html


def _window_opens(scenario: Path) -> dt.datetime:
    """When the scenario's ceasefire window opens (its ``window.open``, with its offset)."""
    import yaml

    opens = yaml.safe_load(scenario.read_text())["window"]["open"]
    at = opens if isinstance(opens, dt.datetime) else dt.datetime.fromisoformat(str(opens))
    if at.tzinfo is None:  # PyYAML gives UTC as a naive time
        at = at.replace(tzinfo=dt.UTC)
    return at


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
