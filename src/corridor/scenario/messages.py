"""Pydantic's validation errors turned into one line a coordinator reads: ``file: path: value is
wrong``, with the value as the user wrote it and, for a misspelt key or word, the one meant
(``capcity``: did you mean ``capacity``?)."""

from __future__ import annotations

import difflib
import json
import types
import typing
from collections.abc import Iterable
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from corridor.errors import InputError

Loc = tuple[int | str, ...]


def suggest(word: str, known: Iterable[str]) -> str | None:
    """The known word closest to ``word`` when it is close enough to be a typo."""
    got = difflib.get_close_matches(word, list(known), n=1, cutoff=0.7)
    return got[0] if got else None


def did_you_mean(word: str, known: Iterable[str]) -> str:
    """``; did you mean 'x'?`` when a known word is close, else ''."""
    close = suggest(word, known)
    return f"; did you mean {close!r}?" if close else ""


def source_texts(node: yaml.Node | None, text: str) -> dict[Loc, str]:
    """Each scalar's text as written in the YAML source, by its field path."""
    out: dict[Loc, str] = {}

    def walk(n: yaml.Node, loc: Loc) -> None:
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                if isinstance(k, yaml.ScalarNode):
                    walk(v, (*loc, k.value))
        elif isinstance(n, yaml.SequenceNode):
            for i, v in enumerate(n.value):
                walk(v, (*loc, i))
        if loc:
            out[loc] = text[n.start_mark.index : n.end_mark.index].strip()

    if node is not None:
        walk(node, ())
    return out


def path_text(loc: Loc) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif "[" in str(part):
            continue  # pydantic's internal validator step names
        else:
            out += f".{part}" if out else str(part)
    return out


def show(v: Any, limit: int = 60) -> str:
    if isinstance(v, str):
        s = repr(v)
    elif isinstance(v, dict | list):
        s = json.dumps(v, default=str)
    else:
        s = str(v)
    return s if len(s) <= limit else s[: limit - 3] + "..."


def _clean(loc: Loc) -> Loc:
    return tuple(p for p in loc if isinstance(p, int) or "[" not in p)


def first_error(
    exc: ValidationError, label: str, model: type[BaseModel], written: dict[Loc, str]
) -> InputError:
    """The error to show first: a misspelt key before what its absence caused."""
    errors = exc.errors(include_url=False)
    chosen = errors[0]
    for err in errors:
        if err["type"] == "extra_forbidden":
            loc = _clean(tuple(err["loc"]))
            if suggest(str(loc[-1]), fields_at(model, loc[:-1])):
                chosen = err
                break
    loc = _clean(tuple(chosen["loc"]))
    where = f"{label}: {path_text(loc)}" if loc else label
    return InputError(where, problem(chosen, model, written.get(loc)))


def fields_at(model: type[BaseModel], loc: Loc) -> list[str]:
    """The keys a mapping at ``loc`` may have (its model's field names and aliases)."""
    t: Any = model
    for part in loc:
        t = _step(t, part)
        if t is None:
            return []
    t = _unwrap(t)
    if isinstance(t, type) and issubclass(t, BaseModel):
        return [f.alias or name for name, f in t.model_fields.items()]
    return []


def _unwrap(t: Any) -> Any:
    while True:
        origin = typing.get_origin(t)
        if origin is typing.Annotated:
            t = typing.get_args(t)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(t) if a is not type(None)]
            t = args[0] if len(args) == 1 else t
            if len(args) != 1:
                return t
        else:
            return t


def _step(t: Any, part: int | str) -> Any:
    t = _unwrap(t)
    if isinstance(t, type) and issubclass(t, BaseModel):
        for name, f in t.model_fields.items():
            if part in (name, f.alias):
                return f.annotation
        return None
    origin = typing.get_origin(t)
    if origin is list and isinstance(part, int):
        return typing.get_args(t)[0]
    if origin is dict and isinstance(part, str):
        return typing.get_args(t)[1]
    return None


def problem(err: Any, model: type[BaseModel], written: str | None) -> str:
    """The problem in words, the value shown as the user wrote it."""
    t = err["type"]
    v = err.get("input")
    ctx = err.get("ctx") or {}
    plain = written is None or isinstance(v, dict | list | str)
    shown = show(v) if plain else str(written)
    if t == "extra_forbidden":
        loc = _clean(tuple(err["loc"]))
        close = suggest(str(loc[-1]), fields_at(model, loc[:-1]))
        if close:
            return f"is not a field here; did you mean {close!r}? (value {shown})"
        return f"is not a field here (value {shown})"
    if t == "literal_error":
        expected = ctx.get("expected", "")
        options = [o.strip().strip("'") for o in str(expected).replace(" or ", ", ").split(",")]
        hint = did_you_mean(str(v), options) if isinstance(v, str) else ""
        return f"{shown} is not one of {expected}{hint}"
    return _simple(t, v, ctx, shown, err)


def _simple(t: str, v: Any, ctx: dict[str, Any], shown: str, err: Any) -> str:
    words = {
        "missing": "is missing",
        "int_parsing": f"{shown} is not a whole number",
        "int_type": f"{shown} is not a whole number",
        "int_from_float": f"{shown} is not a whole number",
        "float_parsing": f"{shown} is not a number",
        "float_type": f"{shown} is not a number",
        "finite_number": f"{shown} is not a finite number",
        "bool_parsing": f"{shown} is not true or false",
        "bool_type": f"{shown} is not true or false",
        "string_type": f"{shown} is not text",
        "string_pattern_mismatch": (
            f"{shown} is not an id: Latin letters A-Z, digits, '_', '-', '.', starting with a "
            "letter or digit (ids go into file names, addresses and the signed log, where a "
            "Cyrillic 'К' and a Latin 'K' must not both look like K-1); the name may be in "
            "any script"
        ),
        "string_too_short": f"{shown} is empty",
        "too_short": f"{shown} is empty",
        "dict_type": f"{shown} is not a mapping of fields",
        "model_type": f"{shown} is not a mapping of fields",
        "model_attributes_type": f"{shown} is not a mapping of fields",
        "list_type": f"{shown} is not a list",
        "timezone_aware": f"{shown} has no time zone (write e.g. 2026-05-14T06:00:00+03:00)",
        "greater_than": f"{shown} must be more than {ctx.get('gt')}",
        "less_than_equal": f"{shown} is more than {ctx.get('le')}",
    }
    if t in words:
        return words[t]
    if t == "greater_than_equal":
        return (
            f"{shown} is negative"
            if ctx.get("ge") == 0
            else f"{shown} is less than {ctx.get('ge')}"
        )
    if t.startswith("datetime"):
        return f"{shown} is not an ISO 8601 date and time"
    if t == "value_error":
        why = str(ctx.get("error", err["msg"]))
        return why if isinstance(v, dict) else f"{shown}: {why}"
    return f"{shown}: {err['msg']}"
