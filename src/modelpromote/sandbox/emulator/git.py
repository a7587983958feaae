"""Repository and git data: refs, commits, trees, blobs, contents, and the REST commit view."""

from __future__ import annotations

import base64
import time
from typing import Any

from ..gitrepo import ZERO, FileChange, Person
from ..render import JSON
from .core import HttpError, R, Request, Response, Route, invalid, not_found
from .views import Views

MB = 1024 * 1024

ROUTES: list[Route] = [
    ("GET", R, "get_repo"),
    ("GET", R + r"/git/refs?/(?P<ref>.+)", "get_ref"),
    ("POST", R + r"/git/refs", "create_ref"),
    ("PATCH", R + r"/git/refs/(?P<ref>.+)", "update_ref"),
    ("DELETE", R + r"/git/refs/(?P<ref>.+)", "delete_ref"),
    ("GET", R + r"/git/commits/(?P<sha>\w+)", "get_commit"),
    ("POST", R + r"/git/commits", "create_commit"),
    ("GET", R + r"/git/trees/(?P<sha>\w+)", "get_tree"),
    ("POST", R + r"/git/trees", "create_tree"),
    ("GET", R + r"/git/blobs/(?P<sha>\w+)", "get_blob"),
    ("POST", R + r"/git/blobs", "create_blob"),
    ("GET", R + r"/contents/(?P<path>.+)", "get_content"),
    ("GET", R + r"/commits/(?P<ref>[^/]+)", "get_repo_commit"),
    ("GET", R + r"/compare/(?P<base>.+?)\.\.\.(?P<head>.+)", "compare"),
]


