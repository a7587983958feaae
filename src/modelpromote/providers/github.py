"""GitHub, through PyGithub: the only module that imports it (lazily, inside :class:`GitHub`).

Works with github.com and GitHub Enterprise (``api_url`` such as ``https://ghe.example/api/v3``).
Network rules: a timeout on every request; bounded retries with exponential backoff on 5xx, 429
and rate limits; every wait GitHub asks for (``Retry-After``, ``x-ratelimit-reset``, at least a
minute for a secondary limit without Retry-After) is honoured only up to ``max_wait``: a longer one
fails at once (MP731, exit 3) saying how long GitHub asked to wait; and every operation is safe to
re-run.  A 4xx other than 401/403/404/429 is the caller's problem (MP730, exit 2) and carries
GitHub's own message.  Idempotent methods (GET/PUT/PATCH/DELETE) are retried by urllib3 (PyGithub's
``GithubRetry``); POSTs are not, because a POST whose answer was lost may have been applied: each
create is wrapped in :meth:`GitHub._ensure`, which looks for the object before every attempt.

The token (or a GitHub App's private key, see :func:`settings_from_env`) is held in :class:`Settings`
with ``repr=False`` and never appears in a message.
"""

from __future__ import annotations

import base64
import json
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit

from ..app.ports import DeploymentInfo, PullInfo
from ..errors import Finding, InputError, ModelpromoteError, ServiceError, clean_secret
from ..policy.approval import Review

T = TypeVar("T")
DEFAULT_API_URL = "https://api.github.com"
SECONDARY_WAIT = 60.0  # GitHub: after a secondary rate limit without Retry-After, wait at least a minute
ROLES = ("admin", "maintain", "write", "triage", "read", "none")
REPO_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9_.-]{1,100}$")


@dataclass(frozen=True)
class Settings:
    repo: str
    token: str = field(repr=False)
    api_url: str = DEFAULT_API_URL
    timeout: float = 15.0
    retries: int = 5
    backoff: float = 1.0  # seconds; doubles per attempt
    max_wait: float = 60.0  # longest Retry-After we honour
    throttle: bool = True  # PyGithub's spacing of requests (avoids secondary rate limits)
    app_id: int | None = None  # a GitHub App: connect mints an installation token for the repository
    app_key: str = field(default="", repr=False)  # the App's private key (PEM)


def settings_from_env(repo: str | None, token: str | None, api_url: str | None, timeout: float | None = None) -> Settings:
    """Resolve options with $GITHUB_REPOSITORY, $GITHUB_TOKEN, $GITHUB_API_URL and MODELPROMOTE_GITHUB_* tuning."""
    repo = repo or os.environ.get("GITHUB_REPOSITORY")
    token = clean_secret(token or os.environ.get("GITHUB_TOKEN"), "the GitHub token ($GITHUB_TOKEN / --token)", code="MP701")
    app_id, app_key = _app_from_env()
    api_url = api_url or os.environ.get("GITHUB_API_URL") or DEFAULT_API_URL
    if not repo:
        raise InputError(Finding("MP706", "no repository given", hint="pass --repo OWNER/NAME or set GITHUB_REPOSITORY"))
    if not REPO_RE.fullmatch(repo):
        raise InputError(Finding("MP706", f"{repo!r} is not OWNER/NAME", hint="e.g. --repo acme/models"))
    if not token and app_id is None:
        raise InputError(
            Finding(
                "MP701",
                "no GitHub token",
                hint="set GITHUB_TOKEN (or pass --token), or MODELPROMOTE_APP_ID and MODELPROMOTE_APP_PRIVATE_KEY for a GitHub App",
            )
        )
    if not api_url.startswith(("https://", "http://")):
        raise InputError(Finding("MP706", f"--api-url {api_url!r} is not an http(s) URL", hint="e.g. https://ghe.example.com/api/v3"))
    if "@" in urlsplit(api_url).netloc:  # never sent, never resolved as a host name: the token goes in GITHUB_TOKEN
        hint = "drop them from the URL; the token goes in GITHUB_TOKEN"
        raise InputError(Finding("MP706", f"--api-url {api_url!r} holds credentials (user:password@)", hint=hint))

    def num(name: str, default: float) -> float:
        try:
            return float(os.environ.get(name, default))
        except ValueError:
            raise InputError(Finding("MP302", f"${name} must be a number")) from None

    return Settings(
        repo,
        token or "",
        api_url.rstrip("/"),
        timeout=timeout or num("MODELPROMOTE_GITHUB_TIMEOUT", 15.0),
        retries=int(num("MODELPROMOTE_GITHUB_RETRIES", 5)),
        backoff=num("MODELPROMOTE_GITHUB_BACKOFF", 1.0),
        max_wait=num("MODELPROMOTE_GITHUB_MAX_WAIT", 60.0),
        throttle=num("MODELPROMOTE_GITHUB_THROTTLE", 1) != 0,
        app_id=app_id,
        app_key=app_key,
    )


