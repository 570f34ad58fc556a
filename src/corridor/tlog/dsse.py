"""DSSE v1 envelopes with Ed25519 signatures, serialised as RFC 8785 canonical JSON.

The envelope's exact bytes are what the log stores and hashes. Verification decodes the payload
from those bytes and checks the signature over PAE(payloadType, payload); nothing is
re-serialised before the signature is checked.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Container
from dataclasses import dataclass

from corridor.errors import InputError
from corridor.tlog.canonical import canonical_json
from corridor.tlog.errors import VerificationError
from corridor.tlog.keys import SignerKey, VerifierKey

IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json"


def pae(payload_type: bytes, payload: bytes) -> bytes:
    """DSSE pre-authentication encoding: ``DSSEv1 SP LEN(type) SP type SP LEN(body) SP body``."""
    return b"DSSEv1 %d %s %d %s" % (len(payload_type), payload_type, len(payload), payload)


@dataclass(frozen=True)
class Signature:
    keyid: str
    sig: bytes


@dataclass(frozen=True)
class Envelope:
    payload_type: str
    payload: bytes
    signatures: tuple[Signature, ...]

    def to_bytes(self) -> bytes:
        """The envelope's RFC 8785 bytes, written directly: its keys are fixed and already in
        canonical order, base64 needs no escaping, and the two free strings (payloadType and
        keyid) are written by the canonical serialiser. A property test holds this equal to
        ``canonical_json`` of the envelope as a dict."""
        signatures = b",".join(
            # keyid is optional in DSSE; an empty one is left out
            b'{"keyid":%s,"sig":"%s"}' % (canonical_json(s.keyid), base64.b64encode(s.sig))
            if s.keyid
            else b'{"sig":"%s"}' % base64.b64encode(s.sig)
            for s in self.signatures
        )
        return b'{"payload":"%s","payloadType":%s,"signatures":[%s]}' % (
            base64.b64encode(self.payload),
            canonical_json(self.payload_type),
            signatures,
        )


def sign(
    payload: bytes, key: SignerKey, *more: SignerKey, payload_type: str = IN_TOTO_PAYLOAD_TYPE
) -> bytes:
    """Sign ``payload`` with ``key`` (and each of ``more``, in order) and return the envelope's
    canonical bytes (each keyid = its verifier key's text)."""
    message = pae(payload_type.encode(), payload)
    signatures = tuple(Signature(k.verifier_text, k.sign(message)) for k in (key, *more))
    return Envelope(payload_type, payload, signatures).to_bytes()


def _strict_b64(text: str, what: str) -> bytes:
    """Decode base64 that has exactly one spelling (no stray padding bits), so that no two
    different envelopes carry the same signature and payload."""
    raw = base64.b64decode(text, validate=True)
    if base64.b64encode(raw).decode() != text:
        raise VerificationError(what, "has base64 that is not in its canonical form")
    return raw


def parse(data: bytes, what: str = "envelope") -> Envelope:
    """Parse envelope bytes; refuses anything but the canonical JSON of a DSSE envelope."""
    try:
        obj = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise VerificationError(what, f"is not JSON ({exc})") from exc
    except RecursionError as exc:
        raise VerificationError(what, "is nested too deeply to be a DSSE envelope") from exc
    if not isinstance(obj, dict) or set(obj) - {"payload", "payloadType", "signatures"}:
        raise VerificationError(what, "is not a DSSE envelope")
    payload_b64, payload_type, sigs = (
        obj.get("payload"),
        obj.get("payloadType"),
        obj.get("signatures"),
    )
    if not isinstance(payload_b64, str) or not isinstance(payload_type, str):
        raise VerificationError(what, "payload and payloadType must be strings")
    if not isinstance(sigs, list) or not sigs:
        raise VerificationError(what, "has no signatures")
    try:
        payload = _strict_b64(payload_b64, what)
        signatures = []
        for item in sigs:
            if not isinstance(item, dict) or not isinstance(item.get("sig"), str):
                raise VerificationError(what, "a signature has no 'sig'")
            keyid = item.get("keyid", "")
            if not isinstance(keyid, str):
                raise VerificationError(what, "a signature's keyid is not a string")
            signatures.append(Signature(keyid, _strict_b64(item["sig"], what)))
    except (binascii.Error, ValueError) as exc:  # ValueError: characters base64 never has
        raise VerificationError(what, f"bad base64 ({exc})") from exc
    envelope = Envelope(payload_type, payload, tuple(signatures))
    # Rebuilding the bytes from what was read refuses extra fields and any non-canonical form:
    # one envelope, one spelling.
    try:
        again = envelope.to_bytes()
    except InputError:  # a lone surrogate in payloadType or keyid: no canonical form
        again = b""
    if again != data:
        raise VerificationError(what, "is not in canonical JSON (RFC 8785) form")
    return envelope


def verify(
    envelope: Envelope,
    key: VerifierKey,
    what: str = "envelope",
    confirmed: Container[tuple[bytes, bytes, bytes]] = (),
) -> None:
    """Raise unless the envelope has a signature by ``key`` over PAE of the exact bytes, and
    that signature's keyid names ``key`` (the keyid is not signed, so it must not vary).

    ``confirmed`` holds (public key, signature, message) triples already checked elsewhere
    (the worker processes of :mod:`corridor.tlog.parallel`); any other is checked here."""
    message = pae(envelope.payload_type.encode(), envelope.payload)
    for s in envelope.signatures:
        if (key.public, s.sig, message) in confirmed or key.verify(s.sig, message):
            if s.keyid != key.text():
                raise VerificationError(what, f"the keyid {s.keyid!r} is not {key.text()}")
            return
    raise VerificationError(what, f"is not signed by the key {key.text()}")
