"""A local deploy-webhook receiver, as an application would run one: verify, then accept.

It checks ``X-Modelpromote-Signature-256`` and ``X-Modelpromote-Timestamp`` with
:func:`modelpromote.webhook.verify` on the raw body (before parsing, as a receiver must; a delivery
older than ``max_age`` seconds is a replay), answers 204 to a valid delivery and 401 to anything
else, and records every delivery so the demo (and tests) can show what arrived.  Deliveries with a
known ``id`` are acknowledged but not applied twice, the way ``deploy`` re-runs expect.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ..webhook import MAX_AGE, verify

MAX_BODY = 1024 * 1024


@dataclass(frozen=True)
class Delivery:
    path: str
    valid: bool
    duplicate: bool
    event: dict[str, Any] | None  # the parsed body, when it was JSON
    body: bytes


class WebhookReceiver:
    """``with WebhookReceiver(secret) as r: ... r.url ... r.deliveries``; binds 127.0.0.1:<free port>."""

    def __init__(self, secret: str, *, path: str = "/hook", max_age: float = MAX_AGE) -> None:
        self.secret = secret
        self.max_age = max_age
        self.path = path
        self.deliveries: list[Delivery] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("receiver not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}{self.path}"

    @property
    def accepted(self) -> list[Delivery]:
        """Valid, first-time deliveries: what the application acted on."""
        with self._lock:
            return [d for d in self.deliveries if d.valid and not d.duplicate]

    def start(self) -> WebhookReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                text = self.headers.get("Content-Length") or "0"
                length = int(text) if text.isascii() and text.isdigit() and len(text) < 12 else -1
                if not 0 <= length <= MAX_BODY:
                    self.send_response(413 if length > MAX_BODY else 400)
                    self.end_headers()
                    return
                body = self.rfile.read(length)
                status = receiver._receive(self.path, body, dict(self.headers.items()))
                self.send_response(status)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:  # quiet: the demo prints what matters
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.05,), name="webhook-receiver", daemon=True).start()
        return self

    def _receive(self, path: str, body: bytes, headers: dict[str, str]) -> int:
        valid = verify(body, headers, self.secret, max_age=self.max_age)
        event: dict[str, Any] | None = None
        try:
            parsed = json.loads(body)
            event = parsed if isinstance(parsed, dict) else None
        except ValueError:
            pass
        with self._lock:
            seen = {d.event.get("id") for d in self.deliveries if d.valid and d.event}
            duplicate = valid and event is not None and event.get("id") in seen
            self.deliveries.append(Delivery(path, valid, duplicate, event, body))
        return 204 if valid else 401

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> WebhookReceiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
