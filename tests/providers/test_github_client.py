"""The GitHub adapter (providers/github.py) against the emulator: real PyGithub, no mocks.

Each test asserts what the gate or a verb would see: a role, a merge base, a branch's required
checks, a manifest over 1 MB, GitHub's own message on a 4xx, a capped wait, an App token.
"""

from __future__ import annotations

import dataclasses
import json
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import Result

from modelpromote.errors import InputError, ServiceError
from modelpromote.manifest.load import load_text
from modelpromote.providers.github import GitHub, Settings, settings_from_env
from modelpromote.sandbox.emulator import GitHubEmulator, Request, Response
from modelpromote.sandbox.faults import Fault, primary, secondary
from modelpromote.sandbox.gitrepo import init_bare
from tests.bench.gen_manifest import generate
from tests.contract.openapi import check_exchange
from tests.support.github import ENV, EXAMPLE, MANIFEST, MODEL, TEAMS, USERS, VERSION, cli_env, registry_text
from tests.support.github import client as pygithub


@pytest.fixture
def gh(tmp_path: Path) -> Iterator[GitHubEmulator]:
    repo = tmp_path / "models.git"
    init_bare(repo, {MANIFEST: EXAMPLE.read_text(encoding="utf-8"), "README.md": "registry\n"})
    with GitHubEmulator(repo, users=USERS, teams=TEAMS) as emulator:
        yield emulator


def adapter(gh: GitHubEmulator, login: str = "alice", **kw: float) -> GitHub:
    settings = Settings("acme/models", gh.token(login), gh.url, timeout=5, retries=int(kw.pop("retries", 2)), throttle=False, **kw)
    return GitHub(settings)


def branch_off_main(gh: GitHubEmulator, client: GitHub, branch: str) -> None:
    """``branch`` with one commit on top of main, made through the adapter."""
    base = gh.branch_sha("main")
    assert base is not None
    gh.git.update_ref(f"refs/heads/{branch}", client.commit_file(base, "notes.txt", "x\n", "m"))


def conforms(gh: GitHubEmulator) -> None:
    problems = [p for ex in gh.exchanges for p in check_exchange(ex)]
    assert not problems, "\n".join(problems)


# -- the port methods the gate builds on --------------------------------------------------------


def test_permission_reports_each_role_case_insensitively_and_none_for_strangers(gh: GitHubEmulator) -> None:
    gh.set_role("bob", "maintain")
    gh.set_role("carol", "triage")
    gh.set_role("dave", "read")
    gh.set_role("mallory", "none")
    client = adapter(gh)
    assert client.permission("BOB") == "maintain"
    assert client.permission("carol") == "triage"
    assert client.permission("Dave") == "read"
    assert client.permission("mallory") == "none"
    assert client.permission("alice") == "write"
    assert client.permission("no-such-user") == "none"  # 404: not a collaborator
    conforms(gh)


def test_merge_base_is_the_fork_point_even_after_the_base_moved(gh: GitHubEmulator) -> None:
    fork = gh.branch_sha("main")
    assert fork is not None
    gh.git.update_ref("refs/heads/promote/x", fork)
    gh.push_file("promote/x", "notes.txt", "promotion\n")
    gh.push_file("main", "README.md", "main moved on\n")
    client = adapter(gh)
    assert client.merge_base("main", "promote/x") == fork
    assert client.merge_base("promote/x", "main") == fork
    assert client.branch_sha("promote/x") == gh.branch_sha("promote/x")
    assert client.branch_sha("no/such/branch") is None
    conforms(gh)


