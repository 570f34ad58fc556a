"""A whole negotiation through the real ``corridor`` command, with three key pairs."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLE_START, ceremony, fixed_clock
from typer.testing import CliRunner

from corridor.adapters.key_files import read_signer
from corridor.adapters.log_store import LogStore
from corridor.domain.proposal import example_documents
from corridor.entrypoints.cli.main import app
from corridor.errors import CorridorError
from corridor.services.agreement import AgreementService


def corridor(*args: str | Path, cwd: Path, real: bool = False) -> subprocess.CompletedProcess[str]:
    """Run ``corridor ARGS`` in ``cwd``: in a child process when ``real``, else in-process.

    In-process runs go through the same Typer app and map errors as the console script does;
    the real runs check what a user's shell sees (exit code, message, no traceback).
    """
    argv = [str(a) for a in args]
    if real:
        return subprocess.run(
            [sys.executable, "-m", "corridor", *argv],
            capture_output=True,
            text=True,
            cwd=cwd,
            check=False,
        )
    with contextlib.chdir(cwd):
        result = CliRunner().invoke(app, argv)
    code, stderr = result.exit_code, result.stderr
    if isinstance(result.exception, CorridorError):
        code, stderr = result.exception.exit_code, f"error: {result.exception}"
    elif result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return subprocess.CompletedProcess(argv, code, result.stdout, stderr)


def ok(*args: str | Path, cwd: Path) -> str:
    done = corridor(*args, cwd=cwd)
    assert done.returncode == 0, f"{args}: {done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def negotiation(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Keys, both versions proposed, the diff, a refused impostor acceptance, then agreement."""
    tmp = tmp_path_factory.mktemp("e2e")
    out: dict[str, object] = {"tmp": tmp}
    for name in ("party-a", "party-b", "intermediary"):
        ok("keys", "new", "--name", name, "-o", "keys", cwd=tmp)
    pubs = {
        role: (tmp / "keys" / f"{role.replace('_', '-')}.pub").read_text().strip()
        for role in ("party_a", "party_b", "intermediary")
    }
    first, second = example_documents(pubs, EXAMPLE_START)
    (tmp / "v1.json").write_text(json.dumps(first))
    (tmp / "v2.json").write_text(json.dumps(second))
    log = ["--log", "log.db"]
    cid = str(first["corridor"])
    # the key ceremony: the intermediary opens the corridor naming the organisations; each
    # party registers its key; the intermediary confirms each by the fingerprint read out
    orgs = ["--party-a", "Eastbrook", "--party-b", "Westford", "--intermediary", "Mission"]
    ok("agreement", "open", cid, *orgs, "--key", "keys/intermediary.key", *log, cwd=tmp)
    out["premature"] = corridor(
        "agreement", "propose", "v1.json", "--key", "keys/intermediary.key", *log, cwd=tmp
    )
    spoken = {}
    for role, name in (("party_a", "party-a"), ("party_b", "party-b")):
        said = ok(
            "keys", "register", cid, "--role", role, "--key", f"keys/{name}.key", *log, cwd=tmp
        )
        out[f"register_{role}"] = said
        spoken[role] = said.split("fingerprint: ")[1].split(":")[0]
    out["misheard"] = corridor(
        "keys", "confirm", cid, "--role", "party_a", "--fingerprint", "1234 5678",
        "--key", "keys/intermediary.key", *log, cwd=tmp, real=True,
    )  # fmt: skip
    for role in ("party_a", "party_b"):
        ok(
            "keys", "confirm", cid, "--role", role, "--fingerprint", spoken[role],
            "--key", "keys/intermediary.key", *log, cwd=tmp,
        )  # fmt: skip
    ok("agreement", "propose", "v1.json", "--key", "keys/intermediary.key", *log, cwd=tmp)
    out["status_v1"] = corridor("agreement", "status", "--check", *log, cwd=tmp)
    ok("agreement", "counter", "v2.json", "--key", "keys/party-b.key", *log, cwd=tmp)
    out["diff"] = ok("agreement", "diff", cid, "1", "2", *log, cwd=tmp)
    ok("agreement", "accept", cid, "--version", "2", "--key", "keys/party-a.key", *log, cwd=tmp)
    # an impostor: a key with party B's name that is not the key the proposal names
    ok("keys", "new", "--name", "party-b", "-o", "impostor", cwd=tmp)
    out["impostor"] = corridor(
        "agreement", "accept", cid, "--key", "impostor/party-b.key", *log, cwd=tmp, real=True
    )
    out["status_after_impostor"] = ok("agreement", "status", cid, *log, cwd=tmp)
    ok("agreement", "accept", cid, "--version", "2", "--key", "keys/party-b.key", *log, cwd=tmp)
    out["early_status"] = corridor("agreement", "status", cid, "--check", *log, cwd=tmp)
    ok("agreement", "confirm", cid, "--key", "keys/party-a.key", *log, cwd=tmp)
    ok("agreement", "confirm", cid, "--key", "keys/party-b.key", *log, cwd=tmp)
    out["status"] = corridor("agreement", "status", cid, "--check", *log, cwd=tmp)
    # the same log, asked as of a moment after the window's end (17:00 in Kyiv)
    out["status_after"] = corridor(
        "agreement", "status", cid, "--check", "--now", "2026-05-14T17:00+03:00", *log, cwd=tmp
    )
    out["status_bad_now"] = corridor(
        "agreement", "status", cid, "--now", "5pm", *log, cwd=tmp, real=True
    )
    ok("log", "checkpoint", "--key", "keys/intermediary.key", *log, cwd=tmp)
    for party in ("party-a", "party-b"):
        ok(
            "log", "cosign", "--key", f"keys/{party}.key",
            "--log-key", "keys/intermediary.pub", *log, cwd=tmp,
        )  # fmt: skip
    ok("log", "export", "exported", *log, cwd=tmp)
    out["verify"] = corridor(
        "log", "verify", "exported", "--log-key", "keys/intermediary.pub",
        "--witness", "keys/party-a.pub", "--witness", "keys/party-b.pub", cwd=tmp,
    )  # fmt: skip
    return out


