"""Key files: a signer's private key (``NAME.key``, 0600) and public key (``NAME.pub``), read and
written here; the keys themselves are ``tlog.keys``'s (no file I/O there)."""

from __future__ import annotations

import os
from pathlib import Path

from corridor.tlog.errors import KeyFormatError
from corridor.tlog.keys import SignerKey, VerifierKey

__all__ = [
    "LOG_KEY_NAME",
    "load_or_create_log_key",
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
