"""Ed25519 signature checks spread over the machine's cores, for long runs of log entries.

Checking a signature is most of the cost of appending an entry or verifying a log, and the
Ed25519 check in ``cryptography`` holds the GIL, so threads do not help (tried: no gain); worker
processes do. The pool answers one question only, which (public key, signature, message) triples
verify, while the caller's process goes on parsing the entries and deciding, in log order, which
key each entry must be signed with. A signature the pool did not confirm is checked again in the
caller's process, so the pool can make checking faster, never laxer.

Below :data:`MIN_BATCH` entries the pool is not used (handing work to another process costs more
than the check); the workers start on first use and stay until the process exits.
"""

from __future__ import annotations

import atexit
import concurrent.futures
import multiprocessing
import os
import threading
from collections.abc import Sequence
from concurrent.futures.process import BrokenProcessPool

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

Triple = tuple[bytes, bytes, bytes]
"""(raw 32-byte public key, signature, signed message)."""

MIN_BATCH = 64
CHUNK = 32


def check_triples(items: Sequence[Triple]) -> frozenset[Triple]:
    """The triples whose signature verifies (runs in a worker process)."""
    keys: dict[bytes, Ed25519PublicKey] = {}
    good = []
    for triple in items:
        public, signature, message = triple
        key = keys.get(public)
        if key is None:
            try:
                key = keys[public] = Ed25519PublicKey.from_public_bytes(public)
            except ValueError:
                continue
        try:
            key.verify(signature, message)
        except InvalidSignature:
            continue
        good.append(triple)
    return frozenset(good)


class SignaturePool:
    """Worker processes that check chunks of signatures; ``processes=0`` checks in-process."""

    def __init__(self, processes: int | None = None) -> None:
        self.processes = (os.cpu_count() or 1) if processes is None else processes
        self._executor: concurrent.futures.ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def _pool(self) -> concurrent.futures.ProcessPoolExecutor:
        with self._lock:
            if self._executor is None:
                # spawn, not fork: the caller may be a threaded server (uvicorn, SQLAlchemy pools)
                self._executor = concurrent.futures.ProcessPoolExecutor(
                    max_workers=self.processes, mp_context=multiprocessing.get_context("spawn")
                )
            return self._executor

    def submit(self, items: Sequence[Triple]) -> concurrent.futures.Future[frozenset[Triple]]:
        if self.processes >= 1:
            try:
                return self._pool().submit(check_triples, list(items))
            except (BrokenProcessPool, OSError, RuntimeError):
                # the workers died or cannot start (the main module may not be import-safe):
                # check in this process from now on
                self.processes = 0
                self.close(wait=False)
        done: concurrent.futures.Future[frozenset[Triple]] = concurrent.futures.Future()
        done.set_result(check_triples(items))
        return done

    def close(self, wait: bool = True) -> None:
        with self._lock:
            if self._executor is not None:
                self._executor.shutdown(wait=wait, cancel_futures=True)
                self._executor = None


_shared: SignaturePool | None = None
_shared_lock = threading.Lock()


def shared_pool() -> SignaturePool:
    """The process's one pool (one worker per core), started on first use."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = SignaturePool()
            atexit.register(_shared.close)
        return _shared
