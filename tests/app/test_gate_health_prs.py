"""health --github under branch protection, and the gate on rollback/... and canary/... pull requests.

Real PyGithub against the emulator.  The emulator here is made to enforce what branch protection
with the required status check ``modelpromote/approval`` does on github.com: a merge is refused
(405) unless the latest status of that context on the head is success.  Health must therefore
post the status itself before it merges (its pull requests, opened with a workflow's
GITHUB_TOKEN, would start no gate workflow), and the gate must pass exactly health's changes and
nothing else that claims to be one.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import github
import pytest
from click.testing import Result

from modelpromote.manifest import changes as ch
from modelpromote.manifest.load import load_text
from modelpromote.sandbox import state as st
from modelpromote.sandbox.emulator import GitHubEmulator, HttpError, Request, Response
from modelpromote.sandbox.gitrepo import init_bare
from tests.contract.openapi import check_exchange
from tests.support.github import MANIFEST, TEAMS, USERS, cli_env, client
from tests.support.health import AT, NEW, OLD, UNVERIFIED, WITH_UNVERIFIED, first, metrics, rollback_to

CONTEXT = "modelpromote/approval"
AUTO = WITH_UNVERIFIED.replace("cost_per_request_cents: 2.0}", "cost_per_request_cents: 2.0, auto_merge: true}")
ROLLBACK = f"rollback/erroring-bot/production/{NEW}"
CANARY = f"canary/support-bot/production/{NEW}-to-25"


class ProtectedEmulator(GitHubEmulator):
    """The emulator with ``modelpromote/approval`` required on the default branch, as GitHub enforces it."""

    def merge_pull(self, req: Request) -> Response:
        with self.lock:
            pull = self._pull(req.params["number"])
            if pull.state == "open" and pull.base_ref == self.default_branch:
                latest: st.Status | None = next((s for s in self._statuses_for(self._head_sha(pull)) if s.context == CONTEXT), None)
                if latest is None or latest.state != "success":
                    word = "expected" if latest is None else latest.state
                    raise HttpError(405, f'Required status check "{CONTEXT}" is {word}.')
        return super().merge_pull(req)


def seeded(tmp_path: Path, text: str) -> Iterator[ProtectedEmulator]:
    repo = tmp_path / "models.git"
    init_bare(repo, {MANIFEST: text, "README.md": "registry\n"})
    with ProtectedEmulator(repo, users=[*USERS, "health-bot"], teams=TEAMS) as emulator:
        yield emulator


@pytest.fixture
def gh(tmp_path: Path) -> Iterator[ProtectedEmulator]:
    """Rollbacks wait for a person (auto_merge off); production needs 2 approvals."""
    yield from seeded(tmp_path, WITH_UNVERIFIED)


@pytest.fixture
def gh_auto(tmp_path: Path) -> Iterator[ProtectedEmulator]:
    yield from seeded(tmp_path, AUTO)


@pytest.fixture
def metrics_file(tmp_path: Path) -> str:
    path = tmp_path / "metrics.json"
    path.write_text(json.dumps(metrics()))
    return str(path)


def env(gh: GitHubEmulator, login: str, bot: str = "") -> dict[str, str]:
    return cli_env(gh, login, MODELPROMOTE_BOT_LOGIN=bot, MODELPROMOTE_GITHUB_RETRIES="2")


def health(cli: Callable[..., Result], gh: GitHubEmulator, metrics_file: str, *args: str, login: str = "health-bot", bot: str = "") -> Any:
    result = cli("health", "--github", "--metrics-json", metrics_file, "--at", AT, "--json", *args, env=env(gh, login, bot))
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def gate(cli: Callable[..., Result], gh: GitHubEmulator, number: int, login: str = "dave", bot: str = "") -> tuple[int, Any]:
    result = cli("gate", "--pr", str(number), "--json", env=env(gh, login, bot))
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def statuses(gh: GitHubEmulator, sha: str) -> list[st.Status]:
    return [s for s in gh.state.statuses if s.sha == sha and s.context == CONTEXT]


def main_text(gh: GitHubEmulator) -> str:
    sha = gh.branch_sha("main")
    assert sha is not None
    found = gh.git.read_file(sha, MANIFEST)
    assert found is not None
    return found[1].decode()


def open_pr(gh: GitHubEmulator, branch: str, text: str, login: str = "mallory", extra: dict[str, str] | None = None) -> int:
    """What anyone with push access can do: a branch with any content, one commit on main, and a PR."""
    main_sha = gh.branch_sha("main")
    assert main_sha is not None
    gh.git.update_ref(f"refs/heads/{branch}", main_sha)
    gh.push_file(branch, MANIFEST, text, login=login)
    for path, content in (extra or {}).items():
        gh.push_file(branch, path, content, login=login)
    return int(client(gh, login).get_repo("acme/models").create_pull(base="main", head=branch, title="health change", body="").number)


def rules(out: Any) -> dict[str, Any]:
    return {r["rule"]: r for r in out["rules"]}


def codes(out: Any) -> set[str]:
    return {r["code"] for r in out["rules"] if r["verdict"] == "fail"}


# -- the emulator really protects main ---------------------------------------------------------


def test_protection_refuses_a_merge_without_the_status(gh: ProtectedEmulator) -> None:
    number = open_pr(gh, ROLLBACK, rollback_to(OLD, WITH_UNVERIFIED))
    pull = client(gh, "bob").get_repo("acme/models").get_pull(number)
    with pytest.raises(github.GithubException) as err:
        pull.merge(merge_method="squash")
    assert err.value.status == 405 and CONTEXT in str(err.value.data)


# -- health's own pull requests ----------------------------------------------------------------


def test_health_rollback_passes_the_gate_and_merges_under_protection(
    gh_auto: ProtectedEmulator, cli: Callable[..., Result], metrics_file: str
) -> None:
    gh = gh_auto
    out = health(cli, gh, metrics_file, "--model", "erroring-bot", bot="health-bot")
    [pr] = out["pull_requests"]
    assert pr["merged"], pr
    assert pr["gate"]["passed"] and pr["gate"]["status_written"] and pr["gate"]["state"] == "success"
    [status] = statuses(gh, pr["head_sha"])
    assert status.state == "success" and status.description.startswith("verified: exactly what health writes to roll back erroring-bot")
    pull = gh.state.pulls[pr["number"]]
    assert pull.merged and pull.merged_at is not None and status.created_at <= pull.merged_at
    posted = next(i for i, ex in enumerate(gh.exchanges) if ex.method == "POST" and "/statuses/" in ex.path)
    merged = next(i for i, ex in enumerate(gh.exchanges) if ex.method == "PUT" and ex.path.endswith("/merge") and ex.status == 200)
    assert posted < merged  # the status is on the head before the merge is asked for
    m = load_text(main_text(gh), MANIFEST).manifest
    assert m is not None and m.model("erroring-bot").environments["production"] == OLD
    # And `gate` run by anyone afterwards, e.g. a workflow, agrees with what health posted.
    problems = [p for ex in gh.exchanges for p in check_exchange(ex)]
    assert not problems, "\n".join(problems)


def test_health_canary_step_and_rollback_in_one_run_both_merge(
    gh_auto: ProtectedEmulator, cli: Callable[..., Result], metrics_file: str
) -> None:
    gh = gh_auto
    out = health(cli, gh, metrics_file)
    prs = {p["action"]: p for p in out["pull_requests"]}
    assert set(prs) == {"ADVANCE", "ROLLBACK"} and all(p["merged"] and p["gate"]["passed"] for p in prs.values()), prs
    m = load_text(main_text(gh), MANIFEST).manifest
    assert m is not None
    assert m.model("support-bot").canary["production"].weight == 25
    assert m.model("erroring-bot").environments["production"] == OLD


def test_status_is_posted_once_and_a_waiting_rollback_can_be_merged_by_a_person(
    gh: ProtectedEmulator, cli: Callable[..., Result], metrics_file: str
) -> None:
    first = health(cli, gh, metrics_file, "--model", "erroring-bot")
    [pr] = first["pull_requests"]
    assert not pr["merged"] and pr["left_open"] is None and pr["gate"]["passed"]  # auto_merge off: waits for a person
    again = health(cli, gh, metrics_file, "--model", "erroring-bot")
    [pr2] = again["pull_requests"]
    assert pr2["number"] == pr["number"] and not pr2["rebuilt"] and pr2["gate"]["status_written"] is False
    assert len(statuses(gh, pr["head_sha"])) == 1
    # The person merging it is the review; GitHub lets them, because the status is success.
    client(gh, "bob").get_repo("acme/models").get_pull(pr["number"]).merge(merge_method="squash")
    assert gh.state.pulls[pr["number"]].merged


def test_health_as_another_identity_than_the_bot_does_not_merge(
    gh_auto: ProtectedEmulator, cli: Callable[..., Result], metrics_file: str
) -> None:
    gh = gh_auto
    before = gh.branch_sha("main")
    out = health(cli, gh, metrics_file, "--model", "support-bot", login="alice", bot="health-bot")
    [pr] = out["pull_requests"]
    assert not pr["merged"] and "approval gate did not pass" in pr["left_open"]
    assert [s.state for s in statuses(gh, pr["head_sha"])] == ["failure"]
    assert "MP720" in {r["code"] for r in pr["gate"]["rules"]}  # not the bot: it would need approvals
    assert gh.branch_sha("main") == before


def test_a_tampered_health_branch_is_rebuilt_before_it_is_merged(
    gh: ProtectedEmulator, cli: Callable[..., Result], metrics_file: str
) -> None:
    first = health(cli, gh, metrics_file, "--model", "erroring-bot")
    [pr] = first["pull_requests"]
    # Someone replaces health's commit with one that rolls back to a never-verified version.
    main_sha = gh.branch_sha("main")
    assert main_sha is not None
    gh.git.update_ref(f"refs/heads/{ROLLBACK}", main_sha)
    evil = gh.push_file(ROLLBACK, MANIFEST, rollback_to(UNVERIFIED, WITH_UNVERIFIED), login="mallory")
    code, out = gate(cli, gh, pr["number"])
    assert code == 1 and codes(out) == {"MP717"}
    assert f"found '{UNVERIFIED}'" in rules(out)["health-change"]["message"]
    assert [s.state for s in statuses(gh, evil)] == ["failure"]
    # The next health run puts its own change back (a new commit) and only that passes.
    again = health(cli, gh, metrics_file, "--model", "erroring-bot")
    [pr2] = again["pull_requests"]
    assert pr2["number"] == pr["number"] and pr2["rebuilt"] and pr2["head_sha"] != evil and pr2["gate"]["passed"]
    m = load_text(gh.git.read_file(pr2["head_sha"], MANIFEST)[1].decode(), MANIFEST).manifest  # type: ignore[index]
    assert m is not None and m.model("erroring-bot").environments["production"] == OLD


# -- hand-made branches at the gate ------------------------------------------------------------


def test_a_hand_made_rollback_to_an_unverified_version_fails_even_with_approvals(gh: ProtectedEmulator, cli: Callable[..., Result]) -> None:
    number = open_pr(gh, ROLLBACK, rollback_to(UNVERIFIED, WITH_UNVERIFIED))
    code, out = gate(cli, gh, number)
    assert code == 1 and not out["ok"] and codes(out) == {"MP717"}
    assert rules(out)["approvals"]["verdict"] == "skip"
    head = gh.state.pulls[number].head_sha
    repo = client(gh, "bob").get_repo("acme/models")
    for login in ("bob", "carol", "dave"):
        client(gh, login).get_repo("acme/models").get_pull(number).create_review(event="APPROVE")
    code, out = gate(cli, gh, number)
    assert code == 1 and codes(out) == {"MP717"}
    assert [s.state for s in statuses(gh, head)] == ["failure"]  # the same verdict is not written twice
    with pytest.raises(github.GithubException):
        repo.get_pull(number).merge(merge_method="squash")


@pytest.mark.parametrize(
    ("name", "change", "code", "words"),
    [
        (
            "another model's pointer",
            lambda t: first(t, "      staging: claude-3-5-sonnet-v1.3.0\n", f"      staging: {OLD}\n"),
            "MP717",
            "models[support-bot].environments.staging",
        ),
        ("owners", lambda t: first(t, '"@acme/support-ml"', '"@mallory"'), "MP717", "models[support-bot].owners[0]"),
        ("approvals count", lambda t: first(t, "    approvals: 2\n", "    approvals: 0\n"), "MP717", "environments[production].approvals"),
    ],
)
def test_a_rollback_branch_that_changes_anything_else_fails(
    gh: ProtectedEmulator, cli: Callable[..., Result], metrics_file: str, name: str, change: Callable[[str], str], code: str, words: str
) -> None:
    # Start from health's exact rollback (its branch, as the bot wrote it), then add one more change.
    exact = _exact_rollback(gh, cli, metrics_file)
    number = open_pr(gh, f"rollback/erroring-bot/production/{NEW}", change(exact), login="mallory")
    got, out = gate(cli, gh, number)
    assert got == 1 and code in codes(out), out
    assert words in rules(out)["health-change"]["message"]


def _exact_rollback(gh: ProtectedEmulator, cli: Callable[..., Result], metrics_file: str) -> str:
    """Health's rollback text for erroring-bot, read from the branch health pushes (then the PR is closed and the branch freed)."""
    out = health(cli, gh, metrics_file, "--model", "erroring-bot")
    [pr] = out["pull_requests"]
    found = gh.git.read_file(pr["head_sha"], MANIFEST)
    assert found is not None
    client(gh, "bob").get_repo("acme/models").get_pull(pr["number"]).edit(state="closed")
    return found[1].decode()


