"""JSON shapes of the GitHub REST API, as the emulator serves them.

Each function returns what GitHub's OpenAPI description requires for that schema (the contract
tests check every response against the vendored subset).  Every link points at the emulator's own
base URL: PyGithub refuses to follow links to a host other than the one it was given.
"""

from __future__ import annotations

import base64
from datetime import datetime, timezone
from typing import Any

from .gitrepo import Commit, Person

JSON = dict[str, Any]


def node_id(kind: str, ident: int | str) -> str:
    return base64.b64encode(f"{kind}:{ident}".encode()).decode()


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def git_date(person: Person) -> str:
    seconds, _, _tz = person.date.partition(" ")
    return iso(float(seconds))


_USER_URLS = {
    "followers_url": "/followers",
    "following_url": "/following{/other_user}",
    "gists_url": "/gists{/gist_id}",
    "starred_url": "/starred{/owner}{/repo}",
    "subscriptions_url": "/subscriptions",
    "organizations_url": "/orgs",
    "repos_url": "/repos",
    "events_url": "/events{/privacy}",
    "received_events_url": "/received_events",
}

_REPO_URLS = {
    "archive_url": "/{archive_format}{/ref}",
    "assignees_url": "/assignees{/user}",
    "blobs_url": "/git/blobs{/sha}",
    "branches_url": "/branches{/branch}",
    "collaborators_url": "/collaborators{/collaborator}",
    "comments_url": "/comments{/number}",
    "commits_url": "/commits{/sha}",
    "compare_url": "/compare/{base}...{head}",
    "contents_url": "/contents/{+path}",
    "contributors_url": "/contributors",
    "deployments_url": "/deployments",
    "downloads_url": "/downloads",
    "events_url": "/events",
    "forks_url": "/forks",
    "git_commits_url": "/git/commits{/sha}",
    "git_refs_url": "/git/refs{/sha}",
    "git_tags_url": "/git/tags{/sha}",
    "hooks_url": "/hooks",
    "issue_comment_url": "/issues/comments{/number}",
    "issue_events_url": "/issues/events{/number}",
    "issues_url": "/issues{/number}",
    "keys_url": "/keys{/key_id}",
    "labels_url": "/labels{/name}",
    "languages_url": "/languages",
    "merges_url": "/merges",
    "milestones_url": "/milestones{/number}",
    "notifications_url": "/notifications{?since,all,participating}",
    "pulls_url": "/pulls{/number}",
    "releases_url": "/releases{/id}",
    "stargazers_url": "/stargazers",
    "statuses_url": "/statuses/{sha}",
    "subscribers_url": "/subscribers",
    "subscription_url": "/subscription",
    "tags_url": "/tags",
    "teams_url": "/teams",
    "trees_url": "/git/trees{/sha}",
}


