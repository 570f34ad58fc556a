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
from corridor.ledger.canonical import canonical_json, sha256_hex
from corridor.ledger.keys import SignerKey
from corridor.services.agreement import sign_statement


def _stamp(now: dt.datetime | None = None) -> str:
    return (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def proposal(document: dict[str, Any], key: SignerKey) -> bytes:
    doc = copy.deepcopy(document)
    doc.setdefault("version", 1)
    doc.setdefault("supersedes", None)
    stmt = statement(
        Kind.PROPOSAL,
        doc["corridor"],
        key.name,
        _stamp(),
        sha256_hex(canonical_json(doc)),
        {"document": doc},
    )
    return sign_statement(stmt, key)


def counter(
    document: dict[str, Any], key: SignerKey, latest_number: int, latest_hash: str
) -> bytes:
    doc = copy.deepcopy(document)
    doc["version"] = latest_number + 1
    doc["supersedes"] = latest_hash
    stmt = statement(
        Kind.COUNTER,
        doc["corridor"],
        key.name,
        _stamp(),
        sha256_hex(canonical_json(doc)),
        {"document": doc},
    )
    return sign_statement(stmt, key)


def on_version(
    kind: Kind, corridor: str, key: SignerKey, number: int, digest: str, **extra: Any
) -> bytes:
    """Acceptance, ceasefire confirmation, suspension... of version ``number`` (``digest``)."""
    stmt = statement(kind, corridor, key.name, _stamp(), digest, {"version": number, **extra})
    return sign_statement(stmt, key)
