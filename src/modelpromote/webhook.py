"""Verify modelpromote's deploy webhooks in a receiver: stdlib only, copy it anywhere.

modelpromote signs the exact request body with HMAC-SHA256 under a shared secret and sends
``X-Modelpromote-Signature-256: sha256=<hex>`` (the same scheme as GitHub's webhooks)::

    from modelpromote.webhook import verify_signature
    if not verify_signature(request.body, request.headers.get(SIGNATURE_HEADER), secret):
        return 401

Verify the raw bytes as received, before parsing the JSON: re-serialising changes the bytes.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Modelpromote-Signature-256"


def sign(body: bytes, secret: str | bytes) -> str:
    """The header value for ``body``: ``sha256=<hex digest>``."""
    key = secret.encode() if isinstance(secret, str) else secret
    return "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()


def verify_signature(body: bytes, header: str | None, secret: str | bytes) -> bool:
    """True when ``header`` is a valid signature of ``body`` under ``secret`` (constant-time compare)."""
    if not header or not secret or not header.startswith("sha256="):
        return False
    return hmac.compare_digest(sign(body, secret), header.strip())