def _app_from_env() -> tuple[int | None, str]:
    """$MODELPROMOTE_APP_ID and the App's PEM key ($MODELPROMOTE_APP_PRIVATE_KEY, or ..._FILE); never echoes the key."""
    raw_id = os.environ.get("MODELPROMOTE_APP_ID", "").strip()
    if not raw_id:
        return None, ""
    if not raw_id.isdigit():
        raise InputError(Finding("MP732", "$MODELPROMOTE_APP_ID must be the App's numeric id", hint="see the App's settings page (App ID)"))
    key = os.environ.get("MODELPROMOTE_APP_PRIVATE_KEY", "")
    key_file = os.environ.get("MODELPROMOTE_APP_PRIVATE_KEY_FILE", "")
    if not key.strip() and key_file:
        try:
            with open(key_file, encoding="utf-8") as f:
                key = f.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(Finding("MP732", f"cannot read $MODELPROMOTE_APP_PRIVATE_KEY_FILE {key_file}: {type(exc).__name__}")) from None
    if "\\n" in key and "\n" not in key.strip():
        key = key.replace("\\n", "\n")  # a key pasted into a one-line secret
    if not key.strip():
        raise InputError(
            Finding(
                "MP732",
                "$MODELPROMOTE_APP_ID is set but the App's private key is not",
                hint="set MODELPROMOTE_APP_PRIVATE_KEY (the PEM text) or MODELPROMOTE_APP_PRIVATE_KEY_FILE",
            )
        )
    if "PRIVATE KEY-----" not in key:
        raise InputError(
            Finding("MP732", "the App's private key is not a PEM private key", hint="use the .pem file GitHub generated for the App")
        )
    return int(raw_id), key


def _asked_wait(status: int, headers: Any, message: str) -> float | None:
    """Seconds GitHub asked us to wait before retrying, None when it asked for nothing.

    ``Retry-After`` wins; a primary limit (no requests remaining) lasts until ``x-ratelimit-reset``;
    a secondary limit without Retry-After needs at least a minute (GitHub's documented minimum).
    """
    h = {str(k).lower(): str(v) for k, v in dict(headers or {}).items()}
    if "retry-after" in h:
        try:
            return max(0.0, float(h["retry-after"]))
        except ValueError:
            return None
    if status in (403, 429) and h.get("x-ratelimit-remaining") == "0" and h.get("x-ratelimit-reset", "").isdigit():
        return max(0.0, int(h["x-ratelimit-reset"]) - time.time() + 1)
    if status in (403, 429) and "secondary rate limit" in message.lower():
        return SECONDARY_WAIT
    return None