class Renderer:
    """Knows the emulator's URLs; turns state records into GitHub's JSON."""

    def __init__(self, api: str, web: str, owner: str, name: str) -> None:
        self.api, self.web, self.owner, self.name = api, web, owner, name
        self.repo_api = f"{api}/repos/{owner}/{name}"
        self.repo_web = f"{web}/{owner}/{name}"

    # -- people --------------------------------------------------------------------------------

    def user(self, login: str, uid: int, kind: str = "User") -> JSON:
        base = f"{self.api}/users/{login}"
        return {
            "login": login,
            "id": uid,
            "node_id": node_id(kind, uid),
            "avatar_url": f"{self.web}/avatars/{login}",
            "gravatar_id": "",
            "url": base,
            "html_url": f"{self.web}/{login}",
            **{k: base + v for k, v in _USER_URLS.items()},
            "type": kind,
            "site_admin": False,
        }

    def full_user(self, login: str, uid: int, kind: str, name: str | None, email: str | None, private: bool) -> JSON:
        data = {
            **self.user(login, uid, kind),
            "name": name,
            "company": None,
            "blog": "",
            "location": None,
            "email": email,
            "hireable": None,
            "bio": None,
            "public_repos": 1,
            "public_gists": 0,
            "followers": 0,
            "following": 0,
            "created_at": "2020-01-01T00:00:00Z",
            "updated_at": "2020-01-01T00:00:00Z",
        }
        if private:
            data.update(
                private_gists=0,
                total_private_repos=0,
                owned_private_repos=0,
                disk_usage=0,
                collaborators=0,
                two_factor_authentication=True,
            )
        return data

    def org(self, login: str, uid: int) -> JSON:
        base = f"{self.api}/orgs/{login}"
        return {
            "login": login,
            "id": uid,
            "node_id": node_id("Organization", uid),
            "url": base,
            "repos_url": base + "/repos",
            "events_url": base + "/events",
            "hooks_url": base + "/hooks",
            "issues_url": base + "/issues",
            "members_url": base + "/members{/member}",
            "public_members_url": base + "/public_members{/member}",
            "avatar_url": f"{self.web}/avatars/{login}",
            "description": None,
            "html_url": f"{self.web}/{login}",
            "has_organization_projects": False,
            "has_repository_projects": False,
            "public_repos": 1,
            "public_gists": 0,
            "followers": 0,
            "following": 0,
            "type": "Organization",
            "created_at": "2020-01-01T00:00:00Z",
            "updated_at": "2020-01-01T00:00:00Z",
            "archived_at": None,
        }

    def team(self, org: str, slug: str, name: str, uid: int, members: int, full: bool) -> JSON:
        base = f"{self.api}/orgs/{org}/teams/{slug}"
        data: JSON = {
            "id": uid,
            "node_id": node_id("Team", uid),
            "url": base,
            "html_url": f"{self.web}/orgs/{org}/teams/{slug}",
            "name": name,
            "slug": slug,
            "description": None,
            "privacy": "closed",
            "notification_setting": "notifications_enabled",
            "permission": "pull",
            "members_url": base + "/members{/member}",
            "repositories_url": base + "/repos",
            "type": "organization",
            "parent": None,
        }
        if full:
            data.update(
                members_count=members,
                repos_count=1,
                created_at="2020-01-01T00:00:00Z",
                updated_at="2020-01-01T00:00:00Z",
                organization={**self.org(org, uid + 1), "name": org, "company": "", "blog": "", "location": "", "email": ""},
            )
            del data["parent"]
        return data

    # -- repository ----------------------------------------------------------------------------

    def repository(self, owner: JSON, uid: int, default_branch: str, full: bool, pushed_at: str) -> JSON:
        api, web = self.repo_api, self.repo_web
        data: JSON = {
            "id": uid,
            "node_id": node_id("Repository", uid),
            "name": self.name,
            "full_name": f"{self.owner}/{self.name}",
            "owner": owner,
            "private": False,
            "html_url": web,
            "description": "modelpromote sandbox repository",
            "fork": False,
            "url": api,
            **{k: api + v for k, v in _REPO_URLS.items()},
            "git_url": f"git://127.0.0.1/{self.owner}/{self.name}.git",
            "ssh_url": f"git@127.0.0.1:{self.owner}/{self.name}.git",
            "clone_url": f"{web}.git",
            "svn_url": web,
            "mirror_url": None,
            "homepage": None,
            "language": None,
            "forks": 0,
            "forks_count": 0,
            "stargazers_count": 0,
            "watchers": 0,
            "watchers_count": 0,
            "size": 1,
            "default_branch": default_branch,
            "open_issues": 0,
            "open_issues_count": 0,
            "has_issues": True,
            "has_projects": False,
            "has_wiki": False,
            "has_pages": False,
            "has_downloads": False,
            "has_discussions": False,
            "archived": False,
            "disabled": False,
            "visibility": "public",
            "license": None,
            "pushed_at": pushed_at,
            "created_at": "2020-01-01T00:00:00Z",
            "updated_at": pushed_at,
            "allow_merge_commit": True,
            "allow_squash_merge": True,
            "allow_rebase_merge": False,
        }
        if full:
            data.update(network_count=0, subscribers_count=0)
        return data

    def minimal_repository(self, owner: JSON, uid: int) -> JSON:
        api = self.repo_api
        return {
            "id": uid,
            "node_id": node_id("Repository", uid),
            "name": self.name,
            "full_name": f"{self.owner}/{self.name}",
            "owner": owner,
            "private": False,
            "html_url": self.repo_web,
            "description": "modelpromote sandbox repository",
            "fork": False,
            "url": api,
            **{k: api + v for k, v in _REPO_URLS.items()},
        }

    # -- git data ------------------------------------------------------------------------------

    def ref(self, ref: str, sha: str) -> JSON:
        return {
            "ref": ref,
            "node_id": node_id("Ref", ref),
            "url": f"{self.repo_api}/git/{ref}",
            "object": {"type": "commit", "sha": sha, "url": f"{self.repo_api}/git/commits/{sha}"},
        }

    def git_commit(self, c: Commit) -> JSON:
        def person(p: Person) -> JSON:
            return {"name": p.name, "email": p.email, "date": git_date(p)}

        return {
            "sha": c.sha,
            "node_id": node_id("Commit", c.sha),
            "url": f"{self.repo_api}/git/commits/{c.sha}",
            "html_url": f"{self.repo_web}/commit/{c.sha}",
            "author": person(c.author),
            "committer": person(c.committer),
            "tree": {"sha": c.tree, "url": f"{self.repo_api}/git/trees/{c.tree}"},
            "message": c.message.rstrip("\n") if c.message.endswith("\n") and c.message.count("\n") == 1 else c.message,
            "parents": [
                {"sha": p, "url": f"{self.repo_api}/git/commits/{p}", "html_url": f"{self.repo_web}/commit/{p}"} for p in c.parents
            ],
            "verification": {"verified": False, "reason": "unsigned", "signature": None, "payload": None, "verified_at": None},
        }

    def blob_url(self, sha: str) -> str:
        return f"{self.repo_api}/git/blobs/{sha}"

    def tree_entry(self, mode: str, kind: str, sha: str, path: str, size: int | None) -> JSON:
        entry: JSON = {"path": path, "mode": mode, "type": kind, "sha": sha}
        if kind == "blob":
            entry["size"] = size or 0
            entry["url"] = self.blob_url(sha)
        else:
            entry["url"] = f"{self.repo_api}/git/trees/{sha}"
        return entry

    def content_file(self, path: str, sha: str, data: bytes, ref: str) -> JSON:
        url = f"{self.repo_api}/contents/{path}?ref={ref}"
        html = f"{self.repo_web}/blob/{ref}/{path}"
        return {
            "type": "file",
            "encoding": "base64",
            "size": len(data),
            "name": path.rsplit("/", 1)[-1],
            "path": path,
            "content": base64.encodebytes(data).decode(),
            "sha": sha,
            "url": url,
            "git_url": self.blob_url(sha),
            "html_url": html,
            "download_url": f"{self.web}/raw/{self.owner}/{self.name}/{ref}/{path}",
            "_links": {"git": self.blob_url(sha), "html": html, "self": url},
        }

    # -- pulls and issues ----------------------------------------------------------------------

    def label(self, uid: int, name: str, color: str, description: str | None) -> JSON:
        return {
            "id": uid,
            "node_id": node_id("Label", uid),
            "url": f"{self.repo_api}/labels/{name}",
            "name": name,
            "description": description or "",  # pulls/list's label schema does not allow null
            "color": color,
            "default": False,
        }

    def pull_links(self, number: int, head_sha: str) -> JSON:
        api = f"{self.repo_api}/pulls/{number}"
        return {
            "url": api,
            "html_url": f"{self.repo_web}/pull/{number}",
            "diff_url": f"{self.repo_web}/pull/{number}.diff",
            "patch_url": f"{self.repo_web}/pull/{number}.patch",
            "issue_url": f"{self.repo_api}/issues/{number}",
            "commits_url": api + "/commits",
            "review_comments_url": api + "/comments",
            "review_comment_url": f"{self.repo_api}/pulls/comments{{/number}}",
            "comments_url": f"{self.repo_api}/issues/{number}/comments",
            "statuses_url": f"{self.repo_api}/statuses/{head_sha}",
        }

    def pull_hrefs(self, number: int, head_sha: str) -> JSON:
        links = self.pull_links(number, head_sha)
        return {
            "self": {"href": links["url"]},
            "html": {"href": links["html_url"]},
            "issue": {"href": links["issue_url"]},
            "comments": {"href": links["comments_url"]},
            "review_comments": {"href": links["review_comments_url"]},
            "review_comment": {"href": links["review_comment_url"]},
            "commits": {"href": links["commits_url"]},
            "statuses": {"href": links["statuses_url"]},
        }

    def review(self, uid: int, user: JSON, body: str, state: str, commit_id: str, number: int, submitted_at: str, assoc: str) -> JSON:
        return {
            "id": uid,
            "node_id": node_id("PullRequestReview", uid),
            "user": user,
            "body": body,
            "state": state,
            "html_url": f"{self.repo_web}/pull/{number}#pullrequestreview-{uid}",
            "pull_request_url": f"{self.repo_api}/pulls/{number}",
            "_links": {
                "html": {"href": f"{self.repo_web}/pull/{number}#pullrequestreview-{uid}"},
                "pull_request": {"href": f"{self.repo_api}/pulls/{number}"},
            },
            "submitted_at": submitted_at,
            "commit_id": commit_id,
            "author_association": assoc,
        }

    def comment(self, uid: int, number: int, user: JSON, body: str, created: str, updated: str, assoc: str) -> JSON:
        return {
            "id": uid,
            "node_id": node_id("IssueComment", uid),
            "url": f"{self.repo_api}/issues/comments/{uid}",
            "html_url": f"{self.repo_web}/pull/{number}#issuecomment-{uid}",
            "issue_url": f"{self.repo_api}/issues/{number}",
            "body": body,
            "user": user,
            "created_at": created,
            "updated_at": updated,
            "author_association": assoc,
        }

    # -- statuses, checks, deployments ---------------------------------------------------------

    def status(
        self, uid: int, state: str, context: str, description: str | None, target_url: str | None, created: str, creator: JSON
    ) -> JSON:
        return {
            "url": f"{self.repo_api}/statuses/{uid}",
            "avatar_url": creator["avatar_url"],
            "id": uid,
            "node_id": node_id("StatusContext", uid),
            "state": state,
            "description": description,
            "target_url": target_url,
            "context": context,
            "created_at": created,
            "updated_at": created,
            "creator": creator,
        }

    def deployment(self, d: Any, creator: JSON | None) -> JSON:
        url = f"{self.repo_api}/deployments/{d.id}"
        return {
            "url": url,
            "id": d.id,
            "node_id": node_id("Deployment", d.id),
            "sha": d.sha,
            "ref": d.ref,
            "task": d.task,
            "payload": d.payload,
            "original_environment": d.environment,
            "environment": d.environment,
            "description": d.description,
            "creator": creator,
            "created_at": d.created_at,
            "updated_at": d.created_at,
            "statuses_url": url + "/statuses",
            "repository_url": self.repo_api,
            "transient_environment": d.transient,
            "production_environment": d.production,
        }

    def deployment_status(self, s: Any, creator: JSON | None) -> JSON:
        dep = f"{self.repo_api}/deployments/{s.deployment_id}"
        return {
            "url": f"{dep}/statuses/{s.id}",
            "id": s.id,
            "node_id": node_id("DeploymentStatus", s.id),
            "state": s.state,
            "creator": creator,
            "description": s.description,
            "environment": s.environment,
            "target_url": s.target_url,
            "log_url": s.log_url,
            "environment_url": s.environment_url,
            "created_at": s.created_at,
            "updated_at": s.created_at,
            "deployment_url": dep,
            "repository_url": self.repo_api,
        }
