"""CLI commands: ``corridor keys new`` and ``corridor agreement ...``.

Each participant signs on its own machine with its own private key; the commands append to a
log given by a SQLite path or a database URL (``--log``, or ``$CORRIDOR_LOG``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from corridor.entrypoints.cli import draft
from corridor.entrypoints.cli.clock import NowOption, as_of
from corridor.entrypoints.cli.options import KeyOption, LogKeyOption, ServerLogOption, TokenOption
from corridor.entrypoints.cli.session import opened, report
from corridor.errors import InputError

if TYPE_CHECKING:
    from corridor.domain.agreement import CorridorState
    from corridor.services.agreement import AgreementService
    from corridor.tlog.keys import SignerKey


def read_signer(path: Path) -> SignerKey:
    """The private key at ``path`` (cryptography is read only when a command signs)."""
    from corridor.adapters.key_files import read_signer as read

    return read(path)


LogOption = ServerLogOption  # the same --log everywhere
WitnessKeyOption = typer.Option(
    None,
    "--key",
    help="Your private key: the log must then also extend the history you cosigned with it "
    "(nothing is signed).",
)


def _read_document(path: Path) -> dict[str, Any]:
    from corridor.adapters.files import read_json_file

    data = read_json_file(path, "proposal")
    if not isinstance(data, dict):
        raise InputError(str(path), "must hold one JSON object, the proposal")
    return data


def print_status(corridor: CorridorState, now: dt.datetime) -> None:
    typer.echo(f"corridor {corridor.corridor}: {corridor.describe(now)}")
    typer.echo(f"ready: {'yes' if corridor.ready(now) else 'no'}")
    for item in corridor.checklist(now):
        mark = "[x]" if item.ok else "[ ]"
        indent = "      " if item.text.startswith("  ") else "  "
        typer.echo(f"{indent}{mark} {item.text.strip()}")
    for line in corridor.history:
        typer.echo(f"  {line}")


def print_diff(corridor: CorridorState, v1: int, v2: int) -> list[str]:
    from corridor.domain.proposal import diff

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


def open_cmd(
    corridor: str = typer.Argument(..., help="The new corridor's identifier."),
    party_a: str = typer.Option(..., "--party-a", help="Party A's organisation."),
    party_b: str = typer.Option(..., "--party-b", help="Party B's organisation."),
    intermediary: str = typer.Option(
        ..., "--intermediary", help="The intermediary's organisation (yours)."
    ),
    key: Path = KeyOption,
    log: str = LogOption,
    token: str | None = TokenOption,
    log_key: str | None = LogKeyOption,
) -> None:
    """Open a corridor (the intermediary), naming the organisations; your key is its key."""
    organisations = {"party_a": party_a, "party_b": party_b, "intermediary": intermediary}
    with opened(log, token, log_key=log_key, key=key) as service:
        report(service.open_corridor(corridor, organisations, read_signer(key)))


def propose(
    document: Path = typer.Argument(..., help="The proposal as JSON (see docs/agreement.md)."),
    key: Path = KeyOption,
    log: str = LogOption,
    token: str | None = TokenOption,
    log_key: str | None = LogKeyOption,
) -> None:
    """Sign version 1 of a corridor proposal and append it to the log."""
    with opened(log, token, log_key=log_key, key=key) as service:
        report(service.propose(_read_document(document), read_signer(key)))


def counter(
    document: Path = typer.Argument(..., help="The whole new version as JSON."),
    key: Path = KeyOption,
    log: str = LogOption,
    token: str | None = TokenOption,
    log_key: str | None = LogKeyOption,
) -> None:
    """Sign a counter-proposal: the next version, naming the hash of the one it supersedes."""
    with opened(log, token, log_key=log_key, key=key) as service:
        report(service.counter(_read_document(document), read_signer(key)))


def accept(
    corridor: str = typer.Argument(..., help="Corridor identifier."),
    version: int | None = typer.Option(
        None, "--version", help="The version you accept (default: the latest)."
    ),
    key: Path = KeyOption,
    log: str = LogOption,
    token: str | None = TokenOption,
    log_key: str | None = LogKeyOption,
) -> None:
    """Sign your party's acceptance of the exact bytes of a version."""
    with opened(log, token, log_key=log_key, key=key) as service:
        report(service.accept(corridor, read_signer(key), version))


def confirm(
    corridor: str = typer.Argument(...),
    key: Path = KeyOption,
    log: str = LogOption,
    token: str | None = TokenOption,
    log_key: str | None = LogKeyOption,
) -> None:
    """Confirm, for your party, that the ceasefire starts on the agreed version."""
    with opened(log, token, log_key=log_key, key=key) as service:
        report(service.confirm_start(corridor, read_signer(key)))


