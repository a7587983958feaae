"""Pull requests: list, create, read, edit, merge, files."""

from __future__ import annotations

import time

from .. import state as st
from ..gitrepo import ZERO, Person
from .core import HttpError, N, R, Request, Response, Route, invalid
from .views import Views

ROUTES: list[Route] = [
    ("GET", R + r"/pulls", "list_pulls"),
    ("POST", R + r"/pulls", "create_pull"),
    ("GET", R + rf"/pulls/{N}", "get_pull"),
    ("PATCH", R + rf"/pulls/{N}", "update_pull"),
    ("PUT", R + rf"/pulls/{N}/merge", "merge_pull"),
    ("GET", R + rf"/pulls/{N}/files", "list_files"),
]


class PullRoutes(Views):
    """Handlers for pull requests (reviews and review requests live in reviews.py)."""

    def list_pulls(self, req: Request) -> Response:
        want = req.query.get("state", "open")
        head = req.query.get("head")
        base = req.query.get("base")
        pulls = sorted(self.state.pulls.values(), key=lambda p: -p.number)
        selected = [
            p
            for p in pulls
            if (want == "all" or p.state == want)
            and (head is None or f"{self.owner}:{p.head_ref}" == head or (":" not in head and p.head_ref == head))
            and (base is None or p.base_ref == base)
        ]
        return self._paginate_map(req, selected, lambda p: self._pull_json(p, full=False))

    def create_pull(self, req: Request) -> Response:
        body = req.body or {}
        head = str(body.get("head", ""))
        head_ref = head.split(":", 1)[1] if ":" in head else head
        base_ref = str(body.get("base", ""))
        if not body.get("title"):
            raise invalid("title is required", "PullRequest", "title", "missing_field")
        head_sha = self.git.rev_parse(f"refs/heads/{head_ref}")
        base_sha = self.git.rev_parse(f"refs/heads/{base_ref}")
        if head_sha is None:
            raise invalid("head is invalid", "PullRequest", "head", "invalid")
        if base_sha is None:
            raise invalid("base is invalid", "PullRequest", "base", "invalid")
        for p in self.state.pulls.values():
            if p.state == "open" and p.head_ref == head_ref and p.base_ref == base_ref:
                raise invalid(f"A pull request already exists for {self.owner}:{head_ref}.", "PullRequest")
        if self.git.is_ancestor(head_sha, base_sha):
            raise invalid(f"No commits between {base_ref} and {head_ref}", "PullRequest")
        number = self.state.next_number()
        now = self._now()
        pull = st.Pull(
            number,
            self.state.next_id(),
            body["title"],
            body.get("body"),
            head_ref,
            base_ref,
            req.login,
            now,
            now,
            head_sha,
            base_sha,
            draft=bool(body.get("draft", False)),
            maintainer_can_modify=bool(body.get("maintainer_can_modify", False)),
        )
        self.state.pulls[number] = pull
        return Response(201, self._pull_json(pull), {"Location": f"{self.render.repo_api}/pulls/{number}"})

    def get_pull(self, req: Request) -> Response:
        return Response(200, self._pull_json(self._pull(req.params["number"])))

    def update_pull(self, req: Request) -> Response:
        pull = self._pull(req.params["number"])
        body = req.body or {}
        if "title" in body:
            pull.title = body["title"]
        if "body" in body:
            pull.body = body["body"]
        if "base" in body:
            if self.git.rev_parse(f"refs/heads/{body['base']}") is None:
                raise invalid("base is invalid", "PullRequest", "base", "invalid")
            pull.base_ref = body["base"]
        if body.get("state") in ("open", "closed") and not pull.merged:
            self._head_sha(pull)
            pull.state = body["state"]
            pull.closed_at = self._now() if pull.state == "closed" else None
        pull.updated_at = self._now()
        return Response(200, self._pull_json(pull))

    def merge_pull(self, req: Request) -> Response:
        pull = self._pull(req.params["number"])
        body = req.body or {}
        if pull.merged or pull.state != "open":
            raise HttpError(405, "Pull Request is not mergeable")
        head = self._head_sha(pull)
        if body.get("sha") and body["sha"] != head:
            raise HttpError(409, "Head branch was modified. Review and try the merge again.")
        tree = self.git.merge_tree(pull.base_sha, head)
        if tree is None:
            raise HttpError(405, "Pull Request is not mergeable")
        unmet = self._unmet_check(pull.base_ref, head)
        if unmet is not None:
            raise HttpError(405, "Repository rule violations found\n\n" + unmet + "\n\n")
        method = body.get("merge_method", "merge")
        title = body.get("commit_title") or (
            pull.title if method == "squash" else f"Merge pull request #{pull.number} from {self.owner}/{pull.head_ref}"
        )
        message = title + ("\n\n" + body["commit_message"] if body.get("commit_message") else "") + "\n"
        user = self.state.users[req.login]
        who = Person(user.name or user.login, user.email or "", f"{int(time.time())} +0000")
        parents = [pull.base_sha] if method in ("squash", "rebase") else [pull.base_sha, head]
        sha = self.git.commit_tree(tree, parents, message, who, who)
        self.git.update_ref(f"refs/heads/{pull.base_ref}", sha, pull.base_sha)
        now = self._now()
        pull.merged, pull.merged_at, pull.merged_by, pull.merge_commit_sha = True, now, req.login, sha
        pull.state, pull.closed_at, pull.updated_at = "closed", now, now
        return Response(200, {"sha": sha, "merged": True, "message": "Pull Request successfully merged"})

    def list_files(self, req: Request) -> Response:
        pull = self._pull(req.params["number"])
        head = self._head_sha(pull)
        files = []
        for f in self.git.diff(pull.base_sha, head):
            files.append(
                {
                    "sha": f.sha if f.sha != ZERO else None,
                    "filename": f.path,
                    "status": f.status,
                    "additions": f.additions,
                    "deletions": f.deletions,
                    "changes": f.additions + f.deletions,
                    "blob_url": f"{self.render.repo_web}/blob/{head}/{f.path}",
                    "raw_url": f"{self.render.repo_web}/raw/{head}/{f.path}",
                    "contents_url": f"{self.render.repo_api}/contents/{f.path}?ref={head}",
                    "patch": self.git.patch(pull.base_sha, head, f.path),
                }
            )
        return self._paginate(req, files)
