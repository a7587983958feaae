"""No token, password or secret query value in any message, hint or ``--json`` error.

The CLI cases run the real console script against closed local ports (nothing listens), so every
path ends in an error message: that message is what must not leak.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelpromote.errors import Finding, InputError, redact
from modelpromote.providers.prometheus import PrometheusSource
from modelpromote.report import findings as render
from tests.support.health import AT, REGISTRY

EXE = str(Path(sys.executable).parent / "modelpromote")
TOKEN = "ghp_" + "A1b2C3d4E5f6G7h8I9j0" * 2
PASSWORD = "hunter2-s3cr3t-pw"
CLOSED = "127.0.0.1:9"  # discard port: nothing listens, the connection is refused


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "MODELPROMOTE_"))}
    fast = {"MODELPROMOTE_GITHUB_RETRIES": "0", "MODELPROMOTE_GITHUB_BACKOFF": "0", "MODELPROMOTE_GITHUB_THROTTLE": "0"}
    return subprocess.run([EXE, *args], capture_output=True, text=True, env={**base, **fast, **(env or {})}, timeout=120)


def assert_clean(r: subprocess.CompletedProcess[str], *secrets: str) -> None:
    out = r.stdout + r.stderr
    assert r.returncode in (1, 2, 3), out
    assert "internal error" not in out and "Traceback" not in out, out
    for s in secrets:
        assert s not in out, f"{s!r} leaked:\n{out}"


PR = ["pr", "customer-support", "claude-3-5-sonnet-v1.3.0", "--to", "production", "--repo", "acme/models"]
TOKENS = {
    "trailing newline": TOKEN + "\n",
    "trailing CRLF": TOKEN + "\r\n",
    "trailing spaces": TOKEN + "   ",
    "leading newline": "\n" + TOKEN,
    "newline inside": TOKEN[:20] + "\n" + TOKEN[20:],
    "tab inside": TOKEN[:20] + "\t" + TOKEN[20:],
    "DEL inside": TOKEN[:20] + "\x7f" + TOKEN[20:],  # (a NUL cannot be in an environment variable)
    "ESC inside": TOKEN[:20] + "\x1b[2J" + TOKEN[20:],
    "two lines": TOKEN + "\n" + TOKEN[::-1],
    "only whitespace": "  \n ",
}


@pytest.mark.parametrize("as_json", [False, True])
@pytest.mark.parametrize("name", sorted(TOKENS))
def test_a_damaged_github_token_is_never_printed(name: str, as_json: bool) -> None:
    token = TOKENS[name]
    r = run(*PR, "--api-url", f"http://{CLOSED}", *(["--json"] if as_json else []), env={"GITHUB_TOKEN": token})
    assert_clean(r, TOKEN, TOKEN[:20], TOKEN[20:])
    if name.startswith(("trailing", "leading")):
        assert r.returncode == 3 and "MP703" in r.stdout + r.stderr  # stripped: it got as far as the (closed) API
    else:
        assert r.returncode == 2 and "MP701" in r.stdout + r.stderr
    if as_json:
        assert json.loads(r.stdout)["ok"] is False


@pytest.mark.parametrize(
    "url",
    [
        f"http://user:{PASSWORD}@{CLOSED}/api/v3",
        f"https://x-access-token:{PASSWORD}@{CLOSED}",
        f"http://{PASSWORD}@{CLOSED}",
        f"http://user:{PASSWORD}@ghe.invalid/api/v3",
    ],
)
def test_credentials_in_the_api_url_are_refused_and_never_printed(url: str) -> None:
    for as_json in ([], ["--json"]):
        r = run(*PR, "--api-url", url, *as_json, env={"GITHUB_TOKEN": TOKEN})
        assert_clean(r, PASSWORD, TOKEN)
        assert r.returncode == 2 and "MP706" in r.stdout + r.stderr


@pytest.mark.parametrize(
    "query", [f"?token={PASSWORD}", f"?access_token={PASSWORD}", f"?key={PASSWORD}", f"?a=1&api_key={PASSWORD}", f"#sig={PASSWORD}"]
)
def test_secret_query_values_in_a_github_url_are_never_printed(query: str) -> None:
    r = run(*PR, "--api-url", f"http://{CLOSED}/api{query}", "--json", env={"GITHUB_TOKEN": TOKEN})
    assert_clean(r, PASSWORD, TOKEN)


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    p = tmp_path / "manifest.yaml"
    p.write_text(REGISTRY, encoding="utf-8")
    return p


@pytest.mark.parametrize(
    "url",
    [
        f"http://user:{PASSWORD}@{CLOSED}",
        f"http://{CLOSED}/?token={PASSWORD}",
        f"http://user:{PASSWORD}@{CLOSED}/prom?access_token={PASSWORD}",
        f"http://user:{PASSWORD}@nonexistent.invalid:9090",
    ],
)
@pytest.mark.parametrize("as_json", [False, True])
def test_prometheus_url_secrets_are_never_printed(registry: Path, url: str, as_json: bool) -> None:
    args = ["health", "-m", str(registry), "--prometheus", url, "--at", AT, "--dry-run", *(["--json"] if as_json else [])]
    r = run(*args, env={"MODELPROMOTE_HEALTH_RETRIES": "1"})
    assert_clean(r, PASSWORD)


@pytest.mark.parametrize("token", ["abc\ndef", f"{PASSWORD}\r\nX-Injected: 1", "a\x7fb", " \t "])
def test_a_prometheus_token_with_a_newline_is_exit_2(registry: Path, token: str) -> None:
    r = run(
        "health",
        "-m",
        str(registry),
        "--prometheus",
        f"http://{CLOSED}",
        "--at",
        AT,
        "--dry-run",
        env={"MODELPROMOTE_PROMETHEUS_TOKEN": token},
    )
    assert_clean(r, PASSWORD)
    assert r.returncode == 2 and "MP806" in r.stderr


class Recorder:
    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str]]] = []
        outer = self

        class H(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.requests.append((self.path, dict(self.headers.items())))
                body = json.dumps({"status": "success", "data": {"resultType": "vector", "result": []}}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    r = Recorder()
    yield r
    r.server.shutdown()
    r.server.server_close()


def test_user_password_in_a_prometheus_url_is_basic_auth_not_a_host_name(recorder: Recorder) -> None:
    """The request reaches 127.0.0.1 (not a DNS lookup of "user:pw@127.0.0.1") with Basic credentials."""
    from datetime import datetime, timedelta, timezone

    src = PrometheusSource(f"http://user:{PASSWORD}@127.0.0.1:{recorder.port}", retries=1)
    assert PASSWORD not in src.describe()
    src.observe(
        model="m", env="e", version="m-v1.0.0", window=timedelta(minutes=5), at=datetime.now(timezone.utc), metrics=["latency_p99_ms"]
    )
    [(_, headers)] = recorder.requests[:1]
    assert headers["Authorization"] == "Basic " + base64.b64encode(f"user:{PASSWORD}".encode()).decode()


# -- the redaction layer itself -------------------------------------------------------------------

SECRETS = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~", min_size=8, max_size=40)


@settings(max_examples=200, deadline=None)
@given(
    SECRETS,
    SECRETS,
    st.sampled_from(["http", "https", "ftp", "redis", "postgres"]),
    st.sampled_from(["token", "access_token", "key", "api_key", "apikey", "client_secret", "password", "sig", "X-Amz-Signature", "auth"]),
)
def test_redact_removes_url_credentials_and_secret_params(user: str, secret: str, scheme: str, param: str) -> None:
    text = f"failed: {scheme}://{user}:{secret}@host.example:8080/p?x=1&{param}={secret}&y=2 (retrying)"
    out = redact(text)
    assert secret not in out
    assert "host.example:8080/p" in out and "x=1" in out and "y=2" in out


@settings(max_examples=100, deadline=None)
@given(
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", min_size=36, max_size=40),
    st.sampled_from(["ghp_", "gho_", "ghs_", "ghu_", "ghr_", "github_pat_"]),
)
def test_redact_removes_github_token_shapes(body: str, prefix: str) -> None:
    token = prefix + body
    f = Finding("MP703", f"request failed with header 'token {token}\\n'", hint=f"Authorization: Bearer {token}")
    for rendered in (render.text([f]), json.dumps(f.to_json()), render.workflow_commands([f]), render.markdown([f], "t")):
        assert token not in rendered and body not in rendered


def test_every_error_carries_redacted_findings() -> None:
    exc = InputError(Finding("MP302", f"see http://u:{PASSWORD}@h/x?token={PASSWORD}"))
    assert PASSWORD not in str(exc) and PASSWORD not in exc.findings[0].message
