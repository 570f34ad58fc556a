"""``corridor demo`` end to end through the real CLI: it must run, not just exist."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import create_engine, func, select

from corridor.adapters import orm
from corridor.tlog.witness import state_path_for

from .live import free_port


@pytest.mark.slow
def test_demo_negotiates_plans_and_replays_the_first_hour(tmp_path: Path) -> None:
    data = tmp_path / "demo"
    port = free_port()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "corridor",
            "demo",
            "--port",
            str(port),
            "--data-dir",
            str(data),
            "--exit",
            "--speed",
            "100000",
            "--plan-seconds",
            "3",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    out = done.stdout
    assert done.returncode == 0, done.stderr[-2000:]
    assert "status: ceasefire confirmed by both parties on version 2; ready: True" in out
    assert "both parties cosigned it as witnesses" in out
    # each party's witness memory is where `corridor log cosign --key demo-keys/NAME.key` reads
    # it (issue 13, finding 7): the next cosignature checks consistency with this one
    for party in ("party-a", "party-b"):
        assert state_path_for(data / "demo-keys" / f"{party}.key").is_file(), party
    assert re.search(
        r"plan 1: feasible, score \d+, \d+ people evacuated by \d+ vehicles; "
        r"complies with the agreement: True",
        out,
    )
    # The demo's replay and the service agree on the time: the operation's day, in its zone.
    replay = re.search(
        r"6\. replaying the first hour \(06:00-07:00 Europe/Andorra, from the first departure "
        r"at 0(\d):(\d\d)\)",
        out,
    )
    assert replay, out
    start = dt.datetime(2026, 5, 14, int(replay.group(1)) - 2, int(replay.group(2)), tzinfo=dt.UTC)
    assert "The service's clock now reads 07:00 Europe/Andorra" in out
    sent = int(re.search(r"(\d+) position reports", out).group(1))  # type: ignore[union-attr]
    assert sent > 100
    assert f"Open the dashboard:  http://127.0.0.1:{port}/" in out
    assert len(re.findall(r"^  \S.* cor_[\w-]+$", out, flags=re.M)) == 7
    engine = create_engine(f"sqlite:///{data / 'corridor.sqlite'}")
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(orm.positions)).scalar_one() == sent
        assert conn.execute(select(func.count()).select_from(orm.evacuees)).scalar_one() == 12
        received = conn.execute(
            select(func.min(orm.positions.c.received_at), func.max(orm.positions.c.received_at))
        ).one()
    engine.dispose()
    # every report was received on the service's clock, in the replay (from the first
    # departure, before 06:00 in Andorra, to 07:00: 05:00 UTC)
    first, last = (dt.datetime.fromisoformat(str(t)).replace(tzinfo=dt.UTC) for t in received)
    assert start <= first < dt.datetime(2026, 5, 14, 4, 0, tzinfo=dt.UTC)
    assert last <= dt.datetime(2026, 5, 14, 5, 1, tzinfo=dt.UTC)
    # The troubles it shows: one vehicle held at a checkpoint, one leaving its route, a
    # shelling that leads to a suspension, then both parties resume.
    held = re.search(r"(\S+) is held 25 min at checkpoint (K-\w+)", out)
    detour = re.search(r"(\S+) leaves its route for 12 min \(up to 800 m away\)", out)
    assert held, out
    assert detour, out
    assert re.search(r"the driver of \S+ reports shelling near its route", out)
    for line in ("suspension by party-a", "resumption by party-a", "resumption by party-b"):
        assert line in out
    # Each injected trouble raises its alert (a vehicle leaving before the window opens reports
    # from its departure, so none is found silent) and the one off its route clears. That
    # *only* they fire, each once, is shown by tests/live/test_replay.py on a fixed plan; here
    # the plan is the one a 3-second search finds, and on some of them the detoured vehicle,
    # whose trips run back and forth along the valley's one road, is matched to a later pass
    # of the same road after its detour and raises off_route (and stopped) again: a known
    # defect of the matching on self-overlapping routes (issue 14's note), not asserted away.
    raised = re.search(r"alerts: \d+ raised \(([^)]*)\), (\d+) cleared since", out)
    assert raised, out
    kinds = dict(k.rsplit(" ", 1) for k in raised.group(1).split(", "))
    assert {"incident_near_route", "late", "off_route"} <= set(kinds), kinds
    assert set(kinds) <= {"incident_near_route", "late", "off_route", "stopped"}, kinds
    assert kinds["incident_near_route"] == "1"
    assert kinds["late"] == "1"
    assert int(raised.group(2)) >= 1
    vehicles_move_along_their_roads(data, detour.group(1))
    # The after-action report of the replayed hour, every PDF page rendered.
    report = data / "after-action"
    assert f"7. the after-action report: {report / 'after-action.html'}" in out
    html = (report / "after-action.html").read_text()
    assert "Shelling some 600 m from the road" in html
    assert "suspended 06:37–06:50 (13 min)" in html
    if shutil.which("pdftoppm"):
        subprocess.run(
            ["pdftoppm", "-r", "40", "-png", str(report / "after-action.pdf"), str(tmp_path / "p")],
            check=True,
        )
        assert len(list(tmp_path.glob("p-*.png"))) >= 3
    # A second run starts afresh in the same folder; a folder of other files is refused.
    other = tmp_path / "mine"
    other.mkdir()
    (other / "thesis.tex").write_text("precious")
    refused = subprocess.run(
        [sys.executable, "-m", "corridor", "demo", "--data-dir", str(other), "--exit"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert refused.returncode == 2
    assert "--data-dir" in refused.stderr
    assert (other / "thesis.tex").read_text() == "precious"


def vehicles_move_along_their_roads(data: Path, detour: str) -> None:
    """Every reported position lies on the roads of its vehicle's planned route (within 25 m)
    or at one of its stops, not on straight lines between its stops, except the one vehicle
    while off its route."""
    import shapely

    from corridor.bootstrap import bootstrap
    from corridor.services.after_action import gather, planned_geometry, scenario_network
    from corridor.settings import load_settings

    service = bootstrap(load_settings(data_dir=data))
    try:
        records, plan = gather(service)
        assert plan is not None
        net = scenario_network(service, plan["scenario"])
        assert net is not None
        proj = net.graph.projection
        far_from_chords = 0
        for route in records.plan_routes:
            mine = [p for p in records.positions if p["vehicle"] == route["vehicle"]]
            if len(route["stops"]) < 2 or not mine:
                continue
            road = planned_geometry(net, plan["scenario"]["instance"], route)
            line = shapely.LineString(np.stack(proj.forward(*zip(*road, strict=True)), 1))
            stops = [net.places[s["at"]] for s in route["stops"]]
            chords = shapely.LineString(
                np.stack(proj.forward([p.lon for p in stops], [p.lat for p in stops]), 1)
            )
            xy = np.stack(proj.forward([p["lon"] for p in mine], [p["lat"] for p in mine]), 1)
            points = shapely.points(xy)
            # on the road, or waiting at a stop (a place may lie off its road, up to snap_max_m)
            off = shapely.distance(points, line.union(shapely.MultiPoint(chords.coords)))
            if route["vehicle"] == detour:
                assert 500 < off.max() < 900, off.max()
            else:
                assert off.max() < 25, (route["vehicle"], off.max())
            far_from_chords += int(shapely.distance(points, chords).max() > 200)
        assert far_from_chords >= 3
    finally:
        service.close()
