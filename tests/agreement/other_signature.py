"""A second valid Ed25519 signature of the same message by the same key (for the tests only).

RFC 8032 signing is deterministic, but verification accepts any nonce: a signer (another
library, a hardware token) can make many valid signatures of one statement. A log must count
the statement once whatever its signature; this makes such a signature to show that it does.
Checked against ``cryptography``'s verifier in :func:`resign`. Plain integer arithmetic on
edwards25519 (RFC 8032 section 5.1), slow and not constant-time: never for real keys.
"""

from __future__ import annotations

import hashlib

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
Point = tuple[int, int, int, int]  # extended coordinates (X, Y, Z, T)


def _add(p: Point, q: Point) -> Point:
    a = (p[1] - p[0]) * (q[1] - q[0]) % P
    b = (p[1] + p[0]) * (q[1] + q[0]) % P
    c = 2 * p[3] * q[3] * D % P
    d = 2 * p[2] * q[2] % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def _mul(s: int, p: Point) -> Point:
    q: Point = (0, 1, 1, 0)
    while s:
        if s & 1:
            q = _add(q, p)
        p = _add(p, p)
        s >>= 1
    return q


def _encode(p: Point) -> bytes:
    zinv = pow(p[2], P - 2, P)
    x, y = p[0] * zinv % P, p[1] * zinv % P
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


_GY = 4 * pow(5, P - 2, P) % P
_GX2 = (_GY * _GY - 1) * pow(D * _GY * _GY + 1, P - 2, P) % P
_GX = pow(_GX2, (P + 3) // 8, P)
if (_GX * _GX - _GX2) % P:
    _GX = _GX * pow(2, (P - 1) // 4, P) % P
if _GX & 1:
    _GX = P - _GX
BASE: Point = (_GX, _GY, 1, _GX * _GY % P)


def resign(seed: bytes, message: bytes, nonce: int) -> bytes:
    """A valid signature of ``message`` by the key of ``seed``, made with another nonce."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    h = hashlib.sha512(seed).digest()
    a = int.from_bytes(h[:32], "little")
    a &= (1 << 254) - 8
    a |= 1 << 254
    public = _encode(_mul(a, BASE))
    r = (nonce % (L - 1)) + 1
    big_r = _encode(_mul(r, BASE))
    k = int.from_bytes(hashlib.sha512(big_r + public + message).digest(), "little") % L
    signature = big_r + ((r + k * a) % L).to_bytes(32, "little")
    key = Ed25519PrivateKey.from_private_bytes(seed).public_key()
    assert key.public_bytes_raw() == public
    key.verify(signature, message)  # the oracle: raises unless it is a valid signature
    return signature
