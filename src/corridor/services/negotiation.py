"""Client-side signing for scripted negotiations (``corridor demo`` and the service tests).

A party signs on its own machine: these helpers build the same DSSE envelopes as
:class:`~corridor.services.agreement.AgreementService`, but return the bytes to post to
``POST /v1/agreement/envelopes`` instead of appending them to a local log.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from corridor.domain.agreement import Kind, statement
from corridor.services.agreement import sign_statement
from corridor.tlog.canonical import canonical_json, sha256_hex
from corridor.tlog.keys import SignerKey


def _stamp(now: dt.datetime) -> str:
    return now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def proposal(document: dict[str, Any], key: SignerKey, now: dt.datetime) -> bytes:
    doc = copy.deepcopy(document)
    doc.setdefault("version", 1)
    doc.setdefault("supersedes", None)
    stmt = statement(
        Kind.PROPOSAL,
        doc["corridor"],
        key.name,
        _stamp(now),
        sha256_hex(canonical_json(doc)),
        {"document": doc},
    )
    return sign_statement(stmt, key)


def counter(
    document: dict[str, Any], key: SignerKey, latest_number: int, latest_hash: str, now: dt.datetime
) -> bytes:
    doc = copy.deepcopy(document)
    doc["version"] = latest_number + 1
    doc["supersedes"] = latest_hash
    stmt = statement(
        Kind.COUNTER,
        doc["corridor"],
        key.name,
        _stamp(now),
        sha256_hex(canonical_json(doc)),
        {"document": doc},
    )
    return sign_statement(stmt, key)


def on_version(
    kind: Kind,
    corridor: str,
    key: SignerKey,
    number: int,
    digest: str,
    now: dt.datetime,
    **extra: Any,
) -> bytes:
    """Acceptance, ceasefire confirmation, suspension... of version ``number`` (``digest``)."""
    stmt = statement(kind, corridor, key.name, _stamp(now), digest, {"version": number, **extra})
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
