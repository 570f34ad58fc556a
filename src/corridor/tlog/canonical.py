"""Canonical JSON (RFC 8785, JCS) and the digests taken over it.

For values without floats, with integers inside the IEEE-754 safe range and with no key
outside the Basic Multilingual Plane, RFC 8785 is exactly what :func:`json.dumps` writes with
sorted keys, no whitespace and no ASCII escaping (same string escapes, same key order), and that
is 20 to 50 times faster than the general serialiser. Every other value goes through ``rfc8785``.
A property test holds the two paths equal.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import rfc8785

from corridor.errors import InputError

_SAFE_INT = 2**53 - 1
_dumps = json.JSONEncoder(
    ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
).encode


def _plain(value: Any) -> bool:
    """True when json.dumps writes ``value`` exactly as RFC 8785 does.

    One loop over an explicit stack with exact type tests: this runs on every message signed
    and every envelope checked, and the recursive form cost as much as the serialising itself.
    Subclasses (an ``enum.StrEnum``, say) take the slower ``isinstance`` tests.
    """
    stack = [value]
    pop, push, extend = stack.pop, stack.append, stack.extend
    while stack:
        item = pop()
        kind = type(item)
        if kind is str or kind is bool or item is None:
            continue
        if kind is dict:
            for key in item:
                if type(key) is not str and not isinstance(key, str):
                    return False
                if not key.isascii() and max(key) > "\uffff":
                    return False
            extend(item.values())
        elif kind is list:
            extend(item)
        elif kind is int:
            if not -_SAFE_INT <= item <= _SAFE_INT:
                return False
        elif isinstance(item, (str, bool)):
            continue
        elif isinstance(item, int):
            if not -_SAFE_INT <= item <= _SAFE_INT:
                return False
        elif isinstance(item, dict):
            push(dict(item))
        elif isinstance(item, list):
            push(list(item))
        else:
            return False
    return True


def canonical_json(value: Any) -> bytes:
    """The RFC 8785 bytes of ``value`` (dicts, lists, str, int, float, bool, None)."""
    if _plain(value):
        try:
            return _dumps(value).encode("utf-8")
        except UnicodeEncodeError:
            pass  # a lone surrogate: let rfc8785 say so
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise InputError("document", f"cannot be written as canonical JSON: {exc}") from exc


class _NotPlain(Exception):
    pass


def _no_float(text: str) -> float:
    raise _NotPlain


def _safe_int(text: str) -> int:
    value = int(text)
    if not -_SAFE_INT <= value <= _SAFE_INT:
        raise _NotPlain
    return value


def _int_or_double(text: str) -> int | float:
    value = int(text)
    return value if -_SAFE_INT <= value <= _SAFE_INT else float(text)


def _bmp_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    for key, _ in pairs:
        if not key.isascii() and max(key) > "\uffff":
            raise _NotPlain
    return dict(pairs)


def loads_canonical(data: bytes) -> Any:
    """Parse ``data`` and return its value if ``data`` is exactly its RFC 8785 form, else raise
    ``ValueError``. Plain documents are checked in one parse, without a second traversal."""
    try:
        try:
            value = json.loads(
                data, parse_float=_no_float, parse_int=_safe_int, object_pairs_hook=_bmp_keys
            )
            plain = True
        except _NotPlain:
            # JSON numbers are IEEE-754 doubles in RFC 8785: read integers beyond 2**53 as such
            value, plain = json.loads(data, parse_int=_int_or_double), False
        again = _dumps(value).encode("utf-8") if plain else canonical_json(value)
    except RecursionError as exc:
        raise ValueError("nested too deeply") from exc
    except (InputError, UnicodeEncodeError) as exc:
        raise ValueError(str(exc)) from exc
    if again != data:
        raise ValueError("not in RFC 8785 canonical form")
    return value


def is_canonical(data: bytes) -> bool:
    """True when ``data`` is exactly the RFC 8785 form of the JSON it holds."""
    try:
        loads_canonical(data)
    except (ValueError, UnicodeDecodeError):
        return False
    return True


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
