"""GitHub area: the emulator's request overhead (vs a bare stdlib server) and the pure gate's cost."""

from __future__ import annotations

import http.client
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from modelpromote.policy.approval import GateInput, Review, evaluate
from modelpromote.sandbox.emulator import GitHubEmulator
from modelpromote.sandbox.gitrepo import init_bare

from ._util import Row, median_call


class _Bare(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: Any) -> None:
        pass


def _getter(port: int, path: str, headers: dict[str, str]) -> Any:
    conn = http.client.HTTPConnection("127.0.0.1", port)

    def get() -> None:
        conn.request("GET", path, headers=headers)
        conn.getresponse().read()

    return get


def run() -> list[Row]:
    rows = []
    bare = ThreadingHTTPServer(("127.0.0.1", 0), _Bare)
    threading.Thread(target=bare.serve_forever, args=(0.05,), daemon=True).start()
    base = median_call(_getter(bare.server_address[1], "/", {}), repeat=7, number=50)
    bare.shutdown()
    bare.server_close()
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "r.git"
        init_bare(repo, {"models/manifest.yaml": "schema_version: 1\n"})
        with GitHubEmulator(repo, users=["alice"], record=False) as gh:
            port = int(gh.url.split(":")[2].split("/")[0])
            auth = {"Authorization": "token ghp_sandbox_alice"}
            user = median_call(_getter(port, "/api/v3/users/alice", auth), repeat=7, number=50)
            ref = median_call(_getter(port, "/api/v3/repos/acme/models/git/ref/heads/main", auth), repeat=7, number=20)
    rows.append(Row("emulator GET /users/{u} (no git)", user, "ms", "<= 5 ms", user <= 0.005, "bare http.server", user / base))
    rows.append(Row("emulator GET git/ref (1 git call)", ref, "ms", "<= 20 ms", ref <= 0.020, "bare http.server", ref / base))
    head = "h" * 40
    reviews = [Review(f"user{i % 40}", ("APPROVED", "COMMENTED", "CHANGES_REQUESTED")[i % 3], head) for i in range(300)]
    inp = GateInput(reviews, head, "alice", 2, owners=frozenset(f"user{i}" for i in range(20)))
    t = median_call(lambda: evaluate(inp), repeat=7, number=200)
    rows.append(Row("approval gate, 300 reviews", t, "us", "<= 1 ms", t <= 0.001, note="pure; GitHub round trips dominate"))
    return rows
