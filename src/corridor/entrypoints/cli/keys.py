"""CLI commands: ``corridor keys new|show|register|confirm|rotate|revoke`` (the key ceremony).

A party's key counts in a corridor once the party has registered it (signed by that key, sent
by the party's own liaison) and the intermediary has confirmed it by typing the fingerprint
that the party's officer read out to it, in person (docs/agreement.md, "The key ceremony").
"""

from __future__ import annotations

import shutil
from pathlib import Path

import typer

from corridor.entrypoints.cli.agreement import read_signer
from corridor.entrypoints.cli.options import KeyOption, LogKeyOption, ServerLogOption, TokenOption
from corridor.entrypoints.cli.session import opened, report
from corridor.errors import InputError

RoleOption = typer.Option(..., "--role", help="party_a or party_b.")
CorridorArgument = typer.Argument(..., help="Corridor identifier.")


def _role(role: str) -> str:
    if role not in ("party_a", "party_b"):
        raise InputError("--role", f"{role!r} must be party_a or party_b")
    return role


def keys_new(
    name: str = typer.Option(..., "--name", help="Key name, e.g. party-a (no spaces, no +)."),
    out: Path = typer.Option(..., "-o", "--out", help="Folder for NAME.key and NAME.pub."),
) -> None:
    """Make a key pair: NAME.key (private, mode 0600) and NAME.pub (verifier key)."""
    from corridor.adapters.key_files import write_key_pair
    from corridor.domain.keyring import fingerprint
    from corridor.tlog.keys import SignerKey

    private, public = write_key_pair(SignerKey.generate(name), out)
    text = public.read_text().strip()
    typer.echo(f"private key: {private} (mode 0600, never share it)")
    typer.echo(f"verifier key: {public}: {text}")
    typer.echo(f"fingerprint: {fingerprint(text)} (read it out at the key ceremony)")


def show(
    key: str = typer.Argument(..., help="A verifier key (.pub file, or its text)."),
) -> None:
    """A key's verifier key, its C2SP cosigner key (as a witness) and its fingerprint."""
    from corridor.adapters.key_files import read_verifier
    from corridor.domain.keyring import fingerprint

    verifier = read_verifier(key, cosigner=True)
    typer.echo(f"verifier key: {verifier.text()}")
    typer.echo(f"cosigner key (C2SP tlog-cosignature): {verifier.cosigner_text()}")
    typer.echo(f"fingerprint: {fingerprint(verifier.text())}")


def register_cmd(
    corridor: str = CorridorArgument,
    role: str = RoleOption,
    key: Path = KeyOption,
    log: str = ServerLogOption,
    token: str | None = TokenOption,
    log_key: str | None = LogKeyOption,
) -> None:
    """Register your party's key in a corridor; the coordinator then confirms it."""
    from corridor.domain.keyring import fingerprint

    signer = read_signer(key)
    with opened(log, token, log_key=log_key, key=key) as service:
        report(service.register_key(corridor, _role(role), signer))
    typer.echo(
        f"fingerprint: {fingerprint(signer.verifier_text)}: read it out to the coordinator, "
        "in person or on a call you trust; your key counts once it is confirmed"
    )


def confirm(
    corridor: str = CorridorArgument,
    role: str = RoleOption,
    typed: str = typer.Option(
        ..., "--fingerprint", help="The fingerprint the party's officer read out to you."
    ),
    key: Path = KeyOption,
    log: str = ServerLogOption,
    token: str | None = TokenOption,
    log_key: str | None = LogKeyOption,
) -> None:
    """Confirm a party's registered key by the fingerprint its officer read out to you."""
    with opened(log, token, log_key=log_key, key=key) as service:
        report(service.confirm_key(corridor, _role(role), typed, read_signer(key)))


def rotate(
    corridor: str = CorridorArgument,
    key: Path = KeyOption,
    new_key: Path = typer.Option(..., "--new-key", help="Your new private key file."),
    log: str = ServerLogOption,
    token: str | None = TokenOption,
    log_key: str | None = LogKeyOption,
) -> None:
    """Replace your confirmed key with a new one (both sign it)."""
    from corridor.tlog.witness import state_path_for

    with opened(log, token, log_key=log_key, key=key) as service:
        report(service.rotate_key(corridor, read_signer(key), read_signer(new_key)))
    old_state, new_state = state_path_for(key), state_path_for(new_key)
    if old_state.exists() and not new_state.exists():
        shutil.copy2(old_state, new_state)


def revoke(
    corridor: str = CorridorArgument,
    role: str = RoleOption,
    revoked: str = typer.Option(
        ..., "--revoked", help="The key to revoke (.pub file, or its text)."
    ),
    reason: str = typer.Option(..., "--reason", help="Why: leaked, lost, ..."),
    key: Path = KeyOption,
    log: str = ServerLogOption,
    token: str | None = TokenOption,
    log_key: str | None = LogKeyOption,
) -> None:
    """Revoke a party's key: by that key itself, or by the intermediary if it was lost."""
    from corridor.adapters.key_files import read_verifier

    text = read_verifier(revoked).text()
    with opened(log, token, log_key=log_key, key=key) as service:
        report(service.revoke_key(corridor, _role(role), text, read_signer(key), reason))


def register(app: typer.Typer) -> None:
    """Add ``keys`` to the ``corridor`` app."""
    keys = typer.Typer(
        help="Ed25519 key pairs (C2SP signed-note formats) and the key ceremony.",
        no_args_is_help=True,
    )
    app.add_typer(keys, name="keys")
    keys.command("new")(keys_new)
    keys.command("show")(show)
    keys.command("register")(register_cmd)
    keys.command("confirm")(confirm)
    keys.command("rotate")(rotate)
    keys.command("revoke")(revoke)
