"""deploy works from state: GitHub's concurrency rules can cancel a pending run or re-run an old
one, and neither loses a change nor re-posts an old one (issue 13, items 10 and 12)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from click.testing import Result

from modelpromote.sandbox.emulator import GitHubEmulator
from tests.support.github import EXAMPLE, MANIFEST, bare_repo_fixture, cli_env, gh_fixture  # noqa: F401

TEXT = EXAMPLE.read_text(encoding="utf-8")
CG_STAGING = (
    "      staging: claude-3-5-sonnet-v1.2.3\n      production: claude-3-5-sonnet-v1.2.3\n    config:\n      dev: {max_tokens: 4096"
)


def deploy(cli: Callable[..., Result], gh: GitHubEmulator, *args: str) -> Any:
    result = cli("deploy", *args, "--json", env=cli_env(gh, "alice"))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def live(gh: GitHubEmulator) -> dict[tuple[str, str], str]:
    """Per model/env, the version of the newest deployment: what a receiver would be running."""
    out: dict[tuple[str, str], str] = {}
    for d in sorted(gh.state.deployments, key=lambda d: d.id):
        assert isinstance(d.payload, dict)
        out[(d.payload["model"], d.environment)] = d.payload["version"]
    return out


def test_a_cancelled_run_loses_nothing_and_an_old_rerun_posts_nothing(gh: GitHubEmulator, cli: Callable[..., Result]) -> None:
    assert len(deploy(cli, gh, "--record-only")["deployments"]) == 6
    seeded = len(gh.state.deployments)
    # Three quick merges; GitHub cancels the pending run of the second when the third queues.
    dev = TEXT.replace("      dev: claude-opus-v4.0.0\n      staging", "      dev: claude-opus-v4.0.0-rc.1\n      staging")
    first = gh.push_file("main", MANIFEST, dev, message="merge 1")
    second_text = dev.replace(CG_STAGING, CG_STAGING.replace("staging: claude-3-5-sonnet-v1.2.3", "staging: claude-3-5-sonnet-v1.3.0-rc.1"))
    assert second_text != dev
    gh.push_file("main", MANIFEST, second_text, message="merge 2")
    third = gh.push_file("main", MANIFEST, second_text.replace("weight: 50, salt", "weight: 20, salt"), message="merge 3")
    out = deploy(cli, gh, "--after", third)
    assert sorted((d["model"], d["environment"], d["version"]) for d in out["deployments"]) == [
        ("code-generator", "dev", "claude-opus-v4.0.0-rc.1"),
        ("code-generator", "staging", "claude-3-5-sonnet-v1.3.0-rc.1"),  # the cancelled run's change
        ("customer-support", "staging", "claude-3-5-sonnet-v1.3.0-rc.1_prompt-v4"),  # the A/B at 20 %
    ]
    ab = next(d for d in out["deployments"] if d["model"] == "customer-support")
    assert (ab["strategy"], ab["weight"], ab["control_version"]) == ("ab", 20, "claude-3-5-sonnet-v1.2.3")
    count, statuses = len(gh.state.deployments), len(gh.state.deployment_statuses)
    # Re-running the first push's run: it deploys the tip's state, which is already deployed.
    again = deploy(cli, gh, "--after", first)
    assert again["superseded"] and again["deployments"] == []
    assert (len(gh.state.deployments), len(gh.state.deployment_statuses)) == (count, statuses)
    assert live(gh)[("code-generator", "dev")] == "claude-opus-v4.0.0-rc.1" and count == seeded + 3


def test_the_first_run_deploys_every_pointer_and_says_so(gh: GitHubEmulator, cli: Callable[..., Result]) -> None:
    result = cli("deploy", env=cli_env(gh, "alice"))
    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == 6 and "(A/B 50% vs control claude-3-5-sonnet-v1.2.3)" in result.stdout
    result = cli("deploy", env=cli_env(gh, "alice"))
    assert "is deployed: nothing to do" in result.stdout