def test_compare_answers_status_and_counts_like_github(gh: GitHubEmulator) -> None:
    import github

    fork = gh.branch_sha("main")
    assert fork is not None
    gh.git.update_ref("refs/heads/topic", fork)
    repo = github.Github(base_url=gh.url, auth=github.Auth.Token(gh.token("alice")), retry=None).get_repo("acme/models")
    same = repo.compare("main", "topic")
    assert (same.status, same.ahead_by, same.behind_by) == ("identical", 0, 0)
    gh.push_file("topic", "a.txt", "a\n")
    gh.push_file("topic", "b.txt", "b\n")
    ahead = repo.compare("main", "topic")
    assert (ahead.status, ahead.ahead_by, ahead.behind_by) == ("ahead", 2, 0)
    assert sorted(f.filename for f in ahead.files) == ["a.txt", "b.txt"]
    gh.push_file("main", "c.txt", "c\n")
    diverged = repo.compare("main", "topic")
    assert (diverged.status, diverged.ahead_by, diverged.behind_by) == ("diverged", 2, 1)
    assert diverged.merge_base_commit.sha == fork
    behind = repo.compare("topic", fork)
    assert (behind.status, behind.ahead_by, behind.behind_by) == ("behind", 0, 2)
    conforms(gh)


def test_required_checks_come_from_the_rules_api(gh: GitHubEmulator) -> None:
    client = adapter(gh)
    assert client.required_checks("main") == []
    gh.set_required_checks("main", [("modelpromote/approval", 15368), {"context": "lint", "integration_id": None}])
    assert client.required_checks("main") == [("modelpromote/approval", 15368), ("lint", None)]
    assert client.required_checks("release/1.x") == []
    conforms(gh)


# -- waits are capped, 4xx are the caller's problem ----------------------------------------------


def test_a_long_retry_after_on_a_get_fails_at_once_saying_how_long(gh: GitHubEmulator) -> None:
    client = adapter(gh, max_wait=5)
    for fault in (Fault(status=429, retry_after=3600), Fault(status=503, retry_after=3600), secondary(3600)):
        gh.inject(r"/git/ref", [fault])
        started = time.monotonic()
        with pytest.raises(ServiceError) as exc:
            client.branch_sha("main")
        assert time.monotonic() - started < 3
        finding = exc.value.findings[0]
        assert exc.value.exit_code == 3 and finding.code == "MP731" and "3600 s" in finding.message
    assert client.branch_sha("main") == gh.branch_sha("main")


def test_a_secondary_limit_without_retry_after_waits_a_minute_or_fails_clearly(gh: GitHubEmulator) -> None:
    client = adapter(gh, max_wait=1)
    base = gh.branch_sha("main")
    assert base is not None
    gh.inject(r"/git/ref", [secondary(None)], method="GET")
    started = time.monotonic()
    with pytest.raises(ServiceError) as on_get:
        client.branch_sha("main")
    gh.inject(r"/git/blobs$", [secondary(None)], method="POST")
    with pytest.raises(ServiceError) as on_post:
        client.commit_file(base, "notes.txt", "x\n", "m")
    assert time.monotonic() - started < 3  # no hammering with 1-16 s retries either
    for exc in (on_get, on_post):
        assert exc.value.findings[0].code == "MP731" and "60 s" in exc.value.findings[0].message
    assert sum(1 for ex in gh.exchanges if ex.path.endswith("/git/blobs")) == 0  # the fault answered; nothing was written


def test_a_primary_rate_limit_reset_beyond_the_cap_fails_at_once(gh: GitHubEmulator) -> None:
    client = adapter(gh, max_wait=5)
    base = gh.branch_sha("main")
    assert base is not None
    gh.inject(r"/git/ref", [primary(3600)], method="GET")
    gh.inject(r"/git/blobs$", [primary(3600)], method="POST")
    started = time.monotonic()
    for attempt in (lambda: client.branch_sha("main"), lambda: client.commit_file(base, "notes.txt", "x\n", "m")):
        with pytest.raises(ServiceError) as exc:
            attempt()
        assert exc.value.findings[0].code == "MP731" and re.search(r"wait 360\d s", exc.value.findings[0].message)
    assert time.monotonic() - started < 3


def test_a_short_retry_after_is_honoured_on_gets_and_posts(gh: GitHubEmulator) -> None:
    client = adapter(gh, max_wait=5, retries=2)
    base = gh.branch_sha("main")
    assert base is not None
    gh.inject(r"/git/ref", [secondary(1)], method="GET")
    gh.inject(r"/git/blobs$", [secondary(1)], method="POST")
    started = time.monotonic()
    assert client.branch_sha("main") == base
    assert client.commit_file(base, "notes.txt", "x\n", "m")
    assert time.monotonic() - started >= 2  # both waited the second GitHub asked for


