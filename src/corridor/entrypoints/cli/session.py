"""Opening a log to sign on it: a local one, or a coordination server's, checked first.

With a server, nothing is signed before the client has downloaded every entry and checked each
one's signatures and authorship (the replay), and, when it knows the log's verifier key, that
the entries are those the server's signed checkpoint commits to and that the history extends
the one this party last cosigned (so the server cannot show it a fork). The log key is known
from ``--log-key``, or, by default, from this party's own witness state: once a party has
cosigned a checkpoint with its key, every command it signs with that key checks the server's
log against that checkpoint, with no option to give.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from corridor.entrypoints.cli.options import KeyOption, LogKeyOption
from corridor.errors import InputError

if TYPE_CHECKING:
    from corridor.adapters.remote_log import RemoteLog
    from corridor.services.agreement import AgreementService, SubmitResult
    from corridor.tlog.keys import VerifierKey

__all__ = ["KeyOption", "LogKeyOption", "opened", "report"]


@contextlib.contextmanager
def opened(
    log: str,
    token: str | None,
    create: bool = True,
    log_key: str | None = None,
    key: Path | None = None,
) -> Iterator[AgreementService]:
    """The log at a path or database URL, or a server's log: its entries are downloaded and
    every one is checked here before anything is signed; the server checks what is sent."""
    from corridor.adapters.key_files import read_verifier
    from corridor.adapters.remote_log import RemoteLog, open_log
    from corridor.entrypoints.cli.clock import cli_clock
    from corridor.services.agreement import AgreementService

    with open_log(log, token, create) as store:
        service = AgreementService(store, cli_clock())
        if isinstance(store, RemoteLog):
            pinned = _pinned(store, key) if log_key is None else None
            if log_key is not None or pinned is not None:
                _check_complete(service, store, pinned or read_verifier(str(log_key)), key)
            else:
                typer.echo(
                    "note: without --log-key (or a checkpoint you cosigned with --key), nothing "
                    "shows the server sent every entry",
                    err=True,
                )
        yield service


def _pinned(store: RemoteLog, key: Path | None) -> VerifierKey | None:
    """The log key this party cosigned with before (its witness state), if any."""
    from corridor.adapters.key_files import read_signer, read_verifier
    from corridor.adapters.witness_state import WitnessStateFile
    from corridor.tlog.witness import Witness, state_path_for

    if key is None or not state_path_for(key).exists():
        return None
    pins = Witness(read_signer(key), WitnessStateFile(state_path_for(key))).pinned_log_keys()
    if not pins:
        return None
    note = store.latest_checkpoint()
    origin = note.decode(errors="replace").split("\n", 1)[0] if note else ""
    if origin in pins:
        return read_verifier(pins[origin])
    if len(pins) == 1:
        return read_verifier(next(iter(pins.values())))  # its checkpoint must be signed by it
    raise InputError(
        "--log-key",
        f"this server's log is {origin!r}, none of the logs you cosigned "
        f"({', '.join(sorted(pins))}): give its verifier key",
    )


def _check_complete(
    service: AgreementService, store: RemoteLog, verifier: VerifierKey, key: Path | None
) -> None:
    from corridor.adapters.key_files import read_signer
    from corridor.adapters.witness_state import WitnessStateFile
    from corridor.tlog.witness import Witness, state_path_for

    cosigned = None
    if key is not None and state_path_for(key).exists():
        state = WitnessStateFile(state_path_for(key))
        cosigned = Witness(read_signer(key), state).last_cosigned(verifier.name)
    service.state()  # every entry downloaded and checked
    covered, read = store.check_complete(verifier, cosigned)
    newer = f"; the {read - covered} newer are not in a checkpoint yet" if read > covered else ""
    mine = f", and extend the {cosigned[0]} you cosigned" if cosigned else ""
    typer.echo(f"checked: the server's {covered} checkpointed entries are complete{mine}{newer}")


def report(result: SubmitResult) -> None:
    again = " (already in the log: nothing changed)" if result.duplicate else ""
    typer.echo(
        f"{result.kind.value} by {result.author} on {result.corridor}: log entry "
        f"{result.index}, sha256 {result.payload_sha256}{again}"
    )
