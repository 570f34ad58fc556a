"""The key ceremony, rotation and revocation, and replay protection, on a real (SQLite) log."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import CEREMONY, EXAMPLE_START, ceremony, fixed_clock

from corridor.adapters.log_store import LogStore
from corridor.domain.agreement import Follows, Kind, statement
from corridor.domain.keyring import fingerprint, key_digest
from corridor.domain.proposal import EXAMPLE_ORGANISATIONS, ROLES, example_documents
from corridor.errors import InputError
from corridor.services.agreement import AgreementService, MessageRefused, sign_statement
from corridor.services.entries import check_entries
from corridor.tlog import dsse
from corridor.tlog.errors import VerificationError
from corridor.tlog.keys import SignerKey

CID = "eastbrook-westford-1"
NOW = "2026-05-14T03:00:00Z"


@pytest.fixture
def keys() -> dict[str, SignerKey]:
    return {
        r: SignerKey.from_seed(r.replace("_", "-"), bytes([i + 1]) * 32)
        for i, r in enumerate(ROLES)
    }


@pytest.fixture
def log(tmp_path: Path) -> AgreementService:
    return AgreementService(LogStore.open(str(tmp_path / "log.db")), fixed_clock())


def agreed(log: AgreementService, keys: dict[str, SignerKey]) -> str:
    ceremony(log, keys)
    first, second = example_documents(
        {r: k.verifier().text() for r, k in keys.items()}, EXAMPLE_START
    )
    log.propose(first, keys["intermediary"])
    log.counter(second, keys["party_b"])
    for role in ("party_a", "party_b"):
        log.accept(CID, keys[role])
    return str(log.state().corridors[CID].latest.hash)  # type: ignore[union-attr]


def signed(
    log: AgreementService, kind: Kind, signer: SignerKey, digest: str, **body: object
) -> bytes:
    stmt = statement(kind, CID, signer.name, NOW, digest, dict(body), follows=log.state().head())
    return sign_statement(stmt, signer)


def test_no_proposal_before_both_keys_are_confirmed(
    log: AgreementService, keys: dict[str, SignerKey]
) -> None:
    first, _ = example_documents({r: k.verifier().text() for r, k in keys.items()}, EXAMPLE_START)
    with pytest.raises(InputError, match="has not been opened"):
        log.propose(first, keys["intermediary"])
    log.open_corridor(CID, EXAMPLE_ORGANISATIONS, keys["intermediary"])
    log.register_key(CID, "party_a", keys["party_a"])
    log.register_key(CID, "party_b", keys["party_b"])
    state = log.state().corridors[CID]
    assert state.describe(fixed_clock()()).startswith("draft (opened; awaiting the confirmed keys")
    assert (
        "Westford district authority (party_b) key registered" in state.missing(fixed_clock()())[1]
    )
    with pytest.raises(InputError, match="party_a has no confirmed key yet"):
        log.propose(first, keys["intermediary"])


def test_a_key_is_confirmed_only_with_its_fingerprint_and_only_by_the_intermediary(
    log: AgreementService, keys: dict[str, SignerKey]
) -> None:
    log.open_corridor(CID, EXAMPLE_ORGANISATIONS, keys["intermediary"])
    log.register_key(CID, "party_b", keys["party_b"])
    text = keys["party_b"].verifier_text
    with pytest.raises(InputError, match="is not the fingerprint of the key party_b registered"):
        log.confirm_key(CID, "party_b", "0000 1111 2222 3333", keys["intermediary"])
    # the same statement made by hand, with the wrong fingerprint, is refused by the log
    wrong = signed(
        log,
        Kind.KEY_CONFIRMATION,
        keys["intermediary"],
        key_digest(text),
        role="party_b",
        key=text,
        fingerprint="0000 1111 2222 3333",
    )
    with pytest.raises(MessageRefused, match="do not confirm a key you have not compared"):
        log.submit(wrong)
    by_party = signed(
        log,
        Kind.KEY_CONFIRMATION,
        keys["party_b"],
        key_digest(text),
        role="party_b",
        key=text,
        fingerprint=fingerprint(text),
    )
    with pytest.raises(MessageRefused, match="not by the key registered for intermediary"):
        log.submit(by_party)
    log.confirm_key(
        CID, "party_b", fingerprint(text).upper().replace(" ", ""), keys["intermediary"]
    )
    assert log.state().corridors[CID].keys.current["party_b"] == text


def test_a_key_is_registered_by_its_holder_only(
    log: AgreementService, keys: dict[str, SignerKey]
) -> None:
    log.open_corridor(CID, EXAMPLE_ORGANISATIONS, keys["intermediary"])
    someone_elses = keys["party_b"].verifier_text
    forged = signed(
        log,
        Kind.KEY_REGISTRATION,
        keys["party_a"],
        key_digest(someone_elses),
        role="party_b",
        key=someone_elses,
    )
    with pytest.raises(MessageRefused, match="a key is registered by its holder"):
        log.submit(forged)
    log.register_key(CID, "party_a", keys["party_a"])
    with pytest.raises(MessageRefused, match=r"is party_a's already|of its own name"):
        # party_a's key, named for party_b: no key speaks for two roles
        log.register_key(CID, "party_b", keys["party_a"])


def test_rotation_needs_both_keys_and_the_old_key_no_longer_speaks(
    log: AgreementService, keys: dict[str, SignerKey]
) -> None:
    digest = agreed(log, keys)
    new = SignerKey.from_seed("party-a", bytes([42]) * 32)
    only_old = signed(
        log,
        Kind.KEY_ROTATION,
        keys["party_a"],
        key_digest(new.verifier_text),
        role="party_a",
        key=new.verifier_text,
    )
    with pytest.raises(MessageRefused, match="needs a signature by party-a too"):
        log.submit(only_old)
    log.rotate_key(CID, keys["party_a"], new)
    state = log.state().corridors[CID]
    assert state.keys.current["party_a"] == new.verifier_text
    stale = signed(log, Kind.CEASEFIRE_START, keys["party_a"], digest, version=2)
    with pytest.raises(MessageRefused, match="not by the key registered for party_a"):
        log.submit(stale)
    log.confirm_start(CID, new)
    # a counter-proposal names the keys as they are now, filled in by the client
    third = dict(state.latest.document)  # type: ignore[union-attr]
    with pytest.raises(InputError, match=r"participants\.party_a\.key"):
        log.counter(third, keys["party_b"])


def test_revocation_by_the_key_or_the_intermediary_then_a_new_ceremony(
    log: AgreementService, keys: dict[str, SignerKey]
) -> None:
    agreed(log, keys)
    lost = keys["party_b"].verifier_text
    log.revoke_key(CID, "party_b", lost, keys["intermediary"], "the laptop was lost")
    state = log.state().corridors[CID]
    assert "party_b" not in state.keys.current
    with pytest.raises(MessageRefused, match="has no confirmed key"):
        log.confirm_start(CID, keys["party_b"])
    with pytest.raises(MessageRefused, match="was revoked"):
        log.register_key(CID, "party_b", keys["party_b"])
    fresh = SignerKey.from_seed("party-b", bytes([77]) * 32)
    log.register_key(CID, "party_b", fresh)
    log.confirm_key(CID, "party_b", fingerprint(fresh.verifier_text), keys["intermediary"])
    with pytest.raises(MessageRefused, match="rotated, never revoked"):
        log.revoke_key(
            CID, "intermediary", keys["intermediary"].verifier_text, keys["intermediary"], "x"
        )
    check_entries(list(log.store.entries()))  # every step verifies offline


def test_a_statement_counts_once_whatever_signatures_its_envelope_carries(
    log: AgreementService, keys: dict[str, SignerKey]
) -> None:
    agreed(log, keys)
    acceptance = log.store.entry(CEREMONY + 2)  # party A's acceptance
    env = dsse.parse(acceptance)
    junk = dsse.Signature(keys["party_b"].verifier_text, bytes(64))
    for signatures in ((*env.signatures, junk), (junk, *env.signatures)):
        again = dsse.Envelope(env.payload_type, env.payload, signatures).to_bytes()
        with pytest.raises(MessageRefused, match="does not verify"):
            log.submit(again)
    # a valid extra signature (party B signs party A's acceptance too) is refused as well
    pae = dsse.pae(env.payload_type.encode(), env.payload)
    both = dsse.Signature(keys["party_b"].verifier_text, keys["party_b"].sign(pae))
    doubled = dsse.Envelope(env.payload_type, env.payload, (*env.signatures, both)).to_bytes()
    with pytest.raises(MessageRefused, match="in the log already"):
        log.submit(doubled)
    size = log.store.size
    assert log.submit(acceptance).duplicate  # the identical retry: the entry stored first
    assert log.store.size == size


def test_the_offline_verifier_fails_on_a_repeated_statement(
    log: AgreementService, keys: dict[str, SignerKey], tmp_path: Path
) -> None:
    """A log that holds the same statement twice (written past the service) fails verify."""
    agreed(log, keys)
    entries = list(log.store.entries())
    env = dsse.parse(entries[CEREMONY + 2])
    pae = dsse.pae(env.payload_type.encode(), env.payload)
    extra = dsse.Signature(keys["party_b"].verifier_text, keys["party_b"].sign(pae))
    swapped = dsse.Envelope(env.payload_type, env.payload, (extra, *env.signatures)).to_bytes()
    raw = LogStore.open(str(tmp_path / "raw.db"))
    raw.append_many([*entries, swapped])
    with pytest.raises(VerificationError, match=f"entry {len(entries)}: .*in the log already"):
        check_entries(list(raw.entries()))


def test_a_statement_follows_an_entry_of_this_log(
    log: AgreementService, keys: dict[str, SignerKey]
) -> None:
    digest = agreed(log, keys)
    size = log.store.size

    def follows(value: Follows | None) -> bytes:
        stmt = statement(Kind.CEASEFIRE_START, CID, "party-a", NOW, digest, {"version": 2})
        stmt["predicate"]["follows"] = None if value is None else value.as_json()
        return sign_statement(stmt, keys["party_a"])

    with pytest.raises(MessageRefused, match="follows is null, but the log is not empty"):
        log.submit(follows(None))
    with pytest.raises(MessageRefused, match=f"names entry {size}, which is not before"):
        log.submit(follows(Follows(size, "0" * 64)))
    with pytest.raises(MessageRefused, match="another log or another history"):
        log.submit(follows(Follows(2, "ab" * 32)))
    stmt = json.loads(dsse.parse(follows(Follows(2, "ab" * 32))).payload)
    del stmt["predicate"]["follows"]
    with pytest.raises(MessageRefused, match="follows is missing"):
        log.submit(sign_statement(stmt, keys["party_a"]))
    assert log.store.size == size
