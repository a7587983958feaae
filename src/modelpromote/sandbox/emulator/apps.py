"""GitHub Apps: registration (a test helper), JWT authentication, installations and installation tokens.

    creds = gh.register_app("modelpromote", {"contents": "write", "pull_requests": "write"})
    auth = github.Auth.AppAuth(creds.app_id, creds.private_key_pem)
    inst = github.GithubIntegration(auth=auth, base_url=gh.url).get_repo_installation("acme", "models")
    g = github.Github(base_url=gh.url, auth=auth.get_installation_auth(inst.id))

The App signs a short-lived RS256 JWT with its private key; the emulator verifies it with the public
key (PyJWT, installed with PyGithub) and mints installation tokens that act as ``<slug>[bot]`` with
the installation's permissions, expiring after an hour as on GitHub.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable, Mapping
from typing import NamedTuple

from .. import state as st
from ..render import iso
from .core import HttpError, R, Request, Response, Route, not_found
from .views import Views

ROUTES: list[Route] = [
    ("GET", R + r"/installation", "get_repo_installation"),
    ("POST", r"/app/installations/(?P<iid>\d+)/access_tokens", "create_installation_token"),
]

ACTIONS_APP_ID = 15368  # the GitHub Actions app on github.com: GITHUB_TOKEN is one of its installation tokens
TOKEN_TTL = 3600.0


class AppCredentials(NamedTuple):
    app_id: int
    private_key_pem: str
    installation_id: int


def _keypair() -> tuple[str, str]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return private.decode(), public.decode()


class AppRoutes(Views):
    """Handlers and helpers for GitHub Apps installed on the emulated repository."""

    # -- test API ------------------------------------------------------------------------------

    def register_app(
        self, slug: str, permissions: Mapping[str, str], *, app_id: int | None = None, name: str | None = None, events: Iterable[str] = ()
    ) -> AppCredentials:
        """Create a GitHub App installed on the repository with ``permissions``; returns its id, key and installation id."""
        bad = {k: v for k, v in permissions.items() if v not in ("read", "write")}
        if bad:
            raise ValueError(f"permission levels must be read or write: {bad}")
        private, public = _keypair()
        with self.lock:
            aid = app_id if app_id is not None else self.state.next_id()
            if aid in self.state.apps:
                raise ValueError(f"app {aid} already registered")
            app = st.App(aid, slug, name or slug, public, self.state.next_id(), dict(permissions), list(events))
            self.state.apps[aid] = app
            self.state.users.setdefault(app.bot, st.User(app.bot, self.state.next_id(), "Bot", name=app.name))
        return AppCredentials(aid, private, app.installation_id)

    def installation_token(self, app_id: int, permissions: Mapping[str, str] | None = None) -> str:
        """Mint an installation token directly (what ``POST /app/installations/{id}/access_tokens`` does)."""
        with self.lock:
            app = self.state.apps[app_id]
            try:
                return self._mint(app, dict(permissions) if permissions is not None else None)
            except HttpError as exc:
                raise ValueError(exc.message) from None

    def actions_token(self, permissions: Mapping[str, str]) -> str:
        """A GITHUB_TOKEN as a workflow job gets it: an installation token of the GitHub Actions app."""
        with self.lock:
            if ACTIONS_APP_ID not in self.state.apps:
                # what a workflow's `permissions:` can grant; no organisation permissions (members) at all
                everything = {"actions", "checks", "contents", "deployments", "issues", "pull_requests", "statuses"}
                self.register_app("github-actions", dict.fromkeys(everything, "write"), app_id=ACTIONS_APP_ID, name="GitHub Actions")
            return self._mint(self.state.apps[ACTIONS_APP_ID], dict(permissions))

    def _mint(self, app: st.App, wanted: dict[str, str] | None) -> str:
        granted = app.permissions
        if wanted is None:
            wanted = dict(granted)
        elif any(v not in ("read", "write") or (v == "write" and granted.get(k) != "write") or k not in granted for k, v in wanted.items()):
            raise HttpError(422, "The permissions requested are not granted to this installation.")
        token = "ghs_" + secrets.token_hex(18)
        self.state.tokens[token] = app.bot
        self.state.installation_tokens[token] = st.InstallationToken(app.id, wanted, time.time() + TOKEN_TTL)
        return token

    # -- JWT -----------------------------------------------------------------------------------

    def verify_jwt(self, token: str) -> int | None:
        """The App id a valid RS256 JWT was signed for, None when it is not one."""
        import jwt

        try:
            claims = jwt.decode(token, options={"verify_signature": False})
            app = self.state.apps.get(int(claims.get("iss", 0)))
            if app is None:
                return None
            verified = jwt.decode(token, app.public_key_pem, algorithms=["RS256"], leeway=60, options={"require": ["iat", "exp", "iss"]})
        except (jwt.PyJWTError, ValueError, TypeError):
            return None
        if float(verified["exp"]) - float(verified["iat"]) > 660:  # GitHub: at most ten minutes (plus clock drift)
            return None
        return app.id

    # -- handlers ------------------------------------------------------------------------------

    def _app(self, req: Request) -> st.App:
        app = self.state.apps.get(req.jwt_app or 0)
        if app is None:
            raise not_found()
        return app

    def get_repo_installation(self, req: Request) -> Response:
        app = self._app(req)
        return Response(
            200,
            {
                "id": app.installation_id,
                "account": self._owner_json(),
                "repository_selection": "selected",
                "access_tokens_url": f"{self.render.api}/app/installations/{app.installation_id}/access_tokens",
                "repositories_url": f"{self.render.api}/installation/repositories",
                "html_url": f"{self.render.web}/organizations/{self.owner}/settings/installations/{app.installation_id}",
                "app_id": app.id,
                "client_id": f"Iv1.{app.id:016x}",
                "target_id": self.owner_id,
                "target_type": "Organization",
                "permissions": {"metadata": "read", **app.permissions},
                "events": app.events,
                "created_at": "2020-01-01T00:00:00Z",
                "updated_at": "2020-01-01T00:00:00Z",
                "single_file_name": None,
                "has_multiple_single_files": False,
                "single_file_paths": [],
                "app_slug": app.slug,
                "suspended_by": None,
                "suspended_at": None,
            },
        )

    def create_installation_token(self, req: Request) -> Response:
        app = self._app(req)
        if int(req.params["iid"]) != app.installation_id:
            raise not_found()
        body = req.body or {}
        wanted = body.get("permissions")
        token = self._mint(app, dict(wanted) if isinstance(wanted, dict) and wanted else None)  # {} means all granted
        grant = self.state.installation_tokens[token]
        return Response(
            201,
            {
                "token": token,
                "expires_at": iso(grant.expires_at),
                "permissions": {"metadata": "read", **grant.permissions},
                "repository_selection": "selected",
            },
        )