def suspend(
    corridor: str = typer.Argument(...),
    reason: str = typer.Option(..., "--reason", help="What happened."),
    key: Path = KeyOption,
    log: str = LogOption,
    token: str | None = TokenOption,
    log_key: str | None = LogKeyOption,
) -> None:
    """Suspend the corridor after a violation (only roles the agreement allows)."""
    with opened(log, token, log_key=log_key, key=key) as service:
        report(service.suspend(corridor, read_signer(key), reason))


def resume(
    corridor: str = typer.Argument(...),
    note: str = typer.Option("", "--note", help="What was put right (signed with it)."),
    key: Path = KeyOption,
    log: str = LogOption,
    token: str | None = TokenOption,
    log_key: str | None = LogKeyOption,
) -> None:
    """Agree, for your party, to resume a suspended corridor (both parties must)."""
    with opened(log, token, log_key=log_key, key=key) as service:
        report(service.resume(corridor, read_signer(key), note))


def withdraw(
    corridor: str = typer.Argument(...),
    reason: str = typer.Option(..., "--reason"),
    key: Path = KeyOption,
    log: str = LogOption,
    token: str | None = TokenOption,
    log_key: str | None = LogKeyOption,
) -> None:
    """Withdraw from the corridor: it closes."""
    with opened(log, token, log_key=log_key, key=key) as service:
        report(service.withdraw(corridor, read_signer(key), reason))


def incident(
    corridor: str = typer.Argument(...),
    description: str = typer.Option(..., "--description", help="What happened, where."),
    at: str | None = typer.Option(
        None, "--at", help="Where, as LONGITUDE,LATITUDE (e.g. 1.5721,42.5378)."
    ),
    key: Path = KeyOption,
    log: str = LogOption,
    token: str | None = TokenOption,
    log_key: str | None = LogKeyOption,
) -> None:
    """Report an incident on the corridor, signed (it suspends nothing by itself)."""
    location = _lon_lat(at) if at is not None else None
    with opened(log, token, log_key=log_key, key=key) as service:
        report(service.report_incident(corridor, read_signer(key), description, location))


def notify(
    corridor: str = typer.Argument(...),
    movement: str = typer.Option(..., "--movement", help="Your identifier, e.g. convoy-3."),
    description: str = typer.Option(..., "--description", help="Who or what moves, how."),
    departs: str = typer.Option(
        ..., "--departs", help="Departure time, ISO 8601 with offset (2026-12-01T07:30+02:00)."
    ),
    key: Path = KeyOption,
    log: str = LogOption,
    token: str | None = TokenOption,
    log_key: str | None = LogKeyOption,
) -> None:
    """Notify the other side of a movement through the corridor, signed."""
    from corridor.adapters.clock import parse_instant

    when = parse_instant("--departs", departs).isoformat()
    with opened(log, token, log_key=log_key, key=key) as service:
        report(service.notify_movement(corridor, read_signer(key), movement, description, when))


def acknowledge(
    corridor: str = typer.Argument(...),
    movement: str = typer.Option(..., "--movement", help="The movement notified."),
    key: Path = KeyOption,
    log: str = LogOption,
    token: str | None = TokenOption,
    log_key: str | None = LogKeyOption,
) -> None:
    """Acknowledge a movement notification: you were told (it is not an approval)."""
    with opened(log, token, log_key=log_key, key=key) as service:
        report(service.acknowledge(corridor, read_signer(key), movement))


def status(
    corridor: str | None = typer.Argument(None, help="One corridor (default: every one)."),
    log: str = LogOption,
    token: str | None = TokenOption,
    log_key: str | None = LogKeyOption,
    key: Path | None = WitnessKeyOption,
    check: bool = typer.Option(False, "--check", help="Exit 1 unless the corridor is ready."),
    now: str | None = NowOption,
) -> None:
    """The state of a corridor and its readiness checklist, replayed from the log."""
    when = as_of(now)
    with opened(log, token, create=False, log_key=log_key, key=key) as service:
        state = service.state()
    chosen = (
        [_corridor_state_from(state.corridors, corridor)]
        if corridor
        else list(state.corridors.values())
    )
    if not chosen:
        typer.echo("the log holds no corridor yet")
    for item in chosen:
        print_status(item, when)
    for index, reason in state.refused:
        typer.echo(f"log entry {index} does not count: {reason}")
    if check and not all(c.ready(when) for c in chosen):
        raise typer.Exit(1)


def diff_cmd(
    corridor: str = typer.Argument(...),
    v1: int = typer.Argument(..., help="Older version number."),
    v2: int = typer.Argument(..., help="Newer version number."),
    log: str = LogOption,
    token: str | None = TokenOption,
    log_key: str | None = LogKeyOption,
    key: Path | None = WitnessKeyOption,
) -> None:
    """What changed between two versions, term by term, in words."""
    with opened(log, token, create=False, log_key=log_key, key=key) as service:
        print_diff(_corridor_state(service, corridor), v1, v2)


def example(
    out: Path = typer.Option(..., "--out", help="Folder for the worked example."),
) -> None:
    """Play a scripted negotiation with fresh keys; write DIR/log/ and DIR/keys/*.pub."""
    run_example(out)


