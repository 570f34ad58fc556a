"""The one strict JSON parse for the files a person hands the project (no file I/O here).

:func:`parse_strict_json` refuses what Python's ``json`` would quietly accept: ``NaN``,
``Infinity`` and ``-Infinity`` (not JSON), a key repeated in one object (the later value would
silently win), and bytes that are not UTF-8. Each refusal is an :class:`InputError` naming the
source (a file name). The file itself is read in the adapters (``adapters.files.read_json_file``).
"""

from __future__ import annotations

import json
from typing import Any

from corridor.errors import InputError

__all__ = ["parse_strict_json", "strict_loads"]


class _Refused(ValueError):
    """A value plain ``json`` accepts but JSON does not."""


def _no_constant(name: str) -> Any:
    raise _Refused(f"{name} is not a JSON number")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise _Refused(f"the key {k!r} appears twice in one object")
        out[k] = v
    return out


def strict_loads(text: str) -> Any:
    """``json.loads`` that refuses NaN, Infinity and a repeated key: a ``ValueError`` (a
    ``json.JSONDecodeError`` for bad syntax), for a caller with its own error form."""
    return json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant)


def parse_strict_json(data: bytes | str, source: str) -> Any:
    """Decode ``data`` (UTF-8 bytes or text) as strict JSON; errors name ``source``."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(source, f"cannot be read: not UTF-8 ({exc})") from None
    else:
        text = data
    try:
        return strict_loads(text)
    except _Refused as exc:
        raise InputError(source, str(exc)) from None
    except json.JSONDecodeError as exc:
        raise InputError(
            source, f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except (ValueError, RecursionError) as exc:
        raise InputError(source, str(exc)) from None
