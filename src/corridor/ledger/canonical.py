"""Canonical JSON (RFC 8785, JCS) and the digests taken over it."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import rfc8785

from corridor.errors import InputError


def canonical_json(value: Any) -> bytes:
    """The RFC 8785 bytes of ``value`` (dicts, lists, str, int, float, bool, None)."""
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise InputError("document", f"cannot be written as canonical JSON: {exc}") from exc


def is_canonical(data: bytes) -> bool:
    """True when ``data`` is exactly the RFC 8785 form of the JSON it holds."""
    try:
        return canonical_json(json.loads(data)) == data
    except (InputError, ValueError, UnicodeDecodeError):
        return False


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
