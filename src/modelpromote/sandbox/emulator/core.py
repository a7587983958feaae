"""Requests, answers and errors; the emulator's state, authentication, fault injection, dispatch and pagination."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from .. import state as st
from ..faults import Fault, FaultPlan, FaultSpec
from ..gitrepo import GitError, GitRepo, Person
from ..render import JSON, Renderer, iso
from . import auth

PREFIX = "/api/v3"


class HttpError(Exception):
    def __init__(self, status: int, message: str, errors: list[JSON | str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.errors = status, message, errors


def not_found() -> HttpError:
    return HttpError(404, "Not Found")


def invalid(message: str, resource: str = "", field_name: str = "", code: str = "custom") -> HttpError:
    return HttpError(422, "Validation Failed", [{"resource": resource, "field": field_name, "code": code, "message": message}])


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    login: str
    params: dict[str, str] = field(default_factory=dict)
    app_id: int | None = None  # set when an installation token of this GitHub App made the request
    permissions: dict[str, str] | None = None  # that token's permissions
    jwt_app: int | None = None  # set when the App itself authenticated with a JWT


@dataclass
class Response:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Exchange:
    """One request and its answer, for contract tests and debugging."""

    method: str
    path: str
    query: dict[str, str]
    request: Any
    status: int
    response: Any
    fault: Fault | None = None


Handler = Callable[[Request], Response]
CompiledRoute = tuple[str, re.Pattern[str], Handler, str]


# (verb, path pattern, handler method name); handlers are looked up on the instance so subclasses may override them.
Route = tuple[str, str, str]
R = r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)"
N = r"(?P<number>\d+)"


class EmulatorCore:
    """State, authentication, fault injection, dispatch and pagination; the route mixins build on it."""

    def __init__(
        self,
        repo_dir: str | Path,
        *,
        owner: str = "acme",
        name: str = "models",
        users: Iterable[str] | Mapping[str, str] = ("octocat",),
        teams: Mapping[str, list[str]] | None = None,
        default_branch: str = "main",
        host: str = "127.0.0.1",
        port: int = 0,
        record: bool = True,
    ) -> None:
        self.git = GitRepo(repo_dir)
        self.owner, self.name, self.default_branch = owner, name, default_branch
        self.state = st.State()
        self.faults = FaultPlan()
        self.exchanges: list[Exchange] = []
        self.record = record
        self.lock = threading.RLock()
        self._host, self._port = host, port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.repo_id = self.state.next_id()
        self.owner_id = self.state.next_id()
        logins = dict(users) if isinstance(users, Mapping) else {login: f"ghp_sandbox_{login}" for login in users}
        for login, token in logins.items():
            self.add_user(login, token)
        for key, members in (teams or {}).items():
            org, _, slug = key.lstrip("@").partition("/")
            self.state.teams[(org, slug)] = st.Team(org, slug, self.state.next_id(), list(members), name=slug)
        self.routes = self._routes()
        self.render = Renderer("http://unstarted" + PREFIX, "http://unstarted", owner, name)

    # -- test API ------------------------------------------------------------------------------

    def add_user(self, login: str, token: str | None = None, *, role: str | None = None) -> str:
        """Add a user (repository role ``write`` unless ``role`` says otherwise); returns its token."""
        with self.lock:
            if login not in self.state.users:
                kind = "Bot" if login.endswith("[bot]") else "User"
                self.state.users[login] = st.User(login, self.state.next_id(), kind, name=login.title(), email=f"{login}@example.invalid")
            if role is not None:
                self.set_role(login, role)
            token = token or f"ghp_sandbox_{login}"
            self.state.tokens[token] = login
            return token

    def set_role(self, login: str, role: str) -> None:
        """The user's repository role: admin, maintain, write, triage, read or none (a non-collaborator)."""
        if role not in auth.ROLES:
            raise ValueError(f"role must be one of {', '.join(auth.ROLES)}")
        with self.lock:
            self.state.roles[login] = role

    def role(self, login: str) -> str:
        """The repository role of ``login`` (users default to write; unknown logins have none)."""
        if login not in self.state.users:
            return "none"
        return self.state.roles.get(login, "write")

    def set_required_checks(self, branch: str, checks: Iterable[tuple[str, int | None] | Mapping[str, object]]) -> None:
        """Require status checks on ``branch`` through a ruleset: each ``(context, integration_id)`` or
        ``{"context": ..., "integration_id": ...}``; an integration id pins the check to that GitHub App
        (a status or check run from anyone else does not count), None accepts any source.  [] removes them."""
        rules: list[tuple[str, int | None]] = []
        for c in checks:
            if isinstance(c, Mapping):
                raw = c.get("integration_id")
                rules.append((str(c["context"]), int(raw) if isinstance(raw, (int, str)) else None))
            else:
                rules.append((str(c[0]), c[1]))
        with self.lock:
            if rules:
                self.state.required_checks[branch] = rules
            else:
                self.state.required_checks.pop(branch, None)

    def token(self, login: str) -> str:
        """The token that authenticates as ``login`` (reviews are created as the token's user)."""
        for token, who in self.state.tokens.items():
            if who == login:
                return token
        raise KeyError(login)

    def inject(self, pattern: str, faults: list[FaultSpec], method: str | None = None) -> None:
        """Make the next requests whose path matches ``pattern`` fail, one fault each, in order."""
        self.faults.inject(pattern, faults, method)

    def branch_sha(self, branch: str) -> str | None:
        return self.git.rev_parse(f"refs/heads/{branch}")

    def push_file(self, branch: str, path: str, text: str, message: str = "push", login: str = "octocat") -> str:
        """Commit one file on top of ``branch`` in the bare repository, as a `git push` would."""
        with self.lock:
            parent = self.git.rev_parse(f"refs/heads/{branch}")
            base_tree = self.git.read_commit(parent).tree if parent else None
            tree = self.git.build_tree(base_tree, [(path, "100644", self.git.write_blob(text.encode()))])
            who = Person(login, f"{login}@example.invalid", f"{int(time.time())} +0000")
            sha = self.git.commit_tree(tree, [parent] if parent else [], message, who, who)
            self.git.update_ref(f"refs/heads/{branch}", sha)
            return sha

    # -- dispatch ------------------------------------------------------------------------------

    def handle(self, method: str, raw_path: str, headers: Mapping[str, str], body: bytes) -> tuple[Response, Fault | None]:
        split = urlsplit(raw_path)
        path = unquote(split.path)
        if path.startswith(PREFIX):
            path = path[len(PREFIX) :] or "/"
        query = {k: v[-1] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        fault = self.faults.take(method, path)
        if fault is not None and fault.delay:
            time.sleep(fault.delay)
        if fault is not None and fault.status and not fault.after:
            return self._fault_response(fault), fault
        try:
            payload = json.loads(body) if body.strip() else None
        except ValueError:
            response = Response(400, {"message": "Problems parsing JSON"})
            self._log(method, path, query, None, response, fault)
            return response, fault
        response = self._dispatch(method, path, query, headers, payload)
        self._log(method, path, query, payload, response, fault)
        if fault is not None and fault.status and fault.after:
            return self._fault_response(fault), fault
        return response, fault

    def _fault_response(self, fault: Fault) -> Response:
        headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
        if fault.reset_in is not None:
            headers.update({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(time.time()) + fault.reset_in)})
        body = {"message": fault.message, "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"}
        return Response(fault.status, body, headers)

    def _log(self, method: str, path: str, query: dict[str, str], payload: Any, response: Response, fault: Fault | None) -> None:
        if self.record:
            with self.lock:
                self.exchanges.append(Exchange(method, path, query, payload, response.status, response.body, fault))

    def verify_jwt(self, token: str) -> int | None:
        return None

    def _caller(self, headers: Mapping[str, str]) -> Request | Response:
        """The authenticated caller as a request skeleton, or the 401 answer."""
        header = headers.get("Authorization") or headers.get("authorization") or ""
        token = header.split(" ", 1)[1].strip() if " " in header else ""
        if token.count(".") == 2 and not token.startswith(("ghp_", "ghs_")):
            app_id = self.verify_jwt(token)
            if app_id is None:
                return Response(
                    401, {"message": "A JSON web token could not be decoded", "documentation_url": "https://docs.github.com/rest"}
                )
            return Request("", "", {}, None, "", jwt_app=app_id)
        with self.lock:
            login = self.state.tokens.get(token)
            grant = self.state.installation_tokens.get(token)
        if login is None or (grant is not None and grant.expires_at < time.time()):
            return Response(401, {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"})
        if grant is None:
            return Request("", "", {}, None, login)
        return Request("", "", {}, None, login, app_id=grant.app_id, permissions=grant.permissions)

    def _dispatch(self, method: str, path: str, query: dict[str, str], headers: Mapping[str, str], payload: Any) -> Response:
        caller = self._caller(headers)
        if isinstance(caller, Response):
            return caller
        for verb, pattern, handler, name in self.routes:
            m = pattern.fullmatch(path)
            if m is None:
                continue
            if verb != method:
                continue
            params = {k: v for k, v in m.groupdict().items() if v is not None}
            if params.get("owner", self.owner).lower() != self.owner.lower() or params.get("repo", self.name).lower() != self.name.lower():
                return Response(404, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"})
            need = auth.NEEDS.get(name)
            if need is not None:
                with self.lock:
                    role = None if caller.permissions is not None or caller.jwt_app else self.role(caller.login)
                refused = auth.refusal(need, role=role, permissions=caller.permissions, jwt=caller.jwt_app is not None)
                if refused is not None:
                    return Response(refused[0], {"message": refused[1], "documentation_url": "https://docs.github.com/rest"})
            req = Request(method, path, query, payload, caller.login, params, caller.app_id, caller.permissions, caller.jwt_app)
            try:
                with self.lock:
                    return handler(req)
            except HttpError as exc:
                body: JSON = {"message": exc.message, "documentation_url": "https://docs.github.com/rest"}
                if exc.errors:
                    body["errors"] = exc.errors
                return Response(exc.status, body)
            except GitError as exc:
                return Response(422, {"message": str(exc)})
        return Response(404, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"})

    def _routes(self) -> list[CompiledRoute]:
        return []

    # -- helpers -------------------------------------------------------------------------------

    def _now(self) -> str:
        return iso(time.time())

    def _paginate(self, req: Request, items: list[Any]) -> Response:
        per_page = max(1, min(100, int(req.query.get("per_page", "30") or 30)))
        page = max(1, int(req.query.get("page", "1") or 1))
        chunk = items[(page - 1) * per_page : page * per_page]
        last = max(1, -(-len(items) // per_page))
        links = []
        base_q = {k: v for k, v in req.query.items() if k != "page"}
        qs = "&".join(f"{k}={quote(v, safe='')}" for k, v in base_q.items())

        def link(p: int, rel: str) -> str:
            return f'<{self.render.api}{quote(req.path)}?{qs + "&" if qs else ""}page={p}>; rel="{rel}"'

        if page < last:
            links += [link(page + 1, "next"), link(last, "last")]
        if page > 1:
            links += [link(1, "first"), link(page - 1, "prev")]
        return Response(200, chunk, {"Link": ", ".join(links)} if links else {})

    def _resolve(self, ref: str) -> str:
        for candidate in (ref, f"refs/heads/{ref}", f"refs/tags/{ref}"):
            sha = self.git.rev_parse(candidate)
            if sha:
                return sha
        raise HttpError(422, f"No commit found for SHA: {ref}")

    def _paginate_map(self, req: Request, items: list[Any], fn: Callable[[Any], JSON]) -> Response:
        page = self._paginate(req, items)
        page.body = [fn(x) for x in page.body]
        return page
