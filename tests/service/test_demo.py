"""``corridor demo`` end to end through the real CLI: it must run, not just exist."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

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
    shelled = re.search(r"the driver of (\S+) reports shelling near its route", out)
    assert shelled, out
    for line in ("suspension by party-a", "resumption by party-a", "resumption by party-b"):
        assert line in out
    # The replan from the live state succeeds and is published; a vehicle the closed roads
    # trap is held where it is, with a 'stranded' alert naming it and the people on board.
    assert re.search(
        r"replanned from the live state \(plan 2, .*\), published as version 2 with \d+ "
        r"differences",
        out,
    ), out
    stranded = re.findall(r"(\S+) is stranded at (\w+) with (\d+) people on board", out)
    # Each injected trouble raises its alert, once, on the version it happened under (a
    # vehicle leaving before the window opens reports from its departure, so none is found
    # silent). That *only* they fire is shown by tests/live/test_replay.py on a fixed plan;
    # here the plan is the one a 3-second search finds, and on some of them the detoured
    # vehicle, whose trips run back and forth along the valley's one road, is matched to a
    # later pass of the same road after its detour and raises off_route (and stopped) again: a
    # known defect of the matching on self-overlapping routes (issue 14's note).
    raised = re.search(r"alerts: \d+ raised \(([^)]*)\), (\d+) cleared since", out)
    assert raised, out
    assert int(raised.group(2)) >= 1
    rows = alert_rows(data)
    first = Counter((k, v) for k, v, version, _ in rows if version == 1)
    assert first[("incident_near_route", shelled.group(1))] == 1, rows
    assert first[("late", held.group(1))] == 1, rows
    assert 1 <= first[("off_route", detour.group(1))] <= 2, rows
    assert first[("stopped", detour.group(1))] <= 1, rows
    assert {(v, int(n)) for v, _, n in stranded} == {
        (v, int(d["on_board"])) for k, v, _, d in rows if k == "stranded"
    }
    assert {(k, v) for k, v, _, _ in rows if k == "stranded"} == {
        ("stranded", v) for v, _, _ in stranded
    }
    injected = {
        ("incident_near_route", shelled.group(1)),
        ("late", held.group(1)),
        # the held vehicle, late, may be projected out after the close: its plan's last
        # crossing out ends less than its lateness before it (the plan uses the whole window)
        ("inside_after_close", held.group(1)),
        ("off_route", detour.group(1)),
        ("stopped", detour.group(1)),
        *(("stranded", v) for v, _, _ in stranded),
    }
    assert set(first) <= injected, rows
    # Under the new version the vehicles are matched to their new routes from their next
    # report, at the pass of the road the plan has them on at that time (on this valley's
    # back-and-forth roads the first pass as near once made six of them look late): what
    # remains is what the suspension did (a vehicle stood still through it, some fell behind)
    # and a vehicle silent once its trip is over, never off its route or inside after the close
    # (how many fall behind depends on the plan the short search finds: not counted here).
    later = {k for k, _, version, _ in rows if version == 2}
    assert later <= {"late", "stopped", "silent"}, rows
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


def alert_rows(data: Path) -> list[tuple[str, str, int, dict[str, object]]]:
    """Every alert of the demo's database: kind, vehicle, plan version, data."""
    engine = create_engine(f"sqlite:///{data / 'corridor.sqlite'}")
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                orm.alerts.c.kind,
                orm.alerts.c.vehicle,
                orm.alerts.c.publication_id,
                orm.alerts.c.data,
            ).order_by(orm.alerts.c.id)
        ).all()
    engine.dispose()
    return [(str(k), str(v), int(p), dict(d or {})) for k, v, p, d in rows]


def vehicles_move_along_their_roads(data: Path, detour: str) -> None:
    """Every reported position lies on the roads of its vehicle's trip sheets (the first
    version's, or the replan's: on the roads its hazard left open; within 25 m) or at one of
    its stops, not on straight lines between its stops, except the one vehicle while off its
    route."""
    import shapely

    engine = create_engine(f"sqlite:///{data / 'corridor.sqlite'}")
    with engine.connect() as conn:
        sheets = [r.sheet for r in conn.execute(select(orm.trip_sheets.c.sheet))]
        positions = conn.execute(
            select(orm.positions.c.vehicle, orm.positions.c.lon, orm.positions.c.lat)
        ).all()
    engine.dispose()
    k = np.cos(np.radians(np.mean([p.lat for p in positions])))

    def proj(points: Any) -> Any:
        """(lon, lat) pairs to metres on a plane about the valley (well within 1 m here)."""
        lon, lat = np.asarray(points, dtype=float).T
        return np.stack([lon * 111_320.0 * k, lat * 110_574.0], 1)

    far_from_chords = 0
    for vehicle in sorted({s["vehicle"] for s in sheets}):
        mine = [(p.lon, p.lat) for p in positions if p.vehicle == vehicle]
        if not mine:
            continue
        roads, stops = [], []
        for s in (s for s in sheets if s["vehicle"] == vehicle):
            roads.append(shapely.LineString(proj(s["route"]["coordinates"])))
            stops += [(st["lon"], st["lat"]) for st in s["stops"] if st["lon"] is not None]
        chords = shapely.LineString(proj(stops))
        points = shapely.points(proj(mine))
        # on the road, or waiting at a stop (a place may lie off its road, up to snap_max_m)
        where = shapely.union_all([*roads, shapely.MultiPoint(chords.coords)])
        off = shapely.distance(points, where)
        if vehicle == detour:
            assert 500 < off.max() < 900, off.max()
        else:
            assert off.max() < 25, (vehicle, off.max())
        far_from_chords += int(shapely.distance(points, chords).max() > 200)
    assert far_from_chords >= 3
