"""Every public text is in every shipped catalogue, with the same placeholders."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from corridor.i18n import CatalogueMissing, catalogue_path, languages, translator

SRC = Path(__file__).resolve().parents[2] / "src"


def source_messages() -> set[str]:
    found = extract_from_dir(
        str(SRC), method_map=[("corridor/**.py", "python")], keywords={"gettext": None, "_": None}
    )
    return {m[2] for m in found if isinstance(m[2], str)}


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("language", ["uk", "ru", "en"])
def test_every_message_is_translated_with_the_same_placeholders(language: str) -> None:
    assert language in languages()
    with catalogue_path(language).open("rb") as fh:
        catalogue = read_po(fh)
    wanted = source_messages()
    assert len(wanted) > 50
    have = {m.id: m.string for m in catalogue if m.id}
    missing = sorted(m for m in wanted if not have.get(m))
    assert not missing, f"{language}: not translated: {missing}"
    for msgid in wanted:
        assert placeholders(have[msgid]) == placeholders(msgid), (language, msgid, have[msgid])
    assert not catalogue.fuzzy


def test_cyrillic_translations_are_real() -> None:
    uk, ru = translator("uk"), translator("ru")
    assert uk.gettext("Your rights") == "Ваші права"
    assert ru.gettext("Your rights") == "Ваши права"
    assert uk.gettext("Go to your gathering point: {points}.", points="X") == (
        "Ідіть до свого пункту збору: X."
    )


def test_a_missing_catalogue_says_what_to_do() -> None:
    with pytest.raises(CatalogueMissing, match=r"'de' has no catalogue \(have en, ru, uk\)"):
        translator("de", "public.languages[0]")
