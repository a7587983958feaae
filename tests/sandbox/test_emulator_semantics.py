"""GitHub semantics the emulator must reproduce for the gate and the flow to be tested honestly.

Per-token permissions (user roles, App installation tokens), App authentication by JWT, required
status checks pinned to an App, mergeability computed in the background, the 1 MB contents limit,
``auto_inactive`` deployments, status pagination and secondary rate limits without Retry-After.
Real PyGithub throughout; every answer is checked against GitHub's OpenAPI description.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import github
import pytest

from modelpromote.sandbox.emulator import GitHubEmulator
from modelpromote.sandbox.faults import secondary
from modelpromote.sandbox.gitrepo import init_bare
from tests.contract.openapi import check_exchange
from tests.support.github import MANIFEST, USERS, client

CONTEXT = "modelpromote/approval"


@pytest.fixture
def gh(tmp_path: Path) -> Iterator[GitHubEmulator]:
    repo = tmp_path / "models.git"
    init_bare(repo, {MANIFEST: "models: {}\n", "README.md": "registry\n"})
    with GitHubEmulator(repo, users=USERS) as emulator:
        yield emulator


def conforms(gh: GitHubEmulator, undocumented: tuple[tuple[str, int], ...] = ()) -> None:
    """Every exchange matches the OpenAPI description, except refusals the description does not list."""
    problems = [p for ex in gh.exchanges if (ex.path.rsplit("/", 1)[-1], ex.status) not in undocumented for p in check_exchange(ex)]
    assert not problems, "\n".join(problems)


def as_token(gh: GitHubEmulator, token: str) -> Any:
    return github.Github(
        base_url=gh.url, auth=github.Auth.Token(token), retry=None, seconds_between_requests=None, seconds_between_writes=None
    )


def as_app(gh: GitHubEmulator, app_id: int, key: str) -> Any:
    """Sign in as the App (JWT), find its installation on acme/models, act with an installation token."""
    auth = github.Auth.AppAuth(app_id, key)
    installation = github.GithubIntegration(auth=auth, base_url=gh.url).get_repo_installation("acme", "models")
    return github.Github(base_url=gh.url, auth=auth.get_installation_auth(installation.id), retry=None)


def raw(gh: GitHubEmulator, token: str, method: str, path: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(gh.url + path, method=method, headers={"Authorization": f"token {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def branch(gh: GitHubEmulator, name: str, path: str = "notes.txt", text: str = "change\n") -> str:
    main = gh.branch_sha("main")
    assert main is not None
    gh.git.update_ref(f"refs/heads/{name}", main)
    return gh.push_file(name, path, text)


# -- tokens and permissions ---------------------------------------------------------------------


def test_an_installation_token_acts_only_within_its_permissions(gh: GitHubEmulator) -> None:
    creds = gh.register_app("reader", {"contents": "read", "statuses": "write"})
    repo = as_app(gh, creds.app_id, creds.private_key_pem).get_repo("acme/models")
    text = repo.get_contents("README.md").decoded_content
    assert text == b"registry\n"
    with pytest.raises(github.GithubException) as refused:
        repo.create_git_blob("x", "utf-8")
    assert refused.value.status == 403 and refused.value.data["message"] == "Resource not accessible by integration"
    status = repo.get_commit(gh.branch_sha("main")).create_status("success", context=CONTEXT)
    assert status.creator.login == "reader[bot]" and status.creator.type == "Bot"
    conforms(gh)


def test_get_user_is_refused_to_an_installation_token(gh: GitHubEmulator) -> None:
    token = gh.actions_token({"contents": "read"})
    status, _, body = raw(gh, token, "GET", "/user")
    assert status == 403 and b"Resource not accessible by integration" in body
    assert as_token(gh, token).get_repo("acme/models").full_name == "acme/models"


def test_user_roles_gate_writes_and_visibility(gh: GitHubEmulator) -> None:
    gh.set_role("dave", "read")
    gh.set_role("carol", "triage")
    gh.set_role("mallory", "none")
    head = gh.branch_sha("main")
    dave = client(gh, "dave").get_repo("acme/models")
    assert dave.get_contents("README.md").decoded_content == b"registry\n"
    with pytest.raises(github.GithubException) as refused:
        dave.get_commit(head).create_status("success", context=CONTEXT)
    assert refused.value.status == 403 and "personal access token" in refused.value.data["message"]
    with pytest.raises(github.UnknownObjectException):
        client(gh, "mallory").get_repo("acme/models")  # a private repository is invisible to a non-collaborator
    branch(gh, "topic")
    pr = client(gh, "alice").get_repo("acme/models").create_pull(base="main", head="topic", title="t", body="")
    carol = client(gh, "carol")
    carol.requester.requestJsonAndCheck("POST", f"{pr.issue_url}/labels", input={"labels": ["triaged"]})
    with pytest.raises(github.GithubException) as push:
        carol.get_repo("acme/models").create_git_blob("x", "utf-8")
    assert push.value.status == 403


def test_app_jwt_is_verified_and_installation_tokens_expire(gh: GitHubEmulator) -> None:
    creds = gh.register_app("gate", {"checks": "write"})
    other = gh.register_app("other", {"checks": "write"})
    forged = github.Auth.AppAuth(creds.app_id, other.private_key_pem)  # right id, wrong key
    with pytest.raises(github.GithubException) as bad:
        github.GithubIntegration(auth=forged, base_url=gh.url).get_repo_installation("acme", "models")
    assert bad.value.status == 401
    token = gh.installation_token(creds.app_id)
    gh.state.installation_tokens[token].expires_at = time.time() - 1
    with pytest.raises(github.BadCredentialsException):
        as_token(gh, token).get_repo("acme/models")
    with pytest.raises(ValueError, match="not granted"):
        gh.installation_token(creds.app_id, {"contents": "write"})  # more than the installation was granted


def test_check_runs_need_an_app_and_record_it(gh: GitHubEmulator) -> None:
    head = gh.branch_sha("main")
    with pytest.raises(github.GithubException) as user:
        client(gh, "alice").get_repo("acme/models").create_check_run(CONTEXT, head, conclusion="success")
    assert user.value.status == 403
    creds = gh.register_app("gate", {"checks": "write"})
    run = as_app(gh, creds.app_id, creds.private_key_pem).get_repo("acme/models").create_check_run(CONTEXT, head, conclusion="success")
    assert run.app.id == creds.app_id and run.app.slug == "gate"
    other = gh.register_app("other", {"checks": "write"})
    as_app(gh, other.app_id, other.private_key_pem).get_repo("acme/models").create_check_run(CONTEXT, head, conclusion="failure")
    as_app(gh, creds.app_id, creds.private_key_pem).get_repo("acme/models").create_check_run(CONTEXT, head, status="in_progress")
    commit = client(gh, "alice").get_repo("acme/models").get_commit(head)
    assert [(r.app.slug, r.status) for r in commit.get_check_runs()] == [("gate", "in_progress"), ("other", "completed")]
    url = f"{commit.url}/check-runs"
    _, mine = client(gh, "alice").requester.requestJsonAndCheck("GET", url, parameters={"app_id": creds.app_id, "filter": "all"})
    assert [r["conclusion"] for r in mine["check_runs"]] == [None, "success"]
    assert [r.app.slug for r in commit.get_check_runs(check_name=CONTEXT, status="completed")] == ["other", "gate"]
    conforms(gh, undocumented=(("check-runs", 403),))


# -- required checks ----------------------------------------------------------------------------


def test_merge_needs_each_required_check_from_its_own_app(gh: GitHubEmulator) -> None:
    gate = gh.register_app("gate", {"checks": "write", "statuses": "write", "contents": "read"})
    impostor = gh.register_app("impostor", {"checks": "write", "statuses": "write", "contents": "read"})
    gh.set_required_checks("main", [(CONTEXT, gate.app_id), ("lint", None)])
    head = branch(gh, "promote/x")
    alice = client(gh, "alice").get_repo("acme/models")
    pr = alice.create_pull(base="main", head="promote/x", title="t", body="")

    def refusal() -> str:
        with pytest.raises(github.GithubException) as exc:
            alice.get_pull(pr.number).merge(sha=head)
        assert exc.value.status == 405
        return str(exc.value.data["message"])

    assert f'Required status check "{CONTEXT}" is expected.' in refusal()
    alice.get_commit(head).create_status("success", context=CONTEXT)  # a writer's status: not from the gate's app
    as_app(gh, impostor.app_id, impostor.private_key_pem).get_repo("acme/models").create_check_run(CONTEXT, head, conclusion="success")
    assert f'"{CONTEXT}" is expected' in refusal()
    as_app(gh, gate.app_id, gate.private_key_pem).get_repo("acme/models").create_check_run(CONTEXT, head, conclusion="failure")
    assert f'"{CONTEXT}" is failing' in refusal()
    as_app(gh, gate.app_id, gate.private_key_pem).get_repo("acme/models").get_commit(head).create_status("success", context=CONTEXT)
    assert '"lint" is expected' in refusal()
    alice.get_pull(pr.number)  # consume the "computing" answer
    assert alice.get_pull(pr.number).mergeable_state == "blocked"
    alice.get_commit(head).create_status("success", context="lint")  # lint accepts any source
    assert alice.get_pull(pr.number).mergeable_state == "clean"
    assert alice.get_pull(pr.number).merge(sha=head).merged
    rules = client(gh, "alice").requester.requestJsonAndCheck("GET", f"{alice.url}/rules/branches/main")[1]
    assert rules[0]["parameters"]["required_status_checks"] == [{"context": CONTEXT, "integration_id": gate.app_id}, {"context": "lint"}]
    conforms(gh)


# -- mergeability, contents, deployments, statuses, faults ---------------------------------------


def test_mergeable_is_null_once_after_each_move_of_head_or_base(gh: GitHubEmulator) -> None:
    branch(gh, "topic")
    repo = client(gh, "alice").get_repo("acme/models")
    created = repo.create_pull(base="main", head="topic", title="t", body="")
    assert created.mergeable is None
    assert repo.get_pull(created.number).mergeable is True
    gh.push_file("topic", "more.txt", "more\n")
    first = repo.get_pull(created.number)
    assert first.mergeable is None and first.mergeable_state == "unknown"
    assert repo.get_pull(created.number).mergeable is True
    gh.push_file("main", "notes.txt", "conflict\n")
    assert repo.get_pull(created.number).mergeable is None
    second = repo.get_pull(created.number)
    assert second.mergeable is False and second.mergeable_state == "dirty"
    conforms(gh)


def test_contents_over_one_megabyte_come_without_content_and_the_blob_api_serves_them(gh: GitHubEmulator) -> None:
    big = "x" * (1024 * 1024 + 10)
    gh.push_file("main", "big.txt", big)
    repo = client(gh, "alice").get_repo("acme/models")
    content = repo.get_contents("big.txt")
    assert content.encoding == "none" and content.content == "" and content.size == len(big)
    blob = repo.get_git_blob(content.sha)
    assert blob.encoding == "base64" and blob.size == len(big)
    small = repo.get_contents("README.md")
    assert small.encoding == "base64"
    conforms(gh)


def test_a_success_deployment_status_retires_the_others_of_its_environment(gh: GitHubEmulator) -> None:
    repo = client(gh, "alice").get_repo("acme/models")
    sha = gh.branch_sha("main")

    def deploy(env: str, **kw: Any) -> Any:
        return repo.create_deployment(ref=sha, environment=env, required_contexts=[], auto_merge=False, **kw)

    old, new, staging = (
        deploy("production"),
        deploy("production", production_environment=True),
        deploy("staging", transient_environment=True),
    )
    old.create_status("success")
    staging.create_status("success")
    new.create_status("success")
    assert [s.state for s in old.get_statuses()] == ["inactive", "success"]
    assert [s.state for s in staging.get_statuses()] == ["success"]
    old.create_status("success")  # re-running the old deploy retires the newer one, as on GitHub
    assert [s.state for s in new.get_statuses()] == ["inactive", "success"]
    new.create_status("success", auto_inactive=False)
    assert next(s.state for s in old.get_statuses()) == "success"
    stored = repo.get_deployment(new.id)
    assert stored.production_environment is True and repo.get_deployment(staging.id).transient_environment is True
    conforms(gh)


def test_statuses_page_thirty_at_a_time_and_the_combined_status_caps_at_a_hundred(gh: GitHubEmulator) -> None:
    repo = client(gh, "alice", per_page=30).get_repo("acme/models")
    sha = gh.branch_sha("main")
    assert sha is not None
    commit = repo.get_commit(sha)
    for i in range(105):
        commit.create_status("success", context=f"ctx-{i:03}")
    path, seen = f"/repos/acme/models/commits/{sha}/statuses", 0
    status, headers, body = raw(gh, gh.token("alice"), "GET", path)
    assert status == 200 and len(json.loads(body)) == 30 and 'rel="next"' in headers["Link"] and "page=4" in headers["Link"]
    for page in range(1, 5):
        seen += len(json.loads(raw(gh, gh.token("alice"), "GET", f"{path}?page={page}")[2]))
    assert seen == 105
    combined = commit.get_combined_status()
    assert combined.total_count == 105 and len(combined.statuses) == 100 and combined.state == "success"
    conforms(gh)


def test_a_secondary_limit_without_retry_after(gh: GitHubEmulator) -> None:
    gh.inject(r"/pulls$", [secondary(None)])
    status, headers, body = raw(gh, gh.token("alice"), "GET", "/repos/acme/models/pulls")
    assert status == 403 and b"secondary rate limit" in body
    assert "Retry-After" not in headers
