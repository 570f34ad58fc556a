"""Public test vectors (data/vectors/): Merkle proofs, DSSE PAE, JCS and C2SP signed notes."""

from __future__ import annotations

import base64
import json
import struct
from pathlib import Path

import pytest
import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from hypothesis import given, settings
from hypothesis import strategies as st

from corridor.errors import InputError
from corridor.tlog import dsse, merkle, note
from corridor.tlog.canonical import canonical_json, is_canonical
from corridor.tlog.errors import KeyFormatError, VerificationError
from corridor.tlog.keys import SignerKey, VerifierKey

VECTORS = Path(__file__).resolve().parents[2] / "data" / "vectors"
MERKLE = VECTORS / "merkle"


def _b64(value: str | None) -> bytes:
    return base64.b64decode(value or "")


def _cases(kind: str) -> list[Path]:
    return sorted((MERKLE / kind).rglob("*.json"))


@pytest.mark.parametrize("path", _cases("inclusion"), ids=lambda p: str(p.relative_to(MERKLE)))
def test_inclusion_vector_is_accepted_exactly_when_valid(path: Path) -> None:
    case = json.loads(path.read_text())
    proof = [_b64(p) for p in case["proof"] or []]
    try:
        merkle.verify_inclusion(
            case["leafIdx"], case["treeSize"], _b64(case["leafHash"]), proof, _b64(case["root"])
        )
    except VerificationError:
        assert case["wantErr"], case["desc"]
    else:
        assert not case["wantErr"], f"accepted a corrupted proof: {case['desc']}"


@pytest.mark.parametrize("path", _cases("consistency"), ids=lambda p: str(p.relative_to(MERKLE)))
def test_consistency_vector_is_accepted_exactly_when_valid(path: Path) -> None:
    case = json.loads(path.read_text())
    proof = [_b64(p) for p in case["proof"] or []]
    try:
        merkle.verify_consistency(
            case["size1"], case["size2"], proof, _b64(case["root1"]), _b64(case["root2"])
        )
    except VerificationError:
        assert case["wantErr"], case["desc"]
    else:
        assert not case["wantErr"], f"accepted a corrupted proof: {case['desc']}"


def test_vector_corpus_has_many_corrupted_cases() -> None:
    wanted = [
        json.loads(p.read_text())["wantErr"] for p in _cases("inclusion") + _cases("consistency")
    ]
    assert len(wanted) >= 190
    assert sum(wanted) > 150


def test_reference_tree_roots_and_generated_proofs_match() -> None:
    ref = json.loads((MERKLE / "reference-tree.json").read_text())
    tree = merkle.MemoryTree()
    assert tree.root().hex() == ref["rootHashesBySize"]["roots"][0]
    for i, data in enumerate(ref["leafInputs"]):
        tree.append(bytes.fromhex(data))
        assert tree.levels[0][i].hex() == ref["leafHashes"][i]
        assert tree.root().hex() == ref["rootHashesBySize"]["roots"][i + 1]
    happy = {
        p.parent.name: json.loads(p.read_text())
        for p in MERKLE.glob("inclusion/[0-9]/happy-path.json")
    }
    for case in happy.values():
        proof = tree.inclusion_proof(case["leafIdx"], case["treeSize"])
        assert proof == [_b64(p) for p in case["proof"] or []]
    for p in MERKLE.glob("consistency/[0-9]/happy-path.json"):
        case = json.loads(p.read_text())
        proof = tree.consistency_proof(case["size1"], case["size2"])
        assert proof == [_b64(x) for x in case["proof"] or []]


def test_generated_proofs_verify_for_every_size_up_to_70() -> None:
    tree = merkle.MemoryTree()
    for i in range(70):
        tree.append(struct.pack(">I", i))
    for size in range(1, 71):
        r = tree.root(size)
        for index in range(size):
            merkle.verify_inclusion(
                index, size, tree.levels[0][index], tree.inclusion_proof(index, size), r
            )
        for size1 in range(1, size + 1):
            merkle.verify_consistency(
                size1, size, tree.consistency_proof(size1, size), tree.root(size1), r
            )


def test_real_certificate_transparency_log_proofs_verify() -> None:
    ct = VECTORS / "ct-argon2020"
    params = json.loads((ct / "test-params.json").read_text())
    sth = json.loads((ct / "get-sth").read_text())
    entry = json.loads((ct / "get-entries-start-10000-end-10000").read_text())["entries"][0]
    proof_file = next(ct.glob("get-proof-by-hash-*"))
    audit = [_b64(h) for h in json.loads(proof_file.read_text())["audit_path"]]
    leaf = merkle.leaf_hash(_b64(entry["leaf_input"]))
    assert leaf == _b64(params["inclusion"]["leafHash"])
    root = _b64(sth["sha256_root_hash"])
    merkle.verify_inclusion(10000, sth["tree_size"], leaf, audit, root)
    with pytest.raises(VerificationError):
        merkle.verify_inclusion(10001, sth["tree_size"], leaf, audit, root)
    cons = [
        _b64(h)
        for h in json.loads(next(ct.glob("get-sth-consistency-*")).read_text())["consistency"]
    ]
    old = params["consistency"]
    merkle.verify_consistency(
        old["oldSize"], sth["tree_size"], cons, _b64(old["oldRootHash"]), root
    )
    with pytest.raises(VerificationError):
        merkle.verify_consistency(
            old["oldSize"] + 1, sth["tree_size"], cons, _b64(old["oldRootHash"]), root
        )