def test_a_rollback_branch_that_changes_another_file_fails(gh: ProtectedEmulator, cli: Callable[..., Result], metrics_file: str) -> None:
    exact = _exact_rollback(gh, cli, metrics_file)
    number = open_pr(gh, ROLLBACK, exact, extra={".github/workflows/deploy-on-merge.yml": "on: push\n"})
    code, out = gate(cli, gh, number)
    assert code == 1 and "MP718" in codes(out)


def test_canary_branches_that_jump_or_move_the_pointer_fail(gh: ProtectedEmulator, cli: Callable[..., Result]) -> None:
    jump = ch.apply(WITH_UNVERIFIED, MANIFEST, [ch.CompleteCanary("support-bot", "production", _at(), "modelpromote health",
                                                                  reason="canary healthy at every step")])
    number = open_pr(gh, f"canary/support-bot/production/{NEW}-to-100", jump)
    code, out = gate(cli, gh, number)
    assert code == 1 and codes(out) == {"MP716"}
    assert "its next step is 25%, not 100%" in rules(out)["health-branch"]["message"]

    step = ch.apply(WITH_UNVERIFIED, MANIFEST, [ch.CanaryStep("support-bot", "production", 25, 1, _at())])
    moved = first(step, f"      production: {NEW}\n", f"      production: {UNVERIFIED}\n")
    number = open_pr(gh, CANARY, moved)
    code, out = gate(cli, gh, number)
    assert code == 1 and codes(out) == {"MP717"}
    assert f"models[support-bot].environments.production: expected '{NEW}', found '{UNVERIFIED}'" in rules(out)["health-change"]["message"]


