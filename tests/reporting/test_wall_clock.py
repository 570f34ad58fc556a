"""Times on the summary and the trip sheets on a day the clocks change: with the scenario's
time zone they read the wall clock (a window of 00:00 to 12:00 on 25 October 2026 in
Europe/Andorra ends at "12:00 CET", not at "13:00" as minutes from midnight at +02:00 would
say), the zone's time named after the change (the hour the clocks repeat is read once)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

from corridor.adapters.report_files import write_report
from corridor.entrypoints.cli.report import _wall_clock
from corridor.reporting.times import WallClock, hhmm
from corridor.scenario.model import Window

DATA = Path(__file__).resolve().parents[2] / "data" / "cep"
ANDORRA = ZoneInfo("Europe/Andorra")
AUTUMN = dt.datetime.fromisoformat("2026-10-25T00:00:00+02:00")  # clocks back at 03:00
SPRING = dt.datetime.fromisoformat("2026-03-29T00:00:00+01:00")  # clocks on at 02:00


def test_the_wall_clock_reads_through_the_change() -> None:
    autumn, spring = WallClock(AUTUMN, ANDORRA), WallClock(SPRING, ANDORRA)
    assert [autumn(m) for m in (0, 179, 180, 240, 780)] == [
        "00:00", "02:59", "02:00 CET", "03:00 CET", "12:00 CET",
    ]  # fmt: skip
    assert [spring(m) for m in (119, 120, 660)] == ["01:59", "03:00 CEST", "12:00 CEST"]
    assert autumn(None) == "-"
    assert autumn(1440 + 60) == "00:00 CET +1d"  # 25 hours in that day
    may = WallClock(dt.datetime(2026, 5, 14, tzinfo=dt.timezone(dt.timedelta(hours=2))), ANDORRA)
    assert [may(m) for m in (0, 725.5, 1500)] == [hhmm(0), hhmm(725.5), hhmm(1500)]


def test_the_scenario_gives_the_clock() -> None:
    window = Window(open=AUTUMN, close=dt.datetime.fromisoformat("2026-10-25T12:00:00+01:00"),
                    time_zone="Europe/Andorra")  # fmt: skip
    clock = _wall_clock(window)
    assert (clock(0), clock(780)) == ("00:00", "12:00 CET")
    assert _wall_clock(Window(open=AUTUMN, close=AUTUMN + dt.timedelta(hours=2))) is hhmm


def test_the_sheets_and_summary_read_the_wall_clock(tmp_path: Path) -> None:
    instance = json.loads((DATA / "tiny.json").read_text())
    plan = json.loads((DATA / "tiny.plan.json").read_text())
    opens, closes = instance["window"]["open"], instance["window"]["close"]
    summary, _ = write_report(instance, plan, tmp_path, clock=WallClock(AUTUMN, ANDORRA))
    wall = WallClock(AUTUMN, ANDORRA)
    sheet = next((tmp_path / "trips").glob("*.md")).read_text()
    assert f"Ceasefire window {wall(opens)} to {wall(closes)}" in sheet
    assert wall(closes) != hhmm(closes)  # the window ends after the change
    assert f"{wall(opens)} to {wall(closes)}" in (tmp_path / "summary.md").read_text()
    page = (tmp_path / "trips" / "D1_bus_0.html").read_text()
    (route,) = [r for r in plan["routes"] if r["vehicle"] == "D1/bus/0"]
    for stop in route["stops"]:  # the table's times too, not only the heading
        assert f">{wall(float(stop['arrive']))}<" in page, stop
    assert summary.clock is not hhmm


def test_a_window_opening_after_the_change_reads_plainly() -> None:
    """Minute 0 is midnight at the opening's offset, which is the evening before in the zone:
    the day and the zone's name are the opening's, not that evening's."""
    spring = _wall_clock(Window(open=dt.datetime.fromisoformat("2026-03-29T04:00:00+02:00"),
                                close=dt.datetime.fromisoformat("2026-03-29T08:00:00+02:00"),
                                time_zone="Europe/Andorra"))  # fmt: skip
    assert (spring(240), spring(480)) == ("04:00", "08:00")
    autumn = _wall_clock(Window(open=dt.datetime.fromisoformat("2026-10-25T04:00:00+01:00"),
                                close=dt.datetime.fromisoformat("2026-10-25T08:00:00+01:00"),
                                time_zone="Europe/Andorra"))  # fmt: skip
    assert (autumn(240), autumn(480)) == ("04:00", "08:00")