# -- DSSE ---------------------------------------------------------------------------------------


def test_dsse_spec_vector_pae_and_signature() -> None:
    spec = json.loads((VECTORS / "dsse" / "spec-vector.json").read_text())["specVector"]
    env = dsse.parse(json.dumps(spec["envelope"], sort_keys=True, separators=(",", ":")).encode())
    assert dsse.pae(env.payload_type.encode(), env.payload) == spec["pae"].encode()
    key = ec.EllipticCurvePublicNumbers(
        int(spec["key"]["x"]), int(spec["key"]["y"]), ec.SECP256R1()
    ).public_key()
    raw = env.signatures[0].sig
    der = encode_dss_signature(int.from_bytes(raw[:32]), int.from_bytes(raw[32:]))
    key.verify(der, dsse.pae(env.payload_type.encode(), env.payload), ec.ECDSA(hashes.SHA256()))
    with pytest.raises(InvalidSignature):
        key.verify(
            der, dsse.pae(env.payload_type.encode(), b"hello World"), ec.ECDSA(hashes.SHA256())
        )


def test_dsse_pae_counts_bytes_not_characters() -> None:
    cases = json.loads((VECTORS / "dsse" / "spec-vector.json").read_text())["paeDerived"]["cases"]
    for case in cases:
        got = dsse.pae(case["payloadTypeUtf8"].encode(), _b64(case["bodyBase64"]))
        assert got == _b64(case["paeBase64"]), case["desc"]


def test_dsse_ed25519_round_trip_and_tamper() -> None:
    key = SignerKey.from_seed("party-a", bytes(range(32)))
    data = dsse.sign(b'{"a":1}', key)
    env = dsse.parse(data)
    dsse.verify(env, key.verifier())
    other = SignerKey.from_seed("party-a", bytes(32))
    with pytest.raises(VerificationError):
        dsse.verify(env, other.verifier())
    forged = dsse.Envelope(env.payload_type, b'{"a":2}', env.signatures)
    with pytest.raises(VerificationError):
        dsse.verify(forged, key.verifier())
    with pytest.raises(VerificationError, match="canonical"):
        dsse.parse(data.replace(b'{"payload"', b'{ "payload"'))
    # canonical JSON, but a field DSSE does not have: a second spelling of the same message
    with pytest.raises(VerificationError, match="canonical"):
        dsse.parse(data.replace(b'{"keyid"', b'{"extra":1,"keyid"'))


@settings(max_examples=300, deadline=None)
@given(
    st.text(),
    st.binary(max_size=64),
    st.lists(st.tuples(st.text(max_size=12), st.binary(min_size=1, max_size=70)), max_size=3),
)
def test_envelope_bytes_are_the_canonical_json_of_the_envelope(
    payload_type: str, payload: bytes, sigs: list[tuple[str, bytes]]
) -> None:
    """The hand-written serialiser of envelopes equals RFC 8785 of the same envelope as a dict,
    and parse reads back exactly what was written (or refuses, never crashes)."""
    env = dsse.Envelope(payload_type, payload, tuple(dsse.Signature(k, s) for k, s in sigs))
    as_dict = {
        "payload": base64.b64encode(payload).decode(),
        "payloadType": payload_type,
        "signatures": [
            {"keyid": k, "sig": base64.b64encode(s).decode()}
            if k
            else {"sig": base64.b64encode(s).decode()}
            for k, s in sigs
        ],
    }
    try:
        expected = rfc8785.dumps(as_dict)
    except (rfc8785.CanonicalizationError, ValueError):
        with pytest.raises(InputError):
            env.to_bytes()
        return
    assert env.to_bytes() == expected
    if sigs:
        assert dsse.parse(expected) == env
    else:
        with pytest.raises(VerificationError, match="no signatures"):
            dsse.parse(expected)


def test_envelope_with_a_lone_surrogate_is_refused_as_not_canonical() -> None:
    key = SignerKey.from_seed("party-a", bytes(range(32)))
    data = dsse.sign(b'{"a":1}', key).replace(b"application/", b"\\ud800/")
    with pytest.raises(VerificationError, match="canonical"):
        dsse.parse(data)


