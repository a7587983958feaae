"""The HTTP side: the emulator class assembled from the route mixins, and its request handler."""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ..render import Renderer
from . import apps, deployments, git, issues, orgs, pulls, reviews, statuses
from .apps import AppRoutes
from .core import PREFIX, CompiledRoute
from .deployments import DeploymentRoutes
from .git import GitRoutes
from .issues import IssueRoutes
from .orgs import OrgRoutes
from .pulls import PullRoutes
from .reviews import ReviewRoutes
from .statuses import StatusRoutes


class GitHubEmulator(GitRoutes, PullRoutes, ReviewRoutes, IssueRoutes, StatusRoutes, DeploymentRoutes, OrgRoutes, AppRoutes):
    """The emulator: start it, point PyGithub (or curl) at :attr:`url`, stop it."""

    # -- lifecycle -----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The API base URL, e.g. ``http://127.0.0.1:40123/api/v3`` (give it to PyGithub's base_url)."""
        return self.render.api

    @property
    def web_url(self) -> str:
        return self.render.web

    def start(self) -> GitHubEmulator:
        emulator = self

        class _Handler(_RequestHandler):
            emu = emulator

        self._server = ThreadingHTTPServer((self._host, self._port), _Handler)
        self._server.daemon_threads = True
        port = self._server.server_address[1]
        web = f"http://{self._host}:{port}"
        self.render = Renderer(web + PREFIX, web, self.owner, self.name)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="github-emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> GitHubEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _routes(self) -> list[CompiledRoute]:
        tables = (git.ROUTES, pulls.ROUTES, reviews.ROUTES, issues.ROUTES, statuses.ROUTES, deployments.ROUTES, orgs.ROUTES, apps.ROUTES)
        return [(verb, re.compile(pattern), getattr(self, name), name) for table in tables for verb, pattern, name in table]


class _RequestHandler(BaseHTTPRequestHandler):
    emu: GitHubEmulator
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes; Nagle would add ~200 ms each
    server_version = "modelpromote-github-emulator"

    def log_message(self, format: str, *args: Any) -> None:
        return  # quiet: tests read gh.exchanges instead

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        response, _fault = self.emu.handle(self.command, self.path, dict(self.headers.items()), body)
        data = b"" if response.body is None else json.dumps(response.body).encode()
        self.send_response(response.status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-RateLimit-Limit", "5000")
        if "X-RateLimit-Remaining" not in response.headers:
            self.send_header("X-RateLimit-Remaining", "4999")
            self.send_header("X-RateLimit-Reset", str(int(time.time()) + 3600))
        self.send_header("X-GitHub-Media-Type", "github.v3; format=json")
        for k, v in response.headers.items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = _serve
