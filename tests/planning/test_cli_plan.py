"""``corridor plan`` through the real command line: what a coordinator types and reads."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, run_cli, run_referee
from typer.testing import CliRunner

from corridor.entrypoints.cli.main import app
from corridor.errors import InputError

DATA = ROOT / "data" / "cep"


def corridor(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "corridor", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )


def test_plan_writes_a_plan_the_referee_accepts(tmp_path: Path, referee: Path) -> None:
    out = tmp_path / "tiny.plan.json"
    proc = corridor("plan", DATA / "tiny.json", "-o", out, "--time-limit", "3", "--seed", "4",
                    "--iterations", "20", "--quiet")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    plan = json.loads(out.read_text())
    verdict = json.loads(run_referee(referee, DATA / "tiny.json", out, "--json").stdout)
    assert verdict["feasible"]
    assert plan["claimed"]["score"] == pytest.approx(verdict["score"])
    assert plan["claimed"]["upper_bound"] >= verdict["score"]
    # The report names the score, the proven bound and the verdict, then the summary.
    text = proc.stdout
    assert f"score {verdict['score']:,.1f}" in text
    assert "upper bound" in text
    assert "optimal" in text or "gap " in text


def test_replan_through_the_cli(tmp_path: Path, referee: Path) -> None:
    first = tmp_path / "first.json"
    assert corridor("plan", DATA / "small.json", "-o", first, "--time-limit", "2",
                    "--iterations", "2", "-q").returncode == 0  # fmt: skip
    edited = json.loads((DATA / "small.json").read_text())
    edited["window"]["close"] -= 120
    inst = tmp_path / "small-cut.json"
    inst.write_text(json.dumps(edited))
    second = tmp_path / "second.json"
    proc = corridor("plan", inst, "-o", second, "--keep", first, "--now", "600",
                    "--time-limit", "2", "--iterations", "2", "-q")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    verdict = json.loads(run_referee(referee, inst, second, "--json").stdout)
    assert verdict["feasible"], verdict["violations"][:3]


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--time-limit", "0"], "--time-limit"),
        (["--time-limit", "inf"], "--time-limit: must be a number of seconds > 0 and at most"),
        (["--time-limit", "1e12"], "604,800 (a week), got 1e+12"),  # was an OverflowError
        (["--time-limit", "nan"], "--time-limit"),
        (["--seed", "-1"], "--seed"),
        (["--now", "600"], "--keep"),
        (["--keep", "missing.json", "--now", "600"], "missing.json"),
        (["--iterations", "-2"], "--iterations"),
        (["--ahead", "-10"], "--ahead"),
        (["--ahead", "nan"], "--ahead"),
        (["--pin", "D9/bus/0"], "--pin: no vehicle 'D9/bus/0'"),
        (["--exclude", "D1/bus/0", "--pin", "D1/bus/0"], "--exclude: 'D1/bus/0' is pinned too"),
    ],
)
def test_bad_options_are_input_errors_and_write_nothing(
    tmp_path: Path, args: list[str], named: str
) -> None:
    """In process (fast): the command raises an InputError naming the option or file."""
    out = tmp_path / "plan.json"
    result = CliRunner().invoke(app, ["plan", str(DATA / "tiny.json"), "-o", str(out), "-q", *args])
    assert isinstance(result.exception, InputError)
    assert named in str(result.exception)
    assert result.exception.exit_code == 2
    assert not out.exists()


def test_a_bad_option_exits_2_with_a_message(tmp_path: Path) -> None:
    """Through the real command line: exit 2, a message naming the option, no traceback."""
    out = tmp_path / "plan.json"
    proc = corridor("plan", DATA / "tiny.json", "-o", out, "-q", "--time-limit", "-5")
    assert proc.returncode == 2, proc.stderr
    assert "--time-limit" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists()


def test_bad_instance_names_the_field(tmp_path: Path) -> None:
    raw = json.loads((DATA / "tiny.json").read_text())
    bad = copy.deepcopy(raw)
    bad["checkpoints"][0]["out"]["lanes"] = -1
    inst = tmp_path / "bad.json"
    inst.write_text(json.dumps(bad))
    out = tmp_path / "plan.json"
    proc = corridor("plan", inst, "-o", out, "-q")
    assert proc.returncode == 2
    assert "checkpoints[0].out.lanes" in proc.stderr
    assert "-1" in proc.stderr
    assert not out.exists()


def test_an_existing_plan_survives_a_failed_run(tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    out.write_text('{"keep": "me"}')
    proc = corridor("plan", DATA / "nope.json", "-o", out, "-q")
    assert proc.returncode == 2
    assert out.read_text() == '{"keep": "me"}'


def test_help_lists_every_option() -> None:
    result = CliRunner().invoke(app, ["plan", "--help"], terminal_width=200)
    for option in ("--output", "--time-limit", "--seed", "--keep", "--now", "--iterations",
                   "--pin", "--exclude", "--ahead"):  # fmt: skip
        assert option in result.output


def test_pin_and_exclude_through_the_cli(tmp_path: Path, referee: Path) -> None:
    raw = json.loads((DATA / "small.json").read_text())
    raw["max_vehicles"] = 3
    inst = tmp_path / "small-3.json"
    inst.write_text(json.dumps(raw))
    out = tmp_path / "plan.json"
    proc = corridor("plan", inst, "-o", out, "--time-limit", "3", "--iterations", "3", "-q",
                    "--pin", "D1/ambulance/0", "--exclude", "D1/bus/0")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    used = {r["vehicle"] for r in json.loads(out.read_text())["routes"]}
    assert "D1/ambulance/0" in used
    assert "D1/bus/0" not in used
    assert len(used) <= 3
    verdict = json.loads(run_referee(referee, inst, out, "--json").stdout)
    assert verdict["feasible"], verdict["violations"][:3]


def test_an_error_quoting_brackets_prints_them_as_typed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The message is text, not console markup: a file named with "[/x]" made the error
    printer fail (a closing tag with no opening one), and "[lon, lat]" would vanish."""
    missing = tmp_path / "[/x] [lon, lat].json"
    code, _, stderr = run_cli(["plan", str(missing), "-o", str(tmp_path / "p.json")], capsys)
    assert code == 2, stderr
    assert "[/x] [lon, lat].json" in " ".join(stderr.split())
    assert "Traceback" not in stderr


def test_a_scenario_given_for_the_instance_says_to_compile_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = ROOT / "examples" / "andorra" / "scenario.yaml"
    code, _, stderr = run_cli(["plan", str(scenario), "-o", str(tmp_path / "p.json")], capsys)
    assert code == 2, stderr
    said = " ".join(stderr.split())
    assert "not valid JSON" in said
    assert f"it looks like a scenario: compile it first (corridor compile {scenario}" in said
