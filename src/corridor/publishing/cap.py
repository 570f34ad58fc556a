"""CAP 1.2 messages (OASIS Common Alerting Protocol) and their Atom feed.

One message per change of a corridor's public state (:mod:`corridor.publishing.public_state`),
one ``info`` block per language, the ceasefire area as the ``area`` polygon, the window as
``onset``/``expires``. ``references`` lists every earlier message of the same corridor as
``sender,identifier,sent`` (CAP 1.2, section 3.2.1). The schema check is
:func:`corridor.adapters.cap_schema.validate`.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lxml import etree

from corridor.publishing.public_state import Change, ChangeKind

if TYPE_CHECKING:
    from corridor.publishing.texts import InfoText

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM_NS = "http://www.w3.org/2005/Atom"
CAP_MIME = "application/cap+xml"
#: What the HTTP responses say they hold: the bytes are UTF-8 (a browser that is not told so
#: guesses, and shows Cyrillic headlines as mojibake).
CAP_CONTENT_TYPE = f"{CAP_MIME}; charset=utf-8"
ATOM_CONTENT_TYPE = "application/atom+xml; charset=utf-8"
FEED_TITLE = "Humanitarian corridor announcements"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Reference:
    """An earlier message, as CAP's ``references`` names it."""

    sender: str
    identifier: str
    sent: str

    def text(self) -> str:
        return f"{self.sender},{self.identifier},{self.sent}"


def identifier_for(change: Change) -> str:
    """Stable and unique: the log index of the causing entry is unique in the log."""
    return f"corridor-{_UNSAFE.sub('-', change.corridor).strip('-')}-{change.log_index}"


def cap_time(when: dt.datetime, zone: Any = None) -> str:
    """``2026-05-14T06:00:00+02:00``: CAP forbids ``Z`` and fractions of a second."""
    if when.tzinfo is None:
        raise ValueError(f"a CAP time needs a UTC offset: {when.isoformat()}")
    local = when.astimezone(zone) if zone is not None else when
    return local.replace(microsecond=0).isoformat()


def _polygon(area: dict[str, Any]) -> str:
    """CAP's ``lat,lon`` pairs of the outer ring, closed, as the standard writes them."""
    ring = area["coordinates"][0]
    points = [f"{lat:.6f},{lon:.6f}" for lon, lat in ring]
    if points[0] != points[-1]:
        points.append(points[0])
    return " ".join(points)


_RESPONSE = {
    ChangeKind.OPENED: ("Evacuate", "Expected", "Severe"),
    ChangeKind.RESUMED: ("Evacuate", "Immediate", "Severe"),
    ChangeKind.TERMS_CHANGED: ("Evacuate", "Expected", "Severe"),
    ChangeKind.SUSPENDED: ("Shelter", "Immediate", "Extreme"),
    ChangeKind.CLOSED: ("Shelter", "Immediate", "Extreme"),
}


def _sub(parent: Any, tag: str, text: str | None = None) -> Any:
    node = etree.SubElement(parent, f"{{{CAP_NS}}}{tag}")
    if text is not None:
        node.text = text
    return node


