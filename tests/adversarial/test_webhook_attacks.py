"""Deploy webhooks under attack: redirects, odd schemes and timeouts, forged/replayed/odd signatures."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelpromote.errors import InputError, ServiceError
from modelpromote.providers import webhook
from modelpromote.sandbox.webhook_receiver import WebhookReceiver
from modelpromote.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign, verify, verify_signature
from tests.support.local_server import Server

SECRET = "s3cret-webhook-key"


@pytest.fixture
def elsewhere() -> Iterator[Server]:
    s = Server(200)
    yield s
    s.close()


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_a_failed_delivery_never_followed(elsewhere: Server, status: int) -> None:
    redirector = Server(status, location=elsewhere.url + "?stolen=1")
    try:
        with pytest.raises(ServiceError) as exc:
            webhook.post(
                redirector.url.replace("http://", "http://user:pw@"), {"id": "d1", "event": "deploy"}, SECRET, retries=2, backoff=0.01
            )
        assert exc.value.findings[0].code == "MP707" and f"HTTP {status}" in exc.value.findings[0].message
        assert "pw" not in exc.value.findings[0].message
        assert len(redirector.hits) == 1  # not retried: a redirect will not go away
        assert elsewhere.hits == []  # never a request (GET or otherwise) to the other host
    finally:
        redirector.close()


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.com/hook",
        "gopher://127.0.0.1:25/x",
        "data:text/plain,hello",
        "javascript:alert(1)",
        "127.0.0.1:8080/hook",
        "http://",
        "http://127.0.0.1:99999/hook",
        "http://127.0.0.1:0/hook",
        "http://[::1/hook",
        "",
    ],
)
def test_non_http_urls_are_refused_before_any_request(url: str) -> None:
    with pytest.raises(InputError) as exc:
        webhook.post(url, {"id": "x"}, SECRET, retries=0)
    assert exc.value.exit_code == 2 and exc.value.findings[0].code == "MP302"


@pytest.mark.parametrize("timeout", [float("nan"), float("inf"), float("-inf"), 0.0, -1.0, 601.0, 1e300])
def test_bad_timeouts_are_refused(timeout: float) -> None:
    with pytest.raises(InputError) as exc:
        webhook.post("http://127.0.0.1:9/hook", {"id": "x"}, SECRET, timeout=timeout, retries=0)
    assert exc.value.exit_code == 2


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "0", "1e400"])
def test_bad_webhook_timeout_on_the_command_line_is_exit_2(value: str) -> None:
    # The check sits where deploy delivers; the CLI's float option passes these through to it.
    with pytest.raises(InputError):
        webhook.check_target("https://example.com/hook", float(value))


def test_a_delivery_carries_a_fresh_signed_timestamp() -> None:
    s = Server(204)
    try:
        before = int(time.time())
        assert webhook.post(s.url, {"id": "d1"}, SECRET) == 204
        [(_, _, headers, body)] = s.hits
        stamp = headers[TIMESTAMP_HEADER]
        assert before <= int(stamp) <= int(time.time())
        assert verify(body, headers, SECRET)
        assert not verify_signature(body, headers[SIGNATURE_HEADER], SECRET)  # the timestamp is part of what is signed
        assert not verify(body, {**headers, TIMESTAMP_HEADER: str(int(stamp) + 1)}, SECRET)
    finally:
        s.close()


BODY = b'{"id":"d1","event":"deploy"}'


@pytest.mark.parametrize(
    ("age", "ok"), [(0, True), (299, True), (-299, True), (301, False), (-301, False), (86400 * 365, False), (10**11, False)]
)
def test_receivers_refuse_old_and_future_deliveries(age: int, ok: bool) -> None:
    now = 1_780_000_000
    stamp = str(now - age) if now - age >= 0 else "0"
    headers = {TIMESTAMP_HEADER: stamp, SIGNATURE_HEADER: sign(BODY, SECRET, stamp)}
    assert verify(BODY, headers, SECRET, now=now) is ok


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80), st.text(max_size=20))
def test_verify_never_raises_on_what_the_sender_controls(header: str, stamp: str) -> None:
    """Non-ASCII, control characters, huge or odd timestamps: just False."""
    assert verify(BODY, {SIGNATURE_HEADER: header, TIMESTAMP_HEADER: stamp}, SECRET) in (True, False)
    assert verify_signature(BODY, header, SECRET) in (True, False)
    assert verify_signature(BODY, header, SECRET, stamp) in (True, False)


@pytest.mark.parametrize(
    "header",
    [
        "sha256=" + "é" * 64,
        "sha256=" + "０" * 64,
        "sha256=\u00ff",
        "sha256=" + "a" * 63 + "\x00",
        "SHA256=" + "0" * 64,
        "sha256=" + "0" * 6400,
    ],
)
def test_odd_signature_headers_fail_verification(header: str) -> None:
    stamp = str(int(time.time()))
    assert verify(BODY, {SIGNATURE_HEADER: header, TIMESTAMP_HEADER: stamp}, SECRET) is False


def test_the_sandbox_receiver_refuses_a_replay_and_odd_bytes() -> None:
    import urllib.error
    import urllib.request

    with WebhookReceiver(SECRET) as rx:

        def post(headers: dict[str, str]) -> int:
            req = urllib.request.Request(rx.url, data=BODY, method="POST")
            for k, v in headers.items():
                req.add_header(k, v)
            try:
                with urllib.request.urlopen(req, timeout=5) as resp:
                    return int(resp.status)
            except urllib.error.HTTPError as exc:
                return exc.code

        now = str(int(time.time()))
        old = str(int(time.time()) - 3600)
        assert post({TIMESTAMP_HEADER: now, SIGNATURE_HEADER: sign(BODY, SECRET, now)}) == 204
        assert post({TIMESTAMP_HEADER: old, SIGNATURE_HEADER: sign(BODY, SECRET, old)}) == 401
        assert post({TIMESTAMP_HEADER: now, SIGNATURE_HEADER: "sha256=" + "\u00e9" * 64}) == 401
        assert post({TIMESTAMP_HEADER: "1e10", SIGNATURE_HEADER: sign(BODY, SECRET, "1e10")}) == 401
        assert len(rx.accepted) == 1


@pytest.mark.parametrize(
    ("url", "timeout"), [("file:///etc/passwd", "10"), ("https://example.com/h", "nan"), ("https://example.com/h", "0")]
)
def test_deploy_refuses_a_bad_webhook_before_creating_anything(url: str, timeout: str) -> None:
    """The check runs before the manifest is read: nothing on GitHub is touched (the API here is closed)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    exe = str(Path(sys.executable).parent / "modelpromote")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "MODELPROMOTE_"))}
    env |= {"GITHUB_TOKEN": "t" * 20, "MODELPROMOTE_WEBHOOK_SECRET": SECRET}
    sha = "a" * 40
    r = subprocess.run(
        [
            exe,
            "deploy",
            "--repo",
            "a/b",
            "--api-url",
            "http://127.0.0.1:9",
            "--after",
            sha,
            "--webhook-url",
            url,
            "--webhook-timeout",
            timeout,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert r.returncode == 2 and "MP302" in r.stderr, r.stderr
