"""A stateful GitHub REST emulator on loopback, over a real bare git repository.

    with GitHubEmulator(repo_dir, users=["alice", "bob"], teams={"acme/support-ml": ["bob"]}) as gh:
        g = github.Github(base_url=gh.url, auth=github.Auth.Token(gh.token("alice")))

It serves the operations modelpromote uses (see scripts/refresh-openapi for the list) the way
GitHub does, including its refusals (422 for a duplicate pull request or a self-approval, 405 for
an unmergeable pull request, 409 for a stale head sha).  The base URL looks like GitHub
Enterprise's (``http://127.0.0.1:PORT/api/v3``) so the Enterprise code path is the one tested.
One lock serialises requests: the emulator is for correctness, not throughput.
"""

from .core import PREFIX, Exchange, Handler, HttpError, Request, Response, invalid, not_found
from .server import GitHubEmulator

__all__ = ["PREFIX", "Exchange", "GitHubEmulator", "Handler", "HttpError", "Request", "Response", "invalid", "not_found"]
