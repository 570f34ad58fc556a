"""A window across a change of the clocks (the last Sunday of October in Europe): the plan's
times count from midnight at the opening's offset, so the trip sheets would read an hour off
the wall clock after it; compile says so, naming the zone, both offsets and the shift."""

from __future__ import annotations

import datetime as dt

from corridor.scenario.model import Window
from corridor.services.scenario_check import clock_change


def window(open_: str, close: str, zone: str | None) -> Window:
    return Window(
        open=dt.datetime.fromisoformat(open_), close=dt.datetime.fromisoformat(close),
        time_zone=zone,
    )  # fmt: skip


def test_the_autumn_change_is_said_with_the_shift() -> None:
    (w,) = clock_change(window("2026-10-25T00:00:00+02:00", "2026-10-25T12:00:00+01:00",
                               "Europe/Andorra"))  # fmt: skip
    assert w.code == "clock_change"
    assert "UTC+02:00 at the opening, UTC+01:00 at the close" in w.text
    assert "reads 60 min later than the wall clock" in w.text


def test_the_spring_change_reads_earlier() -> None:
    (w,) = clock_change(window("2026-03-29T00:00:00+01:00", "2026-03-29T12:00:00+02:00",
                               "Europe/Andorra"))  # fmt: skip
    assert "reads 60 min earlier than the wall clock" in w.text


def test_no_change_or_no_zone_no_warning() -> None:
    assert clock_change(window("2026-05-14T06:00:00+02:00", "2026-05-14T18:00:00+02:00",
                               "Europe/Andorra")) == []  # fmt: skip
    assert clock_change(window("2026-10-25T00:00:00+02:00", "2026-10-25T12:00:00+01:00",
                               None)) == []  # fmt: skip
