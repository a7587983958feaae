"""Make what is deployed match the manifest on the default branch: a GitHub Deployment per
difference, its status, and a signed webhook.

Deploy works from state, not from one push: the desired state is the manifest at the tip of the
default branch (:func:`modelpromote.policy.drift.expected`), the current state is our newest
delivered deployment per model and environment (:mod:`.deployments`), and the difference is
:func:`modelpromote.policy.deploy.reconcile`.  So a run that GitHub cancelled while it was pending
(a newer push queued behind it) loses nothing, and re-running an old run re-posts nothing: the
state already matches.  Safe to re-run: an existing deployment is found, not created again, and a
delivery that failed last time is retried.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import Finding, InputError
from ..naming import check_sha
from .ports import GitHubPort


@dataclass(frozen=True)
class DeployResult:
    ref: str  # the commit whose manifest was deployed (the default branch's tip)
    requested: str | None  # the commit the caller named (the push's after), if any
    deployments: list[dict[str, Any]] = field(default_factory=list)
    recorded_only: bool = False

    @property
    def superseded(self) -> bool:
        return self.requested is not None and self.requested != self.ref

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": True,
            "ref": self.ref,
            "requested": self.requested,
            "superseded": self.superseded,
            "recorded_only": self.recorded_only,
            "deployments": self.deployments,
        }


def deploy(
    gh: GitHubPort,
    manifest_path: str,
    requested: str | None,
    *,
    webhook_url: str | None,
    secret: str | None,
    webhook_timeout: float,
    record_only: bool = False,
) -> DeployResult:
    """Deploy the difference between the tip's manifest and what is deployed.

    ``record_only`` records the manifest's state as delivered deployments without calling the
    webhook: adopting modelpromote where the versions already run.
    """
    from ..policy.deploy import reconcile
    from ..policy.drift import expected, latest_deployed
    from ..providers import webhook
    from .deployments import read_records
    from .github_store import valid_manifest

    if requested is not None:
        check_sha("--after", requested)
    if webhook_url and not secret and not record_only:
        raise InputError(Finding("MP708", "a webhook URL is set but MODELPROMOTE_WEBHOOK_SECRET is not"))
    if webhook_url and not record_only:
        webhook.check_target(webhook_url, webhook_timeout)  # file://, nan: exit 2 before anything is created
    branch = gh.default_branch()
    tip = gh.branch_sha(branch)
    if tip is None:
        raise InputError(Finding("MP709", f"the default branch {branch!r} of {gh.repo_name} has no commits"))
    text = gh.read_file(manifest_path, tip)
    if text is None:
        raise InputError(Finding("MP709", f"no {manifest_path} on {branch} ({tip[:12]}) in {gh.repo_name}"))
    m = valid_manifest(text, f"{manifest_path}@{tip[:12]}")
    want = expected(m)
    deployed = latest_deployed(read_records(gh, [e.name for e in m.environments], want))
    last_env = m.environments[-1].name
    results = []
    for r in reconcile(want, deployed):
        payload = r.payload()
        dep_id, created = gh.create_deployment(tip, r.env, payload, r.description(), production=r.env == last_env)
        final = "in_progress" if r.strategy == "canary" and not record_only else "success"
        delivered = None
        state = gh.deployment_state(dep_id)
        if state is None and not record_only:
            gh.set_deployment_status(dep_id, "queued", "modelpromote: starting")
        if state != final:
            # Not finished before (new, or the webhook failed last time): deliver, then mark it started.
            if webhook_url and not record_only:
                event: dict[str, Any] = {
                    "id": f"{tip}:{r.model}:{r.env}:{r.version}:{r.strategy}:{r.weight}",
                    "event": "deploy",
                    "repository": gh.repo_name,
                }
                event.update(sha=tip, deployment_id=dep_id, **payload)
                delivered = webhook.post(webhook_url, event, secret, timeout=webhook_timeout)
            gh.set_deployment_status(
                dep_id, final, ("recorded by modelpromote deploy --record-only: " if record_only else "") + r.description()
            )
        results.append({**r.to_json(), "deployment_id": dep_id, "created": created, "state": final, "webhook_status": delivered})
    return DeployResult(tip, requested, results, record_only)
