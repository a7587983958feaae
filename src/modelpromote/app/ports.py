"""The outside world as the use cases see it: GitHub and a metrics source, as Protocols.

The use cases depend on these, not on PyGithub or HTTP; :class:`modelpromote.providers.github.GitHub`,
:class:`~modelpromote.providers.prometheus.PrometheusSource` and
:class:`~modelpromote.providers.metrics_json.JsonMetricsSource` implement them (providers may import
this module, nothing else of app/).  Tests run the real providers against the GitHub emulator and a
real Prometheus, never fakes of these.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ..gates.health import Observation
    from ..policy.approval import Review


@dataclass(frozen=True)
class PullInfo:
    number: int
    title: str
    body: str
    author: str
    head_ref: str
    head_sha: str
    base_ref: str
    base_sha: str
    labels: frozenset[str]
    state: str
    merged: bool
    commits: int
    url: str


@dataclass(frozen=True)
class DeploymentInfo:
    id: int
    sha: str
    environment: str
    payload: dict[str, Any]
    created_at: datetime


class GitHubPort(Protocol):
    """The GitHub operations the use cases need; each is safe to re-run."""

    @property
    def repo_name(self) -> str: ...

    # repository and git data
    def default_branch(self) -> str: ...
    def branch_sha(self, branch: str) -> str | None: ...
    def read_file(self, path: str, ref: str) -> str | None: ...
    def parent(self, sha: str, generations: int = 1) -> str: ...
    def commit_file(self, base_sha: str, path: str, text: str, message: str) -> str: ...
    def set_branch(self, branch: str, sha: str) -> None: ...

    # pull requests and reviews
    def pull(self, number: int) -> PullInfo: ...
    def find_open_pr(self, head: str, base: str) -> PullInfo | None: ...
    def open_or_update_pr(self, head: str, base: str, title: str, body: str) -> tuple[PullInfo, bool]: ...
    def open_pull_heads(self, base: str) -> list[tuple[int, str]]: ...
    def find_closed_pr(self, head: str, base: str, head_sha: str) -> int | None: ...
    def merge_pr(self, number: int, head_sha: str, title: str, method: str = "squash") -> tuple[bool, str | None, str]: ...
    def request_reviewers(self, number: int, users: Iterable[str], teams: Iterable[str]) -> None: ...
    def add_labels(self, number: int, labels: Iterable[str]) -> None: ...
    def reviews(self, number: int) -> list[Review]: ...
    def changed_files(self, number: int) -> list[str]: ...
    def team_members(self, org: str, slug: str) -> list[str]: ...

    # statuses and deployments
    def set_status(self, sha: str, context: str, state: str, description: str, target_url: str | None = None) -> bool: ...
    def create_deployment(self, sha: str, env: str, payload: dict[str, Any], description: str, production: bool) -> tuple[int, bool]: ...
    def deployment_state(self, deployment_id: int) -> str | None: ...
    def set_deployment_status(self, deployment_id: int, state: str, description: str) -> bool: ...
    def deployments(self, env: str) -> Iterator[DeploymentInfo]: ...
    def deployment_states(self, deployment_id: int) -> list[str]: ...


class MetricsSource(Protocol):
    """Observations of one version's metrics over a window ending at ``at``."""

    def observe(
        self, *, model: str, env: str, version: str, window: timedelta, at: datetime, metrics: Sequence[str]
    ) -> Mapping[str, Observation]: ...

    def describe(self) -> str: ...