def test_a_422_is_an_input_error_with_githubs_own_message(gh: GitHubEmulator) -> None:
    gh.set_role("mallory", "none")
    client = adapter(gh)
    branch_off_main(gh, client, "promote/x")
    pr, created = client.open_or_update_pr("promote/x", "main", "Promote", "plan")
    assert created
    with pytest.raises(InputError) as exc:
        client.request_reviewers(pr.number, ["mallory"], [])
    finding = exc.value.findings[0]
    assert exc.value.exit_code == 2 and finding.code == "MP730"
    assert "Reviews may only be requested from collaborators" in finding.message and "retry" not in finding.fix.lower()


# -- large manifests ------------------------------------------------------------------------------


def big_registry() -> str:
    """The flow's registry plus 600 generated models: about 2 MB, twice GitHub's contents-API limit."""
    generated = re.sub(r"_prompt-v\d+", "", generate(600, 6000))

    def section(text: str, key: str) -> str:
        found = re.search(rf"^{key}:\n(.*?)(?=^[a-z_]+:|\Z)", text, re.S | re.M)
        assert found is not None
        return found.group(1)

    text = registry_text()
    text = text.replace("\nmodels:\n", "\nmodels:\n" + section(generated, "models"), 1)
    return text.replace("\nversion_history:\n", "\nversion_history:\n" + section(generated, "version_history"), 1)


def test_every_github_verb_reads_a_manifest_over_one_megabyte(tmp_path: Path, cli: Callable[..., Result]) -> None:
    text = big_registry()
    assert len(text.encode()) > 2 * 1024 * 1024 and load_text(text, "big").ok
    repo = tmp_path / "models.git"
    init_bare(repo, {MANIFEST: text, "README.md": "registry\n"})
    with GitHubEmulator(repo, users=USERS, teams=TEAMS) as gh:
        assert adapter(gh).read_file(MANIFEST, "main") == text
        opened = cli("pr", MODEL, VERSION, "--to", ENV, "--json", env=cli_env(gh, "alice"))
        assert opened.exit_code == 0, opened.output
        number = json.loads(opened.stdout)["number"]
        head = pygithub(gh, "alice").get_repo("acme/models").get_pull(number).head.sha
        promoted = adapter(gh).read_file(MANIFEST, head)
        assert promoted is not None and len(promoted) > len(text) - 1000 and f"production: {VERSION}" in promoted
        gated = cli("gate", "--pr", str(number), "--json", env=cli_env(gh, "bob"))
        assert gated.exit_code == 1 and "MP710" in gated.output  # it read both manifests and judged: not enough approvals
        drift = cli("drift", "--json", env=cli_env(gh, "alice"))
        assert drift.exit_code in (0, 1), drift.output
        assert any(ex.path.startswith("/repos/acme/models/git/blobs/") and ex.method == "GET" for ex in gh.exchanges)
        conforms(gh)


# -- duplicates and App authentication ------------------------------------------------------------


class LaggingEmulator(GitHubEmulator):
    """GitHub's pull request listing lags behind creation: the first ``lag`` listings by head miss everything."""

    lag = 0

    def list_pulls(self, req: Request) -> Response:
        if self.lag and req.query.get("head"):
            self.lag -= 1
            return Response(200, [])
        return super().list_pulls(req)


def test_a_late_duplicate_pull_request_resolves_to_the_open_one(tmp_path: Path) -> None:
    repo = tmp_path / "models.git"
    init_bare(repo, {MANIFEST: EXAMPLE.read_text(encoding="utf-8"), "README.md": "registry\n"})
    with LaggingEmulator(repo, users=USERS, teams=TEAMS) as gh:
        client = adapter(gh)
        branch_off_main(gh, client, "canary/x")
        first, created = client.open_or_update_pr("canary/x", "main", "Canary", "step 1")
        assert created
        gh.lag = 2  # both look-ups before the POST miss #1; GitHub answers 422 "already exists"
        again, created_again = client.open_or_update_pr("canary/x", "main", "Canary", "step 1, re-run")
        assert (again.number, created_again) == (first.number, False) and again.body == "step 1, re-run"
        assert [p.number for p in gh.state.pulls.values() if p.state == "open"] == [first.number]
        assert any(ex.status == 422 and ex.path.endswith("/pulls") for ex in gh.exchanges)


