"""``corridor serve --tls-cert --tls-key``: the service and the liaison desk over HTTPS (a
secure context, where WebCrypto signs), with a certificate made by the test; a half-given or
unreadable TLS option is refused at start, naming the option and the file."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import signal
import ssl
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from .conftest import CHROMIUM_ARGS, CORRIDOR, free_port

pytestmark = pytest.mark.browser


def self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    start = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=365 * 30))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def test_the_desk_is_served_over_https(tmp_path: Path, chromium: Path) -> None:
    cert, key = self_signed(tmp_path)
    port = free_port()
    log = (tmp_path / "serve.log").open("w")
    env = {**os.environ, "CORRIDOR_ENVIRONMENT": "local"}
    args = ["serve", "--port", str(port), "--data-dir", str(tmp_path / "data")]
    proc = subprocess.Popen(
        [*CORRIDOR, *args, "--tls-cert", str(cert), "--tls-key", str(key)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    url = f"https://127.0.0.1:{port}"
    trust = ssl.create_default_context(cafile=str(cert))
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(url + "/v1/health", verify=trust, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, (tmp_path / "serve.log").read_text()
            assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
            time.sleep(0.3)
        assert f"on https://127.0.0.1:{port}/" in (tmp_path / "serve.log").read_text()
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=2)
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS
            )
            context = browser.new_context(ignore_https_errors=True)
            page = context.new_page()
            page.goto(url + "/desk.html")
            said: Any = page.evaluate(
                """async () => {
                  const keys = await import('/js/desk/keys.js');
                  const k = await keys.generate('party-a');
                  return [window.isSecureContext, location.protocol, k.verifierText];
                }"""
            )
            browser.close()
        assert said[0] is True
        assert said[1] == "https:"
        assert said[2].startswith("party-a+")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        log.close()


@pytest.mark.parametrize(
    ("given", "named"),
    [
        (["--tls-cert", "CERT"], "--tls-key"),
        (["--tls-key", "KEY"], "--tls-cert"),
        (["--tls-cert", "CERT", "--tls-key", "MISSING"], "--tls-key"),
        (["--tls-cert", "NOTPEM", "--tls-key", "KEY"], "--tls-cert"),
    ],
)
def test_a_half_given_or_unreadable_tls_option_is_refused(
    tmp_path: Path, given: list[str], named: str
) -> None:
    cert, key = self_signed(tmp_path)
    (tmp_path / "not.pem").write_text("hello")
    files = {"CERT": cert, "KEY": key, "MISSING": tmp_path / "nope.pem"}
    files["NOTPEM"] = tmp_path / "not.pem"
    args = [str(files.get(a, a)) for a in given]
    out = subprocess.run(
        [*CORRIDOR, "serve", "--port", "1", "--data-dir", str(tmp_path / "d"), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert out.returncode == 2, out.stdout + out.stderr
    assert named in out.stderr
