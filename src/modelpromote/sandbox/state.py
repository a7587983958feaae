"""The emulator's records: what GitHub stores besides git objects (pulls, reviews, deployments, ...).

Plain dataclasses; the server holds one :class:`State` behind a lock.  Tests may read it directly
(``gh.state.deployments``) to assert on what happened without another HTTP round trip.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any


@dataclass
class User:
    login: str
    id: int
    type: str = "User"  # "Bot" for logins ending in [bot]
    name: str | None = None
    email: str | None = None


@dataclass
class Team:
    org: str
    slug: str
    id: int
    members: list[str]
    name: str = ""


@dataclass
class Label:
    id: int
    name: str
    color: str
    description: str | None = None


@dataclass
class Pull:
    number: int
    id: int
    title: str
    body: str | None
    head_ref: str
    base_ref: str
    author: str
    created_at: str
    updated_at: str
    head_sha: str  # refreshed from the branch while open; frozen once closed
    base_sha: str
    state: str = "open"
    draft: bool = False
    merged: bool = False
    merged_at: str | None = None
    merged_by: str | None = None
    merge_commit_sha: str | None = None
    closed_at: str | None = None
    maintainer_can_modify: bool = False
    labels: list[str] = field(default_factory=list)
    # (base sha, head sha) whose mergeability GitHub has computed; any other pair answers mergeable: null once
    mergeable_for: tuple[str, str] | None = None
    requested_users: list[str] = field(default_factory=list)
    requested_teams: list[str] = field(default_factory=list)


@dataclass
class Review:
    id: int
    number: int
    user: str
    state: str  # APPROVED | CHANGES_REQUESTED | COMMENTED | DISMISSED | PENDING
    body: str
    commit_id: str
    submitted_at: str


@dataclass
class Comment:
    id: int
    number: int
    user: str
    body: str
    created_at: str
    updated_at: str


@dataclass
class Status:
    id: int
    sha: str
    state: str
    context: str
    description: str | None
    target_url: str | None
    creator: str
    created_at: str
    app_id: int | None = None  # the GitHub App whose installation token posted it; None for a user


@dataclass
class CheckRun:
    id: int
    head_sha: str
    name: str
    status: str
    conclusion: str | None
    title: str | None
    summary: str | None
    text: str | None
    details_url: str | None
    external_id: str | None
    started_at: str
    completed_at: str | None
    app_id: int = 0


@dataclass
class Deployment:
    id: int
    sha: str
    ref: str
    task: str
    environment: str
    payload: dict[str, Any] | str
    description: str | None
    creator: str
    created_at: str
    transient: bool = False
    production: bool = False


@dataclass
class DeploymentStatus:
    id: int
    deployment_id: int
    state: str
    description: str
    environment: str
    target_url: str
    log_url: str
    environment_url: str
    creator: str
    created_at: str


@dataclass
class App:
    """A GitHub App installed on the emulated repository (one installation)."""

    id: int
    slug: str
    name: str
    public_key_pem: str
    installation_id: int
    permissions: dict[str, str]
    events: list[str] = field(default_factory=list)

    @property
    def bot(self) -> str:
        return f"{self.slug}[bot]"


@dataclass
class InstallationToken:
    app_id: int
    permissions: dict[str, str]
    expires_at: float


@dataclass
class Dispatch:
    event_type: str
    client_payload: dict[str, Any]
    sender: str


@dataclass
class State:
    users: dict[str, User] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)  # token -> login (an App's bot login for installation tokens)
    roles: dict[str, str] = field(default_factory=dict)  # login -> repository role (admin|maintain|write|triage|read|none)
    apps: dict[int, App] = field(default_factory=dict)
    installation_tokens: dict[str, InstallationToken] = field(default_factory=dict)
    required_checks: dict[str, list[tuple[str, int | None]]] = field(default_factory=dict)  # branch -> (context, app id)
    teams: dict[tuple[str, str], Team] = field(default_factory=dict)
    labels: dict[str, Label] = field(default_factory=dict)
    pulls: dict[int, Pull] = field(default_factory=dict)
    reviews: list[Review] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    statuses: list[Status] = field(default_factory=list)
    check_runs: list[CheckRun] = field(default_factory=list)
    deployments: list[Deployment] = field(default_factory=list)
    deployment_statuses: list[DeploymentStatus] = field(default_factory=list)
    dispatches: list[Dispatch] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1001))
    _numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def next_id(self) -> int:
        return next(self._ids)

    def next_number(self) -> int:
        return next(self._numbers)
