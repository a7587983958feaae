"""Deployments, deployment statuses, and repository dispatch events."""

from __future__ import annotations

import contextlib
import json

from .. import state as st
from ..render import JSON
from .core import HttpError, R, Request, Response, Route, invalid, not_found
from .views import Views

ROUTES: list[Route] = [
    ("GET", R + r"/deployments", "list_deployments"),
    ("POST", R + r"/deployments", "create_deployment"),
    ("GET", R + r"/deployments/(?P<did>\d+)", "get_deployment"),
    ("GET", R + r"/deployments/(?P<did>\d+)/statuses", "list_deployment_statuses"),
    ("POST", R + r"/deployments/(?P<did>\d+)/statuses", "create_deployment_status"),
    ("POST", R + r"/dispatches", "dispatch"),
]


class DeploymentRoutes(Views):
    """Handlers for deployments and repository dispatches."""

    def _deployment_json(self, d: st.Deployment) -> JSON:
        return self.render.deployment(d, self._user(d.creator))

    def list_deployments(self, req: Request) -> Response:
        q = req.query
        items = [
            d
            for d in reversed(self.state.deployments)
            if all(q.get(k) in (None, getattr(d, k)) for k in ("sha", "ref", "task", "environment"))
        ]
        return self._paginate_map(req, items, self._deployment_json)

    def create_deployment(self, req: Request) -> Response:
        body = req.body or {}
        ref = str(body.get("ref", ""))
        if not ref:
            raise invalid("ref is required", "Deployment", "ref", "missing_field")
        sha = self._resolve(ref)
        if "required_contexts" not in body:
            latest: dict[str, st.Status] = {}
            for s in self._statuses_for(sha):
                latest.setdefault(s.context, s)
            failing = sorted(c for c, s in latest.items() if s.state != "success")
            if failing:
                raise HttpError(409, f"Conflict: Commit status checks failed for {ref}.")
        payload = body.get("payload", {})
        if isinstance(payload, str):
            with contextlib.suppress(ValueError):
                payload = json.loads(payload) if payload else {}
        environment = body.get("environment") or "production"
        deployment = st.Deployment(
            self.state.next_id(),
            sha,
            ref,
            body.get("task") or "deploy",
            environment,
            payload,
            body.get("description"),
            req.login,
            self._now(),
            bool(body.get("transient_environment", False)),
            bool(body.get("production_environment", environment == "production")),
        )
        self.state.deployments.append(deployment)
        return Response(201, self._deployment_json(deployment))

    def _deployment(self, did: str) -> st.Deployment:
        d = next((d for d in self.state.deployments if d.id == int(did)), None)
        if d is None:
            raise not_found()
        return d

    def get_deployment(self, req: Request) -> Response:
        return Response(200, self._deployment_json(self._deployment(req.params["did"])))

    def _dstatus_json(self, s: st.DeploymentStatus) -> JSON:
        return self.render.deployment_status(s, self._user(s.creator))

    def list_deployment_statuses(self, req: Request) -> Response:
        d = self._deployment(req.params["did"])
        return self._paginate_map(req, [s for s in reversed(self.state.deployment_statuses) if s.deployment_id == d.id], self._dstatus_json)

    def create_deployment_status(self, req: Request) -> Response:
        d = self._deployment(req.params["did"])
        body = req.body or {}
        if body.get("state") not in ("error", "failure", "inactive", "in_progress", "queued", "pending", "success"):
            raise invalid("state is not included in the list", "DeploymentStatus", "state", "invalid")
        status = st.DeploymentStatus(
            self.state.next_id(),
            d.id,
            body["state"],
            body.get("description", ""),
            body.get("environment") or d.environment,
            body.get("target_url", ""),
            body.get("log_url", body.get("target_url", "")),
            body.get("environment_url", ""),
            req.login,
            self._now(),
        )
        self.state.deployment_statuses.append(status)
        if status.state == "success" and body.get("auto_inactive", True) is not False:
            self._inactivate_others(d, status)
        return Response(201, self._dstatus_json(status))

    def _latest_state(self, deployment_id: int) -> str | None:
        return next((s.state for s in reversed(self.state.deployment_statuses) if s.deployment_id == deployment_id), None)

    def _inactivate_others(self, current: st.Deployment, status: st.DeploymentStatus) -> None:
        """``auto_inactive``: every other deployment of the environment whose latest state is success becomes inactive.

        Any other, not only older ones: re-posting success on an old deployment retires the newer one.
        """
        for other in self.state.deployments:
            if other.id != current.id and other.environment == status.environment and self._latest_state(other.id) == "success":
                self.state.deployment_statuses.append(
                    st.DeploymentStatus(
                        self.state.next_id(), other.id, "inactive", "", other.environment, "", "", "", status.creator, status.created_at
                    )
                )

    def dispatch(self, req: Request) -> Response:
        body = req.body or {}
        if not body.get("event_type"):
            raise invalid("event_type is required", "Dispatch", "event_type", "missing_field")
        self.state.dispatches.append(st.Dispatch(body["event_type"], body.get("client_payload") or {}, req.login))
        return Response(204)
