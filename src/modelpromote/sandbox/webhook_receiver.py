"""A local deploy-webhook receiver, as an application would run one: verify, then accept.

It checks ``X-Modelpromote-Signature-256`` with :func:`modelpromote.webhook.verify_signature` on the
raw body (before parsing, as a receiver must), answers 204 to a valid delivery and 401 to anything
else, and records every delivery so the demo (and tests) can show what arrived.  Deliveries with a
known ``id`` are acknowledged but not applied twice, the way ``deploy`` re-runs expect.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ..webhook import SIGNATURE_HEADER, verify_signature

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

    def __init__(self, secret: str, *, path: str = "/hook") -> None:
        self.secret = secret
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
                length = int(self.headers.get("Content-Length") or 0)
                if length > MAX_BODY:
                    self.send_response(413)
                    self.end_headers()
                    return
                body = self.rfile.read(length)
                status = receiver._receive(self.path, body, self.headers.get(SIGNATURE_HEADER))
                self.send_response(status)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:  # quiet: the demo prints what matters
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.05,), name="webhook-receiver", daemon=True).start()
        return self

    def _receive(self, path: str, body: bytes, signature: str | None) -> int:
        valid = verify_signature(body, signature, self.secret)
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
