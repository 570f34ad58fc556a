"""What compile says of a window and a zone that cannot be right as written: a window across a
change of the clocks (the last Sunday of October in Europe: the plan's times count from
midnight at the opening's offset, so the trip sheets would read an hour off the wall clock
after it), named with the zone, both offsets and the shift; a zone on another place's map."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
from conftest import ROOT, run_cli

from corridor.scenario.model import Window
from corridor.services.scenario_check import clock_change

EXAMPLES = ROOT / "examples"


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


def test_a_zone_on_another_places_map_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], cache_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """The Andorra scenario with the Helsinki extract: not only 'no road crosses the zone
    boundary', but where the zone lies against the map's roads."""
    monkeypatch.setenv("CORRIDOR_CACHE_DIR", str(cache_dir))
    text = (EXAMPLES / "andorra" / "scenario.yaml").read_text("utf-8")
    helsinki = ROOT / "data" / "osm" / "helsinki-centre.osm.pbf"
    text = re.sub(r"(?m)^osm: .*$", f"osm: {helsinki}", text)
    (tmp_path / "s.yaml").write_text(text, "utf-8")
    shutil.copy(EXAMPLES / "andorra" / "hazards.geojson", tmp_path)
    code, _, err = run_cli(["compile", str(tmp_path / "s.yaml"), "-o", str(tmp_path / "x.json")],
                           capsys)  # fmt: skip
    assert code == 2
    said = " ".join(err.split())
    assert "no road crosses the zone boundary: the zone (lon 1.5" in said
    assert "lies outside the OSM extract" in said
    assert not (tmp_path / "x.json").exists()