def test_private_keys_are_readable_only_by_their_owner(negotiation: dict[str, object]) -> None:
    tmp = negotiation["tmp"]
    assert isinstance(tmp, Path)
    for name in ("party-a", "party-b", "intermediary"):
        assert stat.S_IMODE((tmp / "keys" / f"{name}.key").stat().st_mode) == 0o600
        pub = (tmp / "keys" / f"{name}.pub").read_text()
        assert pub.startswith(f"{name}+")
        assert "PRIVATE" not in pub


def test_the_key_ceremony_comes_first_and_a_misheard_fingerprint_confirms_nothing(
    negotiation: dict[str, object],
) -> None:
    premature = negotiation["premature"]
    assert isinstance(premature, subprocess.CompletedProcess)
    assert premature.returncode == 2
    assert "party_a has no confirmed key yet (key ceremony)" in premature.stderr
    said = negotiation["register_party_a"]
    assert isinstance(said, str)
    assert "key-registration by party-a on eastbrook-westford-1: log entry 1" in said
    assert "read it out to the coordinator" in said
    misheard = negotiation["misheard"]
    assert isinstance(misheard, subprocess.CompletedProcess)
    assert misheard.returncode == 2
    assert "--fingerprint: '1234 5678' is not the fingerprint of the key party_a" in misheard.stderr


def test_incomplete_first_version_is_not_ready_and_says_why(
    negotiation: dict[str, object],
) -> None:
    done = negotiation["status_v1"]
    assert isinstance(done, subprocess.CompletedProcess)
    assert done.returncode == 1
    assert "ready: no" in done.stdout
    assert "what may go in (goods_in) is missing" in done.stdout
    assert "evacuee_rights.special_care" in done.stdout


def test_diff_reads_term_by_term(negotiation: dict[str, object]) -> None:
    diff = negotiation["diff"]
    assert isinstance(diff, str)
    assert "largest number of vehicles: changed from 40 to 30" in diff
    assert "window: start: changed from 2026-05-14T07:00 to 2026-05-14T09:00" in diff
    assert "what may go in: added: food, medicine, fuel for generators" in diff
    assert "checkpoints: added Westford gate" in diff
    assert diff.count("largest number of vehicles") == 1


def test_acceptance_signed_by_the_wrong_key_is_refused(negotiation: dict[str, object]) -> None:
    done = negotiation["impostor"]
    assert isinstance(done, subprocess.CompletedProcess)
    assert done.returncode == 5
    assert "refused" in done.stderr
    assert "party-b" in done.stderr
    assert "Traceback" not in done.stderr
    status = negotiation["status_after_impostor"]
    assert isinstance(status, str)
    assert "[ ] party-b (party_b) accepted version 2" in status
    assert "does not count" not in status  # it never reached the log


def test_not_ready_until_both_confirm_the_ceasefire(negotiation: dict[str, object]) -> None:
    done = negotiation["early_status"]
    assert isinstance(done, subprocess.CompletedProcess)
    assert done.returncode == 1
    assert "agreed on version 2" in done.stdout
    assert "[ ] party-a (party_a) confirmed the ceasefire start" in done.stdout


def test_status_says_ready_after_acceptance_and_confirmation(
    negotiation: dict[str, object],
) -> None:
    done = negotiation["status"]
    assert isinstance(done, subprocess.CompletedProcess)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ready: yes" in done.stdout
    assert "ceasefire confirmed by both parties on version 2" in done.stdout


