"""What is deployed, read from GitHub: per model and environment, our newest deployments.

Shared by ``deploy`` (which deploys the difference) and ``drift`` (which reports it).  Deployments
are read newest first, one page at a time, and the scan of an environment stops once every model
wanted there has a delivered deployment (or after ``SCAN_LIMIT``).
"""

from __future__ import annotations

from collections.abc import Collection

from ..policy.drift import DeploymentRecord, counts_as_deployed, is_ours
from .ports import GitHubPort

# Deployments read per environment before giving up on finding the rest.
SCAN_LIMIT = 500


def read_records(
    gh: GitHubPort, envs: Collection[str], wanted: Collection[tuple[str, str]], model: str | None = None
) -> list[DeploymentRecord]:
    """Our deployments per (model, env), newest first, down to the newest delivered one of each."""
    records: list[DeploymentRecord] = []
    for e in envs:
        needed = {k for k in wanted if k[1] == e}
        found: set[tuple[str, str]] = set()
        for i, d in enumerate(gh.deployments(e)):
            if i >= SCAN_LIMIT or (needed and needed <= found):
                break
            if not is_ours(d.payload) or (model is not None and d.payload["model"] != model):
                continue
            key = (str(d.payload["model"]), e)
            if key in found:
                continue  # a newer one already decided this model/env
            states = tuple(gh.deployment_states(d.id))
            records.append(DeploymentRecord(d.id, d.sha, e, d.payload, d.created_at, states))
            if counts_as_deployed(states):
                found.add(key)
    return records
