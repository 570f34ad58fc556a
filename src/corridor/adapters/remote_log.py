"""A coordination server's agreement log, seen from a party's own machine over HTTP.

A liaison officer signs on their own machine and should not take the server's word for where the
negotiation stands: :class:`RemoteLog` downloads the log's entries (``GET /v1/log/entries``), and
:class:`~corridor.services.agreement.AgreementService` replays and checks every one of them, as
it does a local log, before anything is signed; the signed envelope then goes to
``POST /v1/agreement/envelopes``, where the server checks it again before appending it.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx

from corridor.adapters.log_store import LogStore
from corridor.errors import CorridorError, InputError, MessageRefused
from corridor.tlog import merkle
from corridor.tlog.errors import VerificationError
from corridor.tlog.keys import VerifierKey
from corridor.tlog.merkle import MemoryTree
from corridor.tlog.note import open_checkpoint

PAGE = 1000  # the server's page size for /v1/log/entries
BUSY_TRIES = 6  # a 503 (the log busy, storage unavailable) is tried again, this many times in all
BUSY_WAIT_CAP = 10.0  # seconds: the longest Retry-After honoured
DEFAULT_LOG = "log.db"
OLD_DEFAULT_LOG = "ledger.db"  # the default file's name before "log" was the one word for it


class ServerError(CorridorError):
    """The server could not be reached or failed; nothing is known to have been stored."""

    exit_code = 1


def is_server_url(target: str) -> bool:
    return target.startswith(("http://", "https://"))


def plain_http_warning(target: str) -> str | None:
    """A warning when an access token would cross the network unencrypted."""
    host = httpx.URL(target).host
    if target.startswith("http://") and host not in ("localhost", "127.0.0.1", "::1"):
        return (
            f"warning: {target} is plain http: your access token and messages cross the network "
            "unencrypted; use https:// (signatures still protect the messages themselves)"
        )
    return None


@contextlib.contextmanager
def open_log(target: str, token: str | None, create: bool = True) -> Iterator[LogStore | RemoteLog]:
    """The log at a SQLite path or database URL, or a coordination server's log (closed after).

    The default file, ``log.db``, was called ``ledger.db`` before: where only the old one is
    there, it is the log (said on stderr), for one release."""
    if is_server_url(target) and (warning := plain_http_warning(target)):
        print(warning, file=sys.stderr)
    if target == DEFAULT_LOG and not Path(target).exists() and Path(OLD_DEFAULT_LOG).exists():
        print(
            f"note: using {OLD_DEFAULT_LOG}, the old name of the default log file; rename it "
            f"{DEFAULT_LOG}",
            file=sys.stderr,
        )
        target = OLD_DEFAULT_LOG
    store = RemoteLog(target, token) if is_server_url(target) else LogStore.open(target, create)
    try:
        yield store
    finally:
        store.close()


class RemoteLog:
    """The parts of :class:`~corridor.adapters.log_store.LogStore` that signing needs."""

    def __init__(
        self,
        url: str,
        token: str | None,
        client: httpx.Client | None = None,
        timeout: float = 30,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not token:
            raise InputError(
                "--token", "a log on a server needs your access token (--token or CORRIDOR_TOKEN)"
            )
        self.url = url.rstrip("/")
        self._client = client if client is not None else httpx.Client(timeout=timeout)
        self._own_client = client is None
        self._headers = {"Authorization": f"Bearer {token}"}
        self._entries: list[bytes] = []
        self._leaves: dict[bytes, int] = {}
        self._sleep = sleep

    def _request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        headers = {**self._headers, **kw.pop("headers", {})}
        try:
            response = self._client.request(method, self.url + path, headers=headers, **kw)
        except httpx.TimeoutException as exc:
            raise ServerError(
                f"no answer from the server at {self.url} in time ({exc}); if a message was "
                "being sent, it may or may not be in the log: run the same command again (the "
                "same signed bytes are never logged twice) or check with 'status'"
            ) from exc
        except httpx.HTTPError as exc:
            raise ServerError(f"cannot reach the server at {self.url}: {exc}") from exc
        if response.status_code in (401, 403):
            raise InputError("--token", f"the server says {_detail(response)}")
        return response

    def _fetch(self) -> None:
        """Read the entries appended since the last read (the server holds the log)."""
        while True:
            response = self._request("GET", "/v1/log/entries", params={"start": len(self._entries)})
            if response.status_code != 200:
                raise ServerError(f"{self.url}/v1/log/entries: {_detail(response)}")
            body = _json(response)
            page = body.get("entries") if isinstance(body, dict) else None
            if not isinstance(page, list):
                raise ServerError(f"{self.url}/v1/log/entries did not answer with entries")
            for text in page:
                try:
                    envelope = base64.b64decode(text, validate=True)
                except (binascii.Error, TypeError, ValueError) as exc:
                    raise ServerError(
                        f"{self.url}/v1/log/entries: entry {len(self._entries)} is not base64"
                    ) from exc
                self._leaves.setdefault(merkle.leaf_hash(envelope), len(self._entries))
                self._entries.append(envelope)
            if len(page) < PAGE:
                return

    @property
    def size(self) -> int:
        self._fetch()
        return len(self._entries)

    def entries(self, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        if end is None or end > len(self._entries):
            self._fetch()
        yield from self._entries[start:end]

    def indexes_of(self, envelopes: Sequence[bytes]) -> dict[bytes, int]:
        found = ((merkle.leaf_hash(e), e) for e in envelopes)
        return {leaf: self._leaves[leaf] for leaf, _ in found if leaf in self._leaves}

    def append_many(
        self,
        envelopes: Sequence[bytes],
        expect_size: int | None = None,
        new_only: bool = False,
        before_commit: Callable[[Any], None] | None = None,
    ) -> list[int]:
        """Send each envelope; returns the index the server gave it. The server checks each
        one again against its log, which may have grown since it was read here."""
        if before_commit is not None:
            raise ValueError("a server commits its own log: nothing runs in its transaction")
        return [self._post_envelope(envelope) for envelope in envelopes]

    def _post_envelope(self, envelope: bytes) -> int:
        """Post one envelope; a 503 (the log busy, its storage unavailable) is a fault, not a
        refusal: the same bytes are sent again after the server's Retry-After (they are never
        logged twice), and only a 409 or 422 is the log's refusal."""
        for attempt in range(BUSY_TRIES):
            response = self._request(
                "POST",
                "/v1/agreement/envelopes",
                content=envelope,
                headers={"content-type": "application/json"},
            )
            if response.status_code != 503 or attempt == BUSY_TRIES - 1:
                break
            self._sleep(_retry_after(response))
        if response.status_code == 503:
            raise ServerError(
                f"{self.url}/v1/agreement/envelopes: {_detail(response)}, {BUSY_TRIES} times; "
                "nothing is known to have been stored: run the same command again later (the "
                "same signed bytes are never logged twice)"
            )
        if response.status_code != 200:
            field, problem = _first_error(response)
            if response.status_code in (409, 422):
                raise MessageRefused(field, f"{problem} (said the server; nothing was added)")
            raise ServerError(f"{self.url}/v1/agreement/envelopes: {_detail(response)}")
        body = _json(response)
        try:
            return int(body["index"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ServerError(
                f"{self.url}/v1/agreement/envelopes answered 200 without a log index"
            ) from exc

    def check_complete(
        self, log_key: VerifierKey, cosigned: tuple[int, bytes] | None = None
    ) -> tuple[int, int]:
        """Check the downloaded entries against the log's latest signed checkpoint: the server
        cannot have dropped, reordered or changed any entry the checkpoint covers, and (given
        the size and root this party last cosigned) cannot be showing this party a fork.
        Returns (entries covered by the checkpoint, entries read); raises VerificationError."""
        note = self.latest_checkpoint()
        if note is None:
            raise VerificationError(
                "checkpoint",
                "the server has signed no checkpoint yet, so nothing proves the "
                "entries it sent are all of them; ask the coordinator for one",
            )
        _, checkpoint = open_checkpoint(note, log_key)
        entries = list(self.entries())
        if checkpoint.size > len(entries):
            raise VerificationError(
                "log",
                f"the server sent {len(entries)} entries but its checkpoint commits to "
                f"{checkpoint.size}: it is withholding entries",
            )
        tree = MemoryTree()
        for envelope in entries[: checkpoint.size]:
            tree.append(envelope)
        if tree.root() != checkpoint.root_hash:
            raise VerificationError(
                "log",
                "the entries the server sent are not the ones its signed checkpoint "
                "commits to (dropped, reordered or changed)",
            )
        if cosigned is not None:
            old_size, old_root = cosigned
            if old_size > checkpoint.size or (old_size and tree.root(old_size) != old_root):
                raise VerificationError(
                    "log",
                    f"this history differs from the one you cosigned at {old_size} "
                    "entries: the server is showing you a fork",
                )
        return checkpoint.size, len(entries)

    # -- what a witness needs: the checkpoint, a consistency proof, a place for its cosignature

    def sign_checkpoint(self) -> bytes:
        """Have the server sign a checkpoint of its log as it is now (coordinator's token)."""
        response = self._request("POST", "/v1/log/checkpoint")
        if response.status_code != 200:
            raise ServerError(f"{self.url}/v1/log/checkpoint: {_detail(response)}")
        return response.content

    def latest_checkpoint(self) -> bytes | None:
        response = self._request("GET", "/v1/log/checkpoint")
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise ServerError(f"{self.url}/v1/log/checkpoint: {_detail(response)}")
        return response.content

    def consistency_proof(self, first: int, second: int) -> list[bytes]:
        """The server's proof; the witness checks it against both roots, so it need not be
        trusted."""
        response = self._request(
            "GET", "/v1/log/proof/consistency", params={"first": first, "second": second}
        )
        if response.status_code != 200:
            raise ServerError(f"{self.url}/v1/log/proof/consistency: {_detail(response)}")
        body = _json(response)
        try:
            return [base64.b64decode(h, validate=True) for h in body["proof"]]
        except (KeyError, TypeError, ValueError, binascii.Error) as exc:
            raise ServerError(f"{self.url}/v1/log/proof/consistency: no readable proof") from exc

    def witness_checkpoints(self) -> dict[str, tuple[str, bytes]]:
        """Each registered witness's newest cosigned checkpoint, by its cosigner key ID (as
        :meth:`~corridor.adapters.log_store.LogStore.witness_checkpoints`); verified offline."""
        response = self._request("GET", "/v1/log/witnesses")
        if response.status_code != 200:
            raise ServerError(f"{self.url}/v1/log/witnesses: {_detail(response)}")
        out: dict[str, tuple[str, bytes]] = {}
        for item in _json(response):
            key_id = str(item.get("key_id", ""))
            if item.get("cosigned_size") is None or not key_id.isalnum():
                continue
            got = self._request("GET", f"/v1/log/witnesses/{key_id}/checkpoint")
            if got.status_code == 200:
                out[key_id] = (str(item.get("key")), got.content)
        return out

    def add_cosignatures(self, cosigned: bytes, witness: VerifierKey) -> None:
        response = self._request(
            "POST",
            "/v1/log/cosignatures",
            json={"note": cosigned.decode(), "witness_key": witness.text()},
        )
        if response.status_code not in (200, 204):
            field, problem = _first_error(response)
            raise InputError(field, f"{problem} (said the server)")

    def close(self) -> None:
        if self._own_client:
            self._client.close()


def _json(response: httpx.Response) -> Any:
    """The body of a 200 answer; a proxy's HTML page or a truncated body is named as such."""
    try:
        return response.json()
    except ValueError as exc:
        raise ServerError(
            f"{response.request.url} answered {response.status_code} with something that is not "
            f"JSON ({response.headers.get('content-type', 'no content type')})"
        ) from exc


def _retry_after(response: httpx.Response) -> float:
    try:
        seconds = float(response.headers.get("retry-after", "1"))
    except ValueError:
        seconds = 1.0
    return min(max(seconds, 0.1), BUSY_WAIT_CAP)


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    if isinstance(body, dict) and isinstance(body.get("detail"), str):
        return f"{body['detail']} (HTTP {response.status_code})"
    return f"HTTP {response.status_code}"


def _first_error(response: httpx.Response) -> tuple[str, str]:
    try:
        body = response.json()
        first = body["errors"][0]
        return str(first["field"]), str(first["problem"])
    except (ValueError, KeyError, IndexError, TypeError):
        return "message", _detail(response)