def test_a_window_that_is_over_is_closed_and_not_ready(negotiation: dict[str, object]) -> None:
    done = negotiation["status_after"]
    assert isinstance(done, subprocess.CompletedProcess)
    assert done.returncode == 1
    assert "closed (the window ended 2026-05-14 17:00 Europe/Kyiv)" in done.stdout
    assert "ready: no" in done.stdout
    assert "[ ] the window ended 2026-05-14 17:00 Europe/Kyiv" in done.stdout
    bad = negotiation["status_bad_now"]
    assert isinstance(bad, subprocess.CompletedProcess)
    assert bad.returncode == 2
    assert "--now: '5pm' is not an ISO 8601 time" in bad.stderr


def test_the_example_is_ahead_of_whoever_runs_it_whenever_they_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The example's window starts at the next whole hour of the clock that makes it: run a
    month later, it is still a corridor ready to be used, not one that closed long ago."""
    for month, start in enumerate(("2026-05-14T03:00:00Z", "2026-06-14T03:00:00Z")):
        monkeypatch.setenv("CORRIDOR_CLOCK", start)
        out = ok("agreement", "example", "--out", f"ex{month}", cwd=tmp_path)
        assert "ceasefire confirmed by both parties on version 2" in out
        assert "ready: yes" in out
        later = ok("agreement", "status", "--log", f"ex{month}/log.db", cwd=tmp_path)
        assert "ceasefire confirmed by both parties on version 2" in later


def test_exported_log_verifies_offline_with_both_witnesses(
    negotiation: dict[str, object],
) -> None:
    done = negotiation["verify"]
    assert isinstance(done, subprocess.CompletedProcess)
    assert done.returncode == 0, done.stderr
    assert "ok: 11 entries" in done.stdout
    assert "ok: witness party-a cosigned the checkpoint of 11 entries" in done.stdout
    assert "ok: witness party-b cosigned the checkpoint of 11 entries" in done.stdout


def test_tampered_export_fails_verification_naming_the_problem(
    negotiation: dict[str, object], tmp_path: Path
) -> None:
    tmp = negotiation["tmp"]
    assert isinstance(tmp, Path)
    copy = tmp_path / "copy"
    subprocess.run(["cp", "-r", str(tmp / "exported"), str(copy)], check=True)
    bundle = next((copy / "tile" / "entries").rglob("*11"))
    data = bytearray(bundle.read_bytes())
    at = data.index(b'"payload":"') + 20
    data[at] = ord("A") if data[at] != ord("A") else ord("B")
    bundle.write_bytes(bytes(data))
    done = corridor(
        "log", "verify", copy, "--log-key", tmp / "keys" / "intermediary.pub",
        "--witness", tmp / "keys" / "party-a.pub", cwd=tmp,
    )  # fmt: skip
    assert done.returncode != 0
    assert "root" in done.stderr or "entry" in done.stderr
    wrong_witness = corridor(
        "log", "verify", tmp / "exported", "--log-key", tmp / "keys" / "intermediary.pub",
        "--witness", tmp / "impostor" / "party-b.pub", cwd=tmp,
    )  # fmt: skip
    assert wrong_witness.returncode != 0
    assert "party-b" in wrong_witness.stderr


def test_worked_example_writes_a_log_anyone_can_verify(tmp_path: Path) -> None:
    done = corridor("agreement", "example", "--out", tmp_path / "ex", cwd=tmp_path, real=True)
    assert done.returncode == 0, done.stderr
    assert "ready: yes" in done.stdout
    assert sorted(p.name for p in (tmp_path / "ex" / "keys").glob("*.pub")) == [
        "intermediary.pub",
        "party-a.pub",
        "party-b.pub",
    ]
    keys = tmp_path / "ex" / "keys"
    again = corridor(
        "log", "verify", tmp_path / "ex" / "log", "--log-key", keys / "intermediary.pub",
        "--witness", keys / "party-a.pub", "--witness", keys / "party-b.pub", cwd=tmp_path,
        real=True,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    # the old names work for one release, saying so: 'corridor ledger', $CORRIDOR_LEDGER
    old = corridor(
        "ledger", "verify", tmp_path / "ex" / "log", "--log-key", keys / "intermediary.pub",
        cwd=tmp_path, real=True,
    )  # fmt: skip
    assert old.returncode == 0, old.stderr
    assert "'corridor ledger' is now 'corridor log'" in old.stderr
    assert "ledger" not in corridor("--help", cwd=tmp_path, real=True).stdout
    (tmp_path / "ex" / "log.db").rename(tmp_path / "ex" / "ledger.db")
    env_old = subprocess.run(
        [sys.executable, "-m", "corridor", "agreement", "status"],
        capture_output=True, text=True, cwd=tmp_path, check=False,
        env={**os.environ, "CORRIDOR_LEDGER": str(tmp_path / "ex" / "ledger.db")},
    )  # fmt: skip
    assert env_old.returncode == 0, env_old.stderr
    assert "ready: yes" in env_old.stdout
    # a folder that holds only the old default file uses it, saying so
    in_folder = corridor("agreement", "status", cwd=tmp_path / "ex", real=True)
    assert in_folder.returncode == 0, in_folder.stderr
    assert "the old name of the default log file" in in_folder.stderr


def test_a_grown_log_extends_a_saved_checkpoint_and_a_fork_is_caught(
    negotiation: dict[str, object],
) -> None:
    """The intermediary cannot show a party a different history than the one it cosigned."""
    tmp = negotiation["tmp"]
    assert isinstance(tmp, Path)
    saved = tmp / "saved-checkpoint"
    saved.write_bytes((tmp / "exported" / "checkpoint").read_bytes())
    log = ["--log", "log.db"]
    cid = "eastbrook-westford-1"
    ok("agreement", "suspend", cid, "--reason", "shots near Bridge 7",
       "--key", "keys/party-b.key", *log, cwd=tmp)  # fmt: skip
    ok("log", "checkpoint", "--key", "keys/intermediary.key", *log, cwd=tmp)
    ok("log", "cosign", "--key", "keys/party-a.key", "--log-key", "keys/intermediary.pub",
       *log, cwd=tmp)  # fmt: skip
    ok("log", "export", "grown", *log, cwd=tmp)
    grown = ok("log", "verify", "grown", "--log-key", "keys/intermediary.pub",
               "--witness", "keys/party-a.pub", "--previous", saved, cwd=tmp)  # fmt: skip
    assert "ok: 12 entries" in grown

    # a second history, signed by the same log key, longer than what party A cosigned
    signers = {
        role: read_signer(tmp / "keys" / f"{role.replace('_', '-')}.key")
        for role in ("party_a", "party_b", "intermediary")
    }
    first, _ = example_documents(
        {r: k.verifier().text() for r, k in signers.items()}, EXAMPLE_START
    )
    first["title"] = "a different history"
    fork = AgreementService(LogStore.open(str(tmp / "fork.db")), fixed_clock())
    ceremony(fork, signers)
    fork.propose(first, signers["intermediary"])
    for i in range(8):
        fork.report_incident(cid, signers["intermediary"], f"report {i}")
    fork.store.sign_checkpoint(signers["intermediary"])
    refused = corridor(
        "log", "cosign", "--key", "keys/party-a.key",
        "--log-key", "keys/intermediary.pub", "--log", "fork.db", cwd=tmp,
    )  # fmt: skip
    assert refused.returncode == 4
    assert "not consistent with tree 12" in refused.stderr
    ok("log", "export", "forked", "--log", "fork.db", cwd=tmp)
    caught = corridor("log", "verify", "forked", "--log-key", "keys/intermediary.pub",
                      "--previous", saved, cwd=tmp)  # fmt: skip
    assert caught.returncode == 3
    assert "previous checkpoint" in caught.stderr or "consistency" in caught.stderr


def test_a_resumption_signed_on_the_command_line_carries_its_note(
    negotiation: dict[str, object], tmp_path: Path
) -> None:
    """The desk signs a resumption with a note; the command line takes one too (`--note`)."""
    tmp = negotiation["tmp"]
    assert isinstance(tmp, Path)
    shutil.copytree(tmp / "keys", tmp_path / "keys")
    shutil.copy(tmp / "log.db", tmp_path / "log.db")  # this test's own copy of the log
    log = ["--log", "log.db"]
    cid = "eastbrook-westford-1"
    before = AgreementService(LogStore.open(str(tmp_path / "log.db")), fixed_clock()).state()
    if before.corridors[cid].suspension is None:  # another test of the module may suspend it
        ok("agreement", "suspend", cid, "--reason", "shots near Bridge 7",
           "--key", "keys/party-a.key", *log, cwd=tmp_path)  # fmt: skip
    for party in ("party-a", "party-b"):
        ok("agreement", "resume", cid, "--note", f"{party}: the battery was pulled back",
           "--key", f"keys/{party}.key", *log, cwd=tmp_path)  # fmt: skip
    service = AgreementService(LogStore.open(str(tmp_path / "log.db")), fixed_clock())
    history = service.state().corridors[cid].history
    assert history[-1].endswith("the corridor resumed"), history[-3:]
    store = LogStore.open(str(tmp_path / "log.db"))
    last = json.loads(store.entry(store.size - 1))
    predicate = json.loads(base64.b64decode(last["payload"]))["predicate"]
    assert predicate["note"] == "party-b: the battery was pulled back"
