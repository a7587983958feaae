"""POST a signed JSON event to a deploy webhook, with a timeout and bounded retries.

The body is the exact bytes signed (``X-Modelpromote-Signature-256: sha256=<HMAC-SHA256>``) and
carries an ``id`` that stays the same across retries and re-runs, so a receiver can drop
duplicates.  The secret never appears in a message.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any

from ..errors import Finding, ServiceError
from ..webhook import SIGNATURE_HEADER, sign

RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


def encode(event: dict[str, Any]) -> bytes:
    return json.dumps(event, sort_keys=True, separators=(",", ":")).encode()


def post(url: str, event: dict[str, Any], secret: str | None, *, timeout: float = 10.0, retries: int = 3, backoff: float = 1.0) -> int:
    """Deliver ``event``; return the HTTP status.  Retries network errors, 429 and 5xx; raises ServiceError (MP707)."""
    body = encode(event)
    headers = {"Content-Type": "application/json", "User-Agent": "modelpromote", "X-Modelpromote-Event": str(event.get("event", "deploy"))}
    if secret:
        headers[SIGNATURE_HEADER] = sign(body, secret)
    url, auth = _split_credentials(url)
    if auth:
        headers["Authorization"] = auth
    problem = ""
    for attempt in range(retries + 1):
        req = urllib.request.Request(url, data=body, headers=headers, method="POST")
        wait = backoff * (2**attempt)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return int(resp.status)
        except urllib.error.HTTPError as exc:
            problem = f"HTTP {exc.code}"
            if exc.code not in RETRY_STATUSES:
                break
            retry_after = exc.headers.get("Retry-After", "")
            if retry_after.isdigit():
                wait = min(60.0, float(retry_after))
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            problem = f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"
        if attempt < retries:
            time.sleep(wait)
    raise ServiceError(
        Finding("MP707", f"webhook {_safe(url)} failed: {problem}", hint="check the receiver and --webhook-url; re-run deploy to retry")
    )


def _split_credentials(url: str) -> tuple[str, str | None]:
    """urllib does not send user:password@ from a URL; turn it into a Basic Authorization header."""
    import base64
    from urllib.parse import unquote, urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.username is None:
        return url, None
    host = (parts.hostname or "") + (f":{parts.port}" if parts.port else "")
    creds = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
    return urlunsplit(parts._replace(netloc=host)), "Basic " + base64.b64encode(creds).decode()


def _safe(url: str) -> str:
    """The URL without credentials or query (either may hold a secret)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"