def test_an_exact_change_by_someone_else_needs_the_usual_approvals_when_a_bot_is_set(
    gh: ProtectedEmulator, cli: Callable[..., Result]
) -> None:
    step = ch.apply(WITH_UNVERIFIED, MANIFEST, [ch.CanaryStep("support-bot", "production", 25, 1, _at())])
    number = open_pr(gh, CANARY, step, login="mallory")
    # Without a configured bot the exact change is enough (the trust model docs/github.md states).
    code, out = gate(cli, gh, number)
    assert code == 0 and out["needed"] == 0
    # With one, mallory's exact change needs the owners' two approvals like a promotion.
    code, out = gate(cli, gh, number, bot="health-bot")
    assert code == 1 and codes(out) == {"MP710", "MP720"}
    for login in ("bob", "carol"):  # acme/support-ml
        client(gh, login).get_repo("acme/models").get_pull(number).create_review(event="APPROVE")
    code, out = gate(cli, gh, number, bot="health-bot")
    assert code == 0 and out["approvers"] == ["bob", "carol"]
    client(gh, "bob").get_repo("acme/models").get_pull(number).merge(merge_method="squash")
    m = load_text(main_text(gh), MANIFEST).manifest
    assert m is not None and m.model("support-bot").canary["production"].weight == 25


