"""No personal data in the server's logs: every log record is scrubbed as it is made.

Two nets, because a traceback can carry anything its exception's message says:

- the personal values of the request being served (the registry fields a client sent, which
  :func:`remember_personal` records for the request's context) are replaced wherever they
  appear, in the message or in the formatted traceback;
- patterns that carry values whatever the request: SQL statement parameters
  (``[parameters: ...]``), ``name``/``needs``/``contact`` keys or arguments in a repr, and
  pydantic's ``input_value=...``.

:func:`install` wraps the log-record factory, so it holds for every logger and every handler
(uvicorn's, a file, a test's capture) without configuring each.
"""

from __future__ import annotations

import contextvars
import logging
import re
import traceback
from collections.abc import Iterable
from typing import Any

from corridor.domain.registry import FIELD_NAMES

REDACTED = "[personal data removed]"
_personal: contextvars.ContextVar[frozenset[str]] = contextvars.ContextVar(
    "corridor_personal_values", default=frozenset()
)
_KEYS = "|".join(re.escape(n) for n in (*FIELD_NAMES, "household"))
_PATTERNS = [
    (re.compile(r"\[parameters: .*?\](?=\s|$|\n)", re.S), "[parameters: hidden]"),
    (
        re.compile(rf"""(['"]?)\b({_KEYS})\b\1(\s*[:=]\s*)(['"])(?:\\.|(?!\4).)*\4"""),
        rf"\1\2\1\3\4{REDACTED}\4",
    ),
    (re.compile(r"""input_value=(['"])(?:\\.|(?!\1).)*\1"""), f"input_value='{REDACTED}'"),
]
#: Shorter values are not worth hunting (a one-letter "name" would erase half a log line).
MIN_LENGTH = 3


def remember_personal(values: Iterable[Any]) -> None:
    """Mark ``values`` as personal for the rest of the current request (its context)."""
    texts = {v.strip() for v in values if isinstance(v, str) and len(v.strip()) >= MIN_LENGTH}
    if texts:
        _personal.set(_personal.get() | texts)


def scrub(text: str) -> str:
    """``text`` without the current request's personal values and without value patterns."""
    for value in sorted(_personal.get(), key=len, reverse=True):
        text = text.replace(value, REDACTED)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def scrub_record(record: logging.LogRecord) -> logging.LogRecord:
    """Render the record's message and traceback now, scrubbed; nothing raw is left on it."""
    try:
        message = record.getMessage()
    except Exception:  # a bad format string: keep what there is
        message = str(record.msg)
    record.msg, record.args = scrub(message), ()
    if record.exc_info and record.exc_info[0] is not None:
        rendered = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        record.exc_text = scrub(rendered)
        record.exc_info = None
    elif record.exc_text:
        record.exc_text = scrub(record.exc_text)
    if record.stack_info:
        record.stack_info = scrub(record.stack_info)
    return record


_installed: list[Any] = []


def install() -> None:
    """Scrub every log record of the process from now on (idempotent)."""
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return scrub_record(previous(*args, **kwargs))

    logging.setLogRecordFactory(factory)
    _installed.append(factory)
