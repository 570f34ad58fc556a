"""C2SP signed notes, tlog-checkpoints and tlog-cosignatures (``cosignature/v1``).

A signed note is UTF-8 text ending in a newline, an empty line, then one or more lines
``— NAME base64(key ID || signature)``. A checkpoint is a note whose text is the log's origin,
the tree size in decimal and the base64 root hash, each on its own line. A witness cosignature
signs ``cosignature/v1\\ntime T\\n`` followed by the checkpoint text, with a key of type 0x04;
its signature line carries key ID || 8-byte big-endian T || signature.
"""

from __future__ import annotations

import base64
import binascii
import struct
from dataclasses import dataclass

from corridor.tlog.errors import VerificationError
from corridor.tlog.keys import SignerKey, VerifierKey, valid_key_name

MAX_SIGNATURES = 100
SIG_PREFIX = "— "  # U+2014 EM DASH, space


@dataclass(frozen=True)
class NoteSignature:
    name: str
    key_id: bytes
    body: bytes
    """What follows the 4-byte key ID: a signature, or timestamp || signature for a cosignature."""

    def line(self) -> str:
        return f"{SIG_PREFIX}{self.name} {base64.b64encode(self.key_id + self.body).decode()}\n"


@dataclass(frozen=True)
class Note:
    text: str
    signatures: tuple[NoteSignature, ...]

    def to_bytes(self) -> bytes:
        return (self.text + "\n" + "".join(s.line() for s in self.signatures)).encode()

    def with_signature(self, signature: NoteSignature) -> Note:
        """Add a signature, replacing any earlier one by the same key."""
        kept = tuple(
            s for s in self.signatures if (s.name, s.key_id) != (signature.name, signature.key_id)
        )
        return Note(self.text, (*kept, signature))


def _malformed(problem: str) -> VerificationError:
    return VerificationError("note", f"malformed note: {problem}")


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise _malformed("the text does not end with a newline")
    if any((ord(c) < 0x20 and c != "\n") or ord(c) == 0x7F for c in text):
        raise _malformed("the text has a control character")


def parse_note(data: bytes) -> Note:
    """Split a signed note into its text and signature lines, refusing any malformed note."""
    try:
        msg = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _malformed("not valid UTF-8") from exc
    if any((ord(c) < 0x20 and c != "\n") or ord(c) == 0x7F for c in msg):
        raise _malformed("has a control character")
    split = msg.rfind("\n\n")
    if split < 0:
        raise _malformed("no empty line before the signatures")
    text, sig_block = msg[: split + 1], msg[split + 2 :]
    if not sig_block or not sig_block.endswith("\n"):
        raise _malformed("no signature lines, or the last one has no newline")
    lines = sig_block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise _malformed(f"more than {MAX_SIGNATURES} signatures")
    signatures = []
    for line in lines:
        if not line.startswith(SIG_PREFIX):
            raise _malformed(f"unexpected line {line[:40]!r}")
        fields = line[len(SIG_PREFIX) :].split(" ")
        if len(fields) != 2 or not valid_key_name(fields[0]):
            raise _malformed(f"bad signature line {line[:40]!r}")
        try:
            raw = base64.b64decode(fields[1], validate=True)
        except binascii.Error as exc:
            raise _malformed(f"bad base64 in signature of {fields[0]!r}") from exc
        if len(raw) < 5:
            raise _malformed(f"the signature of {fields[0]!r} is too short")
        signatures.append(NoteSignature(fields[0], raw[:4], raw[4:]))
    return Note(text, tuple(signatures))


def sign_note(text: str, key: SignerKey) -> Note:
    _check_text(text)
    verifier = key.verifier()
    return Note(text, (NoteSignature(key.name, verifier.key_id(), key.sign(text.encode())),))


def add_signature(note: Note, key: SignerKey) -> Note:
    verifier = key.verifier()
    return note.with_signature(
        NoteSignature(key.name, verifier.key_id(), key.sign(note.text.encode()))
    )


