"""End to end, real PyGithub against the emulator: pr -> gate -> reviews -> merge -> deploy -> webhook.

Also: the same flow under injected faults (5xx, lost responses, rate limits) still ends with
exactly one pull request and one deployment, and the token never reaches the output.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import github
import pytest
from click.testing import Result

from modelpromote.sandbox.emulator import GitHubEmulator
from modelpromote.sandbox.faults import after, secondary, too_many
from modelpromote.sandbox.gitrepo import GitRepo, init_bare
from modelpromote.webhook import SIGNATURE_HEADER, verify, verify_signature
from tests.contract.openapi import check_exchange
from tests.support.github import ENV, MANIFEST, MODEL, TEAMS, USERS, VERSION, cli_env, client, registry_text
from tests.support.local_server import Server

SECRET = "whsec-test-1234567890"


@pytest.fixture
def gh(tmp_path: Path) -> Iterator[GitHubEmulator]:
    repo = tmp_path / "models.git"
    init_bare(repo, {MANIFEST: registry_text(), "README.md": "registry\n"})
    with GitHubEmulator(repo, users=USERS, teams=TEAMS) as emulator:
        yield emulator


@pytest.fixture
def receiver() -> Iterator[Server]:
    """A webhook receiver that records what it was sent."""
    r = Server(204)
    yield r
    r.close()


def run(cli: Callable[..., Result], gh: GitHubEmulator, login: str, *args: str, extra_env: dict[str, str] | None = None) -> Result:
    return cli(*args, env=cli_env(gh, login, MODELPROMOTE_WEBHOOK_SECRET=SECRET, **(extra_env or {})))


def as_json(result: Result) -> Any:
    return json.loads(result.stdout)


def approve(gh: GitHubEmulator, login: str, number: int) -> None:
    client(gh, login).get_repo("acme/models").get_pull(number).create_review(event="APPROVE", body="lgtm")


def statuses(gh: GitHubEmulator, sha: str) -> list[str]:
    return [s.state for s in gh.state.statuses if s.sha == sha and s.context == "modelpromote/approval"]


SEEDED = 6  # the example's pointers


def seed(cli: Callable[..., Result], gh: GitHubEmulator) -> None:
    """The versions already run: record them as deployed (what adopting does)."""
    seeded = run(cli, gh, "alice", "deploy", "--record-only", "--json")
    assert seeded.exit_code == 0, seeded.output
    assert len(as_json(seeded)["deployments"]) == len(gh.state.deployments) == SEEDED
    # GitHub marks earlier successful deployments to an environment inactive (auto_inactive).
    assert {s.state for s in gh.state.deployment_statuses} == {"success", "inactive"}


def test_promotion_flow_end_to_end(gh: GitHubEmulator, cli: Callable[..., Result], receiver: Server) -> None:
    seed(cli, gh)
    main_before = gh.branch_sha("main")
    assert main_before is not None
    opened = run(cli, gh, "alice", "pr", MODEL, VERSION, "--to", ENV, "--json")
    assert opened.exit_code == 0, opened.output
    out = as_json(opened)
    number, branch = out["number"], out["branch"]
    assert out["created"] and branch == f"promote/{MODEL}/{ENV}/{VERSION}"
    pull = gh.state.pulls[number]
    assert sorted(pull.labels) == ["env:production", "promotion"]
    assert pull.requested_teams == ["support-ml"]
    assert pull.body is not None
    for part in (
        "## Plan",
        "soak",
        "## Changelog",
        "Improved accuracy",
        "## Manifest change",
        f"+      production: {VERSION}",
        "## Rollback plan",
    ):
        assert part in pull.body
    # The branch is one commit on main, and the manifest diff is only the promotion.
    git = GitRepo(gh.git.path)
    head = gh.branch_sha(branch)
    assert head is not None and git.read_commit(head).parents == (main_before,)
    changed = git.run("diff", "--numstat", main_before, head).decode().split()
    assert changed[2] == MANIFEST and len(changed) == 3
    assert int(changed[0]) >= 2 and int(changed[1]) == 1  # pointer line replaced; canary + log lines added
    # The new promotions entry names this pull request: the audit trail leads to its approvals.
    from modelpromote.manifest.load import load_text

    on_branch = load_text(git.run("show", f"{head}:{MANIFEST}").decode(), MANIFEST).manifest
    assert on_branch is not None
    (entry,) = [p for p in on_branch.promotions if (p.model, p.env, p.to) == (MODEL, ENV, VERSION)]
    assert entry.pr == number

    # Re-running opens nothing new and leaves the branch alone.
    again = as_json(run(cli, gh, "alice", "pr", MODEL, VERSION, "--to", ENV, "--json"))
    assert (again["number"], again["created"], again["rebuilt"]) == (number, False, False)
    assert len(gh.state.pulls) == 1 and gh.branch_sha(branch) == head

    # The gate fails with no reviews, and reports a failing status on the head.
    gate = run(cli, gh, "alice", "gate", "--pr", str(number))
    assert gate.exit_code == 1 and "0/2 approvals" in gate.stdout
    assert statuses(gh, head) == ["failure"]

    # One owner approves: still one short.  The author cannot approve (GitHub says 422), and an
    # approval recorded for the author anyway does not count.
    approve(gh, "bob", number)
    with pytest.raises(github.GithubException) as exc:
        approve(gh, "alice", number)
    assert exc.value.status == 422
    gh.add_review(number, "alice", "APPROVED")
    approve(gh, "mallory", number)  # not an owner
    gate = run(cli, gh, "alice", "gate", "--pr", str(number), "--json")
    assert gate.exit_code == 1
    report = as_json(gate)
    assert report["approvers"] == ["bob"]
    assert "alice (the author)" in report["rules"][0]["message"] and "mallory (not an owner)" in report["rules"][0]["message"]

    approve(gh, "carol", number)
    gate = run(cli, gh, "alice", "gate", "--pr", str(number), "--json")
    assert gate.exit_code == 0, gate.output
    assert as_json(gate)["approvers"] == ["bob", "carol"]
    assert statuses(gh, head) == ["failure", "failure", "success"]
    # The same verdict again writes no new status.
    assert run(cli, gh, "alice", "gate", "--pr", str(number)).exit_code == 0
    assert statuses(gh, head) == ["failure", "failure", "success"]

    # main moves: re-running pr rebuilds the branch on the new base; the approvals are now stale.
    moved = gh.push_file("main", "README.md", "registry, edited\n")
    rebuilt = as_json(run(cli, gh, "alice", "pr", MODEL, VERSION, "--to", ENV, "--json"))
    assert (rebuilt["number"], rebuilt["created"], rebuilt["rebuilt"]) == (number, False, True)
    new_head = gh.branch_sha(branch)
    assert new_head is not None and new_head != head and git.read_commit(new_head).parents == (moved,)
    gate = run(cli, gh, "alice", "gate", "--pr", str(number), "--json")
    assert gate.exit_code == 1 and "on an older commit" in as_json(gate)["rules"][0]["message"]
    approve(gh, "bob", number)
    approve(gh, "carol", number)
    assert run(cli, gh, "alice", "gate", "--pr", str(number)).exit_code == 0

    merged = client(gh, "bob").get_repo("acme/models").get_pull(number).merge(merge_method="merge")
    assert merged.merged

    deploy = run(cli, gh, "alice", "deploy", "--before", moved, "--after", merged.sha, "--webhook-url", receiver.url, "--json")
    assert deploy.exit_code == 0, deploy.output
    [dep] = gh.state.deployments[SEEDED:]  # only what the merge changed
    assert (dep.environment, dep.sha) == (ENV, merged.sha)
    assert isinstance(dep.payload, dict)
    assert dep.payload["model"] == MODEL and dep.payload["version"] == VERSION
    assert dep.payload["previous_version"] == "claude-3-5-sonnet-v1.2.3"
    assert (dep.payload["strategy"], dep.payload["canary_weight"]) == ("canary", 5)
    assert [s.state for s in gh.state.deployment_statuses if s.deployment_id == dep.id] == ["queued", "in_progress"]
    [(_, _, headers, body)] = receiver.hits
    assert verify(body, headers, SECRET)
    assert not verify_signature(body, headers[SIGNATURE_HEADER], SECRET)  # signed with its timestamp, never without
    assert not verify(body + b" ", headers, SECRET)
    event = json.loads(body)
    assert (event["model"], event["version"], event["deployment_id"]) == (MODEL, VERSION, dep.id)

    # Re-running deploy for the same SHAs creates nothing and sends nothing.
    n_statuses = len(gh.state.deployment_statuses)
    again_deploy = as_json(
        run(cli, gh, "alice", "deploy", "--before", moved, "--after", merged.sha, "--webhook-url", receiver.url, "--json")
    )
    assert again_deploy["deployments"] == [] and len(gh.state.deployments) == SEEDED + 1 and len(receiver.hits) == 1
    assert len(gh.state.deployment_statuses) == n_statuses

    # Everything PyGithub sent and the emulator answered conforms to GitHub's description.
    problems = [p for ex in gh.exchanges for p in check_exchange(ex)]
    assert not problems, "\n".join(problems)


def test_refused_plan_opens_nothing(gh: GitHubEmulator, cli: Callable[..., Result]) -> None:
    result = run(cli, gh, "alice", "pr", MODEL, "claude-3-5-sonnet-v1.3.0-rc.1", "--to", ENV)
    assert result.exit_code == 1
    assert "REFUSED" in result.stderr and "MP" in result.stderr
    assert gh.state.pulls == {} and not [r for r in gh.git.refs() if r.startswith("refs/heads/promote/")]


def test_faults_still_end_with_one_pr_and_one_deployment(gh: GitHubEmulator, cli: Callable[..., Result], receiver: Server) -> None:
    seed(cli, gh)
    # Lost responses (processed, then 502), plain 5xx, secondary rate limits and 429 on every write we make.
    gh.inject(r"/pulls$", [500, secondary(0), after(502)], method="POST")
    gh.inject(r"/git/(blobs|trees|commits|refs)$", [502, after(500), too_many(0)], method="POST")
    gh.inject(r"/labels$", [after(502)], method="POST")
    gh.inject(r"/requested_reviewers$", [after(500)], method="POST")
    gh.inject(r"/pulls/\d+$", [502, 503], method="GET")
    first = run(cli, gh, "alice", "pr", MODEL, VERSION, "--to", ENV, "--json")
    assert first.exit_code == 0, first.output
    assert len(gh.state.pulls) == 1
    number = as_json(first)["number"]
    assert sorted(gh.state.pulls[number].labels) == ["env:production", "promotion"]
    approve(gh, "bob", number)
    approve(gh, "carol", number)
    gh.inject(r"/statuses/", [500, after(502)], method="POST")
    assert run(cli, gh, "alice", "gate", "--pr", str(number)).exit_code == 0
    assert statuses(gh, gh.state.pulls[number].head_sha) == ["success"]
    main_before = gh.branch_sha("main")
    assert main_before is not None
    merged = client(gh, "bob").get_repo("acme/models").get_pull(number).merge()
    gh.inject(r"/deployments$", [secondary(0), 500, after(502)], method="POST")
    gh.inject(r"/deployments/\d+/statuses$", [after(502)], method="POST")
    result = run(cli, gh, "alice", "deploy", "--before", main_before, "--after", merged.sha, "--webhook-url", receiver.url)
    assert result.exit_code == 0, result.output
    assert len(gh.state.deployments) == SEEDED + 1
    assert len(receiver.hits) == 1
    assert gh.faults.pending() == 0  # every injected fault was met, and survived
    assert len(gh.faults.served) == 16


def test_the_token_never_reaches_the_output(gh: GitHubEmulator, cli: Callable[..., Result]) -> None:
    secret_token = "ghp_SuperSecretToken0123456789abcdefABCDEF"
    bad = run(cli, gh, "alice", "pr", MODEL, VERSION, "--to", ENV, extra_env={"GITHUB_TOKEN": secret_token})
    assert bad.exit_code == 2 and "MP702" in bad.stderr
    gh.add_user("ci", secret_token)
    gh.inject(r".", [500] * 50)
    down = run(cli, gh, "ci", "gate", "--pr", "1", "--json", extra_env={"MODELPROMOTE_GITHUB_RETRIES": "2"})
    assert down.exit_code == 3 and "MP703" in down.stdout
    flag = run(cli, gh, "ci", "deploy", "--before", "0" * 40, "--after", "f" * 40, "--token", secret_token, extra_env={"GITHUB_TOKEN": ""})
    assert flag.exit_code == 3
    for result in (bad, down, flag):
        assert secret_token not in result.output and secret_token not in (result.stderr or "")


def test_gate_refuses_a_log_entry_that_names_another_pull_request(gh: GitHubEmulator, cli: Callable[..., Result]) -> None:
    """The entry's `pr:` is the audit link to the approvals; pointing it elsewhere is out of scope."""
    out = as_json(run(cli, gh, "alice", "pr", MODEL, VERSION, "--to", ENV, "--json"))
    number, branch = out["number"], out["branch"]
    git = GitRepo(gh.git.path)
    text = git.run("show", f"{gh.branch_sha(branch)}:{MANIFEST}").decode()
    assert f"pr: {number}" in text
    gh.push_file(branch, MANIFEST, text.replace(f"pr: {number}", "pr: 999"), login="alice")
    approve(gh, "bob", number)
    approve(gh, "carol", number)
    gate = run(cli, gh, "alice", "gate", "--pr", str(number), "--json")
    assert gate.exit_code == 1
    scope = next(r for r in as_json(gate)["rules"] if r["rule"] == "scope")
    assert scope["code"] == "MP713" and "#999" in scope["message"]
