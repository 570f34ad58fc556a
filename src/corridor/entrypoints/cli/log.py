"""CLI commands: ``corridor log checkpoint|cosign|export|verify``.

(``corridor ledger ...`` is the same group under its old name, hidden, for one release.)

``verify`` needs nothing but the exported folder and the keys you trust: it checks every entry's
signature and authorship, the Merkle tree, the tiles, the log's checkpoint signature, each
witness's cosignature and, with ``--previous``, consistency with a checkpoint you saved before.
It exits non-zero naming the first problem.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from corridor.entrypoints.cli.options import LOG_ENV, LOG_HELP, ServerLogOption, TokenOption
from corridor.errors import InputError

if TYPE_CHECKING:
    from corridor.adapters.log_store import LogStore
    from corridor.adapters.remote_log import RemoteLog
    from corridor.tlog.verify import VerifyResult

__all__ = ["LOG_ENV", "LOG_HELP", "ServerLogOption", "TokenOption"]


def cosign_latest(store: LogStore | RemoteLog, key_path: Path, log_key: str) -> None:
    """Cosign the log's latest checkpoint as a witness, if it is consistent with the last one."""
    from corridor.adapters.key_files import read_signer, read_verifier
    from corridor.adapters.witness_state import WitnessStateFile
    from corridor.entrypoints.cli.clock import cli_clock
    from corridor.tlog.note import Checkpoint
    from corridor.tlog.witness import Witness, state_path_for

    note = store.latest_checkpoint()
    if note is None:
        raise InputError("--log", "the log has no checkpoint yet: run 'corridor log checkpoint'")
    key = read_signer(key_path)
    witness = Witness(key, WitnessStateFile(state_path_for(key_path)))
    when = int(cli_clock()().timestamp())
    cosigned = witness.cosign(note, read_verifier(log_key), store.consistency_proof, when)
    store.add_cosignatures(cosigned.to_bytes(), key.verifier())
    size = Checkpoint.parse(cosigned.text).size
    typer.echo(f"{key.name} cosigned the checkpoint of {size} entries")


def export_log(store: LogStore | RemoteLog, directory: Path) -> int:
    from corridor.adapters.tile_files import export_tiles

    note = store.latest_checkpoint()
    if note is None:
        raise InputError("--log", "the log has no checkpoint yet: run 'corridor log checkpoint'")
    size = int(note.decode().split("\n")[1])
    cosigned = {k: n for k, (_, n) in store.witness_checkpoints().items()}
    count = export_tiles(directory, store.entries(0, size), note, cosigned)
    typer.echo(
        f"exported {count} entries, their tiles, the checkpoint and {len(cosigned)} witnesses' "
        f"cosigned checkpoints to {directory}"
    )
    return count


def verify_export(
    directory: Path, log_key: str, witnesses: list[str], previous: Path | None
) -> VerifyResult:
    import functools

    from corridor.adapters.key_files import read_verifier
    from corridor.adapters.tile_files import verify_directory
    from corridor.services.agreement import check_entries

    previous_note = None
    if previous is not None:
        try:
            previous_note = previous.read_bytes()
        except OSError as exc:
            raise InputError(str(previous), f"cannot read: {exc.strerror}") from exc
    result = verify_directory(
        directory,
        read_verifier(log_key),
        [read_verifier(w, cosigner=True) for w in witnesses],
        previous_note,
        functools.partial(check_entries, parallel=True),  # the CLI's main module is import-safe
    )
    cp = result.checkpoint
    typer.echo(
        f"ok: {cp.size} entries, root {cp.root_hash.hex()}, signed by {cp.origin}; "
        f"every entry's signature and author checked"
    )
    for name, seen in result.witnesses.items():
        grown = "" if seen.size == cp.size else f"; this log grew from it, to {cp.size}"
        typer.echo(f"ok: witness {name} cosigned the checkpoint of {seen.size} entries{grown}")
    return result


def _old_name() -> None:
    """The old name of ``corridor log`` (one release more)."""
    typer.echo(
        "note: 'corridor ledger' is now 'corridor log'; the old name goes in the next release",
        err=True,
    )


def register(app: typer.Typer) -> None:
    """Add ``log`` (and its old name ``ledger``, hidden) to the ``corridor`` app."""
    group = typer.Typer(
        help="The append-only log: checkpoints, witness cosignatures, export, offline verify.",
        no_args_is_help=True,
    )
    app.add_typer(group, name="log")
    app.add_typer(group, name="ledger", hidden=True, deprecated=True, callback=_old_name)

    @group.command("checkpoint")
    def checkpoint(
        key: Path | None = typer.Option(
            None,
            "--key",
            help="The log's private key (the intermediary's); not with a server, which holds it.",
        ),
        log: str = ServerLogOption,
        token: str | None = TokenOption,
    ) -> None:
        """Sign a C2SP checkpoint of the log as it is now (a server signs its own)."""
        from corridor.adapters.key_files import read_signer
        from corridor.adapters.remote_log import RemoteLog, open_log

        with open_log(log, token) as store:
            if isinstance(store, RemoteLog):
                if key is not None:
                    raise InputError("--key", "a server signs its checkpoints with its own key")
                note = store.sign_checkpoint()
            else:
                if key is None:
                    raise InputError("--key", "a local log needs the log's private key to sign")
                note = store.sign_checkpoint(read_signer(key))
        typer.echo(note.decode(), nl=False)

    @group.command("cosign")
    def cosign(
        key: Path = typer.Option(..., "--key", help="Your private key; you cosign as a witness."),
        log_key: str = typer.Option(..., "--log-key", help="The log's verifier key (.pub)."),
        log: str = ServerLogOption,
        token: str | None = TokenOption,
    ) -> None:
        """Cosign the latest checkpoint, only if consistent with the last one you cosigned."""
        from corridor.adapters.remote_log import open_log

        with open_log(log, token) as store:
            cosign_latest(store, key, log_key)

    @group.command("export")
    def export(
        directory: Path = typer.Argument(..., help="Folder for the tlog-tiles layout."),
        log: str = ServerLogOption,
        token: str | None = TokenOption,
    ) -> None:
        """Write the latest checkpoint, its tiles and entry bundles (C2SP tlog-tiles)."""
        from corridor.adapters.remote_log import open_log

        with open_log(log, token, create=False) as store:
            export_log(store, directory)

    @group.command("verify")
    def verify(
        directory: Path = typer.Argument(..., help="An exported log folder."),
        log_key: str = typer.Option(..., "--log-key", help="The log's verifier key (.pub)."),
        witness: list[str] = typer.Option(
            [],
            "--witness",
            help="A witness's key (.pub, or its C2SP cosigner key): it must have cosigned this "
            "checkpoint or one this log grew from.",
        ),
        previous: Path | None = typer.Option(
            None, "--previous", help="A checkpoint saved earlier: this log must extend it."
        ),
    ) -> None:
        """Check everything offline; exit non-zero naming the first problem."""
        verify_export(directory, log_key, witness, previous)
