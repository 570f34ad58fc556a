"""Printed notices of the Andorra example in Ukrainian, Russian and English."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from pypdf import PdfReader

from corridor.adapters.notices_pdf import write_notice
from corridor.i18n import translator
from corridor.services import notices

from .conftest import Andorra


def text_of(pdf: bytes | Path) -> str:
    reader = PdfReader(BytesIO(pdf) if isinstance(pdf, bytes) else pdf)
    return "\n".join(page.extract_text() for page in reader.pages)


def test_notices_of_every_gathering_point_and_party_in_each_language(
    andorra: Andorra, tmp_path: Path
) -> None:
    a = andorra
    state = a.api.service.log.corridor(a.corridor, lambda s: s)
    names = notices.names(a.api.service.uow(), _coordinator(a), state)
    assert len(names) == (12 + 2) * 3  # 12 gathering points and 2 parties, 3 languages
    wanted = {f"G01-{lang}" for lang in ("uk", "ru", "en")}
    wanted |= {f"unit-party_a-{lang}" for lang in ("uk", "ru", "en")}
    written = notices.write_all(
        a.api.service.uow(), None, state, tmp_path, only=wanted, write_notice=write_notice
    )
    assert sorted(p.stem for p in written) == sorted(wanted)
    for lang in ("uk", "ru", "en"):
        tr = translator(lang)
        text = " ".join(text_of(tmp_path / f"G01-{lang}.pdf").split())
        for msgid in ("What to bring", "Your rights", "Where", "When", "Route"):
            assert tr.gettext(msgid) in text, (lang, msgid)
        assert tr.gettext("Families travel together and are not separated.") in text
        assert "Plaça del Consell" in text
        assert "UTC+02:00" in text  # the time zone is always shown
        assert "OpenStreetMap" not in text  # the attribution is on the map picture
        unit = " ".join(text_of(tmp_path / f"unit-party_a-{lang}.pdf").split())
        assert tr.gettext("Timetable of movements through each checkpoint") in unit
        assert tr.gettext("People aboard") in unit  # a timetable from the plan
    uk = " ".join(text_of(tmp_path / "G01-uk.pdf").split())
    assert "Виїзд добровільний." in uk
    assert "Що взяти з собою" in uk
    ru = " ".join(text_of(tmp_path / "G01-ru.pdf").split())
    assert "Что взять с собой" in ru
    assert "Выезд добровольный." in ru


def _coordinator(a: Andorra):  # type: ignore[no-untyped-def]
    from corridor.domain.access import Principal, Role

    return Principal(a.api.user_ids["coordinator"], "coordinator", Role.COORDINATOR, 1)


def test_notice_over_http(andorra: Andorra) -> None:
    a = andorra
    listed = a.api.get("observer", f"/v1/corridors/{a.corridor}/notices")
    assert listed.status_code == 200
    assert "G03-ru" in listed.json()
    r = a.api.get("liaison-b", f"/v1/corridors/{a.corridor}/notices/unit-party_b-uk.pdf")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/pdf"
    text = " ".join(text_of(r.content).split())
    assert "Пакет для підрозділів" in text
    assert "Для: party-b" in text
    assert (
        a.api.get("observer", f"/v1/corridors/{a.corridor}/notices/G99-uk.pdf").status_code == 404
    )
