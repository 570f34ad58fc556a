"""What a participant signs on its own machine: each use case builds its statement (naming the
corridor and the log entry it follows), signs it with the local key and submits it.

A mixin of :class:`~corridor.services.agreement.AgreementService`, whose ``state()``,
``submit()`` and ``clock`` it uses.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import TYPE_CHECKING, Any

from corridor.domain.agreement import CorridorState, Kind, LogState, statement
from corridor.domain.keyring import fingerprint, key_digest, same_fingerprint
from corridor.domain.placeholders import PLACEHOLDER
from corridor.domain.proposal import ROLES, shape_problems
from corridor.errors import InputError
from corridor.services.entries import sign_statement
from corridor.tlog.canonical import canonical_json, sha256_hex
from corridor.tlog.keys import SignerKey

if TYPE_CHECKING:
    from corridor.services.agreement import SubmitResult
    from corridor.services.ports import Clock


def stamp(now: dt.datetime) -> str:
    return now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _check_document(doc: dict[str, Any], participants_too: bool = True) -> None:
    """Refuse the document's first problem, naming the field (``participants_too=False``: the
    terms only, before the participants are filled in from the log)."""
    problems = [
        (where, problem)
        for where, problem in shape_problems(doc)
        if participants_too or not where.startswith("participants")
    ]
    if problems:
        where, problem = problems[0]
        raise InputError(f"document.{where}", problem)


def with_participants(document: dict[str, Any], corridor: CorridorState) -> dict[str, Any]:
    """The document naming each participant by the key the log confirmed for it (its name and
    key filled in; a key written in the document must be that one)."""
    doc = copy.deepcopy(document)
    participants = doc.setdefault("participants", {})
    if not isinstance(participants, dict):
        raise InputError("document.participants", "must name party_a, party_b and intermediary")
    for role in ROLES:
        key = corridor.keys.current.get(role)
        if key is None:
            raise InputError(
                "corridor", f"{corridor.corridor}: {role} has no confirmed key yet (key ceremony)"
            )
        who = participants.setdefault(role, {})
        if not isinstance(who, dict):
            raise InputError(f"document.participants.{role}", "must be an object")
        written = who.get("key")
        if written is not None and not str(written).startswith(PLACEHOLDER) and written != key:
            raise InputError(
                f"document.participants.{role}.key",
                f"{str(who['key'])[:60]!r} is not the key the log confirmed for {role} ({key})",
            )
        who["key"], who["name"] = key, key.split("+", 1)[0]
    participants["intermediary"].setdefault("guarantor", False)
    return doc


class Signing:
    """The use cases of a participant (see the module's docstring)."""

    clock: Clock

    def state(self) -> LogState:
        raise NotImplementedError

    def submit(self, envelope: bytes) -> SubmitResult:
        raise NotImplementedError

    def _corridor(self, state: LogState, corridor: str) -> CorridorState:
        found = state.corridors.get(corridor)
        if found is None:
            raise InputError(
                "corridor",
                f"{corridor!r} has not been opened in this log: the coordinator opens it first "
                "(corridor agreement open), then the parties' keys are registered and confirmed",
            )
        return found

    def _send(
        self,
        kind: Kind,
        corridor: str,
        key: SignerKey,
        digest: str,
        body: dict[str, Any],
        *also: SignerKey,
    ) -> SubmitResult:
        follows = self.state().head()
        stmt = statement(
            kind, corridor, key.name, stamp(self.clock()), digest, body, follows=follows
        )
        return self.submit(sign_statement(stmt, key, *also))

    # -- opening and the key ceremony ----------------------------------------------------------

    def open_corridor(
        self, corridor: str, organisations: dict[str, str], key: SignerKey
    ) -> SubmitResult:
        """The intermediary opens a corridor, naming the three organisations, with its key."""
        text = key.verifier_text
        body = {"organisations": organisations, "key": text}
        return self._send(Kind.OPENING, corridor, key, key_digest(text), body)

    def register_key(self, corridor: str, role: str, key: SignerKey) -> SubmitResult:
        """A party registers its key (signed by that key) for the intermediary to confirm."""
        self._corridor(self.state(), corridor)
        text = key.verifier_text
        body = {"role": role, "key": text}
        return self._send(Kind.KEY_REGISTRATION, corridor, key, key_digest(text), body)

    def confirm_key(
        self, corridor: str, role: str, typed_fingerprint: str, key: SignerKey
    ) -> SubmitResult:
        """The intermediary confirms the key a party registered, giving the fingerprint the
        party's officer read out: refused here unless it is the registered key's."""
        state = self._corridor(self.state(), corridor)
        registered = state.keys.pending.get(role)
        if registered is None:
            raise InputError("--role", f"{role} has no key awaiting confirmation in {corridor}")
        if not same_fingerprint(typed_fingerprint, registered):
            raise InputError(
                "--fingerprint",
                f"{typed_fingerprint!r} is not the fingerprint of the key {role} registered: ask "
                "the party's officer to read it out again, in person; never confirm a key you "
                "have not compared",
            )
        body = {"role": role, "key": registered, "fingerprint": fingerprint(registered)}
        return self._send(Kind.KEY_CONFIRMATION, corridor, key, key_digest(registered), body)

    def rotate_key(self, corridor: str, old: SignerKey, new: SignerKey) -> SubmitResult:
        """Replace a confirmed key: signed by the old key and by the new one."""
        state = self._corridor(self.state(), corridor)
        role = state.keys.role_of_key(old.verifier_text)
        if role is None:
            raise InputError("--key", f"{old.name} is no confirmed key of {corridor}")
        text = new.verifier_text
        body = {"role": role, "key": text}
        return self._send(Kind.KEY_ROTATION, corridor, old, key_digest(text), body, new)

    def revoke_key(
        self, corridor: str, role: str, revoked: str, key: SignerKey, reason: str
    ) -> SubmitResult:
        """Revoke ``role``'s key ``revoked`` (its text): signed by that key itself, or by the
        intermediary's for a party that lost its key."""
        body = {"role": role, "key": revoked, "reason": reason}
        return self._send(Kind.KEY_REVOCATION, corridor, key, key_digest(revoked), body)

    # -- the terms -----------------------------------------------------------------------------

    def propose(self, document: dict[str, Any], key: SignerKey) -> SubmitResult:
        corridor_id = document.get("corridor")
        if not isinstance(corridor_id, str):
            raise InputError("document.corridor", f"{corridor_id!r} must name the corridor")
        _check_document(
            {**document, "version": 1, "supersedes": None, "participants": {}}, False
        )  # the terms' own problems first: they do not depend on the log
        doc = with_participants(document, self._corridor(self.state(), corridor_id))
        doc.setdefault("version", 1)
        doc.setdefault("supersedes", None)
        _check_document(doc)
        digest = sha256_hex(canonical_json(doc))
        return self._send(Kind.PROPOSAL, corridor_id, key, digest, {"document": doc})

    def counter(self, document: dict[str, Any], key: SignerKey) -> SubmitResult:
        """A new version of the corridor's latest one (version and supersedes filled in)."""
        corridor_id = document.get("corridor")
        if not isinstance(corridor_id, str):
            raise InputError("document.corridor", f"{corridor_id!r} must name the corridor")
        corridor = self._corridor(self.state(), corridor_id)
        latest = corridor.latest
        if latest is None:
            raise InputError("corridor", f"{corridor_id!r} has no proposal yet to counter")
        doc = with_participants(document, corridor)
        doc["version"] = latest.number + 1
        doc["supersedes"] = latest.hash
        _check_document(doc)
        digest = sha256_hex(canonical_json(doc))
        return self._send(Kind.COUNTER, corridor_id, key, digest, {"document": doc})

    def _version_hash(self, corridor: str, version: int | None) -> tuple[int, str]:
        state = self._corridor(self.state(), corridor)
        chosen = state.latest if version is None else state.version(version)
        if chosen is None:
            if version is None:
                raise InputError("corridor", f"{corridor!r} has no proposal yet", corridor)
            raise InputError(
                "--version", f"corridor {corridor!r} has no version {version}", version
            )
        return chosen.number, chosen.hash

    def _on_version(
        self, kind: Kind, corridor: str, key: SignerKey, version: int | None = None, **extra: Any
    ) -> SubmitResult:
        number, digest = self._version_hash(corridor, version)
        return self._send(kind, corridor, key, digest, {"version": number, **extra})

    def accept(self, corridor: str, key: SignerKey, version: int | None = None) -> SubmitResult:
        return self._on_version(Kind.ACCEPTANCE, corridor, key, version)

    def confirm_start(self, corridor: str, key: SignerKey) -> SubmitResult:
        return self._on_version(Kind.CEASEFIRE_START, corridor, key)

    def withdraw(self, corridor: str, key: SignerKey, reason: str) -> SubmitResult:
        return self._on_version(Kind.WITHDRAWAL, corridor, key, reason=reason)

    def suspend(self, corridor: str, key: SignerKey, reason: str) -> SubmitResult:
        return self._on_version(Kind.SUSPENSION, corridor, key, reason=reason)

    def resume(self, corridor: str, key: SignerKey, note: str = "") -> SubmitResult:
        return self._on_version(Kind.RESUMPTION, corridor, key, note=note)

    def report_incident(
        self, corridor: str, key: SignerKey, description: str, location: list[float] | None = None
    ) -> SubmitResult:
        extra: dict[str, Any] = {"description": description}
        if location is not None:
            extra["location"] = location
        return self._on_version(Kind.INCIDENT, corridor, key, **extra)

    def notify_movement(
        self, corridor: str, key: SignerKey, movement: str, description: str, departs: str
    ) -> SubmitResult:
        return self._on_version(
            Kind.MOVEMENT,
            corridor,
            key,
            movement=movement,
            description=description,
            departs=departs,
        )

    def acknowledge(self, corridor: str, key: SignerKey, movement: str) -> SubmitResult:
        return self._on_version(Kind.ACKNOWLEDGEMENT, corridor, key, movement=movement)


def key_ceremony(
    service: Signing,
    corridor: str,
    organisations: dict[str, str],
    signers: dict[str, SignerKey],
) -> list[SubmitResult]:
    """Open ``corridor`` and register and confirm both parties' keys, all on one machine (the
    worked example, tests, benchmarks): ``signers`` holds every role's key. In a real corridor
    each step is signed on its own machine and the fingerprints are compared in person."""
    done = [service.open_corridor(corridor, organisations, signers["intermediary"])]
    for role in ("party_a", "party_b"):
        done.append(service.register_key(corridor, role, signers[role]))
    for role in ("party_a", "party_b"):
        typed = fingerprint(signers[role].verifier_text)  # as the party's officer read it out
        done.append(service.confirm_key(corridor, role, typed, signers["intermediary"]))
    return done