def register(app: typer.Typer) -> None:
    """Add ``agreement`` to the ``corridor`` app."""
    agreement = typer.Typer(
        help="Signed proposals, counter-proposals and acceptances in a verifiable log.",
        no_args_is_help=True,
    )
    app.add_typer(agreement, name="agreement")
    agreement.command("open")(open_cmd)
    agreement.command("propose")(propose)
    agreement.command("counter")(counter)
    agreement.command("accept")(accept)
    agreement.command("confirm")(confirm)
    agreement.command("suspend")(suspend)
    agreement.command("resume")(resume)
    agreement.command("withdraw")(withdraw)
    agreement.command("incident")(incident)
    agreement.command("notify")(notify)
    agreement.command("acknowledge")(acknowledge)
    agreement.command("status")(status)
    agreement.command("diff")(diff_cmd)
    agreement.command("example")(example)
    agreement.command("draft")(draft.draft_command)


def _lon_lat(text: str) -> list[float]:
    parts = text.replace(" ", "").split(",")
    try:
        lon, lat = (float(x) for x in parts)
    except ValueError:
        raise InputError(
            "--at", f"{text!r} is not LONGITUDE,LATITUDE (e.g. 1.5721,42.5378)"
        ) from None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90) or lon != lon or lat != lat:
        raise InputError("--at", f"{text!r} is off the globe: longitude first, then latitude")
    return [lon, lat]


def _corridor_state_from(corridors: dict[str, CorridorState], corridor: str) -> CorridorState:
    if corridor not in corridors:
        raise InputError("corridor", f"{corridor!r} has no proposal in this log")
    return corridors[corridor]


def run_example(out: Path) -> None:
    """The worked example: the same steps as tests/agreement/test_cli_end_to_end.py."""
    from corridor.adapters.key_files import write_key_pair
    from corridor.adapters.log_store import LogStore
    from corridor.domain.proposal import (
        EXAMPLE_ORGANISATIONS,
        ROLES,
        example_documents,
        example_window_start,
    )
    from corridor.entrypoints.cli.clock import cli_clock
    from corridor.entrypoints.cli.log import cosign_latest, export_log, verify_export
    from corridor.services.agreement import AgreementService
    from corridor.services.signing import key_ceremony
    from corridor.tlog.keys import SignerKey

    if (out / "log.db").exists() or (out / "log").exists():
        raise InputError(str(out), "holds an example already; choose an empty folder")
    private_dir, public_dir = out / "private", out / "keys"
    signers = {role: SignerKey.generate(role.replace("_", "-")) for role in ROLES}
    public_dir.mkdir(parents=True, exist_ok=True)
    for signer in signers.values():
        _, public = write_key_pair(signer, private_dir)
        (public_dir / public.name).write_text(public.read_text())
    store = LogStore.open(str(out / "log.db"))
    clock = cli_clock()
    service = AgreementService(store, clock)
    first, second = example_documents(
        {r: s.verifier().text() for r, s in signers.items()}, example_window_start(clock())
    )
    corridor = first["corridor"]
    typer.echo("1. the intermediary opens the corridor; each party registers its key, and the")
    typer.echo("   intermediary confirms each by the fingerprint the party's officer reads out")
    for result in key_ceremony(service, corridor, EXAMPLE_ORGANISATIONS, signers):
        report(result)
    typer.echo("2. the intermediary proposes version 1")
    report(service.propose(first, signers["intermediary"]))
    typer.echo("3. party B counter-proposes version 2")
    report(service.counter(second, signers["party_b"]))
    typer.echo("4. what changed")
    print_diff(_corridor_state(service, corridor), 1, 2)
    typer.echo("5. both parties accept version 2")
    report(service.accept(corridor, signers["party_a"], 2))
    report(service.accept(corridor, signers["party_b"], 2))
    typer.echo("6. both parties confirm the ceasefire start")
    report(service.confirm_start(corridor, signers["party_a"]))
    report(service.confirm_start(corridor, signers["party_b"]))
    typer.echo("7. status")
    print_status(_corridor_state(service, corridor), clock())
    typer.echo("8. the log signs a checkpoint; both parties cosign it as witnesses")
    store.sign_checkpoint(signers["intermediary"])
    log_pub = public_dir / "intermediary.pub"
    for role in ("party_a", "party_b"):
        cosign_latest(store, private_dir / f"{signers[role].name}.key", str(log_pub))
    typer.echo("9. export and verify")
    export_log(store, out / "log")
    witnesses = [str(public_dir / "party-a.pub"), str(public_dir / "party-b.pub")]
    verify_export(out / "log", str(log_pub), witnesses, None)
    typer.echo(
        f"\nVerify it yourself:\n  corridor log verify {out / 'log'} --log-key {log_pub} "
        f"--witness {public_dir / 'party-a.pub'} --witness {public_dir / 'party-b.pub'}"
    )
