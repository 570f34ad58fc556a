"""Every text of the code (the public texts and the dashboard's) is in every shipped catalogue,
with the same placeholders and every plural form; the browser reads them as the server sends
them."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from corridor.i18n import CatalogueMissing, browser, catalogue_path, languages, translator

SRC = Path(__file__).resolve().parents[2] / "src"
PAGE = SRC / "corridor" / "entrypoints" / "web" / "static" / "js"
#: The keywords and options of babel.cfg: Python marks texts with _() or gettext(), the
#: dashboard's modules with _() and ngettext() (templates included).
JS_KEYWORDS = {"_": None, "ngettext": (1, 2)}


def python_messages() -> dict[str, str | None]:
    found = extract_from_dir(
        str(SRC), method_map=[("corridor/**.py", "python")], keywords={"gettext": None, "_": None}
    )
    return {m[2]: None for m in found if isinstance(m[2], str)}


def page_messages() -> dict[str, str | None]:
    """The dashboard's texts: msgid -> its plural (None for a text without one)."""
    found = extract_from_dir(
        str(SRC),
        method_map=[("corridor/entrypoints/web/static/js/**.js", "javascript")],
        options_map={"**.js": {"parse_template_string": "true"}},
        keywords=JS_KEYWORDS,
    )
    out: dict[str, str | None] = {}
    for m in found:
        text = m[2]
        if isinstance(text, str):
            out[text] = None
        elif text and isinstance(text[0], str):
            out[text[0]] = text[1]
    return out


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_the_page_marks_every_text_it_shows_on_a_literal() -> None:
    """A text passed to _() or ngettext() through a variable escapes the extraction, so the
    catalogues would never get it: every call names its text."""
    call = re.compile(r"\b(?:_|ngettext)\(\s*(?!\")")
    loose = [
        f"{p.relative_to(PAGE)}: {line.strip()}"
        for p in sorted(PAGE.rglob("*.js"))
        for line in p.read_text("utf-8").splitlines()
        if call.search(line) and not line.lstrip().startswith(("//", "export function"))
    ]
    assert not loose, loose
    page = page_messages()
    assert len(page) > 250
    assert page["{n} person"] == "{n} people"
    assert "Will it hold?" in page
    assert "(a minute near it counts as {time})" in page  # inside a template string


@pytest.mark.parametrize("language", ["uk", "ru", "en"])
def test_every_message_is_translated_with_the_same_placeholders(language: str) -> None:
    assert language in languages()
    with catalogue_path(language).open("rb") as fh:
        catalogue = read_po(fh)
    wanted = python_messages() | page_messages()
    assert len(python_messages()) > 50
    have = {(m.id if isinstance(m.id, str) else m.id[0]): m for m in catalogue if m.id}
    missing = sorted(m for m in wanted if m not in have or not have[m].string)
    assert not missing, f"{language}: not translated: {missing}"
    for msgid, plural in wanted.items():
        found = have[msgid]
        if plural is None:
            assert isinstance(found.string, str), (language, msgid, "should not be plural")
            assert placeholders(found.string) == placeholders(msgid), (language, msgid)
            continue
        forms = list(found.string)
        assert len(forms) == catalogue.num_plurals, (language, msgid, forms)
        for form in forms:
            assert form, (language, msgid, "a plural form is empty")
            assert placeholders(form) == placeholders(plural), (language, msgid, form)
    assert not catalogue.fuzzy
    assert not [m.id for m in catalogue if m.id and m.fuzzy], f"{language}: fuzzy messages"


def test_cyrillic_translations_are_real() -> None:
    uk, ru = translator("uk"), translator("ru")
    assert uk.gettext("Your rights") == "Ваші права"
    assert ru.gettext("Your rights") == "Ваши права"
    assert uk.gettext("Go to your gathering point: {points}.", points="X") == (
        "Ідіть до свого пункту збору: X."
    )
    assert uk.gettext("Sign in") == "Увійти"
    assert ru.gettext("Will it hold?") == "Выдержит ли?"
    people = ("{n} person", "{n} people")
    assert [uk.ngettext(*people, n) for n in (1, 3, 5, 21)] == [
        "1 людина",
        "3 людини",
        "5 людей",
        "21 людина",
    ]
    assert [ru.ngettext(*people, n) for n in (1, 3, 5, 11)] == [
        "1 человек",
        "3 человека",
        "5 человек",
        "11 человек",
    ]


def test_a_missing_catalogue_says_what_to_do() -> None:
    with pytest.raises(CatalogueMissing, match=r"'de' has no catalogue \(have en, ru, uk\)"):
        translator("de", "public.languages[0]")


@pytest.mark.parametrize(
    ("language", "plural"),
    [
        ("en", {"one": 0, "other": 1}),
        ("uk", {"one": 0, "few": 1, "many": 2, "other": 2}),
        ("ru", {"one": 0, "few": 1, "many": 2, "other": 2}),
    ],
)
def test_the_browser_gets_the_plural_rule_in_its_own_terms(
    language: str, plural: dict[str, int]
) -> None:
    """Intl.PluralRules names a category, the catalogue's formula an index: the map between
    them agrees with the catalogue for every whole number the browser may meet."""
    sent = browser.catalogue(language)
    assert sent["plural"] == plural
    forms = sent["messages"]["{n} person"]
    assert isinstance(forms, list)
    assert len(forms) == len(set(plural.values()))

    rule = Locale.parse(language).plural_form
    for n in range(1001):
        assert forms[plural[rule(n)]].replace("{n}", str(n)) == translator(language).ngettext(
            "{n} person", "{n} people", n
        ).replace("\xa0", "").replace(",", ""), (language, n)


def test_languages_are_named_in_themselves() -> None:
    assert browser.listing() == {
        "source": "en",
        "languages": [
            {"code": "en", "name": "English"},
            {"code": "ru", "name": "Русский"},
            {"code": "uk", "name": "Українська"},
        ],
    }
