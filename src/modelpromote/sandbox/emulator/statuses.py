"""Commit statuses, the combined status, and check runs."""

from __future__ import annotations

from .. import state as st
from ..render import JSON
from .core import HttpError, R, Request, Response, Route, invalid
from .views import Views

ROUTES: list[Route] = [
    ("POST", R + r"/statuses/(?P<sha>\w+)", "create_status"),
    ("GET", R + r"/commits/(?P<ref>.+)/statuses", "list_statuses"),
    ("GET", R + r"/commits/(?P<ref>.+)/status", "combined_status"),
    ("POST", R + r"/check-runs", "create_check_run"),
    ("GET", R + r"/commits/(?P<ref>.+)/check-runs", "list_check_runs"),
    ("GET", R + r"/rules/branches/(?P<branch>.+)", "branch_rules"),
]

MAX_STATUSES = 1000  # GitHub's limit per SHA and context
RULESET_ID = 1


class StatusRoutes(Views):
    """Handlers for commit statuses and check runs."""

    def _status_json(self, s: st.Status) -> JSON:
        return self.render.status(s.id, s.state, s.context, s.description, s.target_url, s.created_at, self._user(s.creator) or {})

    def create_status(self, req: Request) -> Response:
        body = req.body or {}
        sha = req.params["sha"]
        if self.git.object_type(sha) != "commit":
            raise HttpError(422, f"No commit found for SHA: {sha}")
        if body.get("state") not in ("error", "failure", "pending", "success"):
            raise invalid("state is not included in the list", "Status", "state", "invalid")
        status = st.Status(
            self.state.next_id(),
            sha,
            body["state"],
            body.get("context") or "default",
            body.get("description"),
            body.get("target_url"),
            req.login,
            self._now(),
            req.app_id,
        )
        if sum(1 for s in self.state.statuses if s.sha == sha and s.context == status.context) >= MAX_STATUSES:
            raise invalid("This SHA and context has reached the maximum number of statuses.", "Status")
        self.state.statuses.append(status)
        return Response(201, self._status_json(status))

    def list_statuses(self, req: Request) -> Response:
        return self._paginate_map(req, self._statuses_for(req.params["ref"]), self._status_json)

    def combined_status(self, req: Request) -> Response:
        """The latest status per context; the state covers them all, the list pages 100 at a time (as GitHub's)."""
        sha = self._resolve(req.params["ref"])
        latest: dict[str, st.Status] = {}
        for s in self._statuses_for(sha):
            latest.setdefault(s.context, s)
        states = {s.state for s in latest.values()}
        overall = "failure" if states & {"error", "failure"} else "pending" if (not states or "pending" in states) else "success"
        per_page = max(1, min(100, int(req.query.get("per_page", "100") or 100)))
        page = max(1, int(req.query.get("page", "1") or 1))
        shown = list(latest.values())[(page - 1) * per_page : page * per_page]
        simple = [{k: v for k, v in self._status_json(s).items() if k != "creator"} for s in shown]
        return Response(
            200,
            {
                "state": overall,
                "statuses": simple,
                "sha": sha,
                "total_count": len(latest),
                "repository": self.render.minimal_repository(self._owner_json(), self.repo_id),
                "commit_url": f"{self.render.repo_api}/commits/{sha}",
                "url": f"{self.render.repo_api}/commits/{sha}/status",
            },
        )

    def _check_json(self, c: st.CheckRun) -> JSON:
        url = f"{self.render.repo_api}/check-runs/{c.id}"
        app = self.state.apps.get(c.app_id)
        return {
            "id": c.id,
            "head_sha": c.head_sha,
            "node_id": f"CR_{c.id}",
            "external_id": c.external_id,
            "url": url,
            "html_url": f"{self.render.repo_web}/runs/{c.id}",
            "details_url": c.details_url,
            "status": c.status,
            "conclusion": c.conclusion,
            "started_at": c.started_at,
            "completed_at": c.completed_at,
            "output": {
                "title": c.title,
                "summary": c.summary,
                "text": c.text,
                "annotations_count": 0,
                "annotations_url": url + "/annotations",
            },
            "name": c.name,
            "check_suite": {"id": 1},
            "app": self.app_json(app) if app is not None else None,
            "pull_requests": [],
        }

    def create_check_run(self, req: Request) -> Response:
        body = req.body or {}
        if not body.get("name") or self.git.object_type(str(body.get("head_sha", ""))) != "commit":
            raise invalid("name and a valid head_sha are required", "CheckRun", "head_sha")
        conclusion = body.get("conclusion")
        status = "completed" if conclusion else body.get("status", "queued")
        output = body.get("output") or {}
        now = self._now()
        run = st.CheckRun(
            self.state.next_id(),
            body["head_sha"],
            body["name"],
            status,
            conclusion,
            output.get("title"),
            output.get("summary"),
            output.get("text"),
            body.get("details_url"),
            body.get("external_id"),
            body.get("started_at") or now,
            body.get("completed_at") or (now if conclusion else None),
            req.app_id or 0,
        )
        self.state.check_runs.append(run)
        return Response(201, self._check_json(run))

    def list_check_runs(self, req: Request) -> Response:
        """Newest first; ``check_name``, ``status`` and ``app_id`` filter; ``filter=latest`` (the default) keeps the
        newest run per name and App, as GitHub does."""
        sha = self._resolve(req.params["ref"])
        q = req.query
        runs = [
            c
            for c in reversed(self.state.check_runs)
            if c.head_sha == sha
            and q.get("check_name") in (None, c.name)
            and q.get("status") in (None, c.status)
            and q.get("app_id") in (None, str(c.app_id))
        ]
        if q.get("filter", "latest") == "latest":
            newest: dict[tuple[str, int], st.CheckRun] = {}
            for c in runs:
                newest.setdefault((c.name, c.app_id), c)
            runs = list(newest.values())
        per_page = max(1, min(100, int(q.get("per_page", "30") or 30)))
        page = max(1, int(q.get("page", "1") or 1))
        shown = runs[(page - 1) * per_page : page * per_page]
        return Response(200, {"total_count": len(runs), "check_runs": [self._check_json(c) for c in shown]})

    def branch_rules(self, req: Request) -> Response:
        """The rules that apply to a branch: here, the required status checks set with ``set_required_checks``."""
        checks = self.state.required_checks.get(req.params["branch"], [])
        rules: list[JSON] = []
        if checks:
            rules.append(
                {
                    "type": "required_status_checks",
                    "parameters": {
                        "strict_required_status_checks_policy": False,
                        "required_status_checks": [{"context": c, **({"integration_id": i} if i is not None else {})} for c, i in checks],
                    },
                    "ruleset_source_type": "Repository",
                    "ruleset_source": f"{self.owner}/{self.name}",
                    "ruleset_id": RULESET_ID,
                }
            )
        return self._paginate(req, rules)