def test_a_github_app_key_connects_with_an_installation_token(gh: GitHubEmulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    creds = gh.register_app("modelpromote", {"contents": "write", "pull_requests": "write", "statuses": "write", "deployments": "write"})
    key_file = tmp_path / "app.pem"
    key_file.write_text(creds.private_key_pem)
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    monkeypatch.setenv("MODELPROMOTE_APP_ID", str(creds.app_id))
    monkeypatch.setenv("MODELPROMOTE_APP_PRIVATE_KEY_FILE", str(key_file))
    settings = settings_from_env("acme/models", None, gh.url)
    assert creds.private_key_pem not in repr(settings) and "PRIVATE" not in repr(settings)
    client = GitHub(dataclasses.replace(settings, throttle=False))
    base = gh.branch_sha("main")
    assert base is not None
    client.set_branch("promote/app", client.commit_file(base, "notes.txt", "by the app\n", "m"))
    pr, _ = client.open_or_update_pr("promote/app", "main", "From the App", "body")
    assert pr.author == "modelpromote[bot]"
    assert client.set_status(pr.head_sha, "modelpromote/approval", "success", "ok")
    assert gh.state.statuses[-1].app_id == creds.app_id
    deployment, _ = client.create_deployment(pr.head_sha, "staging", {"model": "m", "version": "v"}, "deploy", production=False)
    assert client.set_deployment_status(deployment, "success", "live")
    assert {d.creator for d in gh.state.deployments} | {s.creator for s in gh.state.deployment_statuses} == {"modelpromote[bot]"}
    assert not any(ex.path == "/user" for ex in gh.exchanges)  # an installation token may not call GET /user
    conforms(gh)


def test_a_wrong_app_key_is_a_clear_input_error(gh: GitHubEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    creds = gh.register_app("modelpromote", {"contents": "read"})
    other = gh.register_app("other", {"contents": "read"})
    monkeypatch.setenv("MODELPROMOTE_APP_ID", str(creds.app_id))
    monkeypatch.setenv("MODELPROMOTE_APP_PRIVATE_KEY", other.private_key_pem.replace("\n", "\\n"))  # a one-line secret
    with pytest.raises(InputError) as exc:
        GitHub(settings_from_env("acme/models", None, gh.url))
    assert exc.value.findings[0].code == "MP732" and "401" in exc.value.findings[0].message
    assert other.private_key_pem.splitlines()[1] not in str(exc.value.findings[0].to_json())
    monkeypatch.setenv("MODELPROMOTE_APP_PRIVATE_KEY", "not a key")
    with pytest.raises(InputError) as bad:
        settings_from_env("acme/models", None, gh.url)
    assert "not a key" not in bad.value.findings[0].message and bad.value.findings[0].code == "MP732"


def test_pr_exits_2_with_githubs_message_when_an_owner_cannot_review(tmp_path: Path, cli: Callable[..., Result]) -> None:
    """Before: exit 3 "retry later" for a 422 that no retry can fix."""
    repo = tmp_path / "models.git"
    text = registry_text().replace('owners: ["@acme/support-ml"]', 'owners: ["@mallory"]', 1)
    init_bare(repo, {MANIFEST: text, "README.md": "registry\n"})
    with GitHubEmulator(repo, users=USERS, teams=TEAMS) as gh:
        gh.set_role("mallory", "none")
        result = cli("pr", MODEL, VERSION, "--to", ENV, env=cli_env(gh, "alice"))
        assert result.exit_code == 2, result.output
        assert "MP730" in result.output and "Reviews may only be requested from collaborators" in result.output
        assert "Traceback" not in result.output
