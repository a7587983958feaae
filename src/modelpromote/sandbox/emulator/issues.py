"""The issue side of pull requests: the issue view, labels and comments."""

from __future__ import annotations

import hashlib

from .. import state as st
from ..render import JSON
from .core import N, R, Request, Response, Route, invalid, not_found
from .views import Views

ROUTES: list[Route] = [
    ("GET", R + rf"/issues/{N}", "get_issue"),
    ("GET", R + rf"/issues/{N}/labels", "list_labels"),
    ("POST", R + rf"/issues/{N}/labels", "add_labels"),
    ("GET", R + rf"/issues/{N}/comments", "list_comments"),
    ("POST", R + rf"/issues/{N}/comments", "create_comment"),
    ("PATCH", R + r"/issues/comments/(?P<cid>\d+)", "update_comment"),
]


class IssueRoutes(Views):
    """Handlers for issues (every issue here is a pull request), labels and comments."""

    def get_issue(self, req: Request) -> Response:
        pull = self._pull(req.params["number"])
        pj = self._pull_json(pull, full=False)
        return Response(
            200,
            {
                "id": pull.id,
                "node_id": f"I_{pull.id}",
                "url": pj["issue_url"],
                "repository_url": self.render.repo_api,
                "labels_url": pj["issue_url"] + "/labels{/name}",
                "comments_url": pj["comments_url"],
                "events_url": pj["issue_url"] + "/events",
                "html_url": pj["html_url"],
                "number": pull.number,
                "state": pull.state,
                "title": pull.title,
                "body": pull.body,
                "user": pj["user"],
                "labels": pj["labels"],
                "assignee": None,
                "assignees": [],
                "milestone": None,
                "locked": False,
                "comments": sum(1 for c in self.state.comments if c.number == pull.number),
                "pull_request": {"url": pj["url"], "html_url": pj["html_url"], "diff_url": pj["diff_url"], "patch_url": pj["patch_url"]},
                "closed_at": pull.closed_at,
                "created_at": pull.created_at,
                "updated_at": pull.updated_at,
                "author_association": pj["author_association"],
            },
        )

    def list_labels(self, req: Request) -> Response:
        pull = self._pull(req.params["number"])
        return self._paginate_map(req, pull.labels, self._label_json)

    def add_labels(self, req: Request) -> Response:
        pull = self._pull(req.params["number"])
        body = req.body
        names = body.get("labels", []) if isinstance(body, dict) else body or []
        for name in names:
            name = name["name"] if isinstance(name, dict) else str(name)
            if name not in self.state.labels:
                color = hashlib.sha256(name.encode()).hexdigest()[:6]  # stable across runs, unlike hash()
                self.state.labels[name] = st.Label(self.state.next_id(), name, color)
            if name not in pull.labels:
                pull.labels.append(name)
        return Response(200, [self._label_json(n) for n in pull.labels])

    def _comment_json(self, c: st.Comment) -> JSON:
        return self.render.comment(c.id, c.number, self._user(c.user) or {}, c.body, c.created_at, c.updated_at, self._assoc(c.user))

    def list_comments(self, req: Request) -> Response:
        pull = self._pull(req.params["number"])
        return self._paginate_map(req, [c for c in self.state.comments if c.number == pull.number], self._comment_json)

    def create_comment(self, req: Request) -> Response:
        pull = self._pull(req.params["number"])
        text = (req.body or {}).get("body")
        if not isinstance(text, str):
            raise invalid("body is required", "IssueComment", "body", "missing_field")
        now = self._now()
        comment = st.Comment(self.state.next_id(), pull.number, req.login, text, now, now)
        self.state.comments.append(comment)
        return Response(201, self._comment_json(comment))

    def update_comment(self, req: Request) -> Response:
        comment = next((c for c in self.state.comments if c.id == int(req.params["cid"])), None)
        if comment is None:
            raise not_found()
        comment.body = str((req.body or {}).get("body", comment.body))
        comment.updated_at = self._now()
        return Response(200, self._comment_json(comment))
