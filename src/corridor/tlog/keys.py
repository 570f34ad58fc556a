"""Ed25519 keys in the C2SP signed-note formats.

A verifier key is ``name+hash+base64(0x01 || public key)`` and a signer key is
``PRIVATE+KEY+name+hash+base64(0x01 || seed)``, where ``hash`` is the first four bytes of
SHA-256(name || 0x0A || 0x01 || public key) in hex. A party's one Ed25519 key signs its DSSE
messages (under the DSSE PAE), checkpoints as a signed note (type 0x01) and cosignatures
(type 0x04, ``cosignature/v1``); the three message formats start with different bytes, so one
can never be taken for another.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import os
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from corridor.tlog.errors import KeyFormatError

ALG_ED25519 = 0x01
ALG_COSIGNATURE_V1 = 0x04


def valid_key_name(name: str) -> bool:
    """C2SP: a key name is non-empty UTF-8 with no Unicode spaces and no plus signs."""
    return bool(name) and "+" not in name and not any(c.isspace() for c in name)


def key_hash(name: str, alg: int, public: bytes) -> bytes:
    """The 4-byte key ID of C2SP signed-note: SHA-256(name || LF || alg || public key)[:4]."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([alg]) + public).digest()[:4]


@dataclass(frozen=True)
class VerifierKey:
    """A named Ed25519 public key, as written in a ``.pub`` file."""

    name: str
    public: bytes
    _key: Ed25519PublicKey = field(repr=False, compare=False, hash=False)

    @classmethod
    def from_public(cls, name: str, public: bytes) -> VerifierKey:
        if not valid_key_name(name):
            raise KeyFormatError("key name", f"{name!r} is empty or has a space or a '+'")
        if len(public) != 32:
            raise KeyFormatError(name, f"an Ed25519 public key has 32 bytes, not {len(public)}")
        return cls(name, public, Ed25519PublicKey.from_public_bytes(public))

    @classmethod
    def parse(cls, text: str) -> VerifierKey:
        """Parse ``name+hash+base64`` (a signed-note Ed25519 key, type 0x01); refuses a wrong
        hash, algorithm or length."""
        return cls._parse(text, (ALG_ED25519,))

    @classmethod
    def parse_any(cls, text: str) -> VerifierKey:
        """Parse either form of the same key: the signed-note verifier key (type 0x01) or the
        C2SP tlog-cosignature verifier key (type 0x04, ``cosigner_text``)."""
        return cls._parse(text, (ALG_ED25519, ALG_COSIGNATURE_V1))

    @classmethod
    def _parse(cls, text: str, algorithms: tuple[int, ...]) -> VerifierKey:
        text = text.strip()
        parts = text.split("+", 2)  # the base64 part may itself hold '+'
        if len(parts) != 3:
            raise KeyFormatError("verifier key", f"{text!r} is not name+hash+base64")
        name, hash_hex, b64 = parts
        try:
            raw = base64.b64decode(b64, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise KeyFormatError("verifier key", f"{text!r}: bad base64") from exc
        if len(raw) != 33 or raw[0] not in algorithms:
            kinds = " or ".join(f"0x{a:02x}" for a in algorithms)
            raise KeyFormatError(
                "verifier key", f"{text!r} is not an Ed25519 key ({kinds} + 32 bytes)"
            )
        key = cls.from_public(name, raw[1:])
        want = key.key_id() if raw[0] == ALG_ED25519 else key.cosigner_key_id()
        if len(hash_hex) != 8 or hash_hex != want.hex():
            raise KeyFormatError("verifier key", f"{text!r}: key hash {hash_hex!r} does not match")
        return key

    def key_id(self) -> bytes:
        return key_hash(self.name, ALG_ED25519, self.public)

    def cosigner_key_id(self) -> bytes:
        return key_hash(self.name, ALG_COSIGNATURE_V1, self.public)

    def text(self) -> str:
        return self._text

    @functools.cached_property
    def _text(self) -> str:
        b64 = base64.b64encode(bytes([ALG_ED25519]) + self.public).decode()
        return f"{self.name}+{self.key_id().hex()}+{b64}"

    def cosigner_text(self) -> str:
        """The same key as a C2SP tlog-cosignature (``cosignature/v1``) verifier key."""
        b64 = base64.b64encode(bytes([ALG_COSIGNATURE_V1]) + self.public).decode()
        return f"{self.name}+{self.cosigner_key_id().hex()}+{b64}"

    def verify(self, signature: bytes, message: bytes) -> bool:
        try:
            self._key.verify(signature, message)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True)
class SignerKey:
    """A named Ed25519 private key. Lives only on its owner's machine (file mode 0600)."""

    name: str
    seed: bytes = field(repr=False)
    _key: Ed25519PrivateKey = field(repr=False, compare=False, hash=False)

    @classmethod
    def generate(cls, name: str) -> SignerKey:
        return cls.from_seed(name, os.urandom(32))

    @classmethod
    def from_seed(cls, name: str, seed: bytes) -> SignerKey:
        if not valid_key_name(name):
            raise KeyFormatError("key name", f"{name!r} is empty or has a space or a '+'")
        if len(seed) != 32:
            raise KeyFormatError(name, f"an Ed25519 seed has 32 bytes, not {len(seed)}")
        return cls(name, seed, Ed25519PrivateKey.from_private_bytes(seed))

    @classmethod
    def parse(cls, text: str) -> SignerKey:
        text = text.strip()
        parts = text.split("+", 4)
        if len(parts) != 5 or parts[0] != "PRIVATE" or parts[1] != "KEY":
            raise KeyFormatError("signer key", "not PRIVATE+KEY+name+hash+base64")
        _, _, name, hash_hex, b64 = parts
        try:
            raw = base64.b64decode(b64, validate=True)
        except binascii.Error as exc:
            raise KeyFormatError("signer key", f"key {name!r}: bad base64") from exc
        if len(raw) != 33 or raw[0] != ALG_ED25519:
            raise KeyFormatError("signer key", f"key {name!r} is not an Ed25519 key")
        key = cls.from_seed(name, raw[1:])
        if hash_hex != key.verifier().key_id().hex():
            raise KeyFormatError(
                "signer key", f"key {name!r}: key hash {hash_hex!r} does not match"
            )
        return key

    def verifier(self) -> VerifierKey:
        return VerifierKey.from_public(self.name, self._key.public_key().public_bytes_raw())

    @functools.cached_property
    def verifier_text(self) -> str:
        """The verifier key's text (the DSSE keyid of every envelope this key signs)."""
        return self.verifier().text()

    def text(self) -> str:
        b64 = base64.b64encode(bytes([ALG_ED25519]) + self.seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.verifier().key_id().hex()}+{b64}"

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)