def _capped_retry(s: Settings) -> Any:
    """PyGithub's GithubRetry (used for idempotent requests) that never waits longer than ``s.max_wait``.

    GithubRetry caps rate-limit resets and secondary limits without Retry-After itself, but sleeps any
    ``Retry-After`` (403, 429, 5xx; through urllib3) however long: ``Retry-After: 3600`` hung the job.
    """
    from github.GithubException import RateLimitExceededExceedsMaxWait
    from github.GithubRetry import GithubRetry

    class CappedRetry(GithubRetry):
        def increment(self, method: Any = None, url: Any = None, response: Any = None, error: Any = None, *args: Any, **kw: Any) -> Any:
            asked = None
            if response is not None and response.status in (403, 429, *range(500, 600)):
                asked = _asked_wait(response.status, response.headers, "")
                if asked is not None and asked > s.max_wait:
                    try:
                        data = json.loads(GithubRetry.get_content(response, str(url)) or b"{}")
                    except ValueError:
                        data = {}
                    raise RateLimitExceededExceedsMaxWait(response.status, data, dict(response.headers), wait=asked)
            retry = super().increment(method, url, response, error, *args, **kw)
            if asked is not None and "retry-after" not in {k.lower() for k in response.headers}:
                floor, base = asked, retry.get_backoff_time

                def get_backoff_time() -> float:  # wait at least until the reset GitHub named
                    return float(max(floor, base()))

                retry.get_backoff_time = get_backoff_time  # type: ignore[method-assign]  # as GithubRetry itself does
            return retry

    return CappedRetry(
        total=s.retries,
        backoff_factor=s.backoff,
        backoff_max=s.max_wait,
        status_forcelist=[*range(500, 600), 429],
        allowed_methods=frozenset({"GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"}),
        secondary_rate_wait=SECONDARY_WAIT,
        max_rate_limit_wait=s.max_wait,
        respect_retry_after_header=True,
        raise_on_status=False,
    )


