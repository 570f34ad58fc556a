"""The after-action report: what was agreed against what happened, from an operation's records.

The fixture is the tiny CEP plan (three vehicles) run on the tests' day with the troubles a
coordinator must find in the report: a boarding counted 25 minutes late, a vehicle that never
reported, three people who boarded and never arrived, a critical incident, a suspension the two
parties lifted 40 minutes later, a notification one party acknowledged after 12 minutes and the
other never, and two alerts (one acknowledged after 3 minutes, one never).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import T0

from corridor.adapters.after_action_files import write_after_action
from corridor.reporting.after_action import after_action
from corridor.reporting.after_action_model import LogEntry, OperationRecords, Table

DATA = Path(__file__).resolve().parents[2] / "data" / "cep"
STATIC = Path(__file__).resolve().parents[2] / "src" / "corridor" / "entrypoints" / "web" / "static"
ORIGIN = T0.replace(hour=0)  # the plan's minute 0 (midnight UTC of the tests' day)


def at(minute: float) -> dt.datetime:
    return ORIGIN + dt.timedelta(minutes=minute)


def table(report: Any, title: str) -> Table:
    return next(t for t in report.tables if t.title.startswith(title))


@pytest.fixture
def records() -> OperationRecords:
    plan = json.loads((DATA / "tiny.plan.json").read_text())
    routes = [r for r in plan["routes"] if len(r["stops"]) > 1]
    moving = [r["vehicle"] for r in routes][:2]  # the third never reports
    positions = [
        {"vehicle": v, "at": at(m), "lat": 42.5 + m / 1e4, "lon": 1.5}
        for v in moving
        for m in range(480, 600, 2)
    ]
    checkins: list[dict[str, Any]] = []
    for r in routes:
        for s in r["stops"]:
            if s.get("board"):
                late = 25 if r["vehicle"] == moving[0] else 0
                checkins.append(
                    {"kind": "boarding", "vehicle": r["vehicle"], "place": s["at"],
                     "at": at(s["depart"] + late), "people": dict(s["board"])}
                )  # fmt: skip
            if s.get("alight"):
                people = dict(s["alight"])
                if r["vehicle"] == moving[1]:  # three people never counted at arrival
                    cls = max(people, key=lambda c: people[c])
                    people[cls] -= 3
                checkins.append(
                    {"kind": "arrival", "vehicle": r["vehicle"], "place": s["at"],
                     "at": at(s["arrive"]), "people": people}
                )  # fmt: skip
    log = [
        LogEntry(9, "ceasefire-start", "party-a", at(470)),
        LogEntry(10, "ceasefire-start", "party-b", at(471)),
        LogEntry(14, "suspension", "party-b", at(530), "shelling near G2"),
        LogEntry(15, "resumption", "party-a", at(560)),
        LogEntry(16, "resumption", "party-b", at(570)),
    ]
    incidents = [
        {"id": 1, "kind": "shelling", "severity": "critical", "description": "shells 200 m east",
         "at": at(528), "received_at": at(529), "vehicle": moving[0], "lat": 42.55, "lon": 1.52,
         "reported_by": "driver (driver of bus)"},
    ]  # fmt: skip
    notifications = [
        {"id": 1, "kind": "movement", "parties": "AB", "subject": "3 vehicles through K1",
         "created_at": at(400),
         "acknowledgements": [{"party": "A", "at": at(412)}]},
    ]  # fmt: skip
    alerts = [
        {"id": 1, "kind": "late", "vehicle": moving[0], "state": "cleared", "raised_at": at(520),
         "acknowledged_at": at(523), "cleared_at": at(545), "detail": "late by 25 min"},
        {"id": 2, "kind": "silent", "vehicle": routes[2]["vehicle"], "state": "raised",
         "raised_at": at(500), "acknowledged_at": None, "cleared_at": None, "detail": ""},
    ]  # fmt: skip
    return OperationRecords(
        corridor="tiny-corridor",
        generated_at=at(700),
        time_zone="UTC",
        window=(at(480), at(960)),
        agreed_vehicles=3,
        log=log,
        plan_id=1,
        origin=ORIGIN,
        plan_routes=plan["routes"],
        positions=positions,
        checkins=checkins,
        incidents=incidents,
        notifications=notifications,
        alerts=alerts,
    )


def test_people_out_by_class_against_the_plan(records: OperationRecords) -> None:
    report = after_action(records)
    people = {row[0]: row[1:] for row in table(report, "People out by class").rows}
    # tiny.plan.json evacuates critical 1, vulnerable 23, general 102 (tests/reporting)
    assert people["all"] == ["126", "126", "123", "3"]
    assert sum(int(r[3]) for c, r in people.items() if c != "all") == 3
    assert "People out: 123 arrived of 126 boarded; the plan takes out 126." in report.headline
    recon = table(report, "Reconciliation")
    assert "3 people boarded and not (yet) counted" in recon.note
    assert sum(int(r[3]) for r in recon.rows) == 3


def test_a_late_boarding_and_a_silent_vehicle_show(records: OperationRecords) -> None:
    report = after_action(records)
    rows = {r[0]: r for r in table(report, "Vehicles").rows}
    assert len(rows) == 3
    moving = list(dict.fromkeys(p["vehicle"] for p in records.positions))
    (quiet,) = set(rows) - set(moving)
    late, ontime, silent = rows[moving[0]], rows[moving[1]], rows[quiet]
    assert late[4] == "+25 min"
    assert ontime[4] == "on time"
    assert silent[2] == "no report"
    assert silent[3] == "0"
    assert "Vehicles: 3 planned (agreed at most 3), 2 reported their position." in report.headline


def test_a_vehicle_held_by_a_replan_is_listed_as_stranded(records: OperationRecords) -> None:
    held = {"vehicle": "D-AND/minibus/2", "at": "G03", "since": 41.0,
            "aboard": {"general": 12, "vulnerable": 4},
            "reason": "no road leads out of the zone from G03"}  # fmt: skip
    report = after_action(dataclasses.replace(records, plan_held=[held]))
    rows = {r[0]: r for r in table(report, "Vehicles").rows}
    assert len(rows) == 4
    row = rows["D-AND/minibus/2"]
    assert row[1].startswith("held at G03 from ")
    assert row[4] == "stranded, 16 on board: no road leads out of the zone from G03"
    assert "1 held where it stood (stranded)" in " ".join(report.headline)
    agreed = {r[0]: r for r in table(report, "Agreed against").rows}
    assert "1 held where it stood" in agreed["Vehicles"][1]


def test_incidents_suspensions_notifications_and_alerts_with_who_and_when(
    records: OperationRecords,
) -> None:
    report = after_action(records)
    (incident,) = table(report, "Incidents").rows
    assert incident[:3] == ["I1", "08:48", "critical"]
    assert incident[5] == "driver (driver of bus)"
    log = table(report, "Ceasefire, suspensions")
    assert [r[2] for r in log.rows] == [
        "ceasefire-start", "ceasefire-start", "suspension", "resumption", "resumption",
    ]  # fmt: skip
    assert log.rows[2][3:] == ["party-b", "shelling near G2"]
    # the corridor resumes only with the second party's resumption: 08:50-09:30
    assert log.note == "suspended 08:50–09:30 (40 min)"
    notes = table(report, "Notifications")
    (note,) = notes.rows
    assert note[4:] == ["after 12 min", "not acknowledged"]
    assert notes.note.startswith("1 notifications, 1 not acknowledged by every party addressed")
    alerts = table(report, "Alerts")
    assert [r[4] for r in alerts.rows] == ["after 3 min", "never"]
    assert [r[5] for r in alerts.rows] == ["after 25 min", "still raised"]
    assert alerts.note.startswith("1 of 2 acknowledged; median 3 min")
    chart = report.chart
    assert chart is not None
    assert chart.suspended == [(530.0, 570.0)]
    assert (chart.open, chart.close) == (480.0, 960.0)
    tracked = {r.vehicle: r.actual for r in chart.rows}
    assert sorted(len(bars) for bars in tracked.values()) == [0, 1, 1]
    assert report.incidents_at == [("I1", 1.52, 42.55)]


def test_an_operation_without_records_says_so(records: OperationRecords) -> None:
    empty = OperationRecords(
        corridor="c", generated_at=at(10), time_zone="Europe/Andorra", window=None,
        agreed_vehicles=None, log=[], plan_id=None, origin=None, plan_routes=[], positions=[],
        checkins=[], incidents=[], notifications=[],
    )  # fmt: skip
    report = after_action(empty)
    assert report.chart is None
    notes = {t.title.split(" ")[0]: t.note for t in report.tables}
    assert notes["Incidents"] == "No incident was reported."
    assert notes["Alerts"] == "No alert was raised."
    assert notes["Notifications"] == "No notification was sent."
    assert notes["Reconciliation:"] == "Nobody was checked in."
    assert report.headline[0] == "Window agreed: none (the agreement names no complete window)."


def test_the_files_are_written_and_every_pdf_page_renders(
    records: OperationRecords, tmp_path: Path
) -> None:
    files = write_after_action(after_action(records), None, tmp_path / "out")
    html = files.html.read_text()
    # A strict Content-Security-Policy works: no inline script or style.
    assert "<script" not in html
    assert "<style" not in html
    assert " style=" not in html
    assert 'href="after-action.css"' in html
    assert 'src="after-action-chart.png"' in html
    assert "shells 200 m east" in html
    assert "still raised" in html
    # The folder's stylesheet is the one the dashboard serves (one file, no copy to keep equal).
    assert (tmp_path / "out" / "after-action.css").read_text() == (
        STATIC / "css" / "after-action.css"
    ).read_text()
    assert files.pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm is not installed: the pages cannot be rendered")
    subprocess.run(
        ["pdftoppm", "-r", "50", "-png", str(files.pdf), str(tmp_path / "page")], check=True
    )
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 2
    assert all(p.stat().st_size > 2000 for p in pages)


def test_the_services_reconciliation_is_shown_with_since_when(records: OperationRecords) -> None:
    """Where the service reconciles (per vehicle by class, and registered people by status),
    the report shows its figures rather than counting the check-ins itself."""
    import dataclasses

    recon = {
        "vehicles": [
            {"vehicle": "V1", "boarded": {"general": 30, "medical": 2}, "arrived": {"general": 30,
             "medical": 1}, "unaccounted": {"medical": 1}, "unaccounted_min": 22.4},
            {"vehicle": "V2", "boarded": {"general": 10}, "arrived": {"general": 10},
             "unaccounted": {}, "unaccounted_min": None},
        ],
        "people": {"registered": 5, "boarded": 1, "arrived": 6},
    }  # fmt: skip
    report = after_action(dataclasses.replace(records, reconciliation=recon))
    t = table(report, "Reconciliation")
    assert t.rows == [["V1", "32", "31", "1 (for 22 min)"], ["V2", "10", "10", "0"]]
    assert t.note.startswith("1 people boarded and not (yet) counted")
    assert "Registered people: 1 boarded and not checked in on arrival, 6 arrived" in t.note


def test_many_notifications_list_the_unacknowledged_and_count_all(
    records: OperationRecords,
) -> None:
    import dataclasses

    acked = [{"party": p, "at": at(401)} for p in "AB"]
    many = [
        {"id": i, "kind": "movement", "parties": "AB", "subject": f"trip {i}",
         "created_at": at(400), "acknowledgements": acked if i != 30 else acked[:1]}
        for i in range(1, 41)
    ]  # fmt: skip
    notes = table(after_action(dataclasses.replace(records, notifications=many)), "Notif")
    assert [r[0] for r in notes.rows] == [*(str(i) for i in range(1, 16)), "30"]
    assert notes.rows[-1][5] == "not acknowledged"
    assert "40 notifications, 1 not acknowledged" in notes.note
    assert "median acknowledgement delay 1 min" in notes.note
    assert "24 more, each acknowledged, are not listed." in notes.note
