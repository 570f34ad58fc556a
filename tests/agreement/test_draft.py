"""``corridor agreement draft``: a complete first proposal from a scenario, whose placeholders
``propose`` refuses until the negotiators have written them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import run_cli

from corridor.domain.placeholders import placeholders
from corridor.domain.proposal import missing_terms, shape_problems

HELSINKI = Path(__file__).resolve().parents[2] / "examples" / "helsinki" / "scenario.yaml"


def corridor(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    return run_cli([str(a) for a in args], capsys)


@pytest.fixture
def keys(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    for name in ("party-a", "party-b", "intermediary"):
        code, _, err = corridor(capsys, "keys", "new", "--name", name, "-o", tmp_path / "keys")
        assert code == 0, err
    return tmp_path / "keys"


def fill(doc: dict[str, Any]) -> dict[str, Any]:
    """What the negotiators write in place of the placeholders."""
    doc["checkpoints"][0]["controlled_by"] = "party_a"
    doc["checkpoints"][1]["controlled_by"] = "party_b"
    doc["goods_in"] = ["food", "medicine"]
    doc["vehicle_markings"] = "white flag on the roof"
    doc["notification_lead_minutes"] = 60
    doc["evacuee_rights"]["special_care"] = "the sick and elderly travel first, with a medic"
    doc["on_violation"] = {
        "suspension": "all movement stops where it is",
        "who_may_suspend": ["party_a", "party_b", "intermediary"],
        "resumption": "both parties sign a resumption",
    }
    return doc


def test_a_draft_is_complete_but_for_its_placeholders_and_propose_refuses_them(
    tmp_path: Path,
    keys: Path,
    cache_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CORRIDOR_CACHE_DIR", str(cache_dir))
    out = tmp_path / "proposal.json"
    code, stdout, err = corridor(
        capsys, "agreement", "draft", HELSINKI, "-o", out,
        "--party-a", keys / "party-a.pub", "--party-b", keys / "party-b.pub",
        "--intermediary", keys / "intermediary.pub",
    )  # fmt: skip
    assert code == 0, err
    doc = json.loads(out.read_text("utf-8"))
    todo = placeholders(doc)
    assert f"wrote {out}: {len(todo)} terms to fill in before proposing:" in stdout
    assert "vehicle_markings" in todo
    assert "checkpoints[1].controlled_by" in todo
    assert not any(p.startswith("participants") for p in todo)  # the keys were given
    # Filled from the scenario: route, checkpoints, window, area, vehicles, destinations.
    assert doc["window"] == {
        "start": "2026-06-10T07:00", "duration_hours": 2.0, "time_zone": "Europe/Helsinki"
    }  # fmt: skip
    assert [c["name"] for c in doc["checkpoints"]] == ["Unioninkatu south", "Liisankatu gate"]
    assert doc["max_vehicles"] == 10
    assert {u["kind"] for u in doc["users"]} == {"buses", "ambulances", "aid_trucks"}
    assert doc["destinations"]["options"][0] == "Esplanadi hall"
    assert doc["route"]["coordinates"][0] != doc["route"]["coordinates"][-1]
    ring = doc["ceasefire_area"]["coordinates"][0]
    assert ring[0] == ring[-1]
    # propose refuses the placeholders, naming the first, and logs nothing.
    propose = ("agreement", "propose", out, "--key", keys / "intermediary.key")
    log = ("--log", tmp_path / "log.db")
    code, _, err = corridor(capsys, *propose, *log)
    assert code == 2
    assert "document.checkpoints[0].controlled_by: is still a placeholder to fill in" in err
    # Filled in, it is a complete proposal: proposed, and nothing missing.
    filled = fill(doc)
    assert placeholders(filled) == []
    assert shape_problems(filled) == []
    assert missing_terms(filled) == []
    out.write_text(json.dumps(filled), "utf-8")
    code, _, err = corridor(capsys, *propose, *log)
    assert code == 2
    assert "'kluuvi-2026' has not been opened in this log" in err
    # the corridor opened and the parties' keys confirmed (the key ceremony), it is proposed
    orgs = ("--party-a", "A", "--party-b", "B", "--intermediary", "I")
    opened = ("agreement", "open", "kluuvi-2026", *orgs, "--key", keys / "intermediary.key")
    assert corridor(capsys, *opened, *log)[0] == 0
    for role, name in (("party_a", "party-a"), ("party_b", "party-b")):
        signer = keys / f"{name}.key"
        registered = ("keys", "register", "kluuvi-2026", "--role", role, "--key", signer)
        said = corridor(capsys, *registered, *log)[1]
        heard = said.split("fingerprint: ")[1].split(":")[0]
        confirmed = ("keys", "confirm", "kluuvi-2026", "--role", role, "--fingerprint", heard)
        assert corridor(capsys, *confirmed, "--key", keys / "intermediary.key", *log)[0] == 0
    code, stdout, err = corridor(capsys, *propose, *log)
    assert code == 0, err
    assert "proposal by intermediary on kluuvi-2026: log entry 5" in stdout


def test_without_keys_the_participants_are_placeholders_too(
    tmp_path: Path,
    cache_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CORRIDOR_CACHE_DIR", str(cache_dir))
    out = tmp_path / "p.json"
    code, _, err = corridor(capsys, "agreement", "draft", HELSINKI, "-o", out)
    assert code == 0, err
    todo = placeholders(json.loads(out.read_text("utf-8")))
    assert todo[:3] == [
        "participants.party_a.key", "participants.party_b.key", "participants.intermediary.key"
    ]  # fmt: skip


def test_the_start_is_the_wall_clock_of_the_time_zone_given(
    tmp_path: Path,
    cache_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A window written in UTC, the zone given on the command line: the start is 07:00 in
    Helsinki, not 04:00 labelled Helsinki (three hours early); a zone that is none is refused."""
    monkeypatch.setenv("CORRIDOR_CACHE_DIR", str(cache_dir))
    text = HELSINKI.read_text("utf-8")
    text = text.replace("osm: ../../data/", f"osm: {HELSINKI.parents[2] / 'data'}/")
    text = text.replace("open: 2026-06-10T07:00:00+03:00", "open: 2026-06-10T04:00:00Z")
    text = text.replace("close: 2026-06-10T09:00:00+03:00", "close: 2026-06-10T06:00:00Z")
    text = text.replace("  time_zone: Europe/Helsinki\n", "")
    scenario = tmp_path / "utc.yaml"
    scenario.write_text(text, "utf-8")
    out = tmp_path / "p.json"
    args = ("agreement", "draft", scenario, "-o", out)
    code, _, err = corridor(capsys, *args, "--time-zone", "Europe/Helsinki")
    assert code == 0, err
    window = json.loads(out.read_text("utf-8"))["window"]
    assert window == {"start": "2026-06-10T07:00", "duration_hours": 2.0,
                      "time_zone": "Europe/Helsinki"}  # fmt: skip
    out.unlink()
    code, _, err = corridor(capsys, *args, "--time-zone", "Nowhere/X")
    assert code == 2
    assert "--time-zone: 'Nowhere/X' is not an IANA time zone" in err
    assert not out.exists()
