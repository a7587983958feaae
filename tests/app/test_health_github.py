"""`modelpromote health --github`: decisions become pull requests, real PyGithub against the emulator.

The registry is tests/data/health-registry.yaml (three production canaries at 5 % since 10:00); the
metrics come from a JSON document: support-bot healthy, erroring-bot at 5 % errors.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from modelpromote.manifest.load import load_text
from modelpromote.sandbox.emulator import GitHubEmulator
from modelpromote.sandbox.gitrepo import init_bare
from tests.contract.openapi import check_exchange
from tests.support.github import MANIFEST, TEAMS, USERS, cli_env, client
from tests.support.health import AT, NEW, OLD, REGISTRY, metrics


def seeded(tmp_path: Path, text: str) -> Iterator[GitHubEmulator]:
    repo = tmp_path / "models.git"
    init_bare(repo, {MANIFEST: text, "README.md": "registry\n"})
    with GitHubEmulator(repo, users=USERS, teams=TEAMS) as emulator:
        yield emulator


@pytest.fixture
def gh(tmp_path: Path) -> Iterator[GitHubEmulator]:
    yield from seeded(tmp_path, REGISTRY)


@pytest.fixture
def gh_auto(tmp_path: Path) -> Iterator[GitHubEmulator]:
    text = REGISTRY.replace("cost_per_request_cents: 2.0}", "cost_per_request_cents: 2.0, auto_merge: true}")
    assert text != REGISTRY
    yield from seeded(tmp_path, text)


@pytest.fixture
def metrics_file(tmp_path: Path) -> str:
    path = tmp_path / "metrics.json"
    path.write_text(json.dumps(metrics()))
    return str(path)


def health(cli: Callable[..., Result], gh: GitHubEmulator, metrics_file: str, *args: str, login: str = "alice") -> Result:
    env = cli_env(gh, login, MODELPROMOTE_GITHUB_RETRIES="2")
    return cli("health", "--github", "--metrics-json", metrics_file, "--at", AT, "--json", *args, env=env)


def main_manifest(gh: GitHubEmulator) -> str:
    sha = gh.branch_sha("main")
    assert sha is not None
    found = gh.git.read_file(sha, MANIFEST)
    assert found is not None
    return found[1].decode()


def branch_manifest(gh: GitHubEmulator, branch: str) -> Any:
    sha = gh.branch_sha(branch)
    assert sha is not None
    found = gh.git.read_file(sha, MANIFEST)
    assert found is not None
    loaded = load_text(found[1].decode(), MANIFEST)
    assert loaded.ok, loaded.findings
    return loaded.manifest


def decision(out: dict[str, Any], model: str) -> dict[str, Any]:
    [d] = [d for d in out["decisions"] if d["model"] == model]
    return d


# -- rollback ---------------------------------------------------------------------------------


def test_rollback_opens_one_labelled_pr_and_a_rerun_opens_nothing(
    gh: GitHubEmulator, cli: Callable[..., Result], metrics_file: str
) -> None:
    before = main_manifest(gh)
    first = health(cli, gh, metrics_file, "--model", "erroring-bot")
    assert first.exit_code == 1, first.output  # a rollback was decided: the scheduled run goes red
    out = json.loads(first.stdout)
    assert decision(out, "erroring-bot")["action"] == "ROLLBACK"
    [pr] = out["pull_requests"]
    assert pr["created"] and not pr["merged"] and pr["branch"] == f"rollback/erroring-bot/production/{NEW}"
    pull = gh.state.pulls[pr["number"]]
    assert sorted(pull.labels) == ["env:production", "rollback"]
    assert pull.state == "open" and pull.head_ref == pr["branch"]
    assert pull.body is not None and "ROLLBACK" in pull.body and f"-      production: {NEW}" in pull.body
    # The branch holds the rollback: pointer back, canary gone, failure recorded, model on hold.
    m = branch_manifest(gh, pr["branch"])
    model = m.model("erroring-bot")
    assert model.environments["production"] == OLD and "production" not in model.canary and model.hold is not None
    assert [p.kind for p in m.promotions if p.model == "erroring-bot"][-1] == "rollback" and m.failures[-1].gate == "health"
    assert m.model("support-bot").canary["production"].weight == 5  # only the decided model changed
    assert main_manifest(gh) == before  # not merged: auto_merge is off by default

    again = health(cli, gh, metrics_file, "--model", "erroring-bot")
    assert again.exit_code == 1
    [pr2] = json.loads(again.stdout)["pull_requests"]
    assert (pr2["number"], pr2["created"], pr2["rebuilt"]) == (pr["number"], False, False)
    assert len(gh.state.pulls) == 1


def test_rollback_is_merged_at_once_with_auto_merge(gh_auto: GitHubEmulator, cli: Callable[..., Result], metrics_file: str) -> None:
    gh = gh_auto
    first = health(cli, gh, metrics_file, "--model", "erroring-bot")
    assert first.exit_code == 1, first.output
    [pr] = json.loads(first.stdout)["pull_requests"]
    assert pr["merged"] and pr["merge_sha"] == gh.branch_sha("main")
    assert gh.state.pulls[pr["number"]].merged
    loaded = load_text(main_manifest(gh), MANIFEST)
    assert loaded.ok and loaded.manifest is not None
    assert loaded.manifest.model("erroring-bot").environments["production"] == OLD

    # Main now says "rolled back": health never rolls back a rollback, and opens nothing.
    again = health(cli, gh, metrics_file, "--model", "erroring-bot")
    assert again.exit_code == 0, again.output
    out = json.loads(again.stdout)
    assert out["decisions"] == [] and out["pull_requests"] == []
    assert "rollback" in out["skipped"][0]["reason"]
    assert len(gh.state.pulls) == 1


def test_a_rollback_pr_a_person_closed_is_not_reopened(gh: GitHubEmulator, cli: Callable[..., Result], metrics_file: str) -> None:
    first = health(cli, gh, metrics_file, "--model", "erroring-bot")
    [pr] = json.loads(first.stdout)["pull_requests"]
    client(gh, "bob").get_repo("acme/models").get_pull(pr["number"]).edit(state="closed")
    again = health(cli, gh, metrics_file, "--model", "erroring-bot")
    assert again.exit_code == 1
    [pr2] = json.loads(again.stdout)["pull_requests"]
    assert pr2["number"] is None and pr2["closed_by_person"] == pr["number"]
    assert len(gh.state.pulls) == 1 and gh.state.pulls[pr["number"]].state == "closed"


# -- advance ----------------------------------------------------------------------------------


def test_advance_is_a_canary_pr_merged_at_once(gh: GitHubEmulator, cli: Callable[..., Result], metrics_file: str) -> None:
    result = health(cli, gh, metrics_file, "--model", "support-bot")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert decision(out, "support-bot")["next_weight"] == 25
    [pr] = out["pull_requests"]
    assert pr["branch"] == f"canary/support-bot/production/{NEW}-to-25" and pr["merged"]
    assert sorted(gh.state.pulls[pr["number"]].labels) == ["canary", "env:production"]
    m = load_text(main_manifest(gh), MANIFEST).manifest
    assert m is not None and m.model("support-bot").canary["production"].weight == 25
    assert m.model("erroring-bot").canary["production"].weight == 5

    # Right after the step the interval has not passed: HOLD, nothing new.
    again = health(cli, gh, metrics_file, "--model", "support-bot")
    assert again.exit_code == 0
    out2 = json.loads(again.stdout)
    assert decision(out2, "support-bot")["action"] == "HOLD" and out2["pull_requests"] == []
    assert len(gh.state.pulls) == 1


def test_two_decisions_in_one_run_both_land_on_main(gh_auto: GitHubEmulator, cli: Callable[..., Result], metrics_file: str) -> None:
    gh = gh_auto
    result = health(cli, gh, metrics_file)
    assert result.exit_code == 1, result.output
    prs = json.loads(result.stdout)["pull_requests"]
    assert sorted(p["action"] for p in prs) == ["ADVANCE", "ROLLBACK"] and all(p["merged"] for p in prs)
    m = load_text(main_manifest(gh), MANIFEST).manifest
    assert m is not None
    assert m.model("support-bot").canary["production"].weight == 25
    assert m.model("erroring-bot").environments["production"] == OLD
    assert m.model("quiet-bot").canary["production"].weight == 5  # no data: held
    # Everything PyGithub sent and the emulator answered conforms to GitHub's description.
    problems = [p for ex in gh.exchanges for p in check_exchange(ex)]
    assert not problems, "\n".join(problems)


# -- holds, dry run, failures -----------------------------------------------------------------


def test_nothing_happens_while_a_promotion_pr_is_open(gh: GitHubEmulator, cli: Callable[..., Result], metrics_file: str) -> None:
    branch = "promote/erroring-bot/production/claude-3-5-sonnet-v1.3.1"
    main_sha = gh.branch_sha("main")
    repo = client(gh, "alice").get_repo("acme/models")
    repo.create_git_ref(f"refs/heads/{branch}", main_sha)
    gh.push_file(branch, "NOTES.md", "a promotion in review\n")
    number = repo.create_pull(base="main", head=branch, title="Promote erroring-bot", body="").number
    result = health(cli, gh, metrics_file, "--model", "erroring-bot")
    assert result.exit_code == 0, result.output  # held, not rolled back
    out = json.loads(result.stdout)
    d = decision(out, "erroring-bot")
    assert d["action"] == "HOLD" and f"#{number}" in d["reasons"][0]
    assert out["pull_requests"] == [] and list(gh.state.pulls) == [number]
    assert gh.branch_sha("main") == main_sha


def test_dry_run_on_github_changes_nothing(gh: GitHubEmulator, cli: Callable[..., Result], metrics_file: str) -> None:
    main_sha = gh.branch_sha("main")
    result = health(cli, gh, metrics_file, "--dry-run")
    assert result.exit_code == 1, result.output
    out = json.loads(result.stdout)
    assert {p["branch"] for p in out["pull_requests"]} == {
        f"rollback/erroring-bot/production/{NEW}",
        f"canary/support-bot/production/{NEW}-to-25",
    }
    assert all(p["number"] is None for p in out["pull_requests"])
    assert gh.state.pulls == {} and gh.branch_sha("main") == main_sha
    assert gh.branch_sha(f"rollback/erroring-bot/production/{NEW}") is None


def test_github_down_exits_3_and_changes_nothing(gh: GitHubEmulator, cli: Callable[..., Result], metrics_file: str) -> None:
    main_sha = gh.branch_sha("main")
    gh.inject(r"/pulls$", [500] * 20, method="POST")
    result = health(cli, gh, metrics_file, "--model", "erroring-bot")
    assert result.exit_code == 3, result.output
    assert json.loads(result.stdout)["findings"][0]["code"] == "MP703"
    assert gh.state.pulls == {} and gh.branch_sha("main") == main_sha


def test_merge_refused_leaves_the_pr_open_and_says_so(gh_auto: GitHubEmulator, cli: Callable[..., Result], metrics_file: str) -> None:
    gh = gh_auto
    gh.inject(r"/pulls/\d+/merge$", [405], method="PUT")
    result = health(cli, gh, metrics_file, "--model", "erroring-bot")
    assert result.exit_code == 1, result.output
    [pr] = json.loads(result.stdout)["pull_requests"]
    assert not pr["merged"] and "405" in pr["left_open"]
    assert gh.state.pulls[pr["number"]].state == "open"
    # The next run merges the same pull request.
    again = health(cli, gh, metrics_file, "--model", "erroring-bot")
    [pr2] = json.loads(again.stdout)["pull_requests"]
    assert pr2["number"] == pr["number"] and pr2["merged"] and len(gh.state.pulls) == 1


def test_local_mode_still_edits_the_file(tmp_path: Path, cli: Callable[..., Result], metrics_file: str) -> None:
    path = tmp_path / "manifest.yaml"
    path.write_text(REGISTRY)
    result = cli("health", "-m", str(path), "--model", "support-bot", "--metrics-json", metrics_file, "--at", AT)
    assert result.exit_code == 0, result.output
    m = load_text(path.read_text(), str(path)).manifest
    assert m is not None and m.model("support-bot").canary["production"].weight == 25