def test_a_hand_made_rollback_on_another_branch_needs_the_owners(gh: ProtectedEmulator, cli: Callable[..., Result]) -> None:
    """Not a health branch: the change is classified, and moving a production pointer by hand
    needs production's approvals from the model's owners (not the exact-change pass)."""
    number = open_pr(gh, "fix/erroring-bot", rollback_to(OLD, WITH_UNVERIFIED))
    result = cli("gate", "--pr", str(number), "--json", env=env(gh, "dave"))
    assert result.exit_code == 1
    out = json.loads(result.stdout)
    assert {p["kind"] for p in out["parts"]} == {"pointer", "safety"}  # the log only gained entries
    pointer = next(r for r in out["rules"] if r["rule"].startswith("approvals: what erroring-bot runs in production"))
    assert pointer["verdict"] == "fail" and pointer["code"] == "MP710"


def _at() -> Any:
    from datetime import datetime

    return datetime.fromisoformat(AT.replace("Z", "+00:00"))



def test_a_token_without_statuses_permission_leaves_the_pr_open_and_says_why(
    gh_auto: ProtectedEmulator, cli: Callable[..., Result], metrics_file: str
) -> None:
    gh = gh_auto
    gh.inject(r"/statuses/", [403] * 5, method="POST")
    result = cli("health", "--github", "--metrics-json", metrics_file, "--at", AT, "--model", "erroring-bot", env=env(gh, "health-bot"))
    assert result.exit_code == 1, result.output  # the rollback decision, not a crash half-way
    assert "MP702" in result.stderr and "could not set the approval status" in result.stderr
    [number] = gh.state.pulls
    pull = gh.state.pulls[number]
    assert pull.state == "open" and not pull.merged  # protection refused the merge without the status
    assert statuses(gh, pull.head_sha) == []
