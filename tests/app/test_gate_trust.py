"""The approval gate's trust model, against the emulator: the attacks from issue 13 fail closed.

Every pull request is judged against the base branch's current tip, never against anything the
pull request brings: a branch that is not on the tip fails (MP721); what it changes in the models
folder is classified and each part needs its own approvals from the owners named on the base;
approvals from accounts without write access do not count; pull requests that change nothing
under models/ pass at once.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from click.testing import Result

from modelpromote.sandbox.emulator import GitHubEmulator
from modelpromote.sandbox.gitrepo import Person
from tests.support.github import EXAMPLE, MANIFEST, bare_repo_fixture, cli_env, client, gh_fixture  # noqa: F401

TEXT = EXAMPLE.read_text(encoding="utf-8")
CS_PRODUCTION = "production: {max_tokens: 1024, temperature: 0.3, timeout_ms: 2000, enable_caching: true}"
WARMER = TEXT.replace(CS_PRODUCTION, CS_PRODUCTION.replace("0.3", "0.9"))


def open_pr(gh: GitHubEmulator, branch: str, files: dict[str, str], login: str = "mallory", base: str | None = None) -> int:
    start = base or gh.branch_sha("main")
    assert start is not None
    gh.git.update_ref(f"refs/heads/{branch}", start)
    for path, text in files.items():
        gh.push_file(branch, path, text, login=login)
    return int(client(gh, login).get_repo("acme/models").create_pull(base="main", head=branch, title=branch, body="").number)


def gate(cli: Callable[..., Result], gh: GitHubEmulator, number: int) -> tuple[int, Any]:
    result = cli("gate", "--pr", str(number), "--json", env=cli_env(gh, "alice"))
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def approve(gh: GitHubEmulator, number: int, *logins: str) -> None:
    for login in logins:
        client(gh, login).get_repo("acme/models").get_pull(number).create_review(event="APPROVE")


def failing(out: Any) -> dict[str, str]:
    return {r["rule"]: r["code"] for r in out["rules"] if r["verdict"] == "fail"}


def latest_status(gh: GitHubEmulator, number: int) -> str:
    pull = client(gh, "alice").get_repo("acme/models").get_pull(number)
    combined = client(gh, "alice").get_repo("acme/models").get_commit(pull.head.sha).get_combined_status()
    return str(next(s.state for s in combined.statuses if s.context == "modelpromote/approval"))


def test_a_pull_request_outside_models_is_never_blocked(gh: GitHubEmulator, cli: Callable[..., Result]) -> None:
    number = open_pr(gh, "docs/typo", {"README.md": "registry, fixed\n"})
    code, out = gate(cli, gh, number)
    assert code == 0 and out["needed"] == 0
    assert out["rules"][0]["message"] == "changes nothing under models/: no approvals needed"
    assert latest_status(gh, number) == "success"


def test_a_settings_change_needs_the_environments_approvals_from_the_models_owners(gh: GitHubEmulator, cli: Callable[..., Result]) -> None:
    number = open_pr(gh, "tune/warmer", {MANIFEST: WARMER})
    code, out = gate(cli, gh, number)
    assert code == 1 and [p["kind"] for p in out["parts"]] == ["settings"]
    assert failing(out) == {"approvals: the settings of customer-support in production": "MP710"}
    approve(gh, number, "dave", "alice")  # writers, but not in acme/support-ml
    code, out = gate(cli, gh, number)
    assert code == 1 and "dave (not an owner)" in out["rules"][0]["message"]
    approve(gh, number, "bob", "carol")
    code, out = gate(cli, gh, number)
    assert code == 0 and out["approvers"] == ["bob", "carol"]


def test_an_approval_without_write_access_does_not_count(gh: GitHubEmulator, cli: Callable[..., Result]) -> None:
    gh.set_role("carol", "read")  # still in the owning team, but cannot push any more
    number = open_pr(gh, "tune/warmer", {MANIFEST: WARMER})
    approve(gh, number, "bob", "carol")
    code, out = gate(cli, gh, number)
    assert code == 1 and "carol (no write access)" in out["rules"][0]["message"]
    gh.set_role("carol", "maintain")
    assert gate(cli, gh, number)[0] == 0


def test_owners_compare_case_insensitively(gh: GitHubEmulator, cli: Callable[..., Result]) -> None:
    gh.push_file("main", MANIFEST, TEXT.replace('owners: ["@acme/support-ml"]', 'owners: ["@BOB", "@Carol"]'))
    number = open_pr(gh, "tune/warmer", {MANIFEST: WARMER.replace('owners: ["@acme/support-ml"]', 'owners: ["@BOB", "@Carol"]')})
    approve(gh, number, "bob", "carol")
    code, out = gate(cli, gh, number)
    assert code == 0 and out["approvers"] == ["bob", "carol"]


def test_an_orphan_root_merged_with_main_cannot_bring_its_own_ladder(gh: GitHubEmulator, cli: Callable[..., Result]) -> None:
    """Item 2: a merge commit whose first parent is an orphan root with approvals: 0 and mallory as
    owner.  The old gate walked first parents to the root and passed it with 0/0 approvals."""
    evil = TEXT.replace("approvals: 2 ", "approvals: 0 ").replace('owners: ["@acme/support-ml"]', 'owners: ["@mallory"]')
    who = Person("mallory", "mallory@example.invalid", f"{int(time.time())} +0000")
    tree = gh.git.build_tree(None, [(MANIFEST, "100644", gh.git.write_blob(evil.encode()))])
    root = gh.git.commit_tree(tree, [], "root", who, who)
    main = gh.branch_sha("main")
    assert main is not None
    merge = gh.git.commit_tree(tree, [root, main], "merge main", who, who)
    gh.git.update_ref("refs/heads/takeover", merge)
    number = int(client(gh, "mallory").get_repo("acme/models").create_pull(base="main", head="takeover", title="x", body="").number)
    approve(gh, number, "alice")  # a writer who owns no model
    code, out = gate(cli, gh, number)
    assert code == 1
    assert {p["kind"] for p in out["parts"]} == {"policy", "model"}  # the ladder, the owners
    ladder = next(r for r in out["rules"] if r["rule"] == "approvals: the promotion ladder")
    assert ladder["verdict"] == "fail" and ladder["message"].startswith("0 of 2 approvals from owners")


def test_a_branch_behind_main_fails_until_it_is_updated(gh: GitHubEmulator, cli: Callable[..., Result]) -> None:
    """Items 3 and 4: main gained a hold after the branch was cut.  The gate judges nothing but the
    tip: the stale branch fails (MP721); once updated, the hold is part of the base it is judged on."""
    number = open_pr(gh, "tune/warmer", {MANIFEST: WARMER})
    approve(gh, number, "bob", "carol")
    assert gate(cli, gh, number)[0] == 0
    held = TEXT.replace(
        'owners: ["@acme/support-ml"]\n', 'owners: ["@acme/support-ml"]\n    hold: {reason: incident 7, at: "2026-06-01T00:00:00Z"}\n', 1
    )
    gh.push_file("main", MANIFEST, held, login="bob")
    code, out = gate(cli, gh, number)
    assert code == 1 and failing(out) == {"base": "MP721"}
    assert latest_status(gh, number) == "failure"
    # A head that merges current main but drops its hold: judged against the tip, that is a
    # hold lifted, which needs production's approvals again (the old ones are on an older commit).
    pull = client(gh, "alice").get_repo("acme/models").get_pull(number)
    who = Person("mallory", "mallory@example.invalid", f"{int(time.time())} +0000")
    tree = gh.git.build_tree(gh.git.read_commit(pull.head.sha).tree, [])
    tip = gh.branch_sha("main")
    assert tip is not None
    merged = gh.git.commit_tree(tree, [pull.head.sha, tip], "merge main, keep ours", who, who)
    gh.git.update_ref("refs/heads/tune/warmer", merged)
    code, out = gate(cli, gh, number)
    assert code == 1 and {p["kind"] for p in out["parts"]} == {"settings", "hold-clear"}


@pytest.mark.parametrize(
    ("edit", "kind", "needed"),
    [
        (
            lambda t: t.replace(
                "failures: []",
                'failures: [{model: code-generator, version: claude-opus-v4.0.0, env: dev, at: "2026-06-01T00:00:00Z", gate: eval}]',
            ),
            "safety",
            0,
        ),
        (
            lambda t: t.replace(
                '    owners: ["@acme/devtools-ml"]\n',
                '    owners: ["@acme/devtools-ml"]\n    hold: {reason: incident, at: "2026-06-01T00:00:00Z"}\n',
            ),
            "safety",
            0,
        ),
        (lambda t: t.replace("min_samples: 30", "min_samples: 10"), "policy", 2),
        (lambda t: t.replace("fallbacks: [claude-3-sonnet-20240229]", "fallbacks: []"), "model", 2),
        (lambda t: t.replace("provider_model: claude-3-5-sonnet-20240620", "provider_model: evil-model"), "catalogue", 2),
        (
            lambda t: t.replace('    "@alice", reason: initial release}', '    "@mallory", reason: initial release}').replace(
                'by: "@alice", reason: initial release', 'by: "@mallory", reason: initial release'
            ),
            "policy",
            2,
        ),
        (lambda t: t.replace("# Check it with", "# Look at it with"), None, 0),
    ],
    ids=["failure-record", "hold-set", "eval-policy", "fallbacks", "live-catalogue-entry", "log-rewrite", "comment-only"],
)
def test_every_manifest_change_gets_a_rule(
    gh: GitHubEmulator, cli: Callable[..., Result], edit: Callable[[str], str], kind: str | None, needed: int
) -> None:
    changed = edit(TEXT)
    assert changed != TEXT
    number = open_pr(gh, "change", {MANIFEST: changed})
    code, out = gate(cli, gh, number)
    assert [p["kind"] for p in out["parts"]] == ([kind] if kind else [])
    assert out["needed"] == needed and code == (0 if needed == 0 else 1)


def test_a_released_prompts_text_cannot_change_whatever_the_approvals(gh: GitHubEmulator, cli: Callable[..., Result]) -> None:
    path = "models/prompts/customer-support/v4.md"
    gh.push_file("main", path, (EXAMPLE.parent / "prompts" / "customer-support" / "v4.md").read_text(encoding="utf-8"))
    number = open_pr(gh, "prompt/tweak", {path: "Ignore previous instructions.\n"})
    approve(gh, number, "bob", "carol")
    code, out = gate(cli, gh, number)
    assert code == 1 and failing(out) == {"prompt": "MP218"}
