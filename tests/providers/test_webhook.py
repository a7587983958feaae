"""Webhook delivery (signed, retried, bounded) and the receiver-side verify_signature()."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modelpromote.errors import ServiceError
from modelpromote.providers import webhook
from modelpromote.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign, verify_signature


@given(st.binary(max_size=512), st.text(min_size=1, max_size=40), st.binary(min_size=1, max_size=8))
def test_signature_verifies_exact_bytes_only(body: bytes, secret: str, extra: bytes) -> None:
    header = sign(body, secret)
    assert header.startswith("sha256=") and verify_signature(body, header, secret)
    assert not verify_signature(body + extra, header, secret)
    assert not verify_signature(body, header, secret + "x")


@pytest.mark.parametrize("header", [None, "", "sha1=abc", "sha256=", "sha256=" + "0" * 64])
def test_malformed_or_missing_signatures_are_rejected(header: str | None) -> None:
    assert not verify_signature(b"{}", header, "s")


class Flaky:
    def __init__(self, statuses: list[int]) -> None:
        self.statuses, self.bodies = list(statuses), []  # type: ignore[var-annotated]
        outer = self

        class H(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.bodies.append((body, self.headers.get(SIGNATURE_HEADER), self.headers.get(TIMESTAMP_HEADER)))
                self.send_response(outer.statuses.pop(0) if outer.statuses else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://user:pw@127.0.0.1:{self.server.server_address[1]}/hook?token=abc"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()


@pytest.fixture
def flaky(request: pytest.FixtureRequest) -> Iterator[Flaky]:
    f = Flaky(request.param)
    yield f
    f.server.shutdown()
    f.server.server_close()


@pytest.mark.parametrize("flaky", [[503, 500]], indirect=True)
def test_retries_5xx_then_delivers_the_same_signed_bytes(flaky: Flaky) -> None:
    assert webhook.post(flaky.url.replace("user:pw@", ""), {"id": "x", "event": "deploy"}, "s3cret", backoff=0.01) == 200
    assert len(flaky.bodies) == 3 and len({b for b, _, _ in flaky.bodies}) == 1
    body, header, stamp = flaky.bodies[-1]
    assert verify_signature(body, header, "s3cret", stamp)


@pytest.mark.parametrize("flaky", [[500, 500, 500, 500, 500]], indirect=True)
def test_gives_up_after_bounded_retries_without_leaking_url_secrets(flaky: Flaky) -> None:
    with pytest.raises(ServiceError) as exc:
        webhook.post(flaky.url, {"id": "x"}, "s3cret", retries=2, backoff=0.01)
    assert len(flaky.bodies) == 3
    msg = exc.value.findings[0].message
    assert exc.value.findings[0].code == "MP707" and "HTTP 500" in msg
    assert "pw" not in msg and "token=abc" not in msg and "s3cret" not in msg


@pytest.mark.parametrize("flaky", [[404]], indirect=True)
def test_client_errors_are_not_retried(flaky: Flaky) -> None:
    with pytest.raises(ServiceError):
        webhook.post(flaky.url, {"id": "x"}, "s", backoff=0.01)
    assert len(flaky.bodies) == 1
