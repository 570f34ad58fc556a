"""The catalogues as a browser reads them: the compiled messages of one language as JSON, and its
plural rule in the terms the browser knows.

A browser picks a plural form with ``Intl.PluralRules`` (CLDR categories: ``one``, ``few``,
``many``, ``other``...), a catalogue with its gettext ``Plural-Forms`` formula (an index). Babel
knows both, so the server sends the map from category to index, worked out here on whole
numbers, and the browser never evaluates a formula.
"""

from __future__ import annotations

import gettext as _gettext
from typing import Any

from babel import Locale
from babel.messages.mofile import read_mo

from corridor.i18n import SOURCE_LANGUAGE, catalogue_path, languages, translator

#: Whole numbers enough to meet every category a whole number can fall in (CLDR rules look at
#: the last two digits at most).
_SAMPLES = range(200)


def language_name(code: str) -> str:
    """``Українська``: a language's name in itself, as a language menu shows it."""
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


def listing() -> dict[str, Any]:
    """The languages a reader may choose, each named in itself."""
    return {
        "source": SOURCE_LANGUAGE,
        "languages": [{"code": c, "name": language_name(c)} for c in languages()],
    }


def plural_categories(code: str, formula: str, forms: int) -> dict[str, int]:
    """CLDR category -> gettext plural index, for ``code`` whose catalogue uses ``formula``."""
    index = _gettext.c2py(formula)
    rule = Locale.parse(code).plural_form
    out: dict[str, int] = {}
    for n in _SAMPLES:
        out.setdefault(rule(n), index(n))
    # A category no whole number reaches (fractions: "other" in Ukrainian) takes the last form.
    for tag in rule.tags | {"other"}:
        out.setdefault(tag, forms - 1)
    return out


def catalogue(code: str) -> dict[str, Any]:
    """The compiled catalogue of ``code``: every translated message, plural ones as lists."""
    translator(code)  # says what to do when the language or its compiled file is missing
    with catalogue_path(code, compiled=True).open("rb") as fh:
        compiled = read_mo(fh)
    messages: dict[str, str | list[str]] = {}
    for m in compiled:
        if not m.id or not m.string:
            continue
        if isinstance(m.id, str):
            messages[m.id] = str(m.string)
        else:
            messages[m.id[0]] = [str(form) for form in m.string]
    return {
        "language": code,
        "plural": plural_categories(code, compiled.plural_expr, compiled.num_plurals),
        "messages": messages,
    }
