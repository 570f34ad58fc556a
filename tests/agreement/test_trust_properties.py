"""Property (issue 13): whatever mix of genuine messages, forgeries, replays and re-signings is
sent to the log, the log it keeps verifies, never holds a statement twice, and never counts a
party's acceptance (or ceasefire confirmation) that is not signed by the key the party had
registered at that point.

The sequence is random: genuine acceptances, confirmations and counter-proposals; forgeries in
a party's name with a look-alike key; replays of entries already stored; the same statements
re-signed (a junk signature, a valid extra signature by another key, signatures reordered);
genuine key rotations; messages sent by the wrong liaison. A re-signing may be a valid envelope
of exactly the right keys (the same key's signature with another nonce, or two signatures in
the other order): only the rule that a statement counts once refuses that.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import CEREMONY, EXAMPLE_START, ceremony, fixed_clock
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corridor.adapters.log_store import LogStore
from corridor.domain.agreement import Kind, statement
from corridor.domain.proposal import ROLES, example_documents
from corridor.errors import CorridorError
from corridor.services.agreement import AgreementService, Submitter, sign_statement
from corridor.services.entries import check_entries
from corridor.tlog import dsse
from corridor.tlog.errors import VerificationError
from corridor.tlog.keys import SignerKey

from .other_signature import resign

CID = "eastbrook-westford-1"
PARTIES = ("party_a", "party_b")
SENT_BY = {"party_a": "party_a", "party_b": "party_b", "intermediary": "intermediary"}


def key(name: str, seed: int) -> SignerKey:
    return SignerKey.from_seed(name, bytes([seed]) * 32)


GENUINE = {r: key(r.replace("_", "-"), i + 1) for i, r in enumerate(ROLES)}
LOOK_ALIKE = {r: key(r.replace("_", "-"), 100 + i) for i, r in enumerate(PARTIES)}
ROTATED = {
    r: [key(r.replace("_", "-"), 50 + 10 * i + n) for n in range(3)] for i, r in enumerate(PARTIES)
}


SIGNERS = {
    k.verifier_text: k
    for k in (
        *GENUINE.values(),
        *LOOK_ALIKE.values(),
        *(k for keys in ROTATED.values() for k in keys),
        key("intermediary", 90),
    )
}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A log where the corridor is open, both keys confirmed, versions 1 and 2 proposed."""
    path = tmp_path_factory.mktemp("template") / "log.db"
    store = LogStore.open(str(path))
    service = AgreementService(store, fixed_clock())
    ceremony(service, GENUINE)
    first, second = example_documents(
        {r: k.verifier_text for r, k in GENUINE.items()}, EXAMPLE_START
    )
    service.propose(first, GENUINE["intermediary"])
    service.counter(second, GENUINE["party_b"])
    # a statement with two signatures: re-signing it with its signatures in the other order is
    # a valid envelope of exactly the right keys, that only the repeated-statement rule refuses
    service.rotate_key(CID, GENUINE["intermediary"], key("intermediary", 90))
    store.close()
    return path


#: The template's last entry: the rotation, signed by two keys.
ROTATION = CEREMONY + 2


@dataclass
class Party:
    """What the test, in each party's place, knows of its own keys over time."""

    keys: dict[str, SignerKey] = field(default_factory=lambda: dict(GENUINE))
    history: dict[str, list[tuple[int, str]]] = field(
        default_factory=lambda: {r: [(0, GENUINE[r].verifier_text)] for r in PARTIES}
    )

    def registered_at(self, role: str, index: int) -> str:
        return [k for at, k in self.history[role] if at <= index][-1]


Action = tuple[str, int, int]


