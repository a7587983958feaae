"""Verify modelpromote's deploy webhooks in a receiver: stdlib only, copy it anywhere.

modelpromote signs ``<timestamp>.<body>`` with HMAC-SHA256 under a shared secret and sends::

    X-Modelpromote-Timestamp: 1780000000            (Unix seconds when the delivery was signed)
    X-Modelpromote-Signature-256: sha256=<hex>       (HMAC-SHA256 of b"1780000000." + body)

A receiver checks both, and refuses a delivery older than ``max_age`` (default 5 minutes), so a
recorded delivery cannot be replayed later::

    from modelpromote.webhook import verify
    if not verify(request.body, request.headers, secret):
        return 401

Verify the raw bytes as received, before parsing the JSON: re-serialising changes the bytes.  Drop
duplicates by the body's ``id`` (it stays the same across retries and re-runs).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from collections.abc import Mapping

SIGNATURE_HEADER = "X-Modelpromote-Signature-256"
TIMESTAMP_HEADER = "X-Modelpromote-Timestamp"
MAX_AGE = 300.0  # seconds a signed delivery stays acceptable (clock skew included)


def signed_bytes(body: bytes, timestamp: str | int | None) -> bytes:
    """What the HMAC covers: ``<timestamp>.<body>``, or the body alone when there is no timestamp."""
    return body if timestamp is None else str(timestamp).encode("ascii") + b"." + body


def sign(body: bytes, secret: str | bytes, timestamp: str | int | None = None) -> str:
    """The signature header value for ``body`` (signed at ``timestamp``): ``sha256=<hex digest>``."""
    key = secret.encode() if isinstance(secret, str) else secret
    return "sha256=" + hmac.new(key, signed_bytes(body, timestamp), hashlib.sha256).hexdigest()


def verify_signature(
    body: bytes,
    header: str | None,
    secret: str | bytes,
    timestamp: str | None = None,
    *,
    max_age: float | None = MAX_AGE,
    now: float | None = None,
) -> bool:
    """True when ``header`` signs ``body`` (at ``timestamp``, no older than ``max_age`` seconds).

    Never raises on what a sender controls: a malformed, non-ASCII or missing header or timestamp is
    just False.  Without ``timestamp`` the body alone is checked (no replay protection): deliveries
    from modelpromote always carry one, so they only verify with it.
    """
    if not header or not secret or not isinstance(header, str):
        return False
    header = header.strip()
    if not header.isascii() or not header.startswith("sha256="):
        return False
    if timestamp is not None:
        stamp = timestamp.strip() if isinstance(timestamp, str) else ""
        if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= 12):
            return False
        if max_age is not None:
            age = (time.time() if now is None else now) - int(stamp)
            if not math.isfinite(age) or abs(age) > max_age:
                return False
        timestamp = stamp
    try:
        return hmac.compare_digest(sign(body, secret, timestamp).encode("ascii"), header.encode("ascii"))
    except (TypeError, ValueError, UnicodeError):
        return False


def verify(body: bytes, headers: Mapping[str, str], secret: str | bytes, *, max_age: float = MAX_AGE, now: float | None = None) -> bool:
    """Verify a delivery from its raw body and request headers (any case): signature and age both."""
    lower = {str(k).lower(): v for k, v in headers.items()}
    stamp = lower.get(TIMESTAMP_HEADER.lower())
    if stamp is None:
        return False
    return verify_signature(body, lower.get(SIGNATURE_HEADER.lower()), secret, stamp, max_age=max_age, now=now)
