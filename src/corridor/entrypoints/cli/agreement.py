"""CLI commands: ``corridor keys new`` and ``corridor agreement ...``.

Each participant signs on its own machine with its own private key; the commands append to a
log given by a SQLite path or a database URL (``--log``, or ``$CORRIDOR_LEDGER``).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import typer

from corridor.adapters.ledger_store import LedgerStore
from corridor.domain.agreement import CorridorState
from corridor.domain.proposal import ROLES, diff, example_documents
from corridor.errors import InputError
from corridor.ledger.keys import SignerKey, read_signer, write_key_pair
from corridor.services.agreement import AgreementService, SubmitResult

LOG_HELP = "The log: a SQLite file path or a database URL (postgresql+psycopg://...)."
LogOption = typer.Option("ledger.db", "--log", envvar="CORRIDOR_LEDGER", help=LOG_HELP)
KeyOption = typer.Option(
    ..., "--key", help="Your private key file (NAME.key), kept on this machine."
)


def _service(log: str, create: bool = True) -> AgreementService:
    return AgreementService(LedgerStore.open(log, create=create))


def _read_document(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except OSError as exc:
        raise InputError(str(path), f"cannot read: {exc.strerror}") from exc
    except ValueError as exc:
        raise InputError(str(path), f"is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise InputError(str(path), "must hold one JSON object, the proposal")
    return data


def _report(result: SubmitResult) -> None:
    again = " (already in the log: nothing changed)" if result.duplicate else ""
    typer.echo(
        f"{result.kind.value} by {result.author} on {result.corridor}: log entry "
        f"{result.index}, sha256 {result.payload_sha256}{again}"
    )


def print_status(corridor: CorridorState, now: dt.datetime | None = None) -> None:
    typer.echo(f"corridor {corridor.corridor}: {corridor.describe(now)}")
    typer.echo(f"ready: {'yes' if corridor.ready else 'no'}")
    for item in corridor.checklist():
        mark = "[x]" if item.ok else "[ ]"
        indent = "      " if item.text.startswith("  ") else "  "
        typer.echo(f"{indent}{mark} {item.text.strip()}")
    for line in corridor.history:
        typer.echo(f"  {line}")


def print_diff(corridor: CorridorState, v1: int, v2: int) -> list[str]:
    old, new = corridor.version(v1), corridor.version(v2)
    for number, version in ((v1, old), (v2, new)):
        if version is None:
            raise InputError("version", f"corridor {corridor.corridor} has no version {number}")
    assert old is not None
    assert new is not None
    lines = diff(old.document, new.document)
    typer.echo(
        f"corridor {corridor.corridor}: version {v1} ({old.author}) -> version {v2} ({new.author})"
    )
    for line in lines or ["no term changed"]:
        typer.echo(f"  - {line}")
    return lines


def _corridor_state(service: AgreementService, corridor: str) -> CorridorState:
    state = service.state().corridors.get(corridor)
    if state is None:
        raise InputError("corridor", f"{corridor!r} has no proposal in this log")
    return state


def register(app: typer.Typer) -> None:
    """Add ``keys`` and ``agreement`` to the ``corridor`` app."""
    keys = typer.Typer(help="Ed25519 key pairs (C2SP signed-note formats).", no_args_is_help=True)
    agreement = typer.Typer(
        help="Signed proposals, counter-proposals and acceptances in a verifiable log.",
        no_args_is_help=True,
    )
    app.add_typer(keys, name="keys")
    app.add_typer(agreement, name="agreement")

    @keys.command("new")
    def keys_new(
        name: str = typer.Option(..., "--name", help="Key name, e.g. party-a (no spaces, no +)."),
        out: Path = typer.Option(..., "-o", "--out", help="Folder for NAME.key and NAME.pub."),
    ) -> None:
        """Make a key pair: NAME.key (private, mode 0600) and NAME.pub (verifier key)."""
        private, public = write_key_pair(SignerKey.generate(name), out)
        typer.echo(f"private key: {private} (mode 0600, never share it)")
        typer.echo(f"verifier key: {public}: {public.read_text().strip()}")

    @agreement.command("propose")
    def propose(
        document: Path = typer.Argument(..., help="The proposal as JSON (see docs/agreement.md)."),
        key: Path = KeyOption,
        log: str = LogOption,
    ) -> None:
        """Sign version 1 of a corridor proposal and append it to the log."""
        _report(_service(log).propose(_read_document(document), read_signer(key)))

    @agreement.command("counter")
    def counter(
        document: Path = typer.Argument(..., help="The whole new version as JSON."),
        key: Path = KeyOption,
        log: str = LogOption,
    ) -> None:
        """Sign a counter-proposal: the next version, naming the hash of the one it supersedes."""
        _report(_service(log).counter(_read_document(document), read_signer(key)))

    @agreement.command("accept")
    def accept(
        corridor: str = typer.Argument(..., help="Corridor identifier."),
        version: int | None = typer.Option(
            None, "--version", help="The version you accept (default: the latest)."
        ),
        key: Path = KeyOption,
        log: str = LogOption,
    ) -> None:
        """Sign your party's acceptance of the exact bytes of a version."""
        _report(_service(log).accept(corridor, read_signer(key), version))

    @agreement.command("confirm")
    def confirm(
        corridor: str = typer.Argument(...), key: Path = KeyOption, log: str = LogOption
    ) -> None:
        """Confirm, for your party, that the ceasefire starts on the agreed version."""
        _report(_service(log).confirm_start(corridor, read_signer(key)))

    @agreement.command("suspend")
    def suspend(
        corridor: str = typer.Argument(...),
        reason: str = typer.Option(..., "--reason", help="What happened."),
        key: Path = KeyOption,
        log: str = LogOption,
    ) -> None:
        """Suspend the corridor after a violation (only roles the agreement allows)."""
        _report(_service(log).suspend(corridor, read_signer(key), reason))

    @agreement.command("resume")
    def resume(
        corridor: str = typer.Argument(...), key: Path = KeyOption, log: str = LogOption
    ) -> None:
        """Agree, for your party, to resume a suspended corridor (both parties must)."""
        _report(_service(log).resume(corridor, read_signer(key)))

    @agreement.command("withdraw")
    def withdraw(
        corridor: str = typer.Argument(...),
        reason: str = typer.Option(..., "--reason"),
        key: Path = KeyOption,
        log: str = LogOption,
    ) -> None:
        """Withdraw from the corridor: it closes."""
        _report(_service(log).withdraw(corridor, read_signer(key), reason))

    @agreement.command("status")
    def status(
        corridor: str | None = typer.Argument(None, help="One corridor (default: every one)."),
        log: str = LogOption,
        check: bool = typer.Option(False, "--check", help="Exit 1 unless the corridor is ready."),
    ) -> None:
        """The state of a corridor and its readiness checklist, replayed from the log."""
        state = _service(log, create=False).state()
        chosen = (
            [_corridor_state_from(state.corridors, corridor)]
            if corridor
            else list(state.corridors.values())
        )
        if not chosen:
            typer.echo("the log holds no corridor yet")
        now = dt.datetime.now(dt.UTC)
        for item in chosen:
            print_status(item, now)
        for index, reason in state.refused:
            typer.echo(f"log entry {index} does not count: {reason}")
        if check and not all(c.ready for c in chosen):
            raise typer.Exit(1)

    @agreement.command("diff")
    def diff_cmd(
        corridor: str = typer.Argument(...),
        v1: int = typer.Argument(..., help="Older version number."),
        v2: int = typer.Argument(..., help="Newer version number."),
        log: str = LogOption,
    ) -> None:
        """What changed between two versions, term by term, in words."""
        print_diff(_corridor_state(_service(log, create=False), corridor), v1, v2)

    @agreement.command("example")
    def example(
        out: Path = typer.Option(..., "--out", help="Folder for the worked example."),
    ) -> None:
        """Play a scripted negotiation with fresh keys; write DIR/log/ and DIR/keys/*.pub."""
        run_example(out)