# -- JCS ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["arrays", "french", "structures", "unicode", "values", "weird"])
def test_jcs_vectors(name: str) -> None:
    given = json.loads((VECTORS / "jcs" / "input" / f"{name}.json").read_text(encoding="utf-8"))
    assert canonical_json(given) == (VECTORS / "jcs" / "output" / f"{name}.json").read_bytes()


def test_jcs_es6_number_serialisation() -> None:
    lines = (VECTORS / "jcs" / "es6-numbers-first10000.txt").read_text().splitlines()
    checked = 0
    for line in lines:
        bits, want = line.split(",")
        value = struct.unpack(">d", bytes.fromhex(bits.rjust(16, "0")))[0]
        if value != value or value in (float("inf"), float("-inf")):
            continue
        assert canonical_json(value).decode() == want, line
        checked += 1
    assert checked > 9000


# -- signed notes -------------------------------------------------------------------------------


def _notes() -> dict[str, object]:
    data: dict[str, object] = json.loads((VECTORS / "signed-note" / "vectors.json").read_text())
    return data


def test_signed_note_keys_parse_and_sign_exactly() -> None:
    v = _notes()
    keys = {k["name"]: k for k in v["keys"]}  # type: ignore[attr-defined]
    peter = SignerKey.parse(keys["PeterNeumann"]["signerKey"])
    assert peter.verifier().text() == keys["PeterNeumann"]["verifierKey"]
    enoch = SignerKey.parse(keys["EnochRoot"]["signerKeyDerived"]["value"])
    assert enoch.verifier().text() == keys["EnochRoot"]["verifierKey"]
    one, two = v["signedNotes"]  # type: ignore[misc]
    signed = note.sign_note(one["text"], peter)
    assert signed.to_bytes() == one["signedNote"].encode()
    assert note.add_signature(signed, enoch).to_bytes() == two["signedNote"].encode()
    opened, verified = note.open_note(two["signedNote"].encode(), [peter.verifier()])
    assert [k.name for k in verified] == ["PeterNeumann"]
    assert len(opened.signatures) == 2
    with pytest.raises(VerificationError, match="no verifiable"):
        note.open_note(two["signedNote"].encode(), [])


def test_signed_note_negative_cases_are_refused() -> None:
    v = _notes()
    neg = v["negative"]
    peter_text = v["keys"][0]["verifierKey"]  # type: ignore[index]
    peter = VerifierKey.parse(peter_text)
    for bad in neg["badVerifierKeys"]:  # type: ignore[index]
        with pytest.raises(KeyFormatError):
            VerifierKey.parse(bad["value"])
    for cut in range(1, len(peter_text)):
        with pytest.raises(KeyFormatError):
            VerifierKey.parse(peter_text[:cut])
    with pytest.raises(VerificationError, match="invalid signature"):
        note.open_note(neg["invalidSignature"]["note"].encode(), [peter])  # type: ignore[index]
    many = neg["tooManySignatures"]  # type: ignore[index]
    data = (many["text"] + "\n" + many["repeatedSignatureLine"] * many["repeatCount"]).encode()
    with pytest.raises(VerificationError, match="malformed"):
        note.open_note(data, [peter])
    for bad in neg["malformedNotes"]:  # type: ignore[index]
        with pytest.raises(VerificationError, match="malformed"):
            note.open_note(base64.b64decode(bad["base64"]), [peter])


def test_c2sp_examples_parse_and_verify() -> None:
    ex = json.loads((VECTORS / "signed-note" / "c2sp-examples.json").read_text())["examples"]
    foo = ex[0]
    note.open_note(foo["signedNote"].encode(), [VerifierKey.parse(foo["verifierKey"])])
    cp_note = note.parse_note((VECTORS / "signed-note" / "checkpoint-example.txt").read_bytes())
    cp = note.Checkpoint.parse(cp_note.text)
    assert (cp.origin, cp.size) == (ex[2]["origin"], ex[2]["treeSize"])
    assert cp.root_hash == _b64(ex[2]["rootHash"])
    cosigned = note.parse_note(ex[3]["signedNote"].encode())
    witness_sig = cosigned.signatures[1]
    assert struct.unpack(">Q", witness_sig.body[:8])[0] == 1679315147
    assert note.cosigned_message(cp_note.text, 1679315147) == ex[4]["cosignedMessage"].encode()


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**60), 2**60)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_fast_canonical_path_equals_rfc8785(value: object) -> None:
    try:
        expected = rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, ValueError):
        with pytest.raises(InputError):
            canonical_json(value)
        return
    assert canonical_json(value) == expected


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_canonical_check_accepts_exactly_the_rfc8785_bytes(value: object) -> None:
    try:
        expected = rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, ValueError):
        return
    assert is_canonical(expected)
    for other in (json.dumps(value, indent=1).encode(), json.dumps(value).encode()):
        assert is_canonical(other) == (other == expected)
