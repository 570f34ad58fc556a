"""What a coordinator and a driver read about a plan, and the two commands that make it."""

from __future__ import annotations

import csv
import io
import itertools
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import run_referee
from rich.console import Console

from corridor.adapters.gantt_png import draw_gantt
from corridor.adapters.report_files import write_report
from corridor.errors import InputError
from corridor.planning.instance import parse_instance
from corridor.reporting.gantt import gantt_chart, lanes
from corridor.reporting.sheet_text import sheets_html, trips_csv
from corridor.reporting.summary import summarize
from corridor.reporting.summary_text import summary_markdown, summary_renderable
from corridor.reporting.times import hhmm
from corridor.reporting.trip_sheets import trip_sheets

DATA = Path(__file__).resolve().parents[2] / "data" / "cep"
FIXTURES = Path(__file__).resolve().parents[1] / "planning" / "fixtures"
CORRIDOR = Path(sys.executable).parent / "corridor"


def load(path: Path) -> Any:
    return json.loads(path.read_text())


@pytest.fixture
def tiny() -> tuple[dict[str, Any], dict[str, Any]]:
    return load(DATA / "tiny.json"), load(DATA / "tiny.plan.json")


def test_times_read_as_hours_and_minutes() -> None:
    assert hhmm(707.95) == "11:47"
    assert hhmm(480) == "08:00"
    assert hhmm(1500) == "01:00 +1d"
    assert hhmm(-30) == "23:30 -1d"
    assert hhmm(None) == "-"


def test_the_summary_counts_who_got_out_against_who_was_waiting(tiny: Any) -> None:
    s = summarize(*tiny)
    assert s.feasible
    assert s.score == 181
    assert s.evacuated == {"critical": 1, "vulnerable": 23, "general": 102}
    assert s.waiting == {"critical": 1, "vulnerable": 23, "general": 126}
    g1, g2 = s.gathering
    assert (g1.id, sum(g1.evacuated.values()), sum(g1.waiting.values())) == ("G1", 52, 76)
    assert (g2.id, sum(g2.evacuated.values()), sum(g2.waiting.values())) == ("G2", 74, 74)
    assert (s.vehicles_used, s.fleet_size, s.zone_visits) == (3, 3, 4)
    assert s.last_out == pytest.approx(707.95)
    assert s.slack == pytest.approx(12.05)
    assert [(r.id, r.arrived, r.capacity) for r in s.receptions] == [("R1", 126, 180)]
    k_in, k_out = s.checkpoints
    assert (k_in.crossings, k_out.crossings) == (4, 4)
    # bus/1 queues 4 min to enter and 1.6 min to leave; the ambulance 8 and 12.15.
    assert k_in.waited_minutes == pytest.approx(12.0)
    assert k_out.waited_minutes == pytest.approx(13.75)
    assert (k_in.longest_wait_minutes, k_out.longest_wait_minutes) == pytest.approx((8.0, 12.15))


def test_the_summary_reads_in_the_terminal_and_in_markdown(tiny: Any) -> None:
    s = summarize(*tiny)
    console = Console(width=140, record=True)
    console.print(summary_renderable(s))
    text = console.export_text()
    for expected in ("126 of 150 waiting (84%)", "Last vehicle out    11:47", "12 min", "G1"):
        assert expected in text
    md = summary_markdown(s)
    assert "| G1 | 0/0 | 14/14 | 38/62 | 52/76 (68%) | 24 |" in md
    assert "- **Slack before close**: 12 min" in md


def test_an_infeasible_plan_says_so_and_lists_what_is_broken(tiny: Any) -> None:
    inst, plan = tiny
    plan["routes"][0]["stops"][-1]["arrive"] = 700  # R1 before the bus can get there
    s = summarize(inst, plan)
    assert not s.feasible
    assert s.score == 0
    assert [v.rule for v in s.violations] == ["travel"]
    assert "NOT FEASIBLE (1 violations)" in summary_markdown(s)
    assert "`travel`: D1/bus/0 stop 8 (R1)" in summary_markdown(s)


