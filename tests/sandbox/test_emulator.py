"""The GitHub emulator itself: real git underneath, GitHub's refusals, links, pagination, faults, process mode."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import github
import pytest
from github.GithubRetry import GithubRetry

from modelpromote.sandbox.emulator import GitHubEmulator
from modelpromote.sandbox.gitrepo import GitRepo
from tests.support.github import MANIFEST, bare_repo_fixture, client, gh_fixture  # noqa: F401


def _strings(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return [node] if isinstance(node, str) else []


def _branch_with(gh: GitHubEmulator, branch: str, path: str, text: str) -> str:
    main = gh.branch_sha("main")
    assert main is not None
    gh.git.update_ref(f"refs/heads/{branch}", main)
    return gh.push_file(branch, path, text)


def test_writes_through_the_git_data_api_are_real_git_objects(gh: GitHubEmulator) -> None:
    repo = client(gh, "alice").get_repo("acme/models")
    base = repo.get_git_commit(repo.get_git_ref("heads/main").object.sha)
    blob = repo.create_git_blob("hello\n", "utf-8")
    tree = repo.create_git_tree([github.InputGitTreeElement("docs/deep/new.txt", "100644", "blob", sha=blob.sha)], base_tree=base.tree)
    commit = repo.create_git_commit("add a file", tree, [base])
    repo.create_git_ref("refs/heads/topic", commit.sha)
    shown = subprocess.run(["git", "--git-dir", str(gh.git.path), "show", "topic:docs/deep/new.txt"], capture_output=True, text=True)
    assert shown.stdout == "hello\n"
    assert GitRepo(gh.git.path).read_file("topic", MANIFEST) is not None  # base tree kept


def test_every_link_points_at_the_emulator(gh: GitHubEmulator) -> None:
    repo = client(gh, "alice").get_repo("acme/models")
    _branch_with(gh, "topic", "x.txt", "x\n")
    pr = repo.create_pull(base="main", head="topic", title="t", body="b")
    list(pr.get_files())
    urls = [s for ex in gh.exchanges for s in _strings(ex.response) if s.startswith(("http://", "https://"))]
    assert urls and all(u.startswith(gh.web_url) for u in urls if "docs.github.com" not in u)


def test_github_refusals(gh: GitHubEmulator) -> None:
    repo = client(gh, "alice").get_repo("acme/models")
    _branch_with(gh, "topic", "x.txt", "x\n")
    pr = repo.create_pull(base="main", head="topic", title="t", body="b")
    with pytest.raises(github.GithubException) as dup:
        repo.create_pull(base="main", head="topic", title="again", body="b")
    assert dup.value.status == 422 and "already exists" in json.dumps(dup.value.data)
    with pytest.raises(github.GithubException) as own:
        pr.create_review(event="APPROVE")
    assert own.value.status == 422
    with pytest.raises(github.BadCredentialsException):
        github.Github(base_url=gh.url, auth=github.Auth.Token("nope"), retry=None).get_repo("acme/models")


def test_merge_detects_conflicts_and_merges_for_real(gh: GitHubEmulator) -> None:
    repo = client(gh, "alice").get_repo("acme/models")
    _branch_with(gh, "a", "README.md", "from a\n")
    _branch_with(gh, "b", "README.md", "from b\n")
    pr_a = repo.create_pull(base="main", head="a", title="a", body="")
    pr_b = repo.create_pull(base="main", head="b", title="b", body="")
    assert repo.get_pull(pr_b.number).mergeable is True
    merged = pr_a.merge()
    assert merged.merged
    commit = gh.git.read_commit(merged.sha)
    assert len(commit.parents) == 2 and gh.branch_sha("main") == merged.sha
    computing = repo.get_pull(pr_b.number)  # main moved: GitHub recomputes mergeability in the background
    assert computing.mergeable is None and computing.mergeable_state == "unknown"
    fresh = repo.get_pull(pr_b.number)
    assert fresh.mergeable is False and fresh.mergeable_state == "dirty"
    with pytest.raises(github.GithubException) as exc:
        fresh.merge()
    assert exc.value.status == 405


def test_pagination_follows_link_headers(gh: GitHubEmulator) -> None:
    repo = client(gh, "alice", per_page=10).get_repo("acme/models")
    sha = repo.get_git_ref("heads/main").object.sha
    for i in range(25):
        repo.create_deployment(ref=sha, environment=f"e{i}", required_contexts=[], auto_merge=False)
    assert len(list(repo.get_deployments())) == 25
    assert any("page=3" in ex.path or ex.query.get("page") == "3" for ex in gh.exchanges)


def test_faults_are_served_in_order_and_retries_get_through(gh: GitHubEmulator) -> None:
    gh.inject(r"/user$", [500, 502, ("secondary", 0), 429])
    plain = client(gh, "alice")
    with pytest.raises(github.GithubException) as exc:
        plain.get_user().login  # noqa: B018
    assert exc.value.status == 500
    retrying = client(gh, "alice", retry=GithubRetry(total=5, backoff_factor=0.01, status_forcelist=[*range(500, 600), 429]))
    assert retrying.get_user().login == "alice"
    assert [f.status for _, _, f in gh.faults.served] == [500, 502, 403, 429]


def test_lost_response_fault_applies_the_write(gh: GitHubEmulator) -> None:
    gh.inject(r"/dispatches$", [("after", 502)])
    repo = client(gh, "alice").get_repo("acme/models")
    assert repo.create_repository_dispatch("go", {"x": 1}) is False  # the client saw a 502...
    assert [d.event_type for d in gh.state.dispatches] == ["go"]  # ...but the event was recorded


def test_runs_as_a_process_and_prints_its_url(tmp_path: Path) -> None:
    repo = tmp_path / "r.git"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "modelpromote.sandbox.github",
            "--repo",
            str(repo),
            "--port",
            "0",
            "--user",
            "zoe:tok-zoe",
            "--team",
            "acme/ml=zoe",
            "--user",
            "yann",
            "--role",
            "yann=read",
            "--required-check",
            "main=modelpromote/approval@15368",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:") and url.endswith("/api/v3")
        req = urllib.request.Request(url + "/orgs/acme/teams/ml/members", headers={"Authorization": "token tok-zoe"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            assert [m["login"] for m in json.load(resp)] == ["zoe"]
        req = urllib.request.Request(url + "/repos/acme/models/collaborators/YANN/permission", headers={"Authorization": "token tok-zoe"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            assert json.load(resp)["role_name"] == "read"
        req = urllib.request.Request(url + "/repos/acme/models/rules/branches/main", headers={"Authorization": "token tok-zoe"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            checks = json.load(resp)[0]["parameters"]["required_status_checks"]
            assert checks == [{"context": "modelpromote/approval", "integration_id": 15368}]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert proc.returncode == 0 and (repo / "HEAD").exists()
