"""Encryption at rest of the registry's personal fields: AES-256-GCM, one random nonce per value.

The field name is bound as associated data, so a ciphertext copied from the ``needs`` column
into the ``name`` column fails to decrypt instead of showing the wrong thing. The stored value
is ``version byte || 12-byte nonce || ciphertext+tag``.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from corridor.errors import CorridorError

_VERSION = b"\x01"


class FieldDecryptionError(CorridorError):
    """A stored personal field does not decrypt with the configured key (wrong key or tampering)."""

    def __init__(self, field: str) -> None:
        self.field = field
        super().__init__(f"personal field {field!r} does not decrypt with the configured key")


class FieldCipher:
    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("the registry key must be 32 bytes")
        self._aead = AESGCM(key)

    def encrypt(self, field: str, value: str | None) -> bytes | None:
        if value is None:
            return None
        nonce = os.urandom(12)
        return _VERSION + nonce + self._aead.encrypt(nonce, value.encode(), field.encode())

    def decrypt(self, field: str, blob: bytes | None) -> str | None:
        if blob is None:
            return None
        if blob[:1] != _VERSION or len(blob) < 13 + 16:
            raise FieldDecryptionError(field)
        try:
            return self._aead.decrypt(blob[1:13], blob[13:], field.encode()).decode()
        except InvalidTag as exc:
            raise FieldDecryptionError(field) from exc
