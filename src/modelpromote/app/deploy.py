"""Start what a merge changed: a GitHub Deployment per changed pointer, its status, and a signed webhook.

The decision (which pointers changed, canary or full) is :func:`modelpromote.policy.deploy.deployment_requests`;
this runs it against GitHub, safely re-runnable: an existing deployment is found, not created again,
and a delivery that failed last time is retried.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import InputError
from ..naming import check_sha
from .ports import GitHubPort


@dataclass(frozen=True)
class DeployResult:
    before: str
    after: str
    deployments: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"ok": True, "before": self.before, "after": self.after, "deployments": self.deployments}


def deploy(
    gh: GitHubPort, manifest_path: str, before: str, after: str, *, webhook_url: str | None, secret: str | None, webhook_timeout: float
) -> DeployResult:
    from ..errors import Finding
    from ..manifest.load import load_text
    from ..policy.deploy import deployment_requests
    from ..providers import webhook
    from .github_store import valid_manifest

    check_sha("--before", before)
    check_sha("--after", after)
    if webhook_url and not secret:
        raise InputError(Finding("MP708", "a webhook URL is set but MODELPROMOTE_WEBHOOK_SECRET is not"))
    if webhook_url:
        webhook.check_target(webhook_url, webhook_timeout)  # file://, nan: exit 2 before anything is created
    after_text = gh.read_file(manifest_path, after)
    if after_text is None:
        raise InputError(
            Finding("MP709", f"no {manifest_path} at {after[:12]} in {gh.repo_name}", hint="pass the merge commit's SHA as --after")
        )
    before_text = None if set(before) == {"0"} else gh.read_file(manifest_path, before)
    after_m = valid_manifest(after_text, f"{manifest_path}@{after[:12]}")
    before_m = load_text(before_text, manifest_path).manifest if before_text is not None else None
    last_env = after_m.environments[-1].name
    results = []
    for r in deployment_requests(before_m, after_m):
        payload = r.payload()
        dep_id, created = gh.create_deployment(after, r.env, payload, r.description(), production=r.env == last_env)
        final = "in_progress" if r.strategy == "canary" else "success"
        delivered = None
        state = gh.deployment_state(dep_id)
        if state is None:
            gh.set_deployment_status(dep_id, "queued", "modelpromote: starting")
        if state != final:
            # Not finished before (new, or the webhook failed last time): deliver, then mark it started.
            if webhook_url:
                event: dict[str, Any] = {"id": f"{after}:{r.model}:{r.env}:{r.version}", "event": "deploy", "repository": gh.repo_name}
                event.update(sha=after, deployment_id=dep_id, **payload)
                delivered = webhook.post(webhook_url, event, secret, timeout=webhook_timeout)
            gh.set_deployment_status(dep_id, final, r.description())
        results.append({**r.to_json(), "deployment_id": dep_id, "created": created, "state": final, "webhook_status": delivered})
    return DeployResult(before, after, results)
