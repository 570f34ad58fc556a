"""CAP 1.2 announcements: what both parties signed, in three languages, valid by the schema."""

from __future__ import annotations

import feedparser
import pytest
from lxml import etree

from corridor.adapters.cap_schema import InvalidCap, validate
from corridor.domain.agreement import Kind
from corridor.i18n import translator
from corridor.publishing.cap import ATOM_NS, CAP_NS

from .conftest import Andorra

NS = {"cap": CAP_NS}


def publish(a: Andorra) -> list[dict[str, str]]:
    r = a.api.post("coordinator", "/v1/announcements", {})
    assert r.status_code == 200, r.text
    return list(r.json())


def fetch(a: Andorra, identifier: str) -> etree._Element:
    r = a.api.client.get(f"/v1/public/alerts/{identifier}.xml")  # no token: public
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/cap+xml")
    validate(r.content)
    return etree.fromstring(r.content)


def test_suspended_then_resumed_gives_alert_update_update(andorra: Andorra) -> None:
    a = andorra
    # Agreed but the ceasefire not confirmed: nothing is public yet.
    assert publish(a) == []
    for role, who in (("party_a", "liaison-a"), ("party_b", "liaison-b")):
        a.sign(who, role, Kind.CEASEFIRE_START)
    opened = publish(a)
    assert [m["msg_type"] for m in opened] == ["Alert"]
    assert publish(a) == []  # idempotent: a change is published once
    # Only the coordinator publishes.
    for who in ("liaison-a", "registrar", "observer"):
        assert a.api.post(who, "/v1/announcements", {}).status_code == 403
    a.sign("liaison-b", "party_b", Kind.SUSPENSION, reason="shelling near the north checkpoint")
    a.sign("liaison-a", "party_a", Kind.RESUMPTION)
    # One party's resumption is not a resumption: only the suspension is public.
    assert [m["msg_type"] for m in publish(a)] == ["Update"]
    a.sign("liaison-b", "party_b", Kind.RESUMPTION)
    assert [m["msg_type"] for m in publish(a)] == ["Update"]

    rows = [fetch(a, m["identifier"]) for m in _all(a)]
    kinds = [r.findtext("cap:msgType", namespaces=NS) for r in rows]
    assert kinds == ["Alert", "Update", "Update"]
    ids = [r.findtext("cap:identifier", namespaces=NS) for r in rows]
    refs = [r.findtext("cap:references", namespaces=NS) for r in rows]
    sender = rows[0].findtext("cap:sender", namespaces=NS)
    sent = [r.findtext("cap:sent", namespaces=NS) for r in rows]
    assert sender == "coordination@corridor.example"
    assert refs[0] is None
    assert refs[1] == f"{sender},{ids[0]},{sent[0]}"
    assert refs[2] == f"{sender},{ids[0]},{sent[0]} {sender},{ids[1]},{sent[1]}"
    changes = [
        r.findtext("cap:info/cap:parameter[cap:valueName='change']/cap:value", namespaces=NS)
        for r in rows
    ]
    assert changes == ["opened", "suspended", "resumed"]


def _all(a: Andorra) -> list[dict[str, str]]:
    feed = a.api.client.get("/v1/public/alerts.atom")
    assert feed.status_code == 200
    root = etree.fromstring(feed.content)
    assert root.tag == f"{{{ATOM_NS}}}feed"
    links = root.findall(f"{{{ATOM_NS}}}entry/{{{ATOM_NS}}}link")
    ids = [link.get("href").rsplit("/", 1)[1].removesuffix(".xml") for link in links]
    return [{"identifier": i} for i in reversed(ids)]  # the feed is newest first


def test_each_message_speaks_the_scenario_languages(andorra: Andorra) -> None:
    messages = _all(andorra)
    assert messages, "run after the suspension test (module order)"
    root = fetch(andorra, messages[0]["identifier"])
    infos = root.findall("cap:info", NS)
    assert [i.findtext("cap:language", namespaces=NS) for i in infos] == ["uk", "ru", "en"]
    uk = infos[0]
    assert uk.findtext("cap:event", namespaces=NS) == translator("uk").gettext(
        "Humanitarian evacuation corridor"
    )
    instruction = uk.findtext("cap:instruction", namespaces=NS)
    assert "Виїзд добровільний" in instruction  # leaving is voluntary
    assert "Plaça del Consell" in instruction  # a gathering point
    assert "Ви самі обираєте, куди їхати" in instruction  # the destination is theirs
    onset = uk.findtext("cap:onset", namespaces=NS)
    assert onset == "2026-05-14T06:00:00+02:00"
    assert uk.findtext("cap:expires", namespaces=NS) == "2026-05-14T18:00:00+02:00"
    polygon = uk.findtext("cap:area/cap:polygon", namespaces=NS).split()
    assert polygon[0] == polygon[-1]
    assert len(polygon) >= 4
    lat, lon = map(float, polygon[0].split(","))
    assert 42 < lat < 43
    assert 1 < lon < 2


def test_the_feed_parses_as_atom(andorra: Andorra) -> None:
    parsed = feedparser.parse(andorra.api.client.get("/v1/public/alerts.atom").content)
    assert not parsed.bozo, parsed.bozo_exception
    assert parsed.version == "atom10"
    assert len(parsed.entries) == 3
    assert all(e.links[0].href.endswith(".xml") for e in parsed.entries), parsed.entries[0].links
    # Every link the feed gives answers: the feed's own (it named a feed.atom that was a 404)
    # and each message's.
    self_link = next(x.href for x in parsed.feed.links if x.rel == "self")
    assert self_link.endswith("/v1/public/alerts.atom"), self_link
    for href in (self_link, parsed.feed.id, *(e.links[0].href for e in parsed.entries)):
        assert andorra.api.client.get(href).status_code == 200, href


def test_the_schema_refuses_a_broken_message() -> None:
    bad = (
        f'<alert xmlns="{CAP_NS}"><identifier>x</identifier><sender>y</sender>'
        "<sent>2026-05-14T06:00:00Z</sent></alert>"
    ).encode()
    with pytest.raises(InvalidCap, match="sent"):
        validate(bad)


def test_an_unknown_message_is_404_and_needs_no_token(andorra: Andorra) -> None:
    r = andorra.api.client.get("/v1/public/alerts/no-such-message.xml")
    assert r.status_code == 404