class GitHub:
    """The GitHub operations modelpromote needs, each safe to re-run."""

    def __init__(self, s: Settings) -> None:
        import github

        self.s = s
        self._gh_mod = github
        retry = _capped_retry(s)
        throttle: dict[str, Any] = {} if s.throttle else {"seconds_between_requests": None, "seconds_between_writes": None}
        common: dict[str, Any] = {"base_url": s.api_url, "timeout": int(max(1, s.timeout)), "retry": retry, **throttle}
        self._me: str | None = None  # an App's identity is known once its installation is found
        auth: Any = github.Auth.Token(s.token) if s.app_id is None else self._installation_auth(common)
        self.g = github.Github(auth=auth, **common)
        self._repo: Any = None

    def _installation_auth(self, common: dict[str, Any]) -> Any:
        """Sign in as the GitHub App (a JWT from its private key) and get an installation token for the repository."""
        github = self._gh_mod
        assert self.s.app_id is not None
        app_auth = github.Auth.AppAuth(self.s.app_id, self.s.app_key)
        owner, name = self.s.repo.split("/", 1)
        try:
            integration = github.GithubIntegration(auth=app_auth, **common)
            installation = integration.get_repo_installation(owner, name)
            self._me = f"{installation.app_slug}[bot]"
        except github.GithubException as exc:
            if exc.status == 404:
                raise InputError(
                    Finding(
                        "MP732", f"GitHub App {self.s.app_id} is not installed on {self.s.repo}", hint="install the App on the repository"
                    )
                ) from None
            if exc.status == 401:
                raise InputError(
                    Finding(
                        "MP732",
                        f"GitHub rejected the JWT of App {self.s.app_id} (401)",
                        hint="check MODELPROMOTE_APP_ID and that the private key belongs to that App and was not revoked",
                    )
                ) from None
            raise self._fail("find the GitHub App's installation", exc) from None
        except (ValueError, TypeError) as exc:  # cryptography/PyJWT could not use the key; its text is not echoed
            raise InputError(Finding("MP732", f"the App's private key cannot sign a JWT ({type(exc).__name__})")) from None
        except Exception as exc:
            raise self._fail("find the GitHub App's installation", exc) from None
        return app_auth.get_installation_auth(int(installation.id))

    # -- error handling and retries ------------------------------------------------------------

    @staticmethod
    def _message(exc: Any) -> str:
        data = exc.data
        return str(data.get("message", "")) if isinstance(data, dict) else str(data or "")

    def _transient(self, exc: BaseException) -> float | None:
        """Seconds GitHub asked us to wait before retrying ``exc`` (0: none named), None when retrying cannot help."""
        import requests

        github = self._gh_mod
        if isinstance(exc, requests.exceptions.RequestException):
            return 0.0
        if isinstance(exc, github.RateLimitExceededExceedsMaxWait):
            return None  # already over the cap
        if isinstance(exc, github.GithubException):
            msg = self._message(exc)
            asked = _asked_wait(exc.status, exc.headers, msg)
            limited = exc.status == 429 or (exc.status == 403 and (asked is not None or "rate limit" in msg.lower()))
            if exc.status >= 500 or limited:
                return asked or 0.0
        return None

    def _too_long(self, what: str, wait: float) -> ServiceError:
        return ServiceError(
            Finding(
                "MP731",
                f"{what}: GitHub asked to wait {wait:.0f} s before retrying,"
                f" longer than MODELPROMOTE_GITHUB_MAX_WAIT ({self.s.max_wait:g} s)",
                hint=f"re-run in {wait:.0f} s (every step is safe to re-run), or raise MODELPROMOTE_GITHUB_MAX_WAIT",
            )
        )

    def _fail(self, what: str, exc: BaseException) -> ServiceError | InputError:
        github = self._gh_mod
        if isinstance(exc, github.BadCredentialsException):
            return InputError(Finding("MP702", f"{what}: GitHub rejected the token (401)", hint="check GITHUB_TOKEN; it may have expired"))
        if isinstance(exc, github.RateLimitExceededExceedsMaxWait):
            return self._too_long(what, float(exc.wait or self.s.max_wait))
        if isinstance(exc, github.GithubException):
            msg = " ".join(self._message(exc).split())
            errors = exc.data.get("errors") if isinstance(exc.data, dict) else None
            detail = msg + (
                f" ({'; '.join(str(e.get('message', e)) if isinstance(e, dict) else str(e) for e in errors)})" if errors else ""
            )
            wait = self._transient(exc)
            if wait is not None and wait > self.s.max_wait:
                return self._too_long(what, wait)
            if exc.status == 404:
                return InputError(
                    Finding("MP704", f"{what}: not found (404) in {self.s.repo}", hint="check --repo and that the token can read it")
                )
            if exc.status == 403 and wait is None:
                return InputError(Finding("MP702", f"{what}: forbidden (403): {detail}", hint="the token lacks a permission this needs"))
            if 400 <= exc.status < 500 and exc.status not in (401, 403, 429):
                return InputError(Finding("MP730", f"{what}: GitHub refused it ({exc.status}): {detail}"))
            return ServiceError(
                Finding("MP703", f"{what}: GitHub answered {exc.status}: {detail}", hint="retry later; see githubstatus.com")
            )
        return ServiceError(Finding("MP703", f"{what}: {type(exc).__name__}: {exc}", hint=f"is {self.s.api_url} reachable?"))

    def call(self, what: str, fn: Callable[[], T]) -> T:
        """Run an idempotent operation (urllib3 already retried it); translate failures."""
        try:
            return fn()
        except Exception as exc:
            if isinstance(exc, (InputError, ServiceError)):
                raise
            raise self._fail(what, exc) from None

    def _ensure(self, what: str, find: Callable[[], T | None] | None, create: Callable[[], T]) -> T:
        """Create something once: look for it before every attempt, retry transient failures."""
        last: BaseException | None = None
        for attempt in range(self.s.retries + 1):
            if find is not None:
                found = self.call(what, find)
                if found is not None:
                    return found
            try:
                return create()
            except Exception as exc:
                wait = self._transient(exc)
                if wait is None or attempt == self.s.retries:
                    raise self._fail(what, exc) from None
                if wait > self.s.max_wait:
                    raise self._too_long(what, wait) from None
                last = exc
                time.sleep(max(wait, min(self.s.max_wait, self.s.backoff * (2**attempt))))
        raise self._fail(what, last or RuntimeError("retries exhausted"))

    def _missing(self, exc: BaseException) -> bool:
        return isinstance(exc, self._gh_mod.UnknownObjectException)

    # -- repository and identity ---------------------------------------------------------------

    @property
    def repo_name(self) -> str:
        return self.s.repo

    @property
    def repo(self) -> Any:
        if self._repo is None:
            self._repo = self.call(f"read repository {self.s.repo}", lambda: self.g.get_repo(self.s.repo))
        return self._repo

    def me(self) -> str:
        if self._me is None:
            self._me = str(self.call("identify the token's user", lambda: self.g.get_user().login))
        return self._me

    def default_branch(self) -> str:
        return str(self.repo.default_branch)

    def permission(self, login: str) -> str:
        """``login``'s role on the repository: admin, maintain, write, triage, read or none (not a collaborator).

        GitHub matches the login case-insensitively; a custom role name falls back to its base permission.
        """
        from urllib.parse import quote

        def get() -> str:
            try:
                _, data = self.g.requester.requestJsonAndCheck("GET", f"{self.repo.url}/collaborators/{quote(login, safe='')}/permission")
            except self._gh_mod.UnknownObjectException:
                return "none"
            for key in ("role_name", "permission"):
                if data.get(key) in ROLES:
                    return str(data[key])
            return "none"

        return self.call(f"read the permission of {login}", get)

    def merge_base(self, base: str, head: str) -> str:
        """The best common ancestor of ``base`` and ``head`` (branches or SHAs), from the compare API."""
        from urllib.parse import quote

        def get() -> str:
            url = f"{self.repo.url}/compare/{quote(base)}...{quote(head)}"
            _, data = self.g.requester.requestJsonAndCheck("GET", url, parameters={"per_page": 1})
            return str(data["merge_base_commit"]["sha"])

        return self.call(f"compare {base[:40]}...{head[:40]}", get)

    def required_checks(self, branch: str) -> list[tuple[str, int | None]]:
        """(context, integration id or None) of every status check the branch's rulesets require; [] when none.

        A server without the rules API (older GitHub Enterprise) answers 404: that reads as no rules.
        """
        from urllib.parse import quote

        def get() -> list[tuple[str, int | None]]:
            found: list[tuple[str, int | None]] = []
            page = 1
            while True:
                try:
                    _, rules = self.g.requester.requestJsonAndCheck(
                        "GET", f"{self.repo.url}/rules/branches/{quote(branch)}", parameters={"per_page": 100, "page": page}
                    )
                except self._gh_mod.UnknownObjectException:
                    return found
                for rule in rules or []:
                    if rule.get("type") != "required_status_checks":
                        continue
                    for check in (rule.get("parameters") or {}).get("required_status_checks", []):
                        integration = check.get("integration_id")
                        entry = (str(check["context"]), int(integration) if integration is not None else None)
                        if entry not in found:
                            found.append(entry)
                if not rules or len(rules) < 100:
                    return found
                page += 1

        return self.call(f"read the rules of branch {branch}", get)

    def branch_sha(self, branch: str) -> str | None:
        def get() -> str | None:
            try:
                return str(self.repo.get_git_ref(f"heads/{branch}").object.sha)
            except self._gh_mod.UnknownObjectException:
                return None

        return self.call(f"read branch {branch}", get)

    def read_file(self, path: str, ref: str) -> str | None:
        def get() -> str | None:
            try:
                content = self.repo.get_contents(path, ref=ref)
            except self._gh_mod.UnknownObjectException:
                return None
            if isinstance(content, list):
                return None
            if content.encoding != "base64":
                # Over 1 MB the contents API leaves the content out (encoding "none"); the git blobs
                # API serves files up to 100 MB, found by the entry's sha.
                blob = self.repo.get_git_blob(content.sha)
                return base64.b64decode(blob.content).decode("utf-8")
            return bytes(content.decoded_content).decode("utf-8")

        return self.call(f"read {path} at {ref[:12]}", get)

    def parent(self, sha: str, generations: int = 1) -> str:
        """The commit ``generations`` first-parents back from ``sha``."""
        for _ in range(generations):
            commit = self.call(f"read commit {sha[:12]}", lambda s=sha: self.repo.get_git_commit(s))  # type: ignore[misc]
            if not commit.parents:
                break
            sha = str(commit.parents[0].sha)
        return sha

    # -- git data: one commit changing one file ------------------------------------------------

    def commit_file(self, base_sha: str, path: str, text: str, message: str) -> str:
        """A commit on ``base_sha`` that sets ``path`` to ``text``; content-addressed, so retries are harmless."""
        github = self._gh_mod
        base = self.call("read base commit", lambda: self.repo.get_git_commit(base_sha))
        blob = self._ensure("create blob", None, lambda: self.repo.create_git_blob(text, "utf-8"))
        element = github.InputGitTreeElement(path, "100644", "blob", sha=blob.sha)
        tree = self._ensure("create tree", None, lambda: self.repo.create_git_tree([element], base_tree=base.tree))
        commit = self._ensure("create commit", None, lambda: self.repo.create_git_commit(message, tree, [base]))
        return str(commit.sha)

    def set_branch(self, branch: str, sha: str) -> None:
        """Point ``branch`` at ``sha``, creating it or force-moving it."""

        def find() -> bool | None:
            return True if self.branch_sha(branch) is not None else None

        self._ensure(f"create branch {branch}", find, lambda: self.repo.create_git_ref(f"refs/heads/{branch}", sha))
        if self.branch_sha(branch) != sha:
            self.call(f"update branch {branch}", lambda: self.repo.get_git_ref(f"heads/{branch}").edit(sha, force=True))

    # -- pull requests -------------------------------------------------------------------------

    def _info(self, pr: Any) -> PullInfo:
        return PullInfo(
            number=int(pr.number),
            title=str(pr.title),
            body=str(pr.body or ""),
            author=str(pr.user.login),
            head_ref=str(pr.head.ref),
            head_sha=str(pr.head.sha),
            base_ref=str(pr.base.ref),
            base_sha=str(pr.base.sha),
            labels=frozenset(str(label.name) for label in pr.labels),
            state=str(pr.state),
            merged=bool(pr.merged),
            commits=int(pr.commits),
            url=str(pr.html_url),
        )

    def find_open_pr(self, head: str, base: str) -> PullInfo | None:
        owner = self.s.repo.split("/")[0]

        def find() -> PullInfo | None:
            for pr in self.repo.get_pulls(state="open", head=f"{owner}:{head}", base=base):
                return self.pull(int(pr.number))
            return None

        return self.call(f"look up pull requests from {head}", find)

    def open_or_update_pr(self, head: str, base: str, title: str, body: str) -> tuple[PullInfo, bool]:
        """The one open pull request from ``head``: created, or its title and body brought up to date."""
        existing = self.find_open_pr(head, base)
        if existing is not None:
            number = existing.number
            if existing.title != title or existing.body != body:
                self.call(f"update pull request #{number}", lambda: self.repo.get_pull(number).edit(title=title, body=body))
                existing = self.pull(number)
            return existing, False
        github = self._gh_mod
        late = False

        def create() -> PullInfo:
            nonlocal late
            try:
                return self._info(self.repo.create_pull(base=base, head=head, title=title, body=body))
            except github.GithubException as exc:
                # A lost answer, a concurrent run or GitHub's lagging pull request listing: the pull request
                # exists although the look-up missed it.  Find it by its head rather than open a second one.
                if exc.status == 422 and "already exists" in json.dumps(exc.data):
                    found = self.call(f"look up pull requests from {head}", lambda: self._open_pr_for_head(head))
                    if found is not None and found.base_ref == base:
                        late = True
                        return found
                raise

        created = self._ensure(f"open pull request from {head}", lambda: self.find_open_pr(head, base), create)
        if late and (created.title != title or created.body != body):
            self.call(f"update pull request #{created.number}", lambda: self.repo.get_pull(created.number).edit(title=title, body=body))
        return self.pull(created.number), not late

    def _open_pr_for_head(self, head: str) -> PullInfo | None:
        owner = self.s.repo.split("/")[0]
        for pr in self.repo.get_pulls(state="open", head=f"{owner}:{head}"):
            return self.pull(int(pr.number))
        return None

    def open_pull_heads(self, base: str) -> list[tuple[int, str]]:
        """(number, head branch) of every open pull request into ``base``: one listing, no per-PR reads."""

        def get() -> list[tuple[int, str]]:
            return [(int(p.number), str(p.head.ref)) for p in self.repo.get_pulls(state="open", base=base)]

        return self.call(f"list open pull requests into {base}", get)

    def find_closed_pr(self, head: str, base: str, head_sha: str) -> int | None:
        """A pull request from ``head`` at ``head_sha`` that was closed without merging (a person said no)."""
        owner = self.s.repo.split("/")[0]

        def find() -> int | None:
            for pr in self.repo.get_pulls(state="closed", head=f"{owner}:{head}", base=base):
                if pr.merged_at is None and str(pr.head.sha) == head_sha:
                    return int(pr.number)
            return None

        return self.call(f"look up closed pull requests from {head}", find)

    def merge_pr(self, number: int, head_sha: str, title: str, method: str = "squash") -> tuple[bool, str | None, str]:
        """Merge #number at ``head_sha``: (merged, merge commit sha, why not).  Safe to re-run.

        Already merged counts as merged (a retried PUT whose first answer was lost lands here).
        GitHub's refusals (405 not mergeable or blocked by branch protection, 409 head moved,
        422) are answers, not failures: the pull request stays open and the reason is returned.
        """
        github = self._gh_mod

        def state() -> tuple[bool, str | None]:
            pr = self.repo.get_pull(number)
            return bool(pr.merged), (str(pr.merge_commit_sha) if pr.merged and pr.merge_commit_sha else None)

        merged, sha = self.call(f"read pull request #{number}", state)
        if merged:
            return True, sha, ""
        try:
            result = self.repo.get_pull(number).merge(commit_title=title, merge_method=method, sha=head_sha)
        except github.GithubException as exc:
            if exc.status not in (405, 409, 422):
                raise self._fail(f"merge pull request #{number}", exc) from None
            merged, sha = self.call(f"read pull request #{number}", state)
            if merged:
                return True, sha, ""
            msg = exc.data.get("message", "") if isinstance(exc.data, dict) else str(exc.data)
            return False, None, f"GitHub refused the merge ({exc.status}): {msg}"
        except Exception as exc:
            raise self._fail(f"merge pull request #{number}", exc) from None
        return bool(result.merged), str(result.sha) if result.merged else None, "" if result.merged else str(result.message)

    def pull(self, number: int) -> PullInfo:
        return self.call(f"read pull request #{number}", lambda: self._info(self.repo.get_pull(number)))

    def request_reviewers(self, number: int, users: Iterable[str], teams: Iterable[str]) -> None:
        pr = self.call(f"read pull request #{number}", lambda: self.repo.get_pull(number))
        wanted_users = sorted({u for u in users if u.lower() != pr.user.login.lower()})
        wanted_teams = sorted(set(teams))
        if not wanted_users and not wanted_teams:
            return

        def present() -> bool | None:
            got_users, got_teams = pr.get_review_requests()
            have = {u.login for u in got_users} | {f"team:{t.slug}" for t in got_teams}
            return True if set(wanted_users) | {f"team:{t}" for t in wanted_teams} <= have else None

        self._ensure(
            f"request reviewers on #{number}",
            present,
            lambda: pr.create_review_request(
                reviewers=wanted_users or self._gh_mod.GithubObject.NotSet, team_reviewers=wanted_teams or self._gh_mod.GithubObject.NotSet
            ),
        )

    def add_labels(self, number: int, labels: Iterable[str]) -> None:
        wanted = sorted(set(labels))
        if not wanted:
            return
        url = f"{self.repo.url}/issues/{number}/labels"

        def present() -> bool | None:
            return True if set(wanted) <= self.pull(number).labels else None

        # PyGithub's add_to_labels sends a bare array; the documented body is {"labels": [...]}.
        self._ensure(f"label #{number}", present, lambda: self.g.requester.requestJsonAndCheck("POST", url, input={"labels": wanted}))

    def reviews(self, number: int) -> list[Review]:
        def get() -> list[Review]:
            out = []
            for r in self.repo.get_pull(number).get_reviews():
                user = r.user
                login = str(user.login) if user is not None else "ghost"
                is_bot = user is not None and (str(user.type) == "Bot" or login.endswith("[bot]"))
                out.append(Review(login, str(r.state), r.commit_id, is_bot))
            return out

        return self.call(f"read reviews of #{number}", get)

    def changed_files(self, number: int) -> list[str]:
        return self.call(f"read files of #{number}", lambda: [str(f.filename) for f in self.repo.get_pull(number).get_files()])

    def team_members(self, org: str, slug: str) -> list[str]:
        def get() -> list[str]:
            return [str(m.login) for m in self.g.get_organization(org).get_team_by_slug(slug).get_members()]

        return self.call(f"read members of team {org}/{slug}", get)

    # -- statuses ------------------------------------------------------------------------------

    def _identity(self) -> str | None:
        """Who our writes are created as (an App's ``<slug>[bot]``, a token's user); None when GitHub will not say."""
        if self._me is None:
            try:
                self.me()
            except ModelpromoteError:
                return None  # GITHUB_TOKEN and other installation tokens may not read /user
        return self._me

    def set_status(self, sha: str, context: str, state: str, description: str, target_url: str | None = None) -> bool:
        """Set a commit status unless our own latest one for ``context`` already says the same; True when written.

        Only a status *we* created counts as already written: a required check pinned to an App is
        satisfied only by that App's status, so an equal status from someone else (health's token,
        a person) must not stop the gate from posting its own.
        """
        description = description[:140]
        who = self._identity()

        def latest() -> bool | None:
            if who is None:
                return None
            # The statuses list (newest first) names each creator; the combined status does not.
            _, page = self.g.requester.requestJsonAndCheck("GET", f"{self.repo.url}/commits/{sha}/statuses", parameters={"per_page": 100})
            for st in page if isinstance(page, list) else []:
                creator = (st.get("creator") or {}).get("login")
                if st.get("context") == context and isinstance(creator, str) and creator.lower() == who.lower():
                    return True if (st.get("state") == state and (st.get("description") or "") == description) else None
            return None

        if self.call("read commit statuses", latest):
            return False
        kwargs: dict[str, Any] = {"description": description, "context": context}
        if target_url:
            kwargs["target_url"] = target_url
        create = lambda: self.repo.get_commit(sha).create_status(state, **kwargs)  # noqa: E731
        self._ensure(f"set status {context}", latest if who is not None else None, create)
        return True

    # -- deployments ---------------------------------------------------------------------------

    def find_deployment(self, sha: str, env: str, model: str, version: str) -> int | None:
        def find() -> int | None:
            for d in self.repo.get_deployments(sha=sha, environment=env):
                p = d.payload if isinstance(d.payload, dict) else {}
                if p.get("model") == model and p.get("version") == version:
                    return int(d.id)
            return None

        return self.call(f"look up deployments of {sha[:12]}", find)

    def create_deployment(self, sha: str, env: str, payload: dict[str, Any], description: str, production: bool) -> tuple[int, bool]:
        """(deployment id, created?) for ``payload['model']``/``['version']`` at ``sha`` in ``env``."""
        model, version = str(payload["model"]), str(payload["version"])
        existing = self.find_deployment(sha, env, model, version)
        if existing is not None:
            return existing, False

        def create() -> int:
            d = self.repo.create_deployment(
                ref=sha,
                task="deploy",
                auto_merge=False,
                required_contexts=[],
                payload=payload,
                environment=env,
                description=description,
                production_environment=production,
            )
            return int(d.id)

        return self._ensure(f"create deployment of {model} to {env}", lambda: self.find_deployment(sha, env, model, version), create), True

    def deployment_state(self, deployment_id: int) -> str | None:
        """The state of the deployment's latest status, None when it has none."""

        def get() -> str | None:
            for s in self.repo.get_deployment(deployment_id).get_statuses():
                return str(s.state)
            return None

        return self.call(f"read deployment {deployment_id}", get)

    def set_deployment_status(self, deployment_id: int, state: str, description: str) -> bool:
        description = description[:140]

        def latest() -> bool | None:
            for s in self.repo.get_deployment(deployment_id).get_statuses():
                return True if (s.state == state and (s.description or "") == description) else None
            return None

        if self.call("read deployment statuses", latest):
            return False
        self._ensure(
            f"set deployment {deployment_id} status",
            latest,
            lambda: self.repo.get_deployment(deployment_id).create_status(state, description=description),
        )
        return True

    def deployments(self, env: str) -> Iterator[DeploymentInfo]:
        """Deployments to ``env``, newest first, read page by page (stop iterating to stop reading)."""
        pages = self.call(f"list deployments to {env}", lambda: self.repo.get_deployments(environment=env))
        it = iter(pages)
        while True:
            d = self.call(f"list deployments to {env}", lambda: next(it, None))
            if d is None:
                return
            payload = d.payload if isinstance(d.payload, dict) else {}
            yield DeploymentInfo(int(d.id), str(d.sha), str(d.environment), payload, d.created_at)

    def deployment_states(self, deployment_id: int) -> list[str]:
        """The states of a deployment's statuses, newest first."""
        return self.call(
            f"read deployment {deployment_id}", lambda: [str(s.state) for s in self.repo.get_deployment(deployment_id).get_statuses()]
        )
