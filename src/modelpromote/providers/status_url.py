"""Read the application's status document (what it says it serves) for ``modelpromote drift``.

A GET with a timeout; connection errors, 429 and 5xx are retried with exponential backoff.  A
URL that keeps failing, or answers something that is not JSON, is a failing service (exit 3);
the shape is checked by :func:`modelpromote.policy.drift.from_status`.  Credentials in the URL
are never printed.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from ..errors import Finding, InputError, ServiceError

MAX_BYTES = 4 * 1024 * 1024


def redact(url: str) -> str:
    """The URL without user:password and query string (they may hold secrets)."""
    p = urllib.parse.urlsplit(url)
    host = p.hostname or ""
    if p.port:
        host += f":{p.port}"
    return urllib.parse.urlunsplit((p.scheme, host, p.path, "", ""))


def fetch_status(url: str, *, timeout: float = 10.0, retries: int = 3, backoff: float = 0.25) -> Any:
    """The parsed JSON at ``url``."""
    if not url.startswith(("http://", "https://")):
        raise InputError(
            Finding("MP822", f"--status-url {redact(url)!r} is not an http(s) URL", hint="e.g. https://app.internal/modelpromote")
        )
    shown = redact(url)
    last = ""
    for attempt in range(max(1, retries)):
        if attempt:
            time.sleep(backoff * 2 ** (attempt - 1))
        try:
            req = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": "modelpromote-drift"})
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                body = resp.read(MAX_BYTES)
            break
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code}"
            if exc.code != 429 and exc.code < 500:
                raise ServiceError(
                    Finding("MP822", f"{shown} answered {last}", hint="check the URL; it should serve the status JSON")
                ) from None
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as exc:
            last = f"{getattr(exc, 'reason', exc)}"
    else:
        raise ServiceError(Finding("MP822", f"{shown} failed after {max(1, retries)} attempt(s): {last}", hint="is the application up?"))
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ServiceError(Finding("MP823", f"{shown}: not JSON ({exc})", hint="serve the runtime config (docs/health.md#drift)")) from None