def _with_cargo() -> Any:
    """``with_cargo`` of the plan-check tests: each vehicle loads cargo at its depot."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("_check", FIXTURES.parent / "test_check.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.with_cargo


def test_cargo_delivered_is_shown_against_needs() -> None:
    with_cargo = _with_cargo()

    inst = load(DATA / "medium.json")
    plan = with_cargo(inst, load(FIXTURES / "medium.peer.plan.json"))
    s = summarize(inst, plan)
    assert s.feasible
    assert s.cargo_kg > 0
    assert sum(g.cargo_kg for g in s.gathering) == pytest.approx(s.cargo_kg)
    assert s.needs_kg == sum(g["needs_kg"] for g in inst["gathering"])
    assert f"{s.cargo_kg:,.0f} kg of {s.needs_kg:,.0f} kg needed" in summary_markdown(s)
    sheets = trip_sheets(inst, plan)
    loaded = [r for sh in sheets for r in sh.rows if r.action.startswith("Load ")]
    assert loaded
    assert all(r.cargo_aboard > 0 for r in loaded)


def test_a_trip_sheet_follows_the_route_stop_by_stop(tiny: Any) -> None:
    sheets = trip_sheets(*tiny)
    assert [sh.vehicle for sh in sheets] == ["D1/bus/0", "D1/bus/1", "D1/ambulance/0"]
    bus0 = sheets[0]
    assert len(bus0.rows) == 9
    assert (bus0.trips, bus0.people) == (2, 73)
    assert [r.people_aboard for r in bus0.rows] == [0, 0, 50, 50, 0, 0, 23, 23, 0]
    assert bus0.rows[2].action == "Board 50 (9 vulnerable, 41 general)"
    assert (hhmm(bus0.rows[2].arrive), hhmm(bus0.rows[2].leave)) == ("08:16", "08:34")
    bus1 = sheets[1]
    assert bus1.rows[1].action == (
        "Enter the zone (inbound) at K1: inspection 4 min, expected 08:04 to 08:08 "
        "after a queue of 4 min"
    )


def test_the_csv_has_one_row_per_stop_and_the_html_one_page_per_vehicle(tiny: Any) -> None:
    inst, plan = tiny
    sheets = trip_sheets(inst, plan)
    rows = list(csv.DictReader(io.StringIO(trips_csv(sheets))))
    assert len(rows) == sum(len(r["stops"]) for r in plan["routes"])
    assert rows[2]["vehicle"] == "D1/bus/0"
    assert rows[2]["arrive_hhmm"] == "08:16"
    assert float(rows[2]["arrive"]) == pytest.approx(496.8)
    page = sheets_html(sheets, summarize(inst, plan))
    assert page.count('<section class="sheet">') == 3
    assert "page-break-after: always" in page
    assert "http" not in page  # printable offline: nothing fetched


def test_names_are_escaped_in_html(tiny: Any) -> None:
    inst, plan = tiny
    inst["gathering"][0]["id"] = "G<1>"
    for m in ("inside",):
        inst["travel"][m]["ids"] = ["G<1>" if i == "G1" else i for i in inst["travel"][m]["ids"]]
    for r in plan["routes"]:
        for s in r["stops"]:
            s["at"] = "G<1>" if s["at"] == "G1" else s["at"]
    page = sheets_html(trip_sheets(inst, plan), summarize(inst, plan))
    assert "G&lt;1&gt;" in page
    assert "G<1>" not in page


def test_crossings_pack_onto_the_lanes_they_use() -> None:
    inst = parse_instance(load(DATA / "small.json"))
    from corridor.planning.check import parse_plan

    routes = parse_plan(load(FIXTURES / "small.peer.plan.json"), inst)
    rows = dict(lanes(routes, inst))
    # K1 has one lane in and two out; a feasible plan needs no extra row.
    assert list(rows) == ["K1 in lane 1", "K1 out lane 1", "K1 out lane 2"]
    for bars in rows.values():
        for (_, end, _), (start, _, _) in itertools.pairwise(bars):
            assert start >= end - 1e-6
    assert sum(len(b) for b in rows.values()) == 2 * 24


def test_the_gantt_chart_is_a_png(tmp_path: Path, tiny: Any) -> None:
    out = draw_gantt(gantt_chart(*tiny), tmp_path / "g.png")
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width = int.from_bytes(data[16:20], "big")
    height = int.from_bytes(data[20:24], "big")
    assert width > 1000
    assert 200 < height < width


def test_write_report_writes_every_file(tmp_path: Path, tiny: Any) -> None:
    summary, files = write_report(*tiny, tmp_path)
    names = sorted(str(f.relative_to(tmp_path)) for f in files)
    assert names == sorted(
        [
            "summary.md",
            "trip-sheets.html",
            "trip-sheets.pdf",
            "trips.csv",
            "gantt.png",
            *(f"trips/{v}.{ext}" for v in ("D1_bus_0", "D1_bus_1", "D1_ambulance_0")
              for ext in ("md", "html")),
        ]
    )  # fmt: skip
    assert all(f.stat().st_size > 0 for f in files)
    assert summary.score == 181


def test_a_malformed_plan_is_an_input_error(tiny: Any) -> None:
    inst, plan = tiny
    plan["routes"][0]["stops"][0]["at"] = "nowhere"
    with pytest.raises(InputError, match=r"routes\[0\]\.stops\[0\]\.at"):
        summarize(inst, plan)


# ---------------------------------------------------------------- the commands


def corridor(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """The real command in a subprocess (slow to start: it loads every command module)."""
    return subprocess.run(
        [str(CORRIDOR), *map(str, args)], capture_output=True, text=True, check=False
    )


def cli(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str | Path
) -> subprocess.CompletedProcess[str]:
    """The same command line, run in-process through the console-script entry."""
    from corridor.entrypoints.cli.main import run

    monkeypatch.setattr(sys, "argv", ["corridor", *map(str, args)])
    capsys.readouterr()
    code = 0
    try:
        run()
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return subprocess.CompletedProcess(args, code, out.out, out.err)


def test_corridor_check_gives_the_referees_json_and_exit_code(
    referee: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = DATA / "tiny.plan.json"
    ours = cli(capsys, monkeypatch, "check", DATA / "tiny.json", plan, "--json")
    theirs = run_referee(referee, DATA / "tiny.json", plan, "--json")
    assert ours.returncode == theirs.returncode == 0
    assert json.loads(ours.stdout) == json.loads(theirs.stdout)
    human = cli(capsys, monkeypatch, "check", DATA / "tiny.json", plan)
    assert "FEASIBLE" in human.stdout
    assert "score          181" in human.stdout


def test_corridor_check_exits_1_for_an_infeasible_plan(
    tmp_path: Path, tiny: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, plan = tiny
    plan["routes"][1]["stops"][1]["start"] = 470
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(plan))
    out = cli(capsys, monkeypatch, "check", DATA / "tiny.json", bad)
    assert out.returncode == 1
    assert "[window] D1/bus/1 stop 1 (K1)" in out.stdout
    assert "[lanes] K1 in" in out.stdout


def test_corridor_check_exits_2_naming_the_file_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = cli(capsys, monkeypatch, "check", DATA / "tiny.json", FIXTURES / "small.peer.plan.json")
    assert out.returncode == 2
    assert "small.peer.plan.json: instance: 'small' is not the instance 'tiny'" in out.stderr
    assert "Traceback" not in out.stderr
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "cep-plan/1",')
    out = cli(capsys, monkeypatch, "check", DATA / "tiny.json", broken)
    assert out.returncode == 2
    assert "not valid JSON" in out.stderr


def test_corridor_report_writes_the_folder_and_prints_the_summary(tmp_path: Path) -> None:
    """End to end through the installed console script."""
    out = corridor("report", DATA / "tiny.json", DATA / "tiny.plan.json", "--out", tmp_path)
    assert out.returncode == 0, out.stderr
    assert "126 of 150 waiting" in out.stdout
    for name in ("summary.md", "trip-sheets.html", "trip-sheets.pdf", "trips.csv", "gantt.png"):
        assert (tmp_path / name).stat().st_size > 0
    assert len(list((tmp_path / "trips").glob("*.html"))) == 3