def verify_note_signature(note: Note, key: VerifierKey) -> None:
    """Raise unless ``note`` carries a valid type-0x01 signature by ``key``."""
    key_id = key.key_id()
    mine = [s for s in note.signatures if s.name == key.name and s.key_id == key_id]
    if not mine:
        raise VerificationError("note", f"has no signature by {key.text()}")
    for s in mine:
        if len(s.body) != 64 or not key.verify(s.body, note.text.encode()):
            raise VerificationError("note", f"invalid signature for key {key.text()}")


def open_note(data: bytes, keys: list[VerifierKey]) -> tuple[Note, list[VerifierKey]]:
    """Parse and verify: every signature by a known key must verify and at least one must exist.

    Returns the note and the keys whose signatures verified.
    """
    note = parse_note(data)
    verified: list[VerifierKey] = []
    for key in keys:
        if any(s.name == key.name and s.key_id == key.key_id() for s in note.signatures):
            verify_note_signature(note, key)
            verified.append(key)
    if not verified:
        raise VerificationError("note", "has no verifiable signatures")
    return note, verified


# -- checkpoints -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def text(self) -> str:
        lines = [self.origin, str(self.size), base64.b64encode(self.root_hash).decode()]
        return "\n".join([*lines, *self.extensions]) + "\n"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "":
            raise VerificationError("checkpoint", "needs origin, size and root hash lines")
        origin, size_text, root_text = lines[0], lines[1], lines[2]
        if not origin:
            raise VerificationError("checkpoint", "the origin line is empty")
        if not size_text.isdigit() or (size_text.startswith("0") and size_text != "0"):
            raise VerificationError("checkpoint", f"tree size {size_text!r} is not a decimal")
        try:
            root_hash = base64.b64decode(root_text, validate=True)
        except binascii.Error as exc:
            raise VerificationError("checkpoint", f"root hash {root_text!r}: bad base64") from exc
        if len(root_hash) != 32:
            raise VerificationError("checkpoint", "the root hash is not 32 bytes")
        return cls(origin, int(size_text), root_hash, tuple(lines[3:-1]))


def open_checkpoint(data: bytes, log_key: VerifierKey) -> tuple[Note, Checkpoint]:
    """Verify the log's signature on a checkpoint note and parse its body."""
    note = parse_note(data)
    verify_note_signature(note, log_key)
    checkpoint = Checkpoint.parse(note.text)
    if checkpoint.origin != log_key.name:
        raise VerificationError(
            "checkpoint", f"origin {checkpoint.origin!r} is not the log key's name {log_key.name!r}"
        )
    return note, checkpoint


# -- cosignatures ------------------------------------------------------------------------------


def cosigned_message(checkpoint_text: str, timestamp: int) -> bytes:
    return f"cosignature/v1\ntime {timestamp}\n{checkpoint_text}".encode()


def cosign(note: Note, key: SignerKey, timestamp: int) -> NoteSignature:
    verifier = key.verifier()
    sig = key.sign(cosigned_message(note.text, timestamp))
    return NoteSignature(key.name, verifier.cosigner_key_id(), struct.pack(">Q", timestamp) + sig)


def verify_cosignature(note: Note, witness: VerifierKey) -> int:
    """Raise unless ``note`` carries a valid ``cosignature/v1`` by ``witness``; return its time."""
    key_id = witness.cosigner_key_id()
    mine = [s for s in note.signatures if s.name == witness.name and s.key_id == key_id]
    if not mine:
        raise VerificationError("checkpoint", f"has no cosignature by witness {witness.name}")
    timestamp = 0
    for s in mine:
        if len(s.body) != 72:
            raise VerificationError("checkpoint", f"cosignature of {witness.name} is malformed")
        (timestamp,) = struct.unpack(">Q", s.body[:8])
        if not witness.verify(s.body[8:], cosigned_message(note.text, timestamp)):
            raise VerificationError("checkpoint", f"invalid cosignature of witness {witness.name}")
    return timestamp
