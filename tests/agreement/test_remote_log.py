"""A server that answers badly gets a message naming the server and what was wrong, never a
traceback; the answers are simulated with httpx's mock transport."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from corridor.adapters.log_store import LogStore
from corridor.adapters.remote_log import RemoteLog, ServerError, plain_http_warning
from corridor.errors import InputError, MessageRefused
from corridor.tlog.errors import VerificationError
from corridor.tlog.keys import SignerKey
from corridor.tlog.merkle import MemoryTree

Handler = Callable[[httpx.Request], httpx.Response]


def remote(handler: Handler) -> RemoteLog:
    client = httpx.Client(transport=httpx.MockTransport(handler))
    return RemoteLog("https://coordination.example", "token", client=client)


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        (httpx.Response(200, text="<html>proxy login</html>"), "not JSON (text/plain"),
        (httpx.Response(200, json=["a", "list"]), "did not answer with entries"),
        (httpx.Response(200, json={"entries": ["***"]}), "entry 0 is not base64"),
        (httpx.Response(200, json={"entries": [17]}), "entry 0 is not base64"),
        (httpx.Response(500, json={"detail": "boom"}), "boom (HTTP 500)"),
    ],
)
def test_bad_answers_to_reading_the_log(answer: httpx.Response, says: str) -> None:
    with pytest.raises(ServerError, match="coordination.example.*" + re.escape(says)):
        _ = remote(lambda request: answer).size


def test_bad_answers_to_sending_a_message() -> None:
    answers = {
        "ok-without-index": httpx.Response(200, json={"kind": "incident"}),
        "refused": httpx.Response(
            409,
            json={"detail": "x", "errors": [{"field": "incident by party-a", "problem": "closed"}]},
        ),
        "refused-html": httpx.Response(422, text="<html>"),
        "forbidden": httpx.Response(403, json={"detail": "liaison-a may not do this"}),
    }
    for name, answer in answers.items():
        log = remote(lambda request, answer=answer: answer)  # type: ignore[misc]
        expected: tuple[type[Exception], str] = {
            "ok-without-index": (ServerError, "200 without a log index"),
            "refused": (MessageRefused, "incident by party-a refused: closed .said the server"),
            "refused-html": (MessageRefused, r"message refused: HTTP 422"),
            "forbidden": (InputError, "--token: the server says liaison-a may not"),
        }[name]
        with pytest.raises(expected[0], match=expected[1]):
            log.append_many([b"{}"])


def test_a_timeout_says_the_message_may_be_in_the_log() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    with pytest.raises(ServerError, match="may or may not be in the log: run the same command"):
        remote(slow).append_many([b"{}"])


def served(entries: list[bytes], checkpoint: bytes | None) -> RemoteLog:
    """A server whose log holds ``entries`` and whose latest checkpoint is ``checkpoint``."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/log/entries":
            start = int(request.url.params.get("start", 0))
            page = [base64.b64encode(e).decode() for e in entries[start : start + 1000]]
            return httpx.Response(200, json={"start": start, "entries": page})
        if request.url.path == "/v1/log/checkpoint":
            if checkpoint is None:
                return httpx.Response(404, json={"detail": "no checkpoint"})
            return httpx.Response(200, content=checkpoint)
        return httpx.Response(404)

    return remote(handler)


LOG_KEY = SignerKey.from_seed("corridor-log", bytes([3]) * 32)


def signed_log(tmp_path: Path, n: int) -> tuple[list[bytes], bytes]:
    store = LogStore.open(str(tmp_path / "log.db"))
    store.append_many([b'{"entry":%d}' % i for i in range(n)])
    note = store.sign_checkpoint(LOG_KEY)
    entries = list(store.entries())
    store.close()
    return entries, note


def test_entries_are_checked_against_the_signed_checkpoint(tmp_path: Path) -> None:
    entries, note = signed_log(tmp_path, 7)
    key = LOG_KEY.verifier()
    assert served(entries, note).check_complete(key) == (7, 7)
    assert served([*entries, b'{"entry":7}'], note).check_complete(key) == (7, 8)
    tree = MemoryTree()
    for e in entries[:4]:
        tree.append(e)
    assert served(entries, note).check_complete(key, (4, tree.root())) == (7, 7)
    cases = [
        (entries[:6], note, key, None, "withholding entries"),
        ([entries[1], entries[0], *entries[2:]], note, key, None, "not the ones"),
        ([*entries[:3], b'{"entry":"x"}', *entries[4:]], note, key, None, "not the ones"),
        (entries, None, key, None, "no checkpoint yet"),
        (entries, note, key, (4, bytes(32)), "a fork"),
        (entries, note, key, (9, tree.root()), "a fork"),
        (entries, note, SignerKey.from_seed("corridor-log", bytes(32)).verifier(), None, "note"),
    ]
    for shown, checkpoint, verifier, cosigned, says in cases:
        with pytest.raises(VerificationError, match=says):
            served(shown, checkpoint).check_complete(verifier, cosigned)


def test_a_token_sent_over_plain_http_is_warned_about() -> None:
    assert plain_http_warning("https://coordination.example") is None
    assert plain_http_warning("http://127.0.0.1:8765") is None
    warning = plain_http_warning("http://10.0.0.5:8765")
    assert warning is not None
    assert "unencrypted" in warning


def test_a_busy_log_is_a_fault_that_is_retried_never_a_refusal() -> None:
    """Issue 13, finding 8 (the client's half): a 503 with Retry-After is sent again after the
    wait the server asks for; a log that stays busy is a server error, not 'refused'."""
    busy = httpx.Response(
        503,
        headers={"Retry-After": "2"},
        json={"type": "https://corridor.invalid/problems/log-busy", "detail": "the log is busy"},
    )
    answers = [busy, busy, httpx.Response(200, json={"index": 12})]
    slept: list[float] = []
    client = httpx.Client(transport=httpx.MockTransport(lambda request: answers.pop(0)))
    log = RemoteLog("https://coordination.example", "token", client=client, sleep=slept.append)
    assert log.append_many([b"{}"]) == [12]
    assert slept == [2.0, 2.0]
    always = httpx.Client(transport=httpx.MockTransport(lambda request: busy))
    stuck = RemoteLog("https://coordination.example", "token", client=always, sleep=slept.append)
    with pytest.raises(ServerError, match=r"the log is busy.*nothing is known to have been stored"):
        stuck.append_many([b"{}"])
