"""Reviews and review requests on pull requests."""

from __future__ import annotations

import time

from .. import state as st
from ..render import JSON, iso
from .core import HttpError, N, R, Request, Response, Route, invalid, not_found
from .views import Views

ROUTES: list[Route] = [
    ("GET", R + rf"/pulls/{N}/requested_reviewers", "list_requested"),
    ("POST", R + rf"/pulls/{N}/requested_reviewers", "request_reviewers"),
    ("GET", R + rf"/pulls/{N}/reviews", "list_reviews"),
    ("POST", R + rf"/pulls/{N}/reviews", "create_review"),
    ("PUT", R + rf"/pulls/{N}/reviews/(?P<rid>\d+)/dismissals", "dismiss_review"),
]


class ReviewRoutes(Views):
    """Handlers for reviews, review requests, and the test helper that records a review directly."""

    def add_review(self, number: int, login: str, state: str, commit_id: str | None = None, body: str = "") -> int:
        """Record a review directly, bypassing GitHub's own rules (e.g. an author's self-approval)."""
        with self.lock:
            pull = self._pull(number)
            rid = self.state.next_id()
            self.add_user(login)
            self.state.reviews.append(st.Review(rid, number, login, state, body, commit_id or self._head_sha(pull), iso(time.time())))
            return rid

    def list_requested(self, req: Request) -> Response:
        pull = self._pull(req.params["number"])
        return Response(
            200,
            {
                "users": [self._user(u) for u in pull.requested_users],
                "teams": [self._team_json(self.owner, t) for t in pull.requested_teams],
            },
        )

    def request_reviewers(self, req: Request) -> Response:
        pull = self._pull(req.params["number"])
        body = req.body or {}
        users, teams = list(body.get("reviewers", [])), list(body.get("team_reviewers", []))
        if pull.author in users:
            raise invalid("Review cannot be requested from pull request author.", "PullRequest")
        for u in users:
            if self.role(u) == "none":  # unknown users have no role either
                msg = f"Reviews may only be requested from collaborators; {u} is not one of {self.owner}/{self.name}."
                raise invalid(msg, "PullRequest")
        for t in teams:
            if (self.owner, t) not in self.state.teams:
                raise invalid(f"Could not resolve to a node with the global id of '{t}'.", "PullRequest")
        pull.requested_users += [u for u in users if u not in pull.requested_users]
        pull.requested_teams += [t for t in teams if t not in pull.requested_teams]
        return Response(201, self._pull_json(pull, full=False))

    def _review_json(self, r: st.Review) -> JSON:
        return self.render.review(
            r.id, self._user(r.user) or {}, r.body, r.state, r.commit_id, r.number, r.submitted_at, self._assoc(r.user)
        )

    def list_reviews(self, req: Request) -> Response:
        pull = self._pull(req.params["number"])
        return self._paginate_map(req, [r for r in self.state.reviews if r.number == pull.number], self._review_json)

    def create_review(self, req: Request) -> Response:
        pull = self._pull(req.params["number"])
        body = req.body or {}
        event = body.get("event")
        states = {"APPROVE": "APPROVED", "REQUEST_CHANGES": "CHANGES_REQUESTED", "COMMENT": "COMMENTED", None: "PENDING"}
        if event not in states:
            raise invalid(f"event {event!r} is not one of APPROVE, REQUEST_CHANGES, COMMENT", "PullRequestReview", "event")
        if pull.author == req.login and event in ("APPROVE", "REQUEST_CHANGES"):
            verb = "approve" if event == "APPROVE" else "request changes on"
            raise HttpError(422, "Unprocessable Entity", [f"Can not {verb} your own pull request"])
        if event in ("REQUEST_CHANGES", "COMMENT") and not body.get("body"):
            raise HttpError(422, "Unprocessable Entity", ["Body is required for this event"])
        review = st.Review(
            self.state.next_id(),
            pull.number,
            req.login,
            states[event],
            body.get("body", ""),
            body.get("commit_id") or self._head_sha(pull),
            self._now(),
        )
        self.state.reviews.append(review)
        if req.login in pull.requested_users:
            pull.requested_users.remove(req.login)
        return Response(200, self._review_json(review))

    def dismiss_review(self, req: Request) -> Response:
        pull = self._pull(req.params["number"])
        review = next((r for r in self.state.reviews if r.id == int(req.params["rid"]) and r.number == pull.number), None)
        if review is None:
            raise not_found()
        if review.state not in ("APPROVED", "CHANGES_REQUESTED"):
            raise HttpError(422, "Can not dismiss a commented pull request review")
        review.state = "DISMISSED"
        return Response(200, self._review_json(review))