class GitRoutes(Views):
    """Handlers for the git data API and the contents API."""

    def get_repo(self, req: Request) -> Response:
        return Response(200, self._repo_json(full=True))

    def get_ref(self, req: Request) -> Response:
        ref = "refs/" + req.params["ref"]
        sha = self.git.refs(ref).get(ref)
        if sha is None:
            raise not_found()
        return Response(200, self.render.ref(ref, sha))

    def create_ref(self, req: Request) -> Response:
        body = req.body or {}
        ref, sha = body.get("ref", ""), body.get("sha", "")
        if not ref.startswith("refs/") or ref.count("/") < 2:
            raise invalid("Reference name is invalid", "Reference", "ref")
        if self.git.object_type(sha) != "commit":
            raise HttpError(422, "Object does not exist")
        if self.git.refs(ref).get(ref):
            raise HttpError(422, "Reference already exists")
        self.git.update_ref(ref, sha, ZERO)
        return Response(201, self.render.ref(ref, sha), {"Location": f"{self.render.repo_api}/git/{ref}"})

    def update_ref(self, req: Request) -> Response:
        ref = "refs/" + req.params["ref"]
        body = req.body or {}
        old = self.git.refs(ref).get(ref)
        if old is None:
            raise HttpError(422, "Reference does not exist")
        new = body.get("sha", "")
        if self.git.object_type(new) != "commit":
            raise HttpError(422, "Object does not exist")
        if not body.get("force") and not self.git.is_ancestor(old, new):
            raise HttpError(422, "Update is not a fast forward")
        self.git.update_ref(ref, new, old)
        return Response(200, self.render.ref(ref, new))

    def delete_ref(self, req: Request) -> Response:
        ref = "refs/" + req.params["ref"]
        if self.git.refs(ref).get(ref) is None:
            raise HttpError(422, "Reference does not exist")
        self.git.delete_ref(ref)
        return Response(204)

    def get_commit(self, req: Request) -> Response:
        if self.git.object_type(req.params["sha"]) != "commit":
            raise not_found()
        return Response(200, self.render.git_commit(self.git.read_commit(req.params["sha"])))

    def create_commit(self, req: Request) -> Response:
        body = req.body or {}
        tree, parents, message = body.get("tree", ""), body.get("parents", []), body.get("message")
        if not isinstance(message, str):
            raise invalid("message is required", "Commit", "message", "missing_field")
        if self.git.object_type(tree) != "tree":
            raise HttpError(422, "Tree SHA does not exist")
        for p in parents:
            if self.git.object_type(p) != "commit":
                raise HttpError(422, "Parent SHA does not exist or is not a commit object")
        user = self.state.users[req.login]

        def person(raw: Any) -> Person:
            raw = raw or {}
            when = raw.get("date")
            seconds = int(time.mktime(time.strptime(when[:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone) if when else int(time.time())
            return Person(raw.get("name") or user.name or user.login, raw.get("email") or user.email or "", f"{seconds} +0000")

        author = person(body.get("author"))
        committer = person(body.get("committer") or body.get("author"))
        sha = self.git.commit_tree(tree, list(parents), message, author, committer)
        return Response(201, self.render.git_commit(self.git.read_commit(sha)), {"Location": f"{self.render.repo_api}/git/commits/{sha}"})

    def get_tree(self, req: Request) -> Response:
        sha = req.params["sha"]
        if self.git.object_type(sha) == "commit":
            sha = self.git.read_commit(sha).tree
        if self.git.object_type(sha) != "tree":
            raise not_found()
        recursive = req.query.get("recursive") not in (None, "", "0", "false")
        entries = [self.render.tree_entry(e.mode, e.type, e.sha, e.path, e.size) for e in self.git.ls_tree(sha, recursive)]
        return Response(200, {"sha": sha, "url": f"{self.render.repo_api}/git/trees/{sha}", "tree": entries, "truncated": False})

    def create_tree(self, req: Request) -> Response:
        body = req.body or {}
        base = body.get("base_tree")
        if base and self.git.object_type(base) != "tree":
            raise HttpError(422, "base_tree is not a valid tree oid")
        changes: list[tuple[str, str, str | None]] = []
        for entry in body.get("tree", []):
            path, mode = entry.get("path", ""), entry.get("mode", "100644")
            if "content" in entry:
                sha: str | None = self.git.write_blob(str(entry["content"]).encode())
            else:
                sha = entry.get("sha")
                if sha is not None and self.git.object_type(sha) is None:
                    raise HttpError(422, f"tree.sha {sha} is not a valid blob")
            changes.append((path, mode, sha))
        tree = self.git.build_tree(base, changes)
        entries = [self.render.tree_entry(e.mode, e.type, e.sha, e.path, e.size) for e in self.git.ls_tree(tree)]
        url = f"{self.render.repo_api}/git/trees/{tree}"
        return Response(201, {"sha": tree, "url": url, "tree": entries, "truncated": False}, {"Location": url})

    def get_blob(self, req: Request) -> Response:
        sha = req.params["sha"]
        if self.git.object_type(sha) != "blob":
            raise not_found()
        data = self.git.read_object(sha)
        return Response(
            200,
            {
                "sha": sha,
                "node_id": f"B_{sha[:12]}",
                "size": len(data),
                "url": self.render.blob_url(sha),
                "content": base64.encodebytes(data).decode(),
                "encoding": "base64",
            },
        )

    def create_blob(self, req: Request) -> Response:
        body = req.body or {}
        content = body.get("content")
        if not isinstance(content, str):
            raise invalid("content is required", "Blob", "content", "missing_field")
        data = base64.b64decode(content) if body.get("encoding") == "base64" else content.encode()
        sha = self.git.write_blob(data)
        return Response(201, {"sha": sha, "url": self.render.blob_url(sha)}, {"Location": self.render.blob_url(sha)})

    def get_content(self, req: Request) -> Response:
        ref = req.query.get("ref") or self.default_branch
        sha = self._resolve(ref)
        found = self.git.read_file(sha, req.params["path"])
        if found is None:
            raise not_found()
        blob, data = found
        if len(data) > 100 * MB:
            raise HttpError(403, "This API returns blobs up to 100 MB in size. The requested blob is too large to fetch via the API.")
        answer = self.render.content_file(req.params["path"], blob, data, ref)
        if len(data) > MB:  # GitHub serves contents over 1 MB only as raw; the JSON has no content
            answer.update(encoding="none", content="")
        return Response(200, answer)

    def _commit_json(self, sha: str, files: list[FileChange] | None) -> JSON:
        """The REST view of a commit; ``files`` (with stats) only where GitHub includes them."""
        g = self.render.git_commit(self.git.read_commit(sha))
        data: JSON = {
            "url": f"{self.render.repo_api}/commits/{sha}",
            "sha": sha,
            "node_id": g["node_id"],
            "html_url": g["html_url"],
            "comments_url": f"{self.render.repo_api}/commits/{sha}/comments",
            "commit": {
                "url": g["url"],
                "author": g["author"],
                "committer": g["committer"],
                "message": g["message"],
                "comment_count": 0,
                "tree": g["tree"],
                "verification": g["verification"],
            },
            "author": None,
            "committer": None,
            "parents": [
                {"sha": p["sha"], "url": f"{self.render.repo_api}/commits/{p['sha']}", "html_url": p["html_url"]} for p in g["parents"]
            ],
        }
        if files is not None:
            additions, deletions = sum(f.additions for f in files), sum(f.deletions for f in files)
            data["stats"] = {"additions": additions, "deletions": deletions, "total": additions + deletions}
            data["files"] = [self._file_json(f, sha) for f in files]
        return data

    def _file_json(self, f: FileChange, sha: str) -> JSON:
        return {
            "sha": f.sha,
            "filename": f.path,
            "status": f.status,
            "additions": f.additions,
            "deletions": f.deletions,
            "changes": f.additions + f.deletions,
            "blob_url": f"{self.render.repo_web}/blob/{sha}/{f.path}",
            "raw_url": f"{self.render.repo_web}/raw/{sha}/{f.path}",
            "contents_url": f"{self.render.repo_api}/contents/{f.path}?ref={sha}",
        }

    def get_repo_commit(self, req: Request) -> Response:
        sha = self._resolve(req.params["ref"])
        c = self.git.read_commit(sha)
        return Response(200, self._commit_json(sha, self.git.diff(c.parents[0], sha) if c.parents else []))

    def compare(self, req: Request) -> Response:
        """``base...head``: the merge base, how far each side moved from it, head's commits and files since it."""
        try:
            base, head = self._resolve(req.params["base"]), self._resolve(req.params["head"])
        except HttpError:
            raise not_found() from None
        merge_base = self.git.merge_base(base, head)
        if merge_base is None:
            raise not_found()  # GitHub: "No common ancestor between ..." (404)
        ahead = self.git.count_commits(merge_base, head)
        behind = self.git.count_commits(merge_base, base)
        status = "identical" if ahead == behind == 0 else "ahead" if behind == 0 else "behind" if ahead == 0 else "diverged"
        shas = self.git.run("rev-list", "--reverse", f"{merge_base}..{head}").decode().split()
        per_page = max(1, min(100, int(req.query.get("per_page", "250") or 250)))
        page = max(1, int(req.query.get("page", "1") or 1))
        url = f"{self.render.repo_api}/compare/{req.params['base']}...{req.params['head']}"
        web = f"{self.render.repo_web}/compare/{req.params['base']}...{req.params['head']}"
        return Response(
            200,
            {
                "url": url,
                "html_url": web,
                "permalink_url": f"{self.render.repo_web}/compare/{self.owner}:{base[:7]}...{self.owner}:{head[:7]}",
                "diff_url": web + ".diff",
                "patch_url": web + ".patch",
                "base_commit": self._commit_json(base, None),
                "merge_base_commit": self._commit_json(merge_base, None),
                "status": status,
                "ahead_by": ahead,
                "behind_by": behind,
                "total_commits": ahead,
                "commits": [self._commit_json(s, None) for s in shas[(page - 1) * per_page : page * per_page]],
                "files": [self._file_json(f, head) for f in self.git.diff(merge_base, head)][:300],
            },
        )
