"""Contract: what PyGithub sends and what the emulator answers conform to GitHub's OpenAPI description.

``exercise`` drives every operation in the vendored subset through real PyGithub calls (plus the
refusals GitHub documents: 404, 405, 409, 422); the test then validates every recorded exchange
against the subset and checks that each operation was seen, so the list cannot silently rot.
"""

from __future__ import annotations

import github
import pytest

from modelpromote.sandbox.emulator import GitHubEmulator
from tests.contract.openapi import check_exchange, match, operations, spec
from tests.support.github import MANIFEST, bare_repo_fixture, client, gh_fixture  # noqa: F401


def exercise(gh: GitHubEmulator) -> None:
    g = client(gh, "alice")
    repo = g.get_repo("acme/models")
    g.get_user().login  # noqa: B018 - GET /user
    g.get_user("bob").name  # noqa: B018 - GET /users/{username}
    org = g.get_organization("acme")
    team = org.get_team_by_slug("support-ml")
    list(team.get_members())
    team.get_team_membership("bob")
    with pytest.raises(github.UnknownObjectException):
        team.get_team_membership("mallory")

    main = repo.get_git_ref("heads/main")
    base = repo.get_git_commit(main.object.sha)
    repo.get_git_tree(base.tree.sha, recursive=True)
    current = repo.get_contents(MANIFEST, ref="main")
    assert not isinstance(current, list)
    repo.get_git_blob(current.sha)
    text = current.decoded_content.decode().replace(
        "production: claude-3-5-sonnet-v1.2.3\n    config", "production: claude-3-5-sonnet-v1.3.0\n    config"
    )
    blob = repo.create_git_blob(text, "utf-8")
    tree = repo.create_git_tree([github.InputGitTreeElement(MANIFEST, "100644", "blob", sha=blob.sha)], base_tree=base.tree)
    commit = repo.create_git_commit("promote", tree, [base])
    ref = repo.create_git_ref("refs/heads/promote/x", commit.sha)
    ref.edit(commit.sha, force=True)
    with pytest.raises(github.GithubException):
        repo.create_git_ref("refs/heads/promote/x", commit.sha)

    assert repo.compare(main.object.sha, commit.sha).merge_base_commit.sha == main.object.sha
    assert repo.get_collaborator_permission("BOB") == "write"  # logins compare case-insensitively
    with pytest.raises(github.UnknownObjectException):
        repo.get_collaborator_permission("nobody-at-all")
    pr = repo.create_pull(base="main", head="promote/x", title="Promote", body="plan")
    list(repo.get_pulls(state="open", head="acme:promote/x"))
    pr = repo.get_pull(pr.number)
    pr.edit(body="plan v2")
    list(pr.get_files())
    pr.create_review_request(reviewers=["bob"], team_reviewers=["support-ml"])
    users, _teams = pr.get_review_requests()
    list(users)
    # PyGithub's add_to_labels sends a bare JSON array, which the description does not allow; the
    # provider sends {"labels": [...]} through the requester, as here.
    g.requester.requestJsonAndCheck("POST", f"{pr.issue_url}/labels", input={"labels": ["promotion"]})
    list(pr.get_labels())
    issue = repo.get_issue(pr.number)
    comment = issue.create_comment("hello")
    comment.edit("hello again")
    list(issue.get_comments())
    bob_pr = client(gh, "bob").get_repo("acme/models").get_pull(pr.number)
    review = bob_pr.create_review(event="APPROVE", body="ok")
    carol_pr = client(gh, "carol").get_repo("acme/models").get_pull(pr.number)
    carol_pr.create_review(event="REQUEST_CHANGES", body="no")
    review.dismiss("stale")
    list(pr.get_reviews())
    with pytest.raises(github.GithubException):
        pr.create_review(event="APPROVE")  # the author's own approval: 422

    head = repo.get_commit(commit.sha)
    head.create_status("pending", description="waiting", context="modelpromote/approval")
    g.requester.requestJsonAndCheck("GET", f"{repo.url}/commits/{commit.sha}/statuses")
    head.get_combined_status()
    # Check runs come only from GitHub Apps: sign in as one (JWT), mint an installation token, post.
    creds = gh.register_app("modelpromote-gate", {"checks": "write", "statuses": "write", "contents": "read"})
    app_auth = github.Auth.AppAuth(creds.app_id, creds.private_key_pem)
    integration = github.GithubIntegration(auth=app_auth, base_url=gh.url)
    installation = integration.get_repo_installation("acme", "models")
    bot = github.Github(base_url=gh.url, auth=app_auth.get_installation_auth(installation.id), retry=None)
    bot_repo = bot.get_repo("acme/models")
    bot_repo.create_check_run("modelpromote/approval", commit.sha, conclusion="success", output={"title": "ok", "summary": "ok"})
    list(head.get_check_runs())
    gh.set_required_checks("main", [("modelpromote/approval", creds.app_id), ("ci", None)])
    g.requester.requestJsonAndCheck("GET", f"{repo.url}/rules/branches/main")
    assert repo.get_collaborator_permission("Bob") == "write"
    with pytest.raises(github.UnknownObjectException):
        repo.get_collaborator_permission("nobody-here")
    comparison = repo.compare("main", commit.sha)
    assert comparison.merge_base_commit.sha == base.sha
    head.create_status("success", context="ci")
    gh.set_required_checks("main", [])

    with pytest.raises(github.GithubException):
        pr.merge(sha=base.sha)  # stale head: 409
    result = pr.merge(merge_method="merge")
    with pytest.raises(github.GithubException):
        pr.merge()  # already merged: 405
    dep = repo.create_deployment(ref=result.sha, environment="production", payload={"model": "m"}, required_contexts=[], auto_merge=False)
    dep.create_status("success", description="done")
    list(dep.get_statuses())
    repo.get_deployment(dep.id)
    list(repo.get_deployments(sha=result.sha, environment="production"))
    repo.create_repository_dispatch("modelpromote-deploy", {"sha": result.sha})
    repo.get_git_ref("heads/promote/x").delete()
    with pytest.raises(github.UnknownObjectException):
        repo.get_contents("nope.txt")


def test_every_exchange_conforms_to_the_openapi_subset(gh: GitHubEmulator) -> None:
    exercise(gh)
    problems = [p for ex in gh.exchanges for p in check_exchange(ex)]
    assert not problems, "\n".join(problems)


def test_every_operation_in_the_subset_is_exercised(gh: GitHubEmulator) -> None:
    exercise(gh)
    seen = {op.op_id for ex in gh.exchanges if (op := match(ex.method, ex.path))}
    assert seen == {op.op_id for op in operations()}


def test_validator_catches_a_nonconforming_response(gh: GitHubEmulator) -> None:
    """The contract check must be able to fail: a pull request without its required fields is flagged."""
    exercise(gh)
    ex = next(e for e in gh.exchanges if e.method == "GET" and e.path.endswith("/pulls/1") and e.status == 200)
    broken = type(ex)(ex.method, ex.path, ex.query, ex.request, ex.status, {k: v for k, v in ex.response.items() if k != "head"})
    assert any("'head' is a required property" in p for p in check_exchange(broken))
    bad_request = type(ex)("POST", "/repos/acme/models/pulls", {}, {"title": 5}, 201, ex.response)
    assert any("request" in p for p in check_exchange(bad_request))


def test_subset_is_pinned_and_small() -> None:
    doc = spec()
    assert doc["info"]["version"].startswith("@octokit/openapi@")
    assert len(doc["paths"]) < 60
