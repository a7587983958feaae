"""Who may call what: repository roles of users, permission maps of GitHub App installation tokens.

A user's token acts with the user's repository role (``admin`` > ``maintain`` > ``write`` > ``triage``
> ``read`` > ``none``; users default to ``write``).  An installation token acts with the permission map
its App was installed with (``{"contents": "read", "statuses": "write"}``; ``metadata: read`` is
implied).  GitHub refuses a write the token may not make with 403 "Resource not accessible by
integration" (installation tokens) or "... by personal access token" (users); a user without any
role cannot see the (private) repository at all: 404.
"""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("none", "read", "triage", "write", "maintain", "admin")
# The legacy ``permission`` field of the collaborator API folds maintain into write and triage into read.
LEGACY = {"admin": "admin", "maintain": "write", "write": "write", "triage": "read", "read": "read", "none": "none"}
LEVELS = {"read": 1, "write": 2}
BY_INTEGRATION = "Resource not accessible by integration"
BY_TOKEN = "Resource not accessible by personal access token"


@dataclass(frozen=True)
class Need:
    """What one operation needs: one of ``categories`` at ``level`` for an App, ``role`` for a user.

    ``role`` is a repository role, or ``"app"`` (only GitHub Apps may call it, as check runs),
    ``"user"`` (only a user token, as ``GET /user``), ``"jwt"`` (the App itself, by its JWT) or ``""``
    (anyone authenticated).
    """

    categories: tuple[str, ...]
    level: str
    role: str


def need(spec: str) -> Need:
    """Parse ``"contents:write:write"`` / ``"issues|pull_requests:write:read"`` / ``"::"``."""
    cats, level, role = spec.split(":")
    return Need(tuple(c for c in cats.split("|") if c), level, role)


NEEDS: dict[str, Need] = {
    name: need(spec)
    for name, spec in {
        "get_repo": "metadata:read:read",
        "get_ref": "contents:read:read",
        "create_ref": "contents:write:write",
        "update_ref": "contents:write:write",
        "delete_ref": "contents:write:write",
        "get_commit": "contents:read:read",
        "create_commit": "contents:write:write",
        "get_tree": "contents:read:read",
        "create_tree": "contents:write:write",
        "get_blob": "contents:read:read",
        "create_blob": "contents:write:write",
        "get_content": "contents:read:read",
        "get_repo_commit": "contents:read:read",
        "compare": "contents:read:read",
        "list_pulls": "pull_requests:read:read",
        "create_pull": "pull_requests:write:write",
        "get_pull": "pull_requests:read:read",
        "update_pull": "pull_requests:write:write",
        "merge_pull": "contents:write:write",
        "list_files": "pull_requests:read:read",
        "list_requested": "pull_requests:read:read",
        "request_reviewers": "pull_requests:write:triage",
        "list_reviews": "pull_requests:read:read",
        "create_review": "pull_requests:write:read",
        "dismiss_review": "pull_requests:write:write",
        "get_issue": "issues|pull_requests:read:read",
        "list_labels": "issues|pull_requests:read:read",
        "add_labels": "issues|pull_requests:write:triage",
        "list_comments": "issues|pull_requests:read:read",
        "create_comment": "issues|pull_requests:write:read",
        "update_comment": "issues|pull_requests:write:read",
        "create_status": "statuses:write:write",
        "list_statuses": "statuses:read:read",
        "combined_status": "statuses:read:read",
        "create_check_run": "checks:write:app",
        "list_check_runs": "checks:read:read",
        "list_deployments": "deployments:read:read",
        "create_deployment": "deployments:write:write",
        "get_deployment": "deployments:read:read",
        "list_deployment_statuses": "deployments:read:read",
        "create_deployment_status": "deployments:write:write",
        "dispatch": "contents:write:write",
        "collaborator_permission": "metadata:read:read",
        "branch_rules": "metadata:read:read",
        "get_me": "::user",
        "get_user": "::",
        "get_org": "::",
        "get_team": "members:read:",
        "list_team_members": "members:read:",
        "get_membership": "members:read:",
        "get_repo_installation": "::jwt",
        "create_installation_token": "::jwt",
    }.items()
}


def rank(role: str) -> int:
    return ROLES.index(role) if role in ROLES else 0


def refusal(n: Need, *, role: str | None, permissions: dict[str, str] | None, jwt: bool) -> tuple[int, str] | None:
    """(status, message) when the caller may not do this, None when it may.

    ``role`` is the user's repository role (None for an App), ``permissions`` the installation
    token's map (None for a user), ``jwt`` whether the caller authenticated as the App itself.
    """
    if n.role == "jwt" or jwt:
        if n.role == "jwt" and jwt:
            return None
        return 401, "A JSON web token could not be decoded" if n.role == "jwt" else "Bad credentials"
    if permissions is not None:  # an installation token
        if n.role == "user":
            return 403, BY_INTEGRATION
        if not n.categories:
            return None
        granted = {"metadata": "read", **permissions}
        if any(LEVELS.get(granted.get(c, ""), 0) >= LEVELS[n.level] for c in n.categories):
            return None
        return 403, BY_INTEGRATION
    have = rank(role or "none")
    if n.role == "app":
        return 403, "You must authenticate via a GitHub App."
    if n.role in ("", "user") or not n.categories:
        return None
    if have == 0:
        return 404, "Not Found"  # a private repository is invisible to non-collaborators
    return None if have >= rank(n.role) else (403, BY_TOKEN)
