"""Edges of what the public reads, each replaying a defect a user met.

The feed and the CAP messages say they are UTF-8 and answer HEAD; an empty feed is dated by
the service's clock; the feed a folder export writes has an absolute, stable id; a gathering
point without a planned departure says so instead of telling people to come early; a scenario
naming a language twice or without a catalogue is refused when it is checked; names holding a
comma stay apart in the CAP instruction; the reading commands refuse a data directory that
holds no operation.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import feedparser
import pytest
from conftest import ROOT, T0, fixed_clock, run_cli
from lxml import etree
from pypdf import PdfReader
from service.conftest import Api, make_api

from corridor.adapters.notices_pdf import write_notice
from corridor.domain.agreement import Kind
from corridor.i18n import translator
from corridor.publishing.cap import ATOM_NS
from corridor.publishing.facts import PublicFacts
from corridor.publishing.notices import gathering_notice
from corridor.publishing.public_state import ChangeKind
from corridor.publishing.texts import info_text
from corridor.services.public_facts import facts_for

from .conftest import ANDORRA, Andorra

LANGUAGES = ("uk", "ru", "en")
ATOM_UTF8 = "application/atom+xml; charset=utf-8"
CAP_UTF8 = "application/cap+xml; charset=utf-8"


@pytest.fixture
def empty_api(tmp_path: Path) -> Iterator[Api]:
    """A new service on a clock standing at T0: nothing published yet."""
    yield from make_api(tmp_path, None, clock=fixed_clock())


@pytest.fixture(scope="module")
def published(andorra: Andorra) -> list[str]:
    """The example corridor made public (ceasefire confirmed) and announced: the identifiers."""
    for role, who in (("party_a", "liaison-a"), ("party_b", "liaison-b")):
        andorra.sign(who, role, Kind.CEASEFIRE_START)
    r = andorra.api.post("coordinator", "/v1/announcements", {})
    assert r.status_code == 200, r.text
    return [m["identifier"] for m in r.json()]


def _feed_text(root: etree._Element, tag: str) -> str:
    return str(root.findtext(f"{{{ATOM_NS}}}{tag}"))


# -- the feed and the messages over HTTP ---------------------------------------------------------


def test_an_empty_feed_is_dated_by_the_clock_says_utf8_and_answers_head(empty_api: Api) -> None:
    client = empty_api.client
    got = client.get("/v1/public/alerts.atom")
    assert got.status_code == 200
    assert got.headers["content-type"] == ATOM_UTF8  # it said application/atom+xml alone
    root = etree.fromstring(got.content)
    assert _feed_text(root, "updated") == T0.isoformat()  # it said 1970-01-01T00:00:00+00:00
    assert not feedparser.parse(got.content).bozo
    head = client.head("/v1/public/alerts.atom")  # it was a 404
    assert head.status_code == 200
    assert head.headers["content-type"] == ATOM_UTF8
    assert head.headers["content-length"] == str(len(got.content))
    assert head.content == b""
    assert client.head("/v1/public/alerts/no-such-message.xml").status_code == 404
    # HEAD stays out of the API reference (docs/api.md lists what GET does).
    paths = client.app.openapi()["paths"]  # type: ignore[attr-defined]
    assert set(paths["/v1/public/alerts.atom"]) == {"get"}


def test_messages_and_the_feed_say_utf8_and_answer_head(
    andorra: Andorra, published: list[str]
) -> None:
    client = andorra.api.client
    assert published, "the example corridor should be announced"
    for identifier in published:
        url = f"/v1/public/alerts/{identifier}.xml"
        got = client.get(url)
        assert got.status_code == 200
        assert got.headers["content-type"] == CAP_UTF8
        head = client.head(url)
        assert head.status_code == 200, url
        assert head.headers["content-type"] == CAP_UTF8
        assert head.content == b""
    feed = client.get("/v1/public/alerts.atom")
    assert feed.headers["content-type"] == ATOM_UTF8
    headline = translator("uk").gettext("Humanitarian evacuation corridor")
    assert headline  # Cyrillic in the bytes, read as UTF-8 because the header says so
    titles = [e.title for e in feedparser.parse(feed.content).entries]
    assert any(re.search("[а-яіїє]", t) for t in titles), titles


# -- the feed a folder export writes --------------------------------------------------------------


def test_announce_out_writes_a_feed_with_an_absolute_id_stable_across_runs(
    andorra: Andorra, published: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = str(andorra.api.service.settings.data_dir)
    ids = []
    for run in ("first", "second"):
        code, _, err = run_cli(
            ["announce", "--out", str(tmp_path / run), "--data-dir", data], capsys
        )
        assert code == 0, err
        text = (tmp_path / run / "feed.atom").read_bytes()
        parsed = feedparser.parse(text)
        assert not parsed.bozo, parsed.bozo_exception
        assert len(parsed.entries) == len(published)
        ids.append(_feed_text(etree.fromstring(text), "id"))
    assert ids[0] == ids[1]  # stable across runs
    assert re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", ids[0]), ids[0]  # it was ./feed.atom


def test_announce_out_dates_an_empty_feed_by_the_clock(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    for api in make_api(tmp_path, None):  # an operation that has published nothing
        assert api.client.get("/v1/public/alerts.atom").status_code == 200
    monkeypatch.setenv("CORRIDOR_CLOCK", T0.isoformat())
    code, out, err = run_cli(
        ["announce", "--out", str(tmp_path / "out"), "--data-dir", str(data)], capsys
    )
    assert code == 0, err
    assert "0 new message(s)" in out
    root = etree.fromstring((tmp_path / "out" / "feed.atom").read_bytes())
    assert _feed_text(root, "updated").startswith("2026-05-14T03:0"), _feed_text(root, "updated")
    assert _feed_text(root, "id").startswith("urn:uuid:")


# -- the reading commands and a misspelt data directory -------------------------------------------

READING = [
    ["announce"],
    ["announce", "--out", "{tmp}/out"],
    ["notices", "some-corridor", "--out", "{tmp}/out"],
    ["export", "supplies"],
    ["export", "geojson", "--corridor", "some-corridor"],
]


@pytest.mark.parametrize("command", READING, ids=lambda c: " ".join(c[:2]))
@pytest.mark.parametrize("folder", ["missing", "empty"])
def test_reading_commands_refuse_a_data_dir_without_a_database(
    command: list[str], folder: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "nonexist"
    if folder == "empty":
        data.mkdir()
    args = [a.replace("{tmp}", str(tmp_path)) for a in command]
    code, out, err = run_cli([*args, "--data-dir", str(data)], capsys)
    assert code == 2, (out, err)  # it made a database and said "0 new message(s)", exit 0
    assert f"--data-dir: '{data}'" in err, err
    assert ("does not exist" if folder == "missing" else "holds no corridor database") in err
    assert data.exists() is (folder == "empty")  # nothing made
    assert not (data / "corridor.sqlite").exists()
    assert not (tmp_path / "out").exists()


def test_a_missing_sqlite_file_given_as_db_is_refused_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # where the default --data-dir would be made
    url = f"sqlite:///{tmp_path / 'typo.sqlite'}"
    code, _, err = run_cli(["export", "people", "--db", url], capsys)
    assert code == 2
    assert "--db:" in err
    assert "typo.sqlite' does not exist" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # nothing made


# -- the scenario's languages ---------------------------------------------------------------------


def _scenario_with(languages: str) -> str:
    text = (ANDORRA / "scenario.yaml").read_text()
    out, n = re.subn(r"languages: \[[^\]]*\]", f"languages: {languages}", text)
    assert n == 1
    return out


def _scenario_file(folder: Path, languages: str) -> Path:
    scenario = folder / "scenario.yaml"
    scenario.write_text(_scenario_with(languages))
    (folder / "hazards.geojson").write_bytes((ANDORRA / "hazards.geojson").read_bytes())
    return scenario


def _documented_error() -> str:
    doc = (ROOT / "docs" / "public.md").read_text()
    return next(line for line in doc.splitlines() if line.startswith("error: public.languages"))


def test_compile_refuses_a_language_without_a_catalogue_as_the_docs_say(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = _scenario_file(tmp_path, "[de, uk]")
    code, _, err = run_cli(["compile", str(scenario), "-o", str(tmp_path / "i.json")], capsys)
    assert code == 2  # it compiled, and the error came at announce, during the operation
    assert err.strip() == _documented_error()
    assert not (tmp_path / "i.json").exists()


def _upload(a: Andorra, languages: str) -> Any:
    body = {
        "name": "andorra-languages",
        "source": _scenario_with(languages),
        "files": {"hazards.geojson": (ANDORRA / "hazards.geojson").read_text()},
    }
    return a.api.post("coordinator", "/v1/scenarios", body)


@pytest.mark.parametrize(
    ("languages", "field", "problem"),
    [
        ("[de, uk]", "public.languages[0]", "'de' has no catalogue (have en, ru, uk); add "),
        ("[uk, ru, xx]", "public.languages[2]", "'xx' has no catalogue (have en, ru, uk)"),
        ("[uk, uk]", "public.languages[1]", "'uk' is already public.languages[0]"),
        ("[en, ru, en]", "public.languages[2]", "'en' is already public.languages[0]"),
    ],
)
def test_an_upload_refuses_unknown_and_repeated_languages(
    andorra: Andorra, languages: str, field: str, problem: str
) -> None:
    r = _upload(andorra, languages)
    assert r.status_code == 422, r.text  # it was stored, and the error came at announce
    [error] = r.json()["errors"]
    assert error["field"] == field
    assert error["problem"].startswith(problem), error


def test_an_upload_refused_for_its_language_carries_the_value_and_the_path(
    andorra: Andorra,
) -> None:
    [error] = _upload(andorra, "[de, uk]").json()["errors"]
    assert error["value"] == "de"  # it was null
    assert _documented_error().endswith(error["problem"])


def test_compile_refuses_a_repeated_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = _scenario_file(tmp_path, "[uk, uk]")
    code, _, err = run_cli(["compile", str(scenario), "-o", str(tmp_path / "i.json")], capsys)
    assert code == 2
    assert "public.languages[1]: 'uk' is already public.languages[0]" in err


# -- names holding a comma in the CAP instruction -------------------------------------------------


def _andorra_facts(a: Andorra) -> PublicFacts:
    state = a.api.service.log.corridor(a.corridor, lambda s: s)
    uow = a.api.service.uow()
    with uow:
        return facts_for(uow, state)


def _filled(tr: Any, msgid: str, key: str, line: str) -> list[str]:
    """The names put in ``{key}`` of the translated ``msgid`` that ``line`` is, split back."""
    before, after = tr.gettext(msgid, **{key: "\x00"}).split("\x00")
    assert line.startswith(before), (line, before)
    assert line.endswith(after), (line, after)
    return line[len(before) : len(line) - len(after)].split("; ")


def test_gathering_point_and_checkpoint_names_with_commas_stay_apart(andorra: Andorra) -> None:
    facts = _andorra_facts(andorra)
    places = [
        dataclasses.replace(p, name=n)
        for p, n in zip(
            facts.gathering[:3],
            ["School, north yard", "Church of St. Mary, car park", "Old mill"],
            strict=True,
        )
    ]
    document = dict(facts.document)
    document["checkpoints"] = [
        {**c, "name": f"{c['name']}, lane {i}"} for i, c in enumerate(document["checkpoints"])
    ]
    facts = dataclasses.replace(facts, gathering=places, document=document)
    for language in LANGUAGES:
        tr = translator(language)
        lines = info_text(tr, ChangeKind.OPENED, facts, None).instruction.split("\n")
        go, checkpoints = lines[0], lines[-1]
        assert _filled(tr, "Go to your gathering point: {points}.", "points", go) == [
            p.name for p in places
        ], (language, go)  # "School, north yard, Church of St. Mary, car park and Old mill"
        assert (
            _filled(tr, "Vehicles leave through the checkpoints: {names}.", "names", checkpoints)
            == facts.checkpoint_names
        ), (language, checkpoints)


# -- a gathering point without a planned departure ------------------------------------------------


def _pdf_text(path: Path) -> str:
    reader = PdfReader(BytesIO(path.read_bytes()))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def _paragraphs(notice: Any) -> str:
    return "\n".join(p for s in notice.sections for p in [*s.paragraphs, *s.bullets])


def _chunk(tr: Any, msgid: str, index: int) -> str:
    """A fixed part of the translated ``msgid`` (between its placeholders)."""
    return re.split(r"\{\w+\}", tr.gettext(msgid))[index].strip()


#: The advice that assumes a departure from the point, each with the part of it to look for.
ASSUMES_A_DEPARTURE = [
    ("Times are local time: {zone}. Come at least 30 minutes before a departure.", -1),
    (
        "Vehicles take you from {place} through {checkpoints} to the reception centres: "
        "{receptions}.",
        0,
    ),
    ("Planned departures from this gathering point: {times}.", 0),
    ("Stay in the vehicle at the checkpoint unless the staff ask you to step out.", 0),
]
NONE_PLANNED = "No departure is planned from this gathering point yet."


@pytest.mark.parametrize("case", ["held by the replan", "no plan published"])
def test_a_point_without_departures_says_none_is_planned_in_each_language(
    andorra: Andorra, tmp_path: Path, case: str
) -> None:
    signed = _andorra_facts(andorra)
    start = signed.window[0]
    held, other = signed.gathering[0].id, signed.gathering[1].id
    if case == "held by the replan":  # every point has departures but the one held
        departures = {
            g.id: [start + dt.timedelta(minutes=30 + 20 * i)]
            for i, g in enumerate(signed.gathering)
            if g.id != held
        }
        via = dict.fromkeys(departures, signed.checkpoint_names[:1])
    else:
        departures, via = {}, {}
    facts = dataclasses.replace(signed, departures=departures, via=via, crossings=[])
    for language in LANGUAGES:
        tr = translator(language)
        text = _paragraphs(gathering_notice(tr, facts, held))
        assert tr.gettext(NONE_PLANNED) in text, language
        zone = tr.zone(facts.window[0], facts.zone)
        assert tr.gettext("Times are local time: {zone}.", zone=zone) in text  # still shown
        assert facts.gathering_point(held).name in text  # still says where the point is
        for msgid, index in ASSUMES_A_DEPARTURE:
            assert _chunk(tr, msgid, index) not in text, (language, msgid)
        if case == "held by the replan":  # a point that is served keeps its advice
            served_text = _paragraphs(gathering_notice(tr, facts, other))
            assert tr.gettext(NONE_PLANNED) not in served_text
            for msgid, index in ASSUMES_A_DEPARTURE:
                assert _chunk(tr, msgid, index) in served_text, (language, msgid)
        notice = gathering_notice(tr, facts, held)
        printed = _pdf_text(write_notice(tmp_path / f"{notice.name}.pdf", notice, facts, []))
        assert tr.gettext(NONE_PLANNED) in printed, language
        assert _chunk(tr, ASSUMES_A_DEPARTURE[0][0], -1) not in printed, language