def _corridor_state_from(corridors: dict[str, CorridorState], corridor: str) -> CorridorState:
    if corridor not in corridors:
        raise InputError("corridor", f"{corridor!r} has no proposal in this log")
    return corridors[corridor]


def run_example(out: Path) -> None:
    """The worked example: the same steps as tests/agreement/test_cli_end_to_end.py."""
    from corridor.entrypoints.cli.ledger import cosign_latest, export_log, verify_export

    if (out / "ledger.db").exists() or (out / "log").exists():
        raise InputError(str(out), "holds an example already; choose an empty folder")
    private_dir, public_dir = out / "private", out / "keys"
    signers = {role: SignerKey.generate(role.replace("_", "-")) for role in ROLES}
    public_dir.mkdir(parents=True, exist_ok=True)
    for signer in signers.values():
        _, public = write_key_pair(signer, private_dir)
        (public_dir / public.name).write_text(public.read_text())
    service = AgreementService(LedgerStore.open(str(out / "ledger.db")))
    first, second = example_documents({r: s.verifier().text() for r, s in signers.items()})
    typer.echo("1. the intermediary proposes version 1")
    _report(service.propose(first, signers["intermediary"]))
    typer.echo("2. party B counter-proposes version 2")
    _report(service.counter(second, signers["party_b"]))
    corridor = first["corridor"]
    typer.echo("3. what changed")
    print_diff(_corridor_state(service, corridor), 1, 2)
    typer.echo("4. both parties accept version 2")
    _report(service.accept(corridor, signers["party_a"], 2))
    _report(service.accept(corridor, signers["party_b"], 2))
    typer.echo("5. both parties confirm the ceasefire start")
    _report(service.confirm_start(corridor, signers["party_a"]))
    _report(service.confirm_start(corridor, signers["party_b"]))
    typer.echo("6. status")
    print_status(_corridor_state(service, corridor))
    typer.echo("7. the log signs a checkpoint; both parties cosign it as witnesses")
    service.store.sign_checkpoint(signers["intermediary"])
    log_pub = public_dir / "intermediary.pub"
    for role in ("party_a", "party_b"):
        cosign_latest(service.store, private_dir / f"{signers[role].name}.key", str(log_pub))
    typer.echo("8. export and verify")
    export_log(service.store, out / "log")
    verify_export(
        out / "log",
        str(log_pub),
        [str(public_dir / "party-a.pub"), str(public_dir / "party-b.pub")],
        None,
    )
    typer.echo(
        f"\nVerify it yourself:\n  corridor ledger verify {out / 'log'} --log-key {log_pub} "
        f"--witness {public_dir / 'party-a.pub'} --witness {public_dir / 'party-b.pub'}"
    )
