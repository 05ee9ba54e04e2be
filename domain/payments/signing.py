"""HMAC helpers: lowercase-hex MACs over UTF-8 text, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac


def hmac_sha512_hex(key: str, data: str) -> str:
    """HMAC-SHA512 of the UTF-8 bytes of data, as 128 lowercase hex characters."""
    return hmac.new(key.encode(), data.encode(), hashlib.sha512).hexdigest()


def hmac_sha256_hex(key: str, data: str) -> str:
    """HMAC-SHA256 of the UTF-8 bytes of data, as 64 lowercase hex characters."""
    return hmac.new(key.encode(), data.encode(), hashlib.sha256).hexdigest()


def macs_equal(expected: str, received: object) -> bool:
    """Constant-time, case-insensitive comparison; a non-string received MAC never matches."""
    if not isinstance(received, str):
        return False
    return hmac.compare_digest(expected.lower().encode(), received.lower().encode())