def cap_message(
    change: Change,
    infos: list[InfoText],
    *,
    sender: str,
    sent: dt.datetime,
    window: tuple[dt.datetime, dt.datetime],
    references: list[Reference],
) -> bytes:
    """The CAP 1.2 XML of one change (UTF-8, with an XML declaration)."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(change.document["window"]["time_zone"])
    alert = etree.Element(f"{{{CAP_NS}}}alert", nsmap={None: CAP_NS})
    _sub(alert, "identifier", identifier_for(change))
    _sub(alert, "sender", sender)
    _sub(alert, "sent", cap_time(sent, zone))
    _sub(alert, "status", "Actual")
    _sub(alert, "msgType", change.kind.msg_type)
    _sub(alert, "scope", "Public")
    _sub(
        alert,
        "note",
        f"corridor {change.corridor}, version {change.version} signed by both parties; "
        f"log entry {change.log_index}",
    )
    if references:
        _sub(alert, "references", " ".join(r.text() for r in references))
    response, urgency, severity = _RESPONSE[change.kind]
    for info in infos:
        node = _sub(alert, "info")
        _sub(node, "language", info.language)
        _sub(node, "category", "Safety")
        _sub(node, "event", info.event)
        _sub(node, "responseType", response)
        _sub(node, "urgency", urgency)
        _sub(node, "severity", severity)
        _sub(node, "certainty", "Observed")
        _sub(node, "onset", cap_time(window[0], zone))
        _sub(node, "expires", cap_time(window[1], zone))
        _sub(node, "senderName", sender)
        _sub(node, "headline", info.headline)
        _sub(node, "description", info.description)
        _sub(node, "instruction", info.instruction)
        if info.contact:
            _sub(node, "contact", info.contact)
        for name, value in (
            ("corridor", change.corridor),
            ("version", str(change.version)),
            ("change", change.kind.value),
        ):
            parameter = _sub(node, "parameter")
            _sub(parameter, "valueName", name)
            _sub(parameter, "value", value)
        area = _sub(node, "area")
        _sub(area, "areaDesc", info.area)
        _sub(area, "polygon", _polygon(change.document["ceasefire_area"]))
    out: bytes = etree.tostring(alert, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return out


@dataclass(frozen=True)
class FeedEntry:
    identifier: str
    title: str
    summary: str
    sent: str
    url: str


def atom_feed(
    entries: list[FeedEntry], *, feed_id: str, title: str, self_url: str, updated: str
) -> bytes:
    """An Atom 1.0 feed (RFC 4287) linking each CAP message by its stable URL, newest first."""

    def sub(parent: Any, tag: str, text: str | None = None, **attrs: str) -> Any:
        node = etree.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
        if text is not None:
            node.text = text
        return node

    feed = etree.Element(f"{{{ATOM_NS}}}feed", nsmap={None: ATOM_NS})
    sub(feed, "id", feed_id)
    sub(feed, "title", title)
    sub(feed, "updated", updated)
    sub(feed, "link", rel="self", href=self_url, type="application/atom+xml")
    author = sub(feed, "author")
    sub(author, "name", "corridor")
    for entry in entries:
        node = sub(feed, "entry")
        sub(node, "id", f"urn:cap:{entry.identifier}")
        sub(node, "title", entry.title)
        sub(node, "updated", entry.sent)
        sub(node, "summary", entry.summary)
        sub(node, "link", rel="alternate", type=CAP_MIME, href=entry.url)
    out: bytes = etree.tostring(feed, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return out


def feed_id_for(rows: list[dict[str, Any]]) -> str:
    """An absolute IRI for a feed that has no URL of its own (the one ``corridor announce
    --out`` writes to a folder): a ``urn:uuid`` derived from the corridor of the oldest
    message, so that every run gives the same id (stored messages never change)."""
    corridor = str(rows[0]["corridor"]) if rows else ""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"urn:corridor:alerts:{corridor}").urn


def feed_of(
    rows: list[dict[str, Any]],
    base_url: str,
    *,
    now: dt.datetime,
    self_url: str | None = None,
    feed_id: str | None = None,
) -> bytes:
    """The Atom feed of the stored messages ``rows`` (oldest first), newest first, each linked
    at ``{base_url}/{identifier}.xml``.

    The feed is at ``self_url`` (default ``{base_url}/feed.atom``, as the folder export writes
    it); its id is ``feed_id`` (default ``self_url``, which must then be absolute). An empty
    feed was last updated ``now`` (the service's clock): Atom requires an ``updated``.
    """
    base = base_url.rstrip("/")
    here = self_url or f"{base}/feed.atom"
    entries = [
        FeedEntry(
            identifier=r["identifier"],
            title=r["headline"],
            summary=f"{r['msg_type']}: corridor {r['corridor']} ({r['change']})",
            sent=r["sent"],
            url=f"{base}/{r['identifier']}.xml",
        )
        for r in reversed(rows)
    ]
    updated = entries[0].sent if entries else cap_time(now.astimezone(dt.UTC))
    return atom_feed(
        entries, feed_id=feed_id or here, title=FEED_TITLE, self_url=here, updated=updated
    )
