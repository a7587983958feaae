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
            mergeable = None if pull.state != "open" else self.git.merge_tree(pull.base_sha, head_sha) is not None
            data.update(
                merged=pull.merged,
                mergeable=mergeable,
                rebaseable=mergeable,
                mergeable_state="unknown" if mergeable is None else ("clean" if mergeable else "dirty"),
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
