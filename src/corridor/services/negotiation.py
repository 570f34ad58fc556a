"""Client-side signing for scripted negotiations (``corridor demo`` and the service tests).

A party signs on its own machine: these helpers build the same DSSE envelopes as
:class:`~corridor.services.agreement.AgreementService`, but return the bytes to post to
``POST /v1/agreement/envelopes`` instead of appending them to a local log. Each statement
follows the log entry its signer read last (:func:`head_of` the entries it downloaded).
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Sequence
from typing import Any

from corridor.domain.agreement import Follows, Kind, statement
from corridor.domain.keyring import fingerprint, key_digest
from corridor.services.entries import sign_statement
from corridor.services.signing import stamp
from corridor.tlog.canonical import canonical_json, sha256_hex
from corridor.tlog.keys import SignerKey
from corridor.tlog.merkle import leaf_hash


def head_of(entries: Sequence[bytes]) -> Follows | None:
    """What a statement signed after reading ``entries`` (the whole log) follows."""
    if not entries:
        return None
    return Follows(len(entries) - 1, leaf_hash(entries[-1]).hex())


def opening(
    corridor: str,
    organisations: dict[str, str],
    key: SignerKey,
    now: dt.datetime,
    follows: Follows | None,
) -> bytes:
    """The intermediary opens ``corridor``, naming each role's organisation."""
    text = key.verifier_text
    body = {"organisations": organisations, "key": text}
    stmt = statement(
        Kind.OPENING, corridor, key.name, stamp(now), key_digest(text), body, follows=follows
    )
    return sign_statement(stmt, key)


def key_registration(
    corridor: str, role: str, key: SignerKey, now: dt.datetime, follows: Follows | None
) -> bytes:
    """A party registers its own key (signed by it)."""
    text = key.verifier_text
    body = {"role": role, "key": text}
    stmt = statement(
        Kind.KEY_REGISTRATION,
        corridor,
        key.name,
        stamp(now),
        key_digest(text),
        body,
        follows=follows,
    )
    return sign_statement(stmt, key)


def key_confirmation(
    corridor: str,
    role: str,
    registered: str,
    key: SignerKey,
    now: dt.datetime,
    follows: Follows | None,
) -> bytes:
    """The intermediary confirms the key ``registered`` (its text) after comparing its
    fingerprint with the party's officer."""
    body = {"role": role, "key": registered, "fingerprint": fingerprint(registered)}
    stmt = statement(
        Kind.KEY_CONFIRMATION,
        corridor,
        key.name,
        stamp(now),
        key_digest(registered),
        body,
        follows=follows,
    )
    return sign_statement(stmt, key)


def proposal(
    document: dict[str, Any], key: SignerKey, now: dt.datetime, follows: Follows | None
) -> bytes:
    doc = copy.deepcopy(document)
    doc.setdefault("version", 1)
    doc.setdefault("supersedes", None)
    stmt = statement(
        Kind.PROPOSAL,
        doc["corridor"],
        key.name,
        stamp(now),
        sha256_hex(canonical_json(doc)),
        {"document": doc},
        follows=follows,
    )
    return sign_statement(stmt, key)


def counter(
    document: dict[str, Any],
    key: SignerKey,
    latest_number: int,
    latest_hash: str,
    now: dt.datetime,
    follows: Follows | None,
) -> bytes:
    doc = copy.deepcopy(document)
    doc["version"] = latest_number + 1
    doc["supersedes"] = latest_hash
    stmt = statement(
        Kind.COUNTER,
        doc["corridor"],
        key.name,
        stamp(now),
        sha256_hex(canonical_json(doc)),
        {"document": doc},
        follows=follows,
    )
    return sign_statement(stmt, key)


def on_version(
    kind: Kind,
    corridor: str,
    key: SignerKey,
    number: int,
    digest: str,
    now: dt.datetime,
    follows: Follows | None,
    **extra: Any,
) -> bytes:
    """Acceptance, ceasefire confirmation, suspension... of version ``number`` (``digest``)."""
    body = {"version": number, **extra}
    stmt = statement(kind, corridor, key.name, stamp(now), digest, body, follows=follows)
    return sign_statement(stmt, key)


def document_for_scenario(
    scenario: dict[str, Any],
    keys: dict[str, str],
    *,
    time_zone: str,
    max_vehicles: int,
    window: tuple[float, float] | None = None,
) -> dict[str, Any]:
    """A complete corridor proposal for a compiled scenario (as ``GET /v1/scenarios/{id}``
    plus its ``instance``, ``map`` and ``routes``), in the words of :func:`example_documents`.

    Checkpoints, route and ceasefire area come from the scenario; ``window`` (instance minutes)
    defaults to the scenario's own window.
    """
    from zoneinfo import ZoneInfo

    from corridor.domain.proposal import example_documents

    zero = dt.datetime.fromisoformat(scenario["origin"])
    _, template = example_documents(keys, zero)  # its window is replaced below
    features = scenario["map"]["features"]
    zone = next(f["geometry"] for f in features if f["properties"].get("layer") == "zone")
    checkpoints = [
        {
            "name": f["properties"].get("name") or str(f["id"]),
            "id": f["id"],
            "at": f["geometry"]["coordinates"],
            "controlled_by": ("party_a", "party_b")[i % 2],
        }
        for i, f in enumerate(x for x in features if x["properties"].get("layer") == "checkpoint")
    ]
    route = next(
        (
            f["geometry"]
            for f in scenario["routes"]["features"]
            if f["geometry"]["type"] == "LineString"
        ),
        {"type": "LineString", "coordinates": [c["at"] for c in checkpoints[:2]] * 2},
    )
    open_min, close_min = window or (
        scenario["instance"]["window"]["open"],
        scenario["instance"]["window"]["close"],
    )
    start = (zero + dt.timedelta(minutes=open_min)).astimezone(ZoneInfo(time_zone))
    return {
        **template,
        "corridor": f"{scenario['name']}-corridor",
        "version": 1,
        "supersedes": None,
        "title": f"Evacuation corridor for {scenario['name']}",
        "route": {"type": "LineString", "coordinates": route["coordinates"]},
        "checkpoints": [{k: v for k, v in c.items() if k != "id"} for c in checkpoints],
        "window": {
            "start": start.strftime("%Y-%m-%dT%H:%M"),
            "duration_hours": round((close_min - open_min) / 60, 4),
            "time_zone": time_zone,
        },
        "ceasefire_area": {"type": "Polygon", "coordinates": zone["coordinates"]},
        "max_vehicles": max_vehicles,
    }
