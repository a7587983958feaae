"""A stateful GitHub REST emulator on loopback, over a real bare git repository.

    with GitHubEmulator(repo_dir, users=["alice", "bob"], teams={"acme/support-ml": ["bob"]}) as gh:
        g = github.Github(base_url=gh.url, auth=github.Auth.Token(gh.token("alice")))

It serves the operations modelpromote uses (see scripts/refresh-openapi for the list) the way
GitHub does, including its refusals (422 for a duplicate pull request or a self-approval, 405 for
an unmergeable pull request, 409 for a stale head sha).  The base URL looks like GitHub
Enterprise's (``http://127.0.0.1:PORT/api/v3``) so the Enterprise code path is the one tested.
One lock serialises requests: the emulator is for correctness, not throughput.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from . import state as st
from .faults import Fault, FaultPlan, FaultSpec
from .gitrepo import ZERO, GitError, GitRepo, Person
from .render import JSON, Renderer, iso

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

# GitHub's `permission` field keeps the legacy names: maintain reads as write, triage as read.
LEGACY_PERMISSION = {"admin": "admin", "maintain": "write", "write": "write", "triage": "read", "read": "read", "none": "none"}
_RANK = ["none", "read", "triage", "write", "maintain", "admin"]


def _perms(role: str) -> JSON:
    rank = _RANK.index(role)
    return {"pull": rank >= 1, "triage": rank >= 2, "push": rank >= 3, "maintain": rank >= 4, "admin": rank >= 5}


class GitHubEmulator:
    """The emulator: start it, point PyGithub (or curl) at :attr:`url`, stop it."""

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

    # -- test API ------------------------------------------------------------------------------

    def add_user(self, login: str, token: str | None = None) -> str:
        with self.lock:
            if login not in self.state.users:
                kind = "Bot" if login.endswith("[bot]") else "User"
                self.state.users[login] = st.User(login, self.state.next_id(), kind, name=login.title(), email=f"{login}@example.invalid")
            self.state.roles.setdefault(login.lower(), "write")
            token = token or f"ghp_sandbox_{login}"
            self.state.tokens[token] = login
            return token

    def set_role(self, login: str, role: str) -> None:
        """The login's repository role: admin, maintain, write, triage, read or none."""
        if role not in LEGACY_PERMISSION:
            raise ValueError(f"unknown role {role!r}")
        with self.lock:
            self.state.roles[login.lower()] = role

    def token(self, login: str) -> str:
        """The token that authenticates as ``login`` (reviews are created as the token's user)."""
        for token, who in self.state.tokens.items():
            if who == login:
                return token
        raise KeyError(login)

    def inject(self, pattern: str, faults: list[FaultSpec], method: str | None = None) -> None:
        """Make the next requests whose path matches ``pattern`` fail, one fault each, in order."""
        self.faults.inject(pattern, faults, method)

    def add_review(self, number: int, login: str, state: str, commit_id: str | None = None, body: str = "") -> int:
        """Record a review directly, bypassing GitHub's own rules (e.g. an author's self-approval)."""
        with self.lock:
            pull = self._pull(number)
            rid = self.state.next_id()
            self.add_user(login)
            self.state.reviews.append(st.Review(rid, number, login, state, body, commit_id or self._head_sha(pull), iso(time.time())))
            return rid

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
        body = {"message": fault.message, "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"}
        return Response(fault.status, body, headers)

    def _log(self, method: str, path: str, query: dict[str, str], payload: Any, response: Response, fault: Fault | None) -> None:
        if self.record:
            with self.lock:
                self.exchanges.append(Exchange(method, path, query, payload, response.status, response.body, fault))

    def _dispatch(self, method: str, path: str, query: dict[str, str], headers: Mapping[str, str], payload: Any) -> Response:
        auth = headers.get("Authorization") or headers.get("authorization") or ""
        token = auth.split(" ", 1)[1].strip() if " " in auth else ""
        login = self.state.tokens.get(token)
        if login is None:
            return Response(401, {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"})
        for verb, pattern, handler in self.routes:
            m = pattern.fullmatch(path)
            if m is None:
                continue
            if verb != method:
                continue
            params = {k: v for k, v in m.groupdict().items() if v is not None}
            if params.get("owner", self.owner) != self.owner or params.get("repo", self.name) != self.name:
                return Response(404, {"message": "Not Found"})
            try:
                with self.lock:
                    return handler(Request(method, path, query, payload, login, params))
            except HttpError as exc:
                body: JSON = {"message": exc.message, "documentation_url": "https://docs.github.com/rest"}
                if exc.errors:
                    body["errors"] = exc.errors
                return Response(exc.status, body)
            except GitError as exc:
                return Response(422, {"message": str(exc)})
        return Response(404, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"})

    def _routes(self) -> list[tuple[str, re.Pattern[str], Handler]]:
        r = r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)"
        n = r"(?P<number>\d+)"
        table: list[tuple[str, str, Handler]] = [
            ("GET", r, self.get_repo),
            ("GET", r + r"/git/refs?/(?P<ref>.+)", self.get_ref),
            ("POST", r + r"/git/refs", self.create_ref),
            ("PATCH", r + r"/git/refs/(?P<ref>.+)", self.update_ref),
            ("DELETE", r + r"/git/refs/(?P<ref>.+)", self.delete_ref),
            ("GET", r + r"/git/commits/(?P<sha>\w+)", self.get_commit),
            ("POST", r + r"/git/commits", self.create_commit),
            ("GET", r + r"/git/trees/(?P<sha>\w+)", self.get_tree),
            ("POST", r + r"/git/trees", self.create_tree),
            ("GET", r + r"/git/blobs/(?P<sha>\w+)", self.get_blob),
            ("POST", r + r"/git/blobs", self.create_blob),
            ("GET", r + r"/contents/(?P<path>.+)", self.get_content),
            ("GET", r + r"/pulls", self.list_pulls),
            ("POST", r + r"/pulls", self.create_pull),
            ("GET", r + rf"/pulls/{n}", self.get_pull),
            ("PATCH", r + rf"/pulls/{n}", self.update_pull),
            ("PUT", r + rf"/pulls/{n}/merge", self.merge_pull),
            ("GET", r + rf"/pulls/{n}/files", self.list_files),
            ("GET", r + rf"/pulls/{n}/requested_reviewers", self.list_requested),
            ("POST", r + rf"/pulls/{n}/requested_reviewers", self.request_reviewers),
            ("GET", r + rf"/pulls/{n}/reviews", self.list_reviews),
            ("POST", r + rf"/pulls/{n}/reviews", self.create_review),
            ("PUT", r + rf"/pulls/{n}/reviews/(?P<rid>\d+)/dismissals", self.dismiss_review),
            ("GET", r + rf"/issues/{n}", self.get_issue),
            ("GET", r + rf"/issues/{n}/labels", self.list_labels),
            ("POST", r + rf"/issues/{n}/labels", self.add_labels),
            ("GET", r + rf"/issues/{n}/comments", self.list_comments),
            ("POST", r + rf"/issues/{n}/comments", self.create_comment),
            ("PATCH", r + r"/issues/comments/(?P<cid>\d+)", self.update_comment),
            ("GET", r + r"/commits/(?P<ref>[^/]+)", self.get_repo_commit),
            ("GET", r + r"/compare/(?P<basehead>[^/]+)", self.compare),
            ("GET", r + r"/collaborators/(?P<login>[^/]+)/permission", self.collaborator_permission),
            ("POST", r + r"/statuses/(?P<sha>\w+)", self.create_status),
            ("GET", r + r"/commits/(?P<ref>.+)/statuses", self.list_statuses),
            ("GET", r + r"/commits/(?P<ref>.+)/status", self.combined_status),
            ("POST", r + r"/check-runs", self.create_check_run),
            ("GET", r + r"/commits/(?P<ref>.+)/check-runs", self.list_check_runs),
            ("GET", r + r"/deployments", self.list_deployments),
            ("POST", r + r"/deployments", self.create_deployment),
            ("GET", r + r"/deployments/(?P<did>\d+)", self.get_deployment),
            ("GET", r + r"/deployments/(?P<did>\d+)/statuses", self.list_deployment_statuses),
            ("POST", r + r"/deployments/(?P<did>\d+)/statuses", self.create_deployment_status),
            ("POST", r + r"/dispatches", self.dispatch),
            ("GET", r"/user", self.get_me),
            ("GET", r"/users/(?P<login>[^/]+)", self.get_user),
            ("GET", r"/orgs/(?P<org>[^/]+)", self.get_org),
            ("GET", r"/orgs/(?P<org>[^/]+)/teams/(?P<slug>[^/]+)", self.get_team),
            ("GET", r"/orgs/(?P<org>[^/]+)/teams/(?P<slug>[^/]+)/members", self.list_team_members),
            ("GET", r"/orgs/(?P<org>[^/]+)/teams/(?P<slug>[^/]+)/memberships/(?P<login>[^/]+)", self.get_membership),
        ]
        return [(verb, re.compile(pattern), handler) for verb, pattern, handler in table]

    # -- helpers -------------------------------------------------------------------------------

    def _now(self) -> str:
        return iso(time.time())

    def _user(self, login: str | None) -> JSON | None:
        if login is None:
            return None
        u = self.state.users.get(login) or st.User(login, 0)
        return self.render.user(u.login, u.id, u.type)

    def _owner_json(self) -> JSON:
        return self.render.user(self.owner, self.owner_id, "Organization")

    def _repo_json(self, full: bool = False) -> JSON:
        sha = self.git.rev_parse(f"refs/heads/{self.default_branch}")
        pushed = self.render_commit_date(sha) if sha else "2020-01-01T00:00:00Z"
        return self.render.repository(self._owner_json(), self.repo_id, self.default_branch, full, pushed)

    def render_commit_date(self, sha: str) -> str:
        return self.render.git_commit(self.git.read_commit(sha))["committer"]["date"]  # type: ignore[no-any-return]

    def _assoc(self, login: str) -> str:
        return "MEMBER" if login in self.state.users else "NONE"

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

    def _pull(self, number: int | str) -> st.Pull:
        pull = self.state.pulls.get(int(number))
        if pull is None:
            raise not_found()
        return pull

    def _head_sha(self, pull: st.Pull) -> str:
        if pull.state == "open":
            live = self.git.rev_parse(f"refs/heads/{pull.head_ref}")
            if live:
                pull.head_sha = live
            base = self.git.rev_parse(f"refs/heads/{pull.base_ref}")
            if base:
                pull.base_sha = base
        return pull.head_sha

    def _label_json(self, name: str) -> JSON:
        label = self.state.labels[name]
        return self.render.label(label.id, label.name, label.color, label.description)

    def _pull_json(self, pull: st.Pull, full: bool = True) -> JSON:
        head_sha = self._head_sha(pull)
        repo = self._repo_json()
        author = self._user(pull.author)
        data: JSON = {
            **self.render.pull_links(pull.number, head_sha),
            "id": pull.id,
            "node_id": f"PR_{pull.id}",
            "number": pull.number,
            "state": pull.state,
            "locked": False,
            "title": pull.title,
            "user": author,
            "body": pull.body,
            "labels": [self._label_json(n) for n in pull.labels],
            "milestone": None,
            "active_lock_reason": None,
            "created_at": pull.created_at,
            "updated_at": pull.updated_at,
            "closed_at": pull.closed_at,
            "merged_at": pull.merged_at,
            "merge_commit_sha": pull.merge_commit_sha,
            "assignee": None,
            "assignees": [],
            "requested_reviewers": [self._user(u) for u in pull.requested_users],
            "requested_teams": [self._team_json(self.owner, t) for t in pull.requested_teams],
            "head": {
                "label": f"{self.owner}:{pull.head_ref}",
                "ref": pull.head_ref,
                "sha": head_sha,
                "user": self._owner_json(),
                "repo": repo,
            },
            "base": {
                "label": f"{self.owner}:{pull.base_ref}",
                "ref": pull.base_ref,
                "sha": pull.base_sha,
                "user": self._owner_json(),
                "repo": repo,
            },
            "_links": self.render.pull_hrefs(pull.number, head_sha),
            "author_association": self._assoc(pull.author),
            "auto_merge": None,
            "draft": pull.draft,
        }
        if full:
            files = self.git.diff(pull.base_sha, head_sha) if pull.state == "open" else []
            mergeable = None if pull.state != "open" else self.git.merge_tree(pull.base_sha, head_sha) is not None
            data.update(
                merged=pull.merged,
                mergeable=mergeable,
                rebaseable=mergeable,
                mergeable_state="unknown" if mergeable is None else ("clean" if mergeable else "dirty"),
                merged_by=self._user(pull.merged_by),
                comments=sum(1 for c in self.state.comments if c.number == pull.number),
                review_comments=0,
                maintainer_can_modify=pull.maintainer_can_modify,
                commits=self.git.count_commits(pull.base_sha, head_sha) if pull.state == "open" else 1,
                additions=sum(f.additions for f in files),
                deletions=sum(f.deletions for f in files),
                changed_files=len(files),
            )
        return data

    def _team_json(self, org: str, slug: str, full: bool = False) -> JSON:
        team = self.state.teams.get((org, slug))
        if team is None:
            raise not_found()
        return self.render.team(org, slug, team.name or slug, team.id, len(team.members), full)

    # -- repository and git data ---------------------------------------------------------------

    def get_repo(self, req: Request) -> Response:
        return Response(200, self._repo_json(full=True))

    def get_ref(self, req: Request) -> Response:
        ref = "refs/" + req.params["ref"]
        sha = self.git.refs(ref).get(ref)
        if sha is None:
            raise not_found()
        return Response(200, self.render.ref(ref, sha))

    def create_ref(self, req: Request) -> Response:
        body = req.body or {}
        ref, sha = body.get("ref", ""), body.get("sha", "")
        if not ref.startswith("refs/") or ref.count("/") < 2:
            raise invalid("Reference name is invalid", "Reference", "ref")
        if self.git.object_type(sha) != "commit":
            raise HttpError(422, "Object does not exist")
        if self.git.refs(ref).get(ref):
            raise HttpError(422, "Reference already exists")
        self.git.update_ref(ref, sha, ZERO)
        return Response(201, self.render.ref(ref, sha), {"Location": f"{self.render.repo_api}/git/{ref}"})

    def update_ref(self, req: Request) -> Response:
        ref = "refs/" + req.params["ref"]
        body = req.body or {}
        old = self.git.refs(ref).get(ref)
        if old is None:
            raise HttpError(422, "Reference does not exist")
        new = body.get("sha", "")
        if self.git.object_type(new) != "commit":
            raise HttpError(422, "Object does not exist")
        if not body.get("force") and not self.git.is_ancestor(old, new):
            raise HttpError(422, "Update is not a fast forward")
        self.git.update_ref(ref, new, old)
        return Response(200, self.render.ref(ref, new))

    def delete_ref(self, req: Request) -> Response:
        ref = "refs/" + req.params["ref"]
        if self.git.refs(ref).get(ref) is None:
            raise HttpError(422, "Reference does not exist")
        self.git.delete_ref(ref)
        return Response(204)

    def get_commit(self, req: Request) -> Response:
        if self.git.object_type(req.params["sha"]) != "commit":
            raise not_found()
        return Response(200, self.render.git_commit(self.git.read_commit(req.params["sha"])))

    def create_commit(self, req: Request) -> Response:
        body = req.body or {}
        tree, parents, message = body.get("tree", ""), body.get("parents", []), body.get("message")
        if not isinstance(message, str):
            raise invalid("message is required", "Commit", "message", "missing_field")
        if self.git.object_type(tree) != "tree":
            raise HttpError(422, "Tree SHA does not exist")
        for p in parents:
            if self.git.object_type(p) != "commit":
                raise HttpError(422, "Parent SHA does not exist or is not a commit object")
        user = self.state.users[req.login]

        def person(raw: Any) -> Person:
            raw = raw or {}
            when = raw.get("date")
            seconds = int(time.mktime(time.strptime(when[:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone) if when else int(time.time())
            return Person(raw.get("name") or user.name or user.login, raw.get("email") or user.email or "", f"{seconds} +0000")

        author = person(body.get("author"))
        committer = person(body.get("committer") or body.get("author"))
        sha = self.git.commit_tree(tree, list(parents), message, author, committer)
        return Response(201, self.render.git_commit(self.git.read_commit(sha)), {"Location": f"{self.render.repo_api}/git/commits/{sha}"})

    def get_tree(self, req: Request) -> Response:
        sha = req.params["sha"]
        if self.git.object_type(sha) == "commit":
            sha = self.git.read_commit(sha).tree
        if self.git.object_type(sha) != "tree":
            raise not_found()
        recursive = req.query.get("recursive") not in (None, "", "0", "false")
        entries = [self.render.tree_entry(e.mode, e.type, e.sha, e.path, e.size) for e in self.git.ls_tree(sha, recursive)]
        return Response(200, {"sha": sha, "url": f"{self.render.repo_api}/git/trees/{sha}", "tree": entries, "truncated": False})

    def create_tree(self, req: Request) -> Response:
        body = req.body or {}
        base = body.get("base_tree")
        if base and self.git.object_type(base) != "tree":
            raise HttpError(422, "base_tree is not a valid tree oid")
        changes: list[tuple[str, str, str | None]] = []
        for entry in body.get("tree", []):
            path, mode = entry.get("path", ""), entry.get("mode", "100644")
            if "content" in entry:
                sha: str | None = self.git.write_blob(str(entry["content"]).encode())
            else:
                sha = entry.get("sha")
                if sha is not None and self.git.object_type(sha) is None:
                    raise HttpError(422, f"tree.sha {sha} is not a valid blob")
            changes.append((path, mode, sha))
        tree = self.git.build_tree(base, changes)
        entries = [self.render.tree_entry(e.mode, e.type, e.sha, e.path, e.size) for e in self.git.ls_tree(tree)]
        url = f"{self.render.repo_api}/git/trees/{tree}"
        return Response(201, {"sha": tree, "url": url, "tree": entries, "truncated": False}, {"Location": url})

    def get_blob(self, req: Request) -> Response:
        sha = req.params["sha"]
        if self.git.object_type(sha) != "blob":
            raise not_found()
        data = self.git.read_object(sha)
        return Response(
            200,
            {
                "sha": sha,
                "node_id": f"B_{sha[:12]}",
                "size": len(data),
                "url": self.render.blob_url(sha),
                "content": base64.encodebytes(data).decode(),
                "encoding": "base64",
            },
        )

    def create_blob(self, req: Request) -> Response:
        body = req.body or {}
        content = body.get("content")
        if not isinstance(content, str):
            raise invalid("content is required", "Blob", "content", "missing_field")
        data = base64.b64decode(content) if body.get("encoding") == "base64" else content.encode()
        sha = self.git.write_blob(data)
        return Response(201, {"sha": sha, "url": self.render.blob_url(sha)}, {"Location": self.render.blob_url(sha)})

    def get_content(self, req: Request) -> Response:
        ref = req.query.get("ref") or self.default_branch
        sha = self._resolve(ref)
        found = self.git.read_file(sha, req.params["path"])
        if found is None:
            raise not_found()
        blob, data = found
        return Response(200, self.render.content_file(req.params["path"], blob, data, ref))

    # -- pulls ---------------------------------------------------------------------------------

    def list_pulls(self, req: Request) -> Response:
        want = req.query.get("state", "open")
        head = req.query.get("head")
        base = req.query.get("base")
        pulls = sorted(self.state.pulls.values(), key=lambda p: -p.number)
        selected = [
            p
            for p in pulls
            if (want == "all" or p.state == want)
            and (head is None or f"{self.owner}:{p.head_ref}" == head or (":" not in head and p.head_ref == head))
            and (base is None or p.base_ref == base)
        ]
        return self._paginate_map(req, selected, lambda p: self._pull_json(p, full=False))

    def _paginate_map(self, req: Request, items: list[Any], fn: Callable[[Any], JSON]) -> Response:
        page = self._paginate(req, items)
        page.body = [fn(x) for x in page.body]
        return page

    def create_pull(self, req: Request) -> Response:
        body = req.body or {}
        head = str(body.get("head", ""))
        head_ref = head.split(":", 1)[1] if ":" in head else head
        base_ref = str(body.get("base", ""))
        if not body.get("title"):
            raise invalid("title is required", "PullRequest", "title", "missing_field")
        head_sha = self.git.rev_parse(f"refs/heads/{head_ref}")
        base_sha = self.git.rev_parse(f"refs/heads/{base_ref}")
        if head_sha is None:
            raise invalid("head is invalid", "PullRequest", "head", "invalid")
        if base_sha is None:
            raise invalid("base is invalid", "PullRequest", "base", "invalid")
        for p in self.state.pulls.values():
            if p.state == "open" and p.head_ref == head_ref and p.base_ref == base_ref:
                raise invalid(f"A pull request already exists for {self.owner}:{head_ref}.", "PullRequest")
        if self.git.is_ancestor(head_sha, base_sha):
            raise invalid(f"No commits between {base_ref} and {head_ref}", "PullRequest")
        number = self.state.next_number()
        now = self._now()
        pull = st.Pull(
            number,
            self.state.next_id(),
            body["title"],
            body.get("body"),
            head_ref,
            base_ref,
            req.login,
            now,
            now,
            head_sha,
            base_sha,
            draft=bool(body.get("draft", False)),
            maintainer_can_modify=bool(body.get("maintainer_can_modify", False)),
        )
        self.state.pulls[number] = pull
        return Response(201, self._pull_json(pull), {"Location": f"{self.render.repo_api}/pulls/{number}"})

    def get_pull(self, req: Request) -> Response:
        return Response(200, self._pull_json(self._pull(req.params["number"])))

    def update_pull(self, req: Request) -> Response:
        pull = self._pull(req.params["number"])
        body = req.body or {}
        if "title" in body:
            pull.title = body["title"]
        if "body" in body:
            pull.body = body["body"]
        if "base" in body:
            if self.git.rev_parse(f"refs/heads/{body['base']}") is None:
                raise invalid("base is invalid", "PullRequest", "base", "invalid")
            pull.base_ref = body["base"]
        if body.get("state") in ("open", "closed") and not pull.merged:
            self._head_sha(pull)
            pull.state = body["state"]
            pull.closed_at = self._now() if pull.state == "closed" else None
        pull.updated_at = self._now()
        return Response(200, self._pull_json(pull))

    def merge_pull(self, req: Request) -> Response:
        pull = self._pull(req.params["number"])
        body = req.body or {}
        if pull.merged or pull.state != "open":
            raise HttpError(405, "Pull Request is not mergeable")
        head = self._head_sha(pull)
        if body.get("sha") and body["sha"] != head:
            raise HttpError(409, "Head branch was modified. Review and try the merge again.")
        tree = self.git.merge_tree(pull.base_sha, head)
        if tree is None:
            raise HttpError(405, "Pull Request is not mergeable")
        method = body.get("merge_method", "merge")
        title = body.get("commit_title") or (
            pull.title if method == "squash" else f"Merge pull request #{pull.number} from {self.owner}/{pull.head_ref}"
        )
        message = title + ("\n\n" + body["commit_message"] if body.get("commit_message") else "") + "\n"
        user = self.state.users[req.login]
        who = Person(user.name or user.login, user.email or "", f"{int(time.time())} +0000")
        parents = [pull.base_sha] if method in ("squash", "rebase") else [pull.base_sha, head]
        sha = self.git.commit_tree(tree, parents, message, who, who)
        self.git.update_ref(f"refs/heads/{pull.base_ref}", sha, pull.base_sha)
        now = self._now()
        pull.merged, pull.merged_at, pull.merged_by, pull.merge_commit_sha = True, now, req.login, sha
        pull.state, pull.closed_at, pull.updated_at = "closed", now, now
        return Response(200, {"sha": sha, "merged": True, "message": "Pull Request successfully merged"})

    def list_files(self, req: Request) -> Response:
        pull = self._pull(req.params["number"])
        head = self._head_sha(pull)
        files = []
        for f in self.git.diff(pull.base_sha, head):
            files.append(
                {
                    "sha": f.sha if f.sha != ZERO else None,
                    "filename": f.path,
                    "status": f.status,
                    "additions": f.additions,
                    "deletions": f.deletions,
                    "changes": f.additions + f.deletions,
                    "blob_url": f"{self.render.repo_web}/blob/{head}/{f.path}",
                    "raw_url": f"{self.render.repo_web}/raw/{head}/{f.path}",
                    "contents_url": f"{self.render.repo_api}/contents/{f.path}?ref={head}",
                    "patch": self.git.patch(pull.base_sha, head, f.path),
                }
            )
        return self._paginate(req, files)

    def list_requested(self, req: Request) -> Response:
        pull = self._pull(req.params["number"])
        return Response(
            200,
            {
                "users": [self._user(u) for u in pull.requested_users],
                "teams": [self._team_json(self.owner, t) for t in pull.requested_teams],
            },
        )

    def request_reviewers(self, req: Request) -> Response:
        pull = self._pull(req.params["number"])
        body = req.body or {}
        users, teams = list(body.get("reviewers", [])), list(body.get("team_reviewers", []))
        if pull.author in users:
            raise invalid("Review cannot be requested from pull request author.", "PullRequest")
        for u in users:
            if u not in self.state.users:
                msg = f"Reviews may only be requested from collaborators; {u} is not one of {self.owner}/{self.name}."
                raise invalid(msg, "PullRequest")
        for t in teams:
            if (self.owner, t) not in self.state.teams:
                raise invalid(f"Could not resolve to a node with the global id of '{t}'.", "PullRequest")
        pull.requested_users += [u for u in users if u not in pull.requested_users]
        pull.requested_teams += [t for t in teams if t not in pull.requested_teams]
        return Response(201, self._pull_json(pull, full=False))

    def _review_json(self, r: st.Review) -> JSON:
        return self.render.review(
            r.id, self._user(r.user) or {}, r.body, r.state, r.commit_id, r.number, r.submitted_at, self._assoc(r.user)
        )

    def list_reviews(self, req: Request) -> Response:
        pull = self._pull(req.params["number"])
        return self._paginate_map(req, [r for r in self.state.reviews if r.number == pull.number], self._review_json)

    def create_review(self, req: Request) -> Response:
        pull = self._pull(req.params["number"])
        body = req.body or {}
        event = body.get("event")
        states = {"APPROVE": "APPROVED", "REQUEST_CHANGES": "CHANGES_REQUESTED", "COMMENT": "COMMENTED", None: "PENDING"}
        if event not in states:
            raise invalid(f"event {event!r} is not one of APPROVE, REQUEST_CHANGES, COMMENT", "PullRequestReview", "event")
        if pull.author == req.login and event in ("APPROVE", "REQUEST_CHANGES"):
            verb = "approve" if event == "APPROVE" else "request changes on"
            raise HttpError(422, "Unprocessable Entity", [f"Can not {verb} your own pull request"])
        if event in ("REQUEST_CHANGES", "COMMENT") and not body.get("body"):
            raise HttpError(422, "Unprocessable Entity", ["Body is required for this event"])
        review = st.Review(
            self.state.next_id(),
            pull.number,
            req.login,
            states[event],
            body.get("body", ""),
            body.get("commit_id") or self._head_sha(pull),
            self._now(),
        )
        self.state.reviews.append(review)
        if req.login in pull.requested_users:
            pull.requested_users.remove(req.login)
        return Response(200, self._review_json(review))

    def dismiss_review(self, req: Request) -> Response:
        pull = self._pull(req.params["number"])
        review = next((r for r in self.state.reviews if r.id == int(req.params["rid"]) and r.number == pull.number), None)
        if review is None:
            raise not_found()
        if review.state not in ("APPROVED", "CHANGES_REQUESTED"):
            raise HttpError(422, "Can not dismiss a commented pull request review")
        review.state = "DISMISSED"
        return Response(200, self._review_json(review))

    # -- issues: labels and comments -----------------------------------------------------------

    def get_issue(self, req: Request) -> Response:
        pull = self._pull(req.params["number"])
        pj = self._pull_json(pull, full=False)
        return Response(
            200,
            {
                "id": pull.id,
                "node_id": f"I_{pull.id}",
                "url": pj["issue_url"],
                "repository_url": self.render.repo_api,
                "labels_url": pj["issue_url"] + "/labels{/name}",
                "comments_url": pj["comments_url"],
                "events_url": pj["issue_url"] + "/events",
                "html_url": pj["html_url"],
                "number": pull.number,
                "state": pull.state,
                "title": pull.title,
                "body": pull.body,
                "user": pj["user"],
                "labels": pj["labels"],
                "assignee": None,
                "assignees": [],
                "milestone": None,
                "locked": False,
                "comments": sum(1 for c in self.state.comments if c.number == pull.number),
                "pull_request": {"url": pj["url"], "html_url": pj["html_url"], "diff_url": pj["diff_url"], "patch_url": pj["patch_url"]},
                "closed_at": pull.closed_at,
                "created_at": pull.created_at,
                "updated_at": pull.updated_at,
                "author_association": pj["author_association"],
            },
        )

    def list_labels(self, req: Request) -> Response:
        pull = self._pull(req.params["number"])
        return self._paginate_map(req, pull.labels, self._label_json)

    def add_labels(self, req: Request) -> Response:
        pull = self._pull(req.params["number"])
        body = req.body
        names = body.get("labels", []) if isinstance(body, dict) else body or []
        for name in names:
            name = name["name"] if isinstance(name, dict) else str(name)
            if name not in self.state.labels:
                color = hashlib.sha256(name.encode()).hexdigest()[:6]  # stable across runs, unlike hash()
                self.state.labels[name] = st.Label(self.state.next_id(), name, color)
            if name not in pull.labels:
                pull.labels.append(name)
        return Response(200, [self._label_json(n) for n in pull.labels])

    def _comment_json(self, c: st.Comment) -> JSON:
        return self.render.comment(c.id, c.number, self._user(c.user) or {}, c.body, c.created_at, c.updated_at, self._assoc(c.user))

    def list_comments(self, req: Request) -> Response:
        pull = self._pull(req.params["number"])
        return self._paginate_map(req, [c for c in self.state.comments if c.number == pull.number], self._comment_json)

    def create_comment(self, req: Request) -> Response:
        pull = self._pull(req.params["number"])
        text = (req.body or {}).get("body")
        if not isinstance(text, str):
            raise invalid("body is required", "IssueComment", "body", "missing_field")
        now = self._now()
        comment = st.Comment(self.state.next_id(), pull.number, req.login, text, now, now)
        self.state.comments.append(comment)
        return Response(201, self._comment_json(comment))

    def update_comment(self, req: Request) -> Response:
        comment = next((c for c in self.state.comments if c.id == int(req.params["cid"])), None)
        if comment is None:
            raise not_found()
        comment.body = str((req.body or {}).get("body", comment.body))
        comment.updated_at = self._now()
        return Response(200, self._comment_json(comment))

    def get_repo_commit(self, req: Request) -> Response:
        sha = self._resolve(req.params["ref"])
        c = self.git.read_commit(sha)
        g = self.render.git_commit(c)
        files = self.git.diff(c.parents[0], sha) if c.parents else []
        data: JSON = {
            "url": f"{self.render.repo_api}/commits/{sha}",
            "sha": sha,
            "node_id": g["node_id"],
            "html_url": g["html_url"],
            "comments_url": f"{self.render.repo_api}/commits/{sha}/comments",
            "commit": {
                "url": g["url"],
                "author": g["author"],
                "committer": g["committer"],
                "message": g["message"],
                "comment_count": 0,
                "tree": g["tree"],
                "verification": g["verification"],
            },
            "author": None,
            "committer": None,
            "parents": [
                {"sha": p["sha"], "url": f"{self.render.repo_api}/commits/{p['sha']}", "html_url": p["html_url"]} for p in g["parents"]
            ],
            "stats": {"additions": sum(f.additions for f in files), "deletions": sum(f.deletions for f in files), "total": 0},
            "files": [
                {
                    "sha": f.sha,
                    "filename": f.path,
                    "status": f.status,
                    "additions": f.additions,
                    "deletions": f.deletions,
                    "changes": f.additions + f.deletions,
                    "blob_url": f"{self.render.repo_web}/blob/{sha}/{f.path}",
                    "raw_url": f"{self.render.repo_web}/raw/{sha}/{f.path}",
                    "contents_url": f"{self.render.repo_api}/contents/{f.path}?ref={sha}",
                }
                for f in files
            ],
        }
        data["stats"]["total"] = data["stats"]["additions"] + data["stats"]["deletions"]
        return Response(200, data)

    def compare(self, req: Request) -> Response:
        base_ref, sep, head_ref = req.params["basehead"].partition("...")
        if not sep:
            raise not_found()
        base, head = self._resolve(base_ref), self._resolve(head_ref)
        mb = self.git.merge_base(base, head)
        if mb is None:
            raise not_found()  # GitHub: "No common ancestor between ..." answers 404
        ahead, behind = self.git.count_commits(mb, head), self.git.count_commits(mb, base)
        status = "identical" if ahead == behind == 0 else "ahead" if behind == 0 else "behind" if ahead == 0 else "diverged"

        def commit(sha: str) -> JSON:
            return self.get_repo_commit(Request("GET", f"commits/{sha}", {}, None, req.login, {"ref": sha})).body  # type: ignore[no-any-return]

        files = self.git.diff(mb, head)
        return Response(
            200,
            {
                "url": f"{self.render.repo_api}/compare/{base_ref}...{head_ref}",
                "html_url": f"{self.render.repo_web}/compare/{base_ref}...{head_ref}",
                "permalink_url": f"{self.render.repo_web}/compare/{base[:7]}...{head[:7]}",
                "diff_url": f"{self.render.repo_web}/compare/{base_ref}...{head_ref}.diff",
                "patch_url": f"{self.render.repo_web}/compare/{base_ref}...{head_ref}.patch",
                "base_commit": commit(base),
                "merge_base_commit": commit(mb),
                "status": status,
                "ahead_by": ahead,
                "behind_by": behind,
                "total_commits": ahead,
                "commits": [],
                "files": [
                    {
                        "sha": f.sha,
                        "filename": f.path,
                        "status": f.status,
                        "additions": f.additions,
                        "deletions": f.deletions,
                        "changes": f.additions + f.deletions,
                        "blob_url": f"{self.render.repo_web}/blob/{head}/{f.path}",
                        "raw_url": f"{self.render.repo_web}/raw/{head}/{f.path}",
                        "contents_url": f"{self.render.repo_api}/contents/{f.path}?ref={head}",
                    }
                    for f in files
                ],
            },
        )

    def collaborator_permission(self, req: Request) -> Response:
        wanted = req.params["login"].lower()
        user = next((u for login, u in self.state.users.items() if login.lower() == wanted), None)
        if user is None:
            raise not_found()
        role = self.state.roles.get(wanted, "none")
        return Response(
            200,
            {
                "permission": LEGACY_PERMISSION[role],
                "role_name": role,
                "user": {**(self._user(user.login) or {}), "permissions": _perms(role), "role_name": role},
            },
        )

    # -- statuses and checks -------------------------------------------------------------------

    def _status_json(self, s: st.Status) -> JSON:
        return self.render.status(s.id, s.state, s.context, s.description, s.target_url, s.created_at, self._user(s.creator) or {})

    def create_status(self, req: Request) -> Response:
        body = req.body or {}
        sha = req.params["sha"]
        if self.git.object_type(sha) != "commit":
            raise HttpError(422, f"No commit found for SHA: {sha}")
        if body.get("state") not in ("error", "failure", "pending", "success"):
            raise invalid("state is not included in the list", "Status", "state", "invalid")
        status = st.Status(
            self.state.next_id(),
            sha,
            body["state"],
            body.get("context") or "default",
            body.get("description"),
            body.get("target_url"),
            req.login,
            self._now(),
        )
        self.state.statuses.append(status)
        return Response(201, self._status_json(status))

    def _statuses_for(self, ref: str) -> list[st.Status]:
        sha = self._resolve(ref)
        return [s for s in reversed(self.state.statuses) if s.sha == sha]

    def list_statuses(self, req: Request) -> Response:
        return self._paginate_map(req, self._statuses_for(req.params["ref"]), self._status_json)

    def combined_status(self, req: Request) -> Response:
        sha = self._resolve(req.params["ref"])
        latest: dict[str, st.Status] = {}
        for s in self._statuses_for(sha):
            latest.setdefault(s.context, s)
        states = {s.state for s in latest.values()}
        overall = "failure" if states & {"error", "failure"} else "pending" if (not states or "pending" in states) else "success"
        simple = [{k: v for k, v in self._status_json(s).items() if k != "creator"} for s in latest.values()]
        return Response(
            200,
            {
                "state": overall,
                "statuses": simple,
                "sha": sha,
                "total_count": len(simple),
                "repository": self.render.minimal_repository(self._owner_json(), self.repo_id),
                "commit_url": f"{self.render.repo_api}/commits/{sha}",
                "url": f"{self.render.repo_api}/commits/{sha}/status",
            },
        )

    def _check_json(self, c: st.CheckRun) -> JSON:
        url = f"{self.render.repo_api}/check-runs/{c.id}"
        app = {
            "id": 1,
            "slug": "modelpromote-sandbox",
            "node_id": "A_1",
            "owner": self._owner_json(),
            "name": "modelpromote sandbox",
            "description": None,
            "external_url": self.render.web,
            "html_url": self.render.web,
            "created_at": "2020-01-01T00:00:00Z",
            "updated_at": "2020-01-01T00:00:00Z",
            "permissions": {"checks": "write"},
            "events": [],
        }
        return {
            "id": c.id,
            "head_sha": c.head_sha,
            "node_id": f"CR_{c.id}",
            "external_id": c.external_id,
            "url": url,
            "html_url": f"{self.render.repo_web}/runs/{c.id}",
            "details_url": c.details_url,
            "status": c.status,
            "conclusion": c.conclusion,
            "started_at": c.started_at,
            "completed_at": c.completed_at,
            "output": {
                "title": c.title,
                "summary": c.summary,
                "text": c.text,
                "annotations_count": 0,
                "annotations_url": url + "/annotations",
            },
            "name": c.name,
            "check_suite": {"id": 1},
            "app": app,
            "pull_requests": [],
        }

    def create_check_run(self, req: Request) -> Response:
        body = req.body or {}
        if not body.get("name") or self.git.object_type(str(body.get("head_sha", ""))) != "commit":
            raise invalid("name and a valid head_sha are required", "CheckRun", "head_sha")
        conclusion = body.get("conclusion")
        status = "completed" if conclusion else body.get("status", "queued")
        output = body.get("output") or {}
        now = self._now()
        run = st.CheckRun(
            self.state.next_id(),
            body["head_sha"],
            body["name"],
            status,
            conclusion,
            output.get("title"),
            output.get("summary"),
            output.get("text"),
            body.get("details_url"),
            body.get("external_id"),
            body.get("started_at") or now,
            body.get("completed_at") or (now if conclusion else None),
        )
        self.state.check_runs.append(run)
        return Response(201, self._check_json(run))

    def list_check_runs(self, req: Request) -> Response:
        sha = self._resolve(req.params["ref"])
        runs = [self._check_json(c) for c in reversed(self.state.check_runs) if c.head_sha == sha]
        return Response(200, {"total_count": len(runs), "check_runs": runs})

    # -- deployments ---------------------------------------------------------------------------

    def _deployment_json(self, d: st.Deployment) -> JSON:
        return self.render.deployment(d, self._user(d.creator))

    def list_deployments(self, req: Request) -> Response:
        q = req.query
        items = [
            d
            for d in reversed(self.state.deployments)
            if all(q.get(k) in (None, getattr(d, k)) for k in ("sha", "ref", "task", "environment"))
        ]
        return self._paginate_map(req, items, self._deployment_json)

    def create_deployment(self, req: Request) -> Response:
        body = req.body or {}
        ref = str(body.get("ref", ""))
        if not ref:
            raise invalid("ref is required", "Deployment", "ref", "missing_field")
        sha = self._resolve(ref)
        if "required_contexts" not in body:
            latest: dict[str, st.Status] = {}
            for s in self._statuses_for(sha):
                latest.setdefault(s.context, s)
            failing = sorted(c for c, s in latest.items() if s.state != "success")
            if failing:
                raise HttpError(409, f"Conflict: Commit status checks failed for {ref}.")
        payload = body.get("payload", {})
        if isinstance(payload, str):
            with contextlib.suppress(ValueError):
                payload = json.loads(payload) if payload else {}
        environment = body.get("environment") or "production"
        deployment = st.Deployment(
            self.state.next_id(),
            sha,
            ref,
            body.get("task") or "deploy",
            environment,
            payload,
            body.get("description"),
            req.login,
            self._now(),
            bool(body.get("transient_environment", False)),
            bool(body.get("production_environment", environment == "production")),
        )
        self.state.deployments.append(deployment)
        return Response(201, self._deployment_json(deployment))

    def _deployment(self, did: str) -> st.Deployment:
        d = next((d for d in self.state.deployments if d.id == int(did)), None)
        if d is None:
            raise not_found()
        return d

    def get_deployment(self, req: Request) -> Response:
        return Response(200, self._deployment_json(self._deployment(req.params["did"])))

    def _dstatus_json(self, s: st.DeploymentStatus) -> JSON:
        return self.render.deployment_status(s, self._user(s.creator))

    def list_deployment_statuses(self, req: Request) -> Response:
        d = self._deployment(req.params["did"])
        return self._paginate_map(req, [s for s in reversed(self.state.deployment_statuses) if s.deployment_id == d.id], self._dstatus_json)

    def create_deployment_status(self, req: Request) -> Response:
        d = self._deployment(req.params["did"])
        body = req.body or {}
        if body.get("state") not in ("error", "failure", "inactive", "in_progress", "queued", "pending", "success"):
            raise invalid("state is not included in the list", "DeploymentStatus", "state", "invalid")
        status = st.DeploymentStatus(
            self.state.next_id(),
            d.id,
            body["state"],
            body.get("description", ""),
            body.get("environment") or d.environment,
            body.get("target_url", ""),
            body.get("log_url", body.get("target_url", "")),
            body.get("environment_url", ""),
            req.login,
            self._now(),
        )
        self.state.deployment_statuses.append(status)
        return Response(201, self._dstatus_json(status))

    def dispatch(self, req: Request) -> Response:
        body = req.body or {}
        if not body.get("event_type"):
            raise invalid("event_type is required", "Dispatch", "event_type", "missing_field")
        self.state.dispatches.append(st.Dispatch(body["event_type"], body.get("client_payload") or {}, req.login))
        return Response(204)

    # -- users and teams -----------------------------------------------------------------------

    def get_me(self, req: Request) -> Response:
        u = self.state.users[req.login]
        return Response(200, self.render.full_user(u.login, u.id, u.type, u.name, u.email, private=True))

    def get_user(self, req: Request) -> Response:
        u = self.state.users.get(req.params["login"])
        if u is None:
            raise not_found()
        return Response(200, self.render.full_user(u.login, u.id, u.type, u.name, u.email, private=False))

    def _orgs(self) -> set[str]:
        return {self.owner} | {org for org, _ in self.state.teams}

    def get_org(self, req: Request) -> Response:
        if req.params["org"] not in self._orgs():
            raise not_found()
        return Response(200, self.render.org(req.params["org"], self.owner_id))

    def get_team(self, req: Request) -> Response:
        return Response(200, self._team_json(req.params["org"], req.params["slug"], full=True))

    def list_team_members(self, req: Request) -> Response:
        team = self.state.teams.get((req.params["org"], req.params["slug"]))
        if team is None:
            raise not_found()
        return self._paginate_map(req, list(team.members), lambda login: self._user(login) or {})

    def get_membership(self, req: Request) -> Response:
        team = self.state.teams.get((req.params["org"], req.params["slug"]))
        login = req.params["login"]
        if team is None or login not in team.members:
            raise not_found()
        url = f"{self.render.api}/orgs/{team.org}/teams/{team.slug}/memberships/{login}"
        return Response(200, {"url": url, "role": "member", "state": "active"})


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
        self.send_header("X-RateLimit-Remaining", "4999")
        self.send_header("X-RateLimit-Reset", str(int(time.time()) + 3600))
        self.send_header("X-GitHub-Media-Type", "github.v3; format=json")
        for k, v in response.headers.items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = _serve
