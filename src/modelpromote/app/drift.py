"""Drift: does what is deployed match what the manifest on the base branch says?  Read-only.

"Deployed" is, per model and environment, the latest GitHub Deployment made by ``modelpromote
deploy`` that started and did not fail; optionally also what the application's status URL says it
serves.  The comparison is :mod:`modelpromote.policy.drift`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import Finding, ServiceError
from ..naming import require_model_env
from ..policy.drift import Mismatch
from .ports import GitHubPort


@dataclass(frozen=True)
class DriftReport:
    repo: str
    ref: str
    where: str
    checked: int
    status_urls: list[str]
    mismatches: list[Mismatch] = field(default_factory=list)

    @property
    def drifted(self) -> bool:
        return bool(self.mismatches)

    def to_json(self) -> dict[str, Any]:
        return {"ok": not self.drifted, "drifted": self.drifted, "repo": self.repo, "ref": self.ref, "checked": self.checked,
                "status_urls": self.status_urls, "mismatches": [x.to_json() for x in self.mismatches]}


def drift(
    gh: GitHubPort, manifest_path: str, *, ref: str | None, status_urls: tuple[str, ...], model: str | None, env: str | None
) -> DriftReport:
    from ..policy.drift import StatusError, compare, expected, from_status, latest_deployed
    from ..providers.status_url import fetch_status, redact
    from .deployments import read_records
    from .github_store import BranchStore

    store = BranchStore(gh, manifest_path, ref, code="MP825")
    doc = store.read()
    m = doc.manifest
    require_model_env(m, model, env, doc.where)
    want = expected(m, model=model, env=env)
    envs = [x.name for x in m.environments if env is None or x.name == env]
    records = read_records(gh, envs, want, model)
    mismatches = compare(want, latest_deployed(records), "deployment")
    for url in status_urls:
        try:
            served_env, rows = from_status(fetch_status(url))
        except StatusError as exc:
            raise ServiceError(Finding("MP823", f"{redact(url)}: {exc}", hint="serve the runtime config the application loaded")) from None
        if model is not None:
            rows = {k: v for k, v in rows.items() if k[0] == model}
        if env is not None and served_env != env:
            continue
        mismatches += compare(want, rows, "status", envs=[served_env])
    return DriftReport(gh.repo_name, store.ref or "", doc.where, len(want), [redact(u) for u in status_urls], mismatches)
