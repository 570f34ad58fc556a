"""`corridor report` into a folder that is not empty or not a folder, and of a plan that breaks
the rules: the trip sheets a driver picks up are always the plan's, and only of a plan that
passes the check; an output that cannot take the report is refused before anything is written.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import run_cli

DATA = Path(__file__).resolve().parents[2] / "data" / "cep"


class Result:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.exit_code, self.output = code, out + err


@pytest.fixture
def report(capsys: pytest.CaptureFixture[str]) -> Any:
    """``corridor report tiny.json PLAN --out OUT`` through the console-script entry."""

    def go(plan: Path, out: Path) -> Result:
        args = ["report", str(DATA / "tiny.json"), str(plan), "--out", str(out)]
        return Result(*run_cli(args, capsys))

    return go


def test_a_second_report_leaves_no_sheet_of_the_first(tmp_path: Path, report: Any) -> None:
    out = tmp_path / "rep"
    assert report(DATA / "tiny.plan.json", out).exit_code == 0
    assert len(list((out / "trips").glob("*.md"))) == 3
    (out / "trips" / "notes.txt").write_text("the coordinator's own file")
    (out / "trips" / "README.md").write_text("# What these sheets are\n")  # not a sheet: stays
    (out / "trips" / "old.html").write_text("<html><body>a page of the coordinator's</body>")
    plan = json.loads((DATA / "tiny.plan.json").read_text())
    plan["routes"] = plan["routes"][:1]  # one vehicle: still feasible, fewer people
    plan.pop("claimed", None)
    smaller = tmp_path / "one.plan.json"
    smaller.write_text(json.dumps(plan))
    result = report(smaller, out)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (out / "trips").iterdir()) == [
        "D1_bus_0.html", "D1_bus_0.md", "README.md", "notes.txt", "old.html",
    ]  # fmt: skip


def test_a_plan_that_breaks_the_rules_gets_no_trip_sheets(tmp_path: Path, report: Any) -> None:
    plan = json.loads((DATA / "tiny.plan.json").read_text())
    stops = plan["routes"][0]["stops"]
    for s in stops:  # every time of one bus moved a day on: out of the window
        for key in ("arrive", "depart", "start", "end"):
            if key in s:
                s[key] += 1440
    bad = tmp_path / "bad.plan.json"
    bad.write_text(json.dumps(plan))
    result = report(bad, tmp_path / "rep")
    assert result.exit_code == 1, result.output
    assert "nothing written" in result.output
    assert not (tmp_path / "rep").exists()


def test_an_output_that_cannot_take_the_report_is_refused_first(
    tmp_path: Path, report: Any
) -> None:
    a_file = tmp_path / "afile"
    a_file.write_text("x")
    result = report(DATA / "tiny.plan.json", a_file)
    assert result.exit_code == 2
    assert "is a file, not a folder" in result.output
    out = tmp_path / "rep"
    (out / "trip-sheets.pdf").mkdir(parents=True)
    result = report(DATA / "tiny.plan.json", out)
    assert result.exit_code == 2
    assert "trip-sheets.pdf" in result.output
    assert sorted(p.name for p in out.iterdir()) == ["trip-sheets.pdf"]  # nothing else written
    result = report(DATA / "tiny.plan.json", a_file / "sub")  # a parent that is a file
    assert result.exit_code == 2
    assert "cannot be made a folder" in result.output


def test_a_file_where_the_sheets_folder_goes_is_refused(tmp_path: Path, report: Any) -> None:
    out = tmp_path / "rep"
    out.mkdir()
    (out / "trips").write_text("x")
    result = report(DATA / "tiny.plan.json", out)
    assert result.exit_code == 2
    assert "the trip sheets go in a folder" in result.output
