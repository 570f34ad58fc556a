"""The people's languages: gettext catalogues (Babel), dates and numbers in the reader's locale.

Each language is one folder ``locale/LANG/LC_MESSAGES/`` holding ``corridor.po`` (in the
repository) and ``corridor.mo`` (compiled from it by ``make setup``; never committed). A new
language is a new ``.po`` file: nothing else changes. Texts use ``{name}`` placeholders, filled
after translation, so every language may order the sentence its own way.

Times are always printed with their time zone: a notice read in a basement must not leave anyone
guessing whose 06:00 it means.
"""

from __future__ import annotations

import datetime as dt
import gettext as _gettext
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from corridor.errors import InputError

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "corridor"
SOURCE_LANGUAGE = "en"


class CatalogueMissing(InputError):
    """A language has no catalogue, or its catalogue was never compiled."""


def catalogue_path(language: str, compiled: bool = False) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.{'mo' if compiled else 'po'}"


def languages() -> tuple[str, ...]:
    """Every language with a catalogue in the package, sorted."""
    return tuple(
        sorted(p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    )


@dataclass(frozen=True)
class Translator:
    """The texts, dates and numbers of one language."""

    language: str
    catalogue: _gettext.NullTranslations = field(repr=False)

    def gettext(self, message: str, **params: object) -> str:
        """``message`` in this language, its ``{placeholders}`` filled from ``params``."""
        text = self.catalogue.gettext(message)
        return text.format(**params) if params else text

    def ngettext(self, singular: str, plural: str, n: int, **params: object) -> str:
        text = self.catalogue.ngettext(singular, plural, n)
        return text.format(n=self.number(n), **params)

    def number(self, value: float) -> str:
        from babel.numbers import format_decimal

        return str(format_decimal(value, locale=self.language))

    def date(self, when: dt.datetime, zone: str) -> str:
        """``Thursday 14 May 2026`` in the reader's words, in the corridor's time zone."""
        from babel.dates import format_date

        return str(
            format_date(when.astimezone(ZoneInfo(zone)), "EEEE d MMMM y", locale=self.language)
        )

    def time(self, when: dt.datetime, zone: str) -> str:
        """``06:00 (Europe/Andorra, UTC+02:00)``: the time zone is always shown."""
        return f"{when.astimezone(ZoneInfo(zone)):%H:%M} ({self.zone(when, zone)})"

    def zone(self, when: dt.datetime, zone: str) -> str:
        """``Europe/Andorra, UTC+02:00``: the zone and its offset at ``when``."""
        return f"{zone}, UTC{_offset(when.astimezone(ZoneInfo(zone)))}"

    def datetime(self, when: dt.datetime, zone: str) -> str:
        """``14 May 2026, 06:00 (Europe/Andorra, UTC+02:00)``."""
        from babel.dates import format_datetime

        local = when.astimezone(ZoneInfo(zone))
        text = format_datetime(local, "d MMMM y, HH:mm", locale=self.language)
        return f"{text} ({zone}, UTC{_offset(local)})"

    def list(self, items: list[str]) -> str:
        from babel.lists import format_list

        return str(format_list(items, locale=self.language)) if items else ""


def _offset(local: dt.datetime) -> str:
    off = local.utcoffset() or dt.timedelta()
    minutes = int(off.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


_CACHE: dict[str, Translator] = {}


def translator(language: str, where: str = "language") -> Translator:
    """The translator of ``language``; :class:`CatalogueMissing` says what to do without one."""
    found = _CACHE.get(language)
    if found is not None:
        return found
    have = languages()
    if language not in have:
        raise CatalogueMissing(
            where,
            f"{language!r} has no catalogue (have {', '.join(have) or 'none'}); add "
            f"{catalogue_path(language).relative_to(LOCALE_DIR.parents[2])} and run make setup",
        )
    compiled = catalogue_path(language, compiled=True)
    if not compiled.is_file():
        raise CatalogueMissing(
            where,
            f"the catalogue of {language!r} is not compiled ({compiled} is missing): run "
            f"`make setup`, or `pybabel compile -d {LOCALE_DIR} -D {DOMAIN}`",
        )
    with compiled.open("rb") as fh:
        made = Translator(language, _gettext.GNUTranslations(fh))
    _CACHE[language] = made
    return made


def translators(codes: list[str], where: str = "languages") -> list[Translator]:
    """One translator per code, in the given order; every code checked first."""
    return [translator(code, f"{where}[{i}]") for i, code in enumerate(codes)]
