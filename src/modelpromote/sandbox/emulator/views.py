"""Lookups and JSON renderings shared by several resources (pulls appear in issues, reviews, ...)."""

from __future__ import annotations

from .. import state as st
from ..render import JSON
from .core import EmulatorCore, not_found


class Views(EmulatorCore):
    """The emulator's records as GitHub renders them; base of every route mixin."""

    def _user(self, login: str | None) -> JSON | None:
        if login is None:
            return None
        u = self.state.users.get(login) or st.User(login, 0)
        return self.render.user(u.login, u.id, u.type)

    def _owner_json(self) -> JSON:
        return self.render.user(self.owner, self.owner_id, "Organization")

    def _repo_json(self, full: bool = False) -> JSON:
        sha = self.git.rev_parse(f"refs/heads/{self.default_branch}")
        pushed = self.render_commit_date(sha) if sha else "2020-01-01T00:00:00Z"
        return self.render.repository(self._owner_json(), self.repo_id, self.default_branch, full, pushed)

    def render_commit_date(self, sha: str) -> str:
        return self.render.git_commit(self.git.read_commit(sha))["committer"]["date"]  # type: ignore[no-any-return]

    def _assoc(self, login: str) -> str:
        return "MEMBER" if login in self.state.users else "NONE"

    def _pull(self, number: int | str) -> st.Pull:
        pull = self.state.pulls.get(int(number))
        if pull is None:
            raise not_found()
        return pull

    def _head_sha(self, pull: st.Pull) -> str:
        if pull.state == "open":
            live = self.git.rev_parse(f"refs/heads/{pull.head_ref}")
            if live:
                pull.head_sha = live
            base = self.git.rev_parse(f"refs/heads/{pull.base_ref}")
            if base:
                pull.base_sha = base
        return pull.head_sha

    def _label_json(self, name: str) -> JSON:
        label = self.state.labels[name]
        return self.render.label(label.id, label.name, label.color, label.description)

    def _pull_json(self, pull: st.Pull, full: bool = True) -> JSON:
        head_sha = self._head_sha(pull)
        repo = self._repo_json()
        author = self._user(pull.author)
        data: JSON = {
            **self.render.pull_links(pull.number, head_sha),
            "id": pull.id,
            "node_id": f"PR_{pull.id}",
            "number": pull.number,
            "state": pull.state,
            "locked": False,
            "title": pull.title,
            "user": author,
            "body": pull.body,
            "labels": [self._label_json(n) for n in pull.labels],
            "milestone": None,
            "active_lock_reason": None,
            "created_at": pull.created_at,
            "updated_at": pull.updated_at,
            "closed_at": pull.closed_at,
            "merged_at": pull.merged_at,
            "merge_commit_sha": pull.merge_commit_sha,
            "assignee": None,
            "assignees": [],
            "requested_reviewers": [self._user(u) for u in pull.requested_users],
            "requested_teams": [self._team_json(self.owner, t) for t in pull.requested_teams],
            "head": {
                "label": f"{self.owner}:{pull.head_ref}",
                "ref": pull.head_ref,
                "sha": head_sha,
                "user": self._owner_json(),
                "repo": repo,
            },
            "base": {
                "label": f"{self.owner}:{pull.base_ref}",
                "ref": pull.base_ref,
                "sha": pull.base_sha,
                "user": self._owner_json(),
                "repo": repo,
            },
            "_links": self.render.pull_hrefs(pull.number, head_sha),
            "author_association": self._assoc(pull.author),
            "auto_merge": None,
            "draft": pull.draft,
        }
        if full:
            files = self.git.diff(pull.base_sha, head_sha) if pull.state == "open" else []
            mergeable: bool | None = None
            state = "unknown"
            if pull.state == "open":
                # GitHub computes mergeability in the background after the head or the base moves:
                # the first answer after a move says null/unknown, the next one has the result.
                if pull.mergeable_for == (pull.base_sha, head_sha):
                    mergeable = self.git.merge_tree(pull.base_sha, head_sha) is not None
                    blocked = self._unmet_check(pull.base_ref, head_sha) is not None
                    state = "dirty" if not mergeable else "blocked" if blocked else "clean"
                pull.mergeable_for = (pull.base_sha, head_sha)
            data.update(
                merged=pull.merged,
                mergeable=mergeable,
                rebaseable=mergeable,
                mergeable_state=state,
                merged_by=self._user(pull.merged_by),
                comments=sum(1 for c in self.state.comments if c.number == pull.number),
                review_comments=0,
                maintainer_can_modify=pull.maintainer_can_modify,
                commits=self.git.count_commits(pull.base_sha, head_sha) if pull.state == "open" else 1,
                additions=sum(f.additions for f in files),
                deletions=sum(f.deletions for f in files),
                changed_files=len(files),
            )
        return data

    def _team_json(self, org: str, slug: str, full: bool = False) -> JSON:
        team = self.state.teams.get((org, slug))
        if team is None:
            raise not_found()
        return self.render.team(org, slug, team.name or slug, team.id, len(team.members), full)

    def _statuses_for(self, ref: str) -> list[st.Status]:
        sha = self._resolve(ref)
        return [s for s in reversed(self.state.statuses) if s.sha == sha]

    def _check_state(self, sha: str, context: str, app_id: int | None) -> str:
        """success | pending | failing | missing: what ``sha`` has for ``context`` from ``app_id`` (None: anyone)."""
        states: list[str] = []
        status = next((s for s in self._statuses_for(sha) if s.context == context and app_id in (None, s.app_id)), None)
        if status is not None:
            states.append("success" if status.state == "success" else "pending" if status.state == "pending" else "failing")
        run = next(
            (c for c in reversed(self.state.check_runs) if c.head_sha == sha and c.name == context and app_id in (None, c.app_id)), None
        )
        if run is not None:
            if run.status != "completed":
                states.append("pending")
            else:
                states.append("success" if run.conclusion in ("success", "neutral", "skipped") else "failing")
        for word in ("success", "pending", "failing"):
            if word in states:
                return word
        return "missing"

    def _unmet_check(self, branch: str, sha: str) -> str | None:
        """GitHub's refusal for the first required status check of ``branch`` not passing on ``sha``; None when all pass."""
        for context, app_id in self.state.required_checks.get(branch, []):
            state = self._check_state(sha, context, app_id)
            if state != "success":
                word = {"missing": "expected", "pending": "pending"}.get(state, "failing")
                return f'Required status check "{context}" is {word}.'
        return None

    def app_json(self, app: st.App) -> JSON:
        return {
            "id": app.id,
            "slug": app.slug,
            "node_id": f"A_{app.id}",
            "client_id": f"Iv1.{app.id:016x}",
            "owner": self._owner_json(),
            "name": app.name,
            "description": None,
            "external_url": self.render.web,
            "html_url": f"{self.render.web}/apps/{app.slug}",
            "created_at": "2020-01-01T00:00:00Z",
            "updated_at": "2020-01-01T00:00:00Z",
            "permissions": {"metadata": "read", **app.permissions},
            "events": app.events,
        }