def act(service: AgreementService, party: Party, action: Action) -> None:
    what, i, j = action
    role = PARTIES[i % 2]
    state = service.state()
    latest = state.corridors[CID].latest
    assert latest is not None
    entries = list(service.store.entries())
    who = Submitter(SENT_BY[role])
    if what == "accept":
        service.submit(_signed(service, Kind.ACCEPTANCE, party.keys[role], latest), who)
    elif what == "confirm":
        service.submit(_signed(service, Kind.CEASEFIRE_START, party.keys[role], latest), who)
    elif what == "counter":
        doc = dict(latest.document)
        doc["max_vehicles"] = 10 + j % 20
        service.counter(doc, party.keys["party_b"])
    elif what == "forge":
        envelope = _signed(service, Kind.ACCEPTANCE, LOOK_ALIKE[role], latest)
        service.submit(envelope, Submitter(SENT_BY[PARTIES[j % 2]]))
    elif what == "wrong-sender":
        other = Submitter(SENT_BY[PARTIES[(i + 1) % 2]])
        service.submit(_signed(service, Kind.ACCEPTANCE, party.keys[role], latest), other)
    elif what == "replay":
        service.submit(entries[j % len(entries)])
    elif what == "re-sign":
        target = ROTATION if j % 4 == 0 else j % len(entries)
        service.submit(_re_signed(entries[target], j))
    elif what == "rotate":
        new = ROTATED[role][j % 3]
        result = service.rotate_key(CID, party.keys[role], new)
        party.keys[role] = new
        party.history[role].append((result.index, new.verifier_text))


def _signed(service: AgreementService, kind: Kind, signer: SignerKey, latest: object) -> bytes:
    stmt = statement(
        kind,
        CID,
        signer.name,
        "2026-05-14T03:00:00Z",
        latest.hash,  # type: ignore[attr-defined]
        {"version": latest.number},  # type: ignore[attr-defined]
        follows=service.state().head(),
    )
    return sign_statement(stmt, signer)


def _re_signed(envelope: bytes, j: int) -> bytes:
    """The same statement with its signatures changed: for even ``j``, its signatures in the
    other order (two signatures) or the same key's signature made with another nonce (one:
    a valid envelope of exactly the right key); for odd ``j``, one signature added (junk, or
    valid by another party's key or a look-alike)."""
    env = dsse.parse(envelope)
    if j % 2 == 0:
        if len(env.signatures) > 1:
            swapped = tuple(reversed(env.signatures))
            return dsse.Envelope(env.payload_type, env.payload, swapped).to_bytes()
        signer = SIGNERS[env.signatures[0].keyid]
        pae = dsse.pae(env.payload_type.encode(), env.payload)
        again = dsse.Signature(signer.verifier_text, resign(signer.seed, pae, j + 1))
        return dsse.Envelope(env.payload_type, env.payload, (again,)).to_bytes()
    pae = dsse.pae(env.payload_type.encode(), env.payload)
    other = [*GENUINE.values(), *LOOK_ALIKE.values()][j % 5]
    extra = (
        dsse.Signature(other.verifier_text, other.sign(pae))
        if j % 2
        else dsse.Signature(other.verifier_text, bytes(64))
    )
    signatures = (extra, *env.signatures) if j % 3 else (*env.signatures, extra)
    return dsse.Envelope(env.payload_type, env.payload, signatures).to_bytes()


ACTIONS = st.lists(
    st.tuples(
        st.sampled_from(
            ["accept", "confirm", "counter", "forge", "wrong-sender", "replay", "re-sign", "rotate"]
        ),
        st.integers(0, 1),
        st.integers(0, 50),
    ),
    min_size=1,
    max_size=14,
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(actions=ACTIONS)
def test_no_log_verifies_with_a_repeated_statement_or_a_party_message_by_another_key(
    template: Path, actions: list[Action]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copy(template, Path(tmp) / "log.db")
        store = LogStore.open(str(Path(tmp) / "log.db"))
        service = AgreementService(store, fixed_clock())
        party = Party()
        for action in actions:
            with contextlib.suppress(CorridorError):  # refused: the log is as it was
                act(service, party, action)
        entries = list(store.entries())
        store.close()
    check_entries(entries)  # what the log kept verifies offline
    payloads = [dsse.parse(e).payload for e in entries]
    assert len(set(payloads)) == len(payloads)  # no statement twice
    for index, envelope in enumerate(entries):
        env = dsse.parse(envelope)
        predicate = json.loads(env.payload)["predicate"]
        kind = json.loads(env.payload)["predicateType"].split(":")[2]
        if kind in ("acceptance", "ceasefire-start"):
            role = "party_a" if predicate["author"] == "party-a" else "party_b"
            assert [s.keyid for s in env.signatures] == [party.registered_at(role, index)]
    # and a copy of a stored statement, re-signed and stored past the service, fails verify
    copies = ((0, entries[ROTATION]), (2, entries[-1]), (1, entries[-1]), (3, entries[0]))
    for j, envelope in copies:
        with pytest.raises(VerificationError):
            check_entries([*entries, _re_signed(envelope, j)])
