"""What the liaison desk costs before each signature: Chromium checks a whole log (every
envelope's Ed25519 signature, the RFC 9162 root of all entries) with WebCrypto, against the CLI's
own check of the same entries in Python (``cryptography``), in the same run.

The desk downloads and checks the whole log before every signature (docs/agreement.md, part 1,
step 7), so this is the wait a liaison sees, less the download. Chromium from /usr/bin/chromium;
the desk's modules served from the package's static folder on 127.0.0.1 (a secure context).

    .venv/bin/python benchmarks/desk_verify.py [--sizes 1000,5000]
"""

from __future__ import annotations

import argparse
import base64
import functools
import http.server
import statistics
import threading
import time
from pathlib import Path

from corridor.domain.statement import Follows, Kind, statement
from corridor.services.entries import sign_statement
from corridor.tlog import dsse
from corridor.tlog.keys import SignerKey, VerifierKey
from corridor.tlog.merkle import MemoryTree, leaf_hash

STATIC = Path(__file__).resolve().parents[1] / "src/corridor/entrypoints/web/static"
CHECK = """async (entries) => {
  const { unb64 } = await import('/js/desk/bytes.js');
  const h = await import('/js/desk/history.js');
  const m = await import('/js/desk/merkle.js');
  const raw = entries.map(unb64);
  const t0 = performance.now();
  await h.verifyEntries(raw);
  const leaves = [];
  for (const e of raw) leaves.push(await m.leafHash(e));
  const root = await m.rootOf(leaves);
  return [performance.now() - t0, Array.from(root)];
}"""


def make_log(n: int) -> list[bytes]:
    keys = [SignerKey.generate(name) for name in ("party-a", "party-b", "intermediary")]
    out = []
    follows = None
    for i in range(n):
        key = keys[i % 3]
        body = {"version": 1, "description": f"incident {i}", "location": [35.1 + i / 1e5, 47.1]}
        stmt = statement(
            Kind.INCIDENT,
            "bench",
            key.name,
            "2026-12-06T05:00:00Z",
            "ab" * 32,
            body,
            follows=follows,
        )
        env = sign_statement(stmt, key)
        out.append(env)
        follows = Follows(i, leaf_hash(env).hex())
    return out


def python_check(entries: list[bytes]) -> tuple[float, bytes]:
    t0 = time.perf_counter()
    tree = MemoryTree()
    for e in entries:
        env = dsse.parse(e)
        for s in env.signatures:
            dsse.verify(env, _key(s.keyid))
        tree.append(e)
    root = tree.root()
    return (time.perf_counter() - t0) * 1000, root


@functools.lru_cache(maxsize=16)
def _key(text: str) -> VerifierKey:
    return VerifierKey.parse(text)


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,5000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(STATIC))
    handler.log_message = lambda *a, **k: None  # type: ignore[method-assign]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/desk.html"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"]
        )
        page = browser.new_page()
        page.route("**/v1/**", lambda r: r.fulfill(status=404, body="{}"))
        page.goto(url)
        print("| entries | desk in Chromium (median ms) | CLI in Python (median ms) | desk / CLI |")
        print("|---|---|---|---|")
        for n in (int(s) for s in args.sizes.split(",")):
            entries = make_log(n)
            encoded = [base64.b64encode(e).decode() for e in entries]
            js, py = [], []
            for _ in range(args.repeat):
                ms, root = page.evaluate(CHECK, encoded)
                js.append(ms)
                ms_py, root_py = python_check(entries)
                py.append(ms_py)
                assert bytes(root) == root_py, "the browser's root differs from the CLI's"
            a, b = statistics.median(js), statistics.median(py)
            print(f"| {n:,} | {a:,.0f} | {b:,.0f} | {a / b:.2f}× |")
        browser.close()
    server.shutdown()


if __name__ == "__main__":
    main()
