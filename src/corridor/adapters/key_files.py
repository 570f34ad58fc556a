"""Key files: a signer's private key (``NAME.key``, 0600) and public key (``NAME.pub``), read and
written here; the keys themselves are ``tlog.keys``'s (no file I/O there)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from corridor.errors import InputError
from corridor.tlog.errors import KeyFormatError, VerificationError
from corridor.tlog.keys import SignerKey, VerifierKey
from corridor.tlog.note import parse_note, verify_note_signature

__all__ = [
    "LOG_KEY_NAME",
    "LogKeyMismatch",
    "load_or_create_log_key",
    "log_key_for",
    "read_signer",
    "read_verifier",
    "write_key_pair",
]

LOG_KEY_NAME = "corridor-log"


def write_key_pair(key: SignerKey, directory: Path) -> tuple[Path, Path]:
    """Write ``NAME.key`` (created with mode 0600, never readable by others) and ``NAME.pub``,
    in a directory created owner-only (0700)."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    private = directory / f"{key.name}.key"
    public = directory / f"{key.name}.pub"
    if private.exists():
        raise KeyFormatError(str(private), "exists already; refusing to overwrite a private key")
    fd = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key.text() + "\n")
    os.chmod(private, 0o600)
    public.write_text(key.verifier().text() + "\n")
    return private, public


def read_signer(path: Path) -> SignerKey:
    try:
        text = path.read_text()
    except OSError as exc:
        raise KeyFormatError(str(path), f"cannot read the private key: {exc.strerror}") from exc
    return SignerKey.parse(text)


def read_verifier(path_or_text: str, cosigner: bool = False) -> VerifierKey:
    """A verifier key from a ``.pub`` file, or the key text itself; ``cosigner``: the C2SP
    tlog-cosignature form of the key (type 0x04) is taken too."""
    path = Path(path_or_text)
    if "+" not in path_or_text or path.exists():
        try:
            path_or_text = path.read_text()
        except OSError as exc:
            raise KeyFormatError(str(path), f"cannot read the key: {exc.strerror}") from exc
    return VerifierKey.parse_any(path_or_text) if cosigner else VerifierKey.parse(path_or_text)


def load_or_create_log_key(path: Path) -> SignerKey:
    """The log operator's private key at ``path``, made (with its ``.pub``) if there is none."""
    if path.exists():
        return read_signer(path)
    write_key_pair(SignerKey.generate(path.stem or LOG_KEY_NAME), path.parent)
    return read_signer(path)


class LogKeyMismatch(InputError):
    """The log already holds checkpoints, and none is signed by the key at ``path`` (or there is
    no key there): the parties know the log by the key that signed them, so a checkpoint signed
    by another key fails every party's check. ``ours`` is the key at ``path`` (None: no file),
    ``theirs`` the key(s) that signed the newest checkpoint (``name+keyID``)."""

    def __init__(self, where: str, path: Path, ours: str | None, theirs: list[str]) -> None:
        self.path = path
        self.ours = ours
        self.theirs = theirs
        signed = f"checkpoints signed by {' and '.join(theirs) or 'another key'}"
        fix = (
            f"copy keys/ from the data directory of the server that has been serving this "
            f"database (or from the backup) to {str(path.parent)!r}, or set {where} to that "
            "key file"
        )
        if ours is None:
            problem = (
                f"there is no log key at {str(path)!r}, but the log in this database has "
                f"{signed}: a new key would make every party's check fail; {fix}; no key was made"
            )
        else:
            problem = (
                f"{str(path)!r} holds the log key {ours}, but the log in this database has "
                f"{signed}, none by this key: every party's check would fail; {fix}"
            )
        super().__init__(where, problem, str(path))


def key_label(key: VerifierKey) -> str:
    """``name+keyID``: how a checkpoint's signature line names its key (C2SP signed note)."""
    return f"{key.name}+{key.key_id().hex()}"


def log_key_for(path: Path, checkpoints: Iterable[bytes], where: str) -> SignerKey:
    """The log operator's key at ``path``, for a log whose stored ``checkpoints`` (signed notes,
    newest first) are given: made (with its ``.pub``) only when the log has none yet; refused
    (:class:`LogKeyMismatch`, nothing made) when it has some and this key signed none of them.

    A key file that cannot be read or made is an InputError naming ``where`` and the path."""
    try:
        key = read_signer(path) if path.exists() else None
    except OSError as exc:  # the folder may not be searched
        problem = f"{str(path)!r} cannot be read ({exc.strerror})"
        raise InputError(where, problem, str(path)) from exc
    theirs: list[str] | None = None
    for note_bytes in checkpoints:
        note = parse_note(note_bytes)
        if theirs is None:  # the newest checkpoint's: the key the parties know now
            theirs = [f"{s.name}+{s.key_id.hex()}" for s in note.signatures if len(s.body) == 64]
        if key is None:
            break
        try:
            verify_note_signature(note, key.verifier())
        except VerificationError:
            continue
        return key
    if theirs is not None:
        ours = None if key is None else key_label(key.verifier())
        raise LogKeyMismatch(where, path, ours, theirs)
    if key is not None:
        return key
    try:
        write_key_pair(SignerKey.generate(path.stem or LOG_KEY_NAME), path.parent)
    except OSError as exc:
        raise InputError(
            where, f"{str(path)!r}: the log key cannot be made there ({exc.strerror})", str(path)
        ) from exc
    return read_signer(path)
