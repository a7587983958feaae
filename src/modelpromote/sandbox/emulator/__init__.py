"""A stateful GitHub REST emulator on loopback, over a real bare git repository.

    with GitHubEmulator(repo_dir, users=["alice", "bob"], teams={"acme/support-ml": ["bob"]}) as gh:
        g = github.Github(base_url=gh.url, auth=github.Auth.Token(gh.token("alice")))

It serves the operations modelpromote uses (see scripts/refresh-openapi for the list) the way
GitHub does, including its refusals (422 for a duplicate pull request or a self-approval, 405 for
an unmergeable pull request, 409 for a stale head sha).  The base URL looks like GitHub
Enterprise's (``http://127.0.0.1:PORT/api/v3``) so the Enterprise code path is the one tested.
One lock serialises requests: the emulator is for correctness, not throughput.

Test helpers beyond users and faults (see docs/github.md, "The GitHub emulator"):

    gh.set_role("dave", "read")                       # admin|maintain|write|triage|read|none (default write)
    creds = gh.register_app("gate", {"checks": "write"})   # -> (app_id, private_key_pem, installation_id)
    gh.installation_token(creds.app_id)               # an installation token (acts as gate[bot])
    gh.actions_token({"statuses": "write"})           # a workflow's GITHUB_TOKEN (the GitHub Actions app)
    gh.set_required_checks("main", [("modelpromote/approval", creds.app_id)])  # merges need it from that App

Layout: ``core`` (requests, auth, faults, dispatch, pagination), ``auth`` (who may call what),
``views`` (shared renderings and rules), one module of handlers per resource (``git``, ``pulls``,
``reviews``, ``issues``, ``statuses``, ``deployments``, ``orgs``, ``apps``), ``server`` (HTTP).
"""

from . import auth
from .apps import AppCredentials
from .core import PREFIX, Exchange, Handler, HttpError, Request, Response, invalid, not_found
from .server import GitHubEmulator

__all__ = [
    "PREFIX",
    "AppCredentials",
    "Exchange",
    "GitHubEmulator",
    "Handler",
    "HttpError",
    "Request",
    "Response",
    "auth",
    "invalid",
    "not_found",
]
