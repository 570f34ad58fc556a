"""What the after-action report must not lose or garble, as a user found it on the demo after a
replan (issue: the report's gaps).

The fixture replays that operation on the tiny CEP plan: version 1 planned three vehicles, the
ambulance taking the one critical person; version 2 (in force) dropped the ambulance, which had
already reported its positions, and holds a minibus where it stands; a truck that no version
planned reported its positions too. The scenario lists 19 critical people, whom version 2 does
not take. A party's signed suspension reason is 562 characters of Ukrainian; an alert's detail
is 150 characters; the PDF's alert table names vehicles as long as ``D-AND/ambulance/0``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json
import re
import shutil
import subprocess
from html import unescape
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from corridor.adapters.after_action_files import write_after_action
from corridor.reporting.after_action import after_action
from corridor.reporting.after_action_model import LogEntry, OperationRecords, Table
from corridor.reporting.map_scene import Line, MapScene, Panel

DATA = Path(__file__).resolve().parents[2] / "data" / "cep"
ORIGIN = dt.datetime(2026, 5, 14, tzinfo=dt.UTC)
#: A party's signed suspension reason, 562 characters (the demo's was cut at "…двоє в").
REASON = (
    "Обстріл за 600 метрів від дороги між пунктами збору G02 і G03 о 06:35; водій автобуса "
    "D-AND/bus/2 бачив два розриви на схилі над дорогою. Ми призупиняємо коридор до з'ясування "
    "обставин і просимо посередника перевірити, чи маршрут через міст біля K-SUD ще безпечний. "
    "У мікроавтобусі D-AND/minibus/2 шістнадцять людей, з них четверо потребують медичної "
    "допомоги; вони чекають у G03. Просимо не відправляти нові машини в зону, доки обидві "
    "сторони не підтвердять відновлення. Поранених немає, але двоє водіїв повідомили про "
    "уламки на дорозі біля G05, їх треба прибрати до відновлення руху. Кінець повідомлення."
)
DETAIL = (
    "critical incident (shelling) 33 m from the planned route of 16 vehicle(s): consider "
    "suspending the corridor and replanning from the live state"
)


def at(minute: float) -> dt.datetime:
    return ORIGIN + dt.timedelta(minutes=minute)


def table(report: Any, title: str) -> Table:
    return next(t for t in report.tables if t.title.startswith(title))


def records() -> OperationRecords:
    """Version 2 of the tiny plan in force (see the module's docstring)."""
    v1 = json.loads((DATA / "tiny.plan.json").read_text())["routes"]
    v2 = [r for r in v1 if "ambulance" not in r["vehicle"]]
    held = {"vehicle": "D1/minibus/2", "at": "G2", "since": 530.0, "aboard": {"general": 16},
            "reason": "no road leads out of the zone from G2", "stranded": True}  # fmt: skip
    reporting = ["D1/bus/0", "D1/bus/1", "D1/ambulance/0", "D1/minibus/2", "D9/truck/7"]
    positions = [
        {"vehicle": v, "at": at(m), "lat": 42.5 + m / 1e4, "lon": 1.5}
        for v in reporting
        for m in range(480, 540, 3)
    ]
    alerts = [
        {"id": i, "kind": kind, "vehicle": v, "state": "raised", "raised_at": at(500 + i),
         "acknowledged_at": None, "cleared_at": None, "detail": detail, "data": data}
        for i, kind, v, detail, data in [
            (1, "incident_near_route", "D-AND/bus/2", DETAIL, {}),
            (2, "stranded", "D-AND/minibus/2", "held at G03 with 16 people on board",
             {"stranded": True}),
            (3, "late", "D-AND/ambulance/0", "11 min behind its plan on leg 1", {}),
        ]
    ]  # fmt: skip
    return OperationRecords(
        corridor="tiny-corridor",
        generated_at=at(560),
        time_zone="Europe/Andorra",
        window=(at(480), at(960)),
        agreed_vehicles=4,
        log=[
            LogEntry(9, "ceasefire-start", "party-a", at(470)),
            LogEntry(11, "suspension", "party-a", at(530), REASON),
        ],
        plan_id=2,
        origin=ORIGIN,
        plan_routes=v2,
        positions=positions,
        checkins=[],
        incidents=[],
        notifications=[],
        alerts=alerts,
        plan_held=[held],
        earlier_versions=[{"version": 1, "plan_id": 1, "routes": v1, "held": []}],
        scenario_people={"critical": 19, "vulnerable": 23, "general": 126},
        plan_version=2,
    )


def test_every_vehicle_of_any_version_or_that_reported_has_one_row_saying_which() -> None:
    report = after_action(records())
    vehicles = table(report, "Vehicles")
    rows = {r[0]: r for r in vehicles.rows}
    assert len(rows) == len(vehicles.rows) == 5
    assert rows["D1/bus/0"][5] == "version 2 (in force)"
    assert rows["D1/minibus/2"][5] == "held by version 2 (in force)"
    dropped = rows["D1/ambulance/0"]
    assert dropped[5] == "version 1 only: not in version 2, the plan in force"
    assert dropped[1].endswith("(version 1)")
    assert dropped[3] == "20"  # its reports are kept
    assert rows["D9/truck/7"][5] == "in no published version: only reported its position"
    headline = next(h for h in report.headline if h.startswith("Vehicles:"))
    assert headline == (
        "Vehicles: 2 planned (agreed at most 4), 1 held where it stood (stranded), 1 only in an "
        "earlier version of the plan, 1 in no plan, 5 reported their position."
    )
    # The chart and the table list the same vehicles.
    assert report.chart is not None
    assert {r.vehicle for r in report.chart.rows} <= set(rows)


def test_a_vehicle_no_longer_planned_keeps_its_row_when_earlier_versions_are_not_read() -> None:
    report = after_action(dataclasses.replace(records(), earlier_versions=None))
    rows = {r[0]: r for r in table(report, "Vehicles").rows}
    assert rows["D1/ambulance/0"][5] == "not in the plan in force: only reported its position"
    assert len(rows) == 5


def test_every_class_of_the_scenario_has_a_row_and_who_the_replan_left_behind_is_said() -> None:
    report = after_action(records())
    people = table(report, "People out by class")
    assert people.header[:3] == ["class", "the scenario lists", "planned"]
    rows = {r[0]: r[1:] for r in people.rows}
    assert list(rows) == ["critical", "vulnerable", "general", "all"]
    assert rows["critical"] == ["19", "0", "0", "0", "0"]
    assert "critical 19 of 19 (version 1 planned 1)" in people.note
    assert people.note.startswith("Left behind by the plan in force (version 2): ")
    out = next(h for h in report.headline if h.startswith("People out:"))
    assert out.endswith("the plan takes out 123 of the 168 the scenario lists; it takes none "
                        "of the 19 critical.")  # fmt: skip


def test_signed_reasons_and_alert_details_are_shown_whole() -> None:
    report = after_action(records())
    log = table(report, "Ceasefire, suspensions")
    assert log.rows[-1][4] == REASON
    assert table(report, "Alerts").rows[0][6] == DETAIL
    assert not log.whole


def test_a_text_too_long_for_a_printed_row_is_cut_at_a_word_and_says_where_it_is_whole() -> None:
    long = " ".join([REASON] * 4)  # past what a printed row can hold
    rec = dataclasses.replace(records(), log=[LogEntry(11, "suspension", "party-a", at(530), long)])
    log = table(after_action(rec), "Ceasefire, suspensions")
    cell = log.rows[0][4]
    head, _, tail = cell.partition(" … ")
    assert long.startswith(head)
    assert long[len(head)] == " "  # cut between two words
    assert tail == "(cut here; whole text below the table: log entry #11)"
    assert log.whole == [("log entry #11", long)]


def pdf_words(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    return text.replace("\u200b", "").split()


def test_html_and_pdf_show_the_whole_texts_and_break_no_word(tmp_path: Path) -> None:
    long = " ".join([REASON] * 4)
    rec = dataclasses.replace(
        records(), log=[*records().log, LogEntry(12, "suspension", "party-b", at(540), long)]
    )
    files = write_after_action(after_action(rec), None, tmp_path)
    html = unescape(files.html.read_text())
    assert REASON in html
    assert DETAIL in html
    assert f"<dt>log entry #12</dt><dd>{long}</dd>" in html
    # a browser wraps after a hyphen: a vehicle's name is joined there, kept whole
    assert "<td>D-\u2060AND/minibus/2</td>" in html
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed: the PDF's text cannot be read")
    words = pdf_words(files.pdf)
    for word in REASON.split():  # the whole reason, to its last word
        assert word in words, word
    assert "replanning" in words
    assert "raise" not in words  # the alerts' column heading "raised" whole, not "raise" / "d"
    # Vehicle names whole, or wrapped at a "/" only (never "D-AND/minibu" / "s/2").
    names = ["D-AND/minibus/2", "D-AND/ambulance/0", "D1/ambulance/0"]
    for name in names:
        pieces = [w for w in words if w and name.startswith(w) and w != name]
        assert all(p.endswith("/") for p in pieces), (name, pieces)


def test_column_widths_fit_every_word_and_break_names_only_at_a_slash() -> None:
    from corridor.adapters.after_action_files import column_widths

    def measure(text: str, bold: bool) -> float:
        return 2.0 * len(text) + (1 if bold else 0)

    header = ["", "vehicle", "raised", "detail"]
    rows = [["1", "D-AND/ambulance/0", "06:50", "eleven minutes behind its plan on leg one"]]
    widths = column_widths(measure, header, rows, 120)
    assert sum(widths) == pytest.approx(120)
    assert widths[1] >= measure("D-AND/ambulance/0", False)
    assert widths[2] >= measure("raised", True)
    narrow = column_widths(measure, header, rows, 70)
    assert sum(narrow) == pytest.approx(70)
    assert narrow[1] >= measure("ambulance/", False)  # wraps at a "/" at worst
    assert narrow[2] >= measure("raised", True)


def test_with_no_plan_the_report_says_so_plainly_and_dates_carry_their_year() -> None:
    rec = dataclasses.replace(
        records(), plan_id=None, plan_version=None, plan_routes=[], plan_held=[],
        earlier_versions=[], scenario_people={},
    )  # fmt: skip
    report = after_action(rec)
    agreed = {r[0]: r for r in table(report, "Agreed against").rows}
    assert agreed["Movement"][1] == "no plan was published"
    assert agreed["People out"][1] == "no plan was published"
    assert agreed["Vehicles"][1] == "no plan was published, at most 4 agreed"
    assert "–––" not in str(agreed)
    assert "0: –" not in str(agreed)
    assert report.headline[0] == "Window agreed: 14 May 2026 10:00–18:00."
    assert report.headline[1].startswith("Vehicles: no plan was published, ")
    assert report.subtitle.startswith("Written 14 May 2026 11:20 (Europe/Andorra) (no plan")
    log = table(report, "Ceasefire, suspensions")
    assert log.rows[0][1] == "14 May 2026 09:50"
    assert table(report, "People out").note == "No plan was published: nobody is planned out."


def scene(planned: list[list[tuple[float, float]]], reported: list[tuple[float, float]]) -> Any:
    lines = [Line(np.array(p, dtype=float), "alternative", "Planned route", "#2166ac")
             for p in planned]  # fmt: skip
    lines.append(Line(np.array(reported, dtype=float), "best", "Reported positions", "#d7301f"))
    panel = Panel((0.0, 100.0, 0.0, 100.0), "", {}, [], lines, [])
    return MapScene("t", panel, panel)


def test_planned_routes_sharing_a_road_are_drawn_once_so_their_dashes_show() -> None:
    from corridor.adapters.after_action_files import legible_map, road_runs

    road = [(0.0, 0.0), (10.0, 0.0), (20.0, 0.0), (30.0, 5.0)]
    # three routes over the same road, one of them each way, one branching off at (20, 0)
    runs = road_runs([np.array(road), np.array(road[::-1]), np.array([*road[:3], (20.0, 9.0)])])
    pieces = sorted(tuple(sorted(map(tuple, pair))) for r in runs for pair in itertools.pairwise(r))
    assert len(pieces) == len(set(pieces)) == 4  # each piece of road once
    assert sorted(len(r) for r in runs) == [2, 2, 3]  # joined up to the fork at (20, 0)

    drawn = legible_map(scene([road, road[::-1]], [(0.0, 0.0), (30.0, 30.0)]))
    legends = [ln.legend for ln in drawn.main.lines]
    # the reported positions under the dashed plan, said to be straight lines between reports
    assert legends == ["Reported positions: straight lines between reports", "Planned route"]
    assert drawn.close_up is not None
    assert [ln.legend for ln in drawn.close_up.lines] == legends


def test_the_map_caption_says_what_is_drawn(tmp_path: Path) -> None:
    from corridor.reporting.after_action_html import report_html

    page = report_html(after_action(records()), "a.css", {"map": "m.png"})
    caption = re.search(r"<figcaption>(.*?)</figcaption>", page)
    assert caption is not None
    assert "(blue, dashed)" in caption.group(1)
    assert "straight lines between successive reports" in caption.group(1)
