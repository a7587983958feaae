"""POST a signed JSON event to a deploy webhook, with a timeout and bounded retries.

The signature covers ``<timestamp>.<body>`` (``X-Modelpromote-Timestamp``,
``X-Modelpromote-Signature-256: sha256=<HMAC-SHA256>``), so receivers can refuse replays; the body
carries an ``id`` that stays the same across retries and re-runs, so a receiver can drop
duplicates.  Redirects are never followed (a 3xx is a failed delivery: following one would turn
the signed POST into a GET to wherever the receiver points).  Only http(s) URLs are accepted.  The
secret and any credentials in the URL never appear in a message.
"""

from __future__ import annotations

import json
import math
import time
import urllib.error
import urllib.request
from typing import Any

from ..errors import Finding, InputError, ServiceError, register_secret
from ..webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


def encode(event: dict[str, Any]) -> bytes:
    return json.dumps(event, sort_keys=True, separators=(",", ":")).encode()


def post(url: str, event: dict[str, Any], secret: str | None, *, timeout: float = 10.0, retries: int = 3, backoff: float = 1.0) -> int:
    """Deliver ``event``; return the HTTP status.  Retries network errors, 429 and 5xx; raises ServiceError (MP707).

    A URL that is not http(s), or a timeout that is not a positive finite number, is refused (InputError, exit 2).
    """
    check_target(url, timeout)
    register_secret(secret)
    body = encode(event)
    headers = {"Content-Type": "application/json", "User-Agent": "modelpromote", "X-Modelpromote-Event": str(event.get("event", "deploy"))}
    url, auth = _split_credentials(url)
    if auth:
        headers["Authorization"] = auth
    opener = urllib.request.build_opener(_NoRedirect)
    problem = ""
    for attempt in range(retries + 1):
        if secret:  # signed per attempt: a retry carries a fresh timestamp, the same body and id
            stamp = str(int(time.time()))
            headers[TIMESTAMP_HEADER] = stamp
            headers[SIGNATURE_HEADER] = sign(body, secret, stamp)
        req = urllib.request.Request(url, data=body, headers=headers, method="POST")
        wait = backoff * (2**attempt)
        try:
            with opener.open(req, timeout=timeout) as resp:
                return int(resp.status)
        except urllib.error.HTTPError as exc:
            problem = f"HTTP {exc.code}"
            if 300 <= exc.code < 400:
                problem += " (a redirect; deliveries never follow one: point --webhook-url at the receiver itself)"
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


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Refuse every redirect: urllib would re-send as a GET to the new location, maybe another host."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # urllib then raises the 3xx as an HTTPError: a failed delivery


def check_target(url: str, timeout: float) -> None:
    """Only http(s) URLs with a host, and a timeout in (0, 600] seconds (exit 2 otherwise)."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        ok = parts.scheme.lower() in ("http", "https") and bool(parts.hostname) and parts.port != 0
    except ValueError:  # a port that is not a number in 1..65535, a broken IPv6 literal
        ok = False
    if not ok:
        raise InputError(
            Finding("MP302", f"--webhook-url {_safe(url)!r} is not an http(s) URL", hint="e.g. https://deploy.example.com/hook")
        )
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not math.isfinite(timeout) or not 0 < timeout <= 600:
        raise InputError(
            Finding("MP302", f"--webhook-timeout {timeout!r} is not a number of seconds in (0, 600]", hint="e.g. --webhook-timeout 10")
        )


def _split_credentials(url: str) -> tuple[str, str | None]:
    """urllib does not send user:password@ from a URL; turn it into a Basic Authorization header."""
    import base64
    from urllib.parse import unquote, urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.username is None:
        return url, None
    register_secret(parts.password)
    hostname = parts.hostname or ""
    host = (f"[{hostname}]" if ":" in hostname else hostname) + (f":{parts.port}" if parts.port else "")
    creds = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
    return urlunsplit(parts._replace(netloc=host)), "Basic " + base64.b64encode(creds).decode()


def _safe(url: str) -> str:
    """The URL without credentials or query (either may hold a secret)."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "<unparsable URL>"
    return f"{parts.scheme}://{host}{port}{parts.path}"
