"""Fixtures for tests that talk to the GitHub emulator: a seeded bare repository and the emulator.

Import the fixtures into a test module with ``from tests.support.github import gh_fixture, bare_repo_fixture``.
Users: alice (opens promotion PRs), bob and carol (in team acme/support-ml), dave (acme/devtools-ml),
mallory (in no team), renovate[bot] (a bot).  Each authenticates with ``gh.token(login)``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from modelpromote.sandbox.emulator import GitHubEmulator
from modelpromote.sandbox.gitrepo import init_bare

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "models" / "manifest.yaml"
MANIFEST = "models/manifest.yaml"
USERS = ["alice", "bob", "carol", "dave", "mallory", "renovate[bot]"]
TEAMS = {"acme/support-ml": ["bob", "carol"], "acme/devtools-ml": ["dave"]}


@pytest.fixture(name="bare_repo")
def bare_repo_fixture(tmp_path: Path) -> Path:
    path = tmp_path / "models.git"
    init_bare(path, {MANIFEST: EXAMPLE.read_text(encoding="utf-8"), "README.md": "registry\n"})
    return path


@pytest.fixture(name="gh")
def gh_fixture(bare_repo: Path) -> Iterator[GitHubEmulator]:
    with GitHubEmulator(bare_repo, users=USERS, teams=TEAMS) as emulator:
        yield emulator


def client(gh: GitHubEmulator, login: str, **kwargs: Any) -> Any:
    """A plain PyGithub client acting as ``login`` (no retries unless asked)."""
    import github

    kwargs.setdefault("retry", None)
    kwargs.setdefault("seconds_between_requests", None)  # PyGithub's politeness throttle: needless against the emulator
    kwargs.setdefault("seconds_between_writes", None)
    return github.Github(base_url=gh.url, auth=github.Auth.Token(gh.token(login)), **kwargs)


def cli_env(gh: GitHubEmulator, login: str, **extra: str) -> dict[str, str]:
    """Environment for a CLI verb talking to the emulator as ``login``: fast retries, no throttling."""
    return {
        "GITHUB_TOKEN": gh.token(login),
        "GITHUB_API_URL": gh.url,
        "GITHUB_REPOSITORY": "acme/models",
        "GITHUB_ACTIONS": "",
        "MODELPROMOTE_GITHUB_THROTTLE": "0",
        "MODELPROMOTE_GITHUB_BACKOFF": "0.01",
        "MODELPROMOTE_GITHUB_MAX_WAIT": "1",
        **extra,
    }


# A promotion ready for production: what the PR flow and the client tests open.
MODEL, VERSION, ENV = "customer-support", "claude-3-5-sonnet-v1.3.0_prompt-v4", "production"


def registry_text() -> str:
    """The example registry with a final 1.3.0 soaked in staging, ready for production."""
    t = EXAMPLE.read_text(encoding="utf-8")
    t = t.replace("      staging: claude-3-5-sonnet-v1.3.0-rc.1_prompt-v4\n", f"      staging: {VERSION}\n")
    t = t.replace('to: claude-3-5-sonnet-v1.3.0-rc.1_prompt-v4, at: "2026-05-16T14:30:00Z"', f'to: {VERSION}, at: "2026-05-16T14:30:00Z"')
    t = t.replace("    experiments:\n      staging: {control: claude-3-5-sonnet-v1.2.3, weight: 50, salt: cs-v1.3.0-ab}\n", "")
    return t.replace(
        "version_history:\n",
        "version_history:\n"
        "  - version: claude-3-5-sonnet-v1.3.0\n"
        "    base_model: claude-3-5-sonnet\n"
        "    status: stable\n"
        '    changelog: "Improved accuracy on math reasoning by 7%, latency -200ms"\n'
        "    fallback: claude-3-5-sonnet-v1.2.3\n",
        1,
    )
