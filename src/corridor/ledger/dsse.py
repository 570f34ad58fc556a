"""DSSE v1 envelopes with Ed25519 signatures, serialised as RFC 8785 canonical JSON.

The envelope's exact bytes are what the log stores and hashes. Verification decodes the payload
from those bytes and checks the signature over PAE(payloadType, payload); nothing is
re-serialised before the signature is checked.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass

from corridor.ledger.canonical import canonical_json, is_canonical
from corridor.ledger.errors import VerificationError
from corridor.ledger.keys import SignerKey, VerifierKey

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
        return canonical_json(
            {
                "payload": base64.b64encode(self.payload).decode(),
                "payloadType": self.payload_type,
                "signatures": [
                    {"keyid": s.keyid, "sig": base64.b64encode(s.sig).decode()}
                    for s in self.signatures
                ],
            }
        )


def sign(payload: bytes, key: SignerKey, payload_type: str = IN_TOTO_PAYLOAD_TYPE) -> bytes:
    """Sign ``payload`` and return the envelope's canonical bytes (keyid = verifier key text)."""
    signature = key.sign(pae(payload_type.encode(), payload))
    envelope = Envelope(payload_type, payload, (Signature(key.verifier().text(), signature),))
    return envelope.to_bytes()


def parse(data: bytes, what: str = "envelope") -> Envelope:
    """Parse envelope bytes; refuses anything but the canonical JSON of a DSSE envelope."""
    try:
        obj = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise VerificationError(what, f"is not JSON ({exc})") from exc
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
    if not is_canonical(data):
        raise VerificationError(what, "is not in canonical JSON (RFC 8785) form")
    try:
        payload = base64.b64decode(payload_b64, validate=True)
        signatures = []
        for item in sigs:
            if not isinstance(item, dict) or not isinstance(item.get("sig"), str):
                raise VerificationError(what, "a signature has no 'sig'")
            keyid = item.get("keyid", "")
            if not isinstance(keyid, str):
                raise VerificationError(what, "a signature's keyid is not a string")
            signatures.append(Signature(keyid, base64.b64decode(item["sig"], validate=True)))
    except binascii.Error as exc:
        raise VerificationError(what, f"bad base64 ({exc})") from exc
    return Envelope(payload_type, payload, tuple(signatures))


def verify(envelope: Envelope, key: VerifierKey, what: str = "envelope") -> None:
    """Raise unless one of the envelope's signatures is ``key``'s, over PAE of the exact bytes."""
    message = pae(envelope.payload_type.encode(), envelope.payload)
    if not any(key.verify(s.sig, message) for s in envelope.signatures):
        raise VerificationError(what, f"is not signed by the key {key.text()}")
