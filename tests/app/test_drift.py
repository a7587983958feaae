"""`modelpromote drift`: the manifest on main vs GitHub deployments and the application's status.

Real PyGithub against the emulator; the deployments are made by `modelpromote deploy` itself.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from click.testing import Result
from hypothesis import given, settings
from hypothesis import strategies as st

from modelpromote.manifest.load import load_text
from modelpromote.manifest.schema import Manifest
from modelpromote.policy.deploy import deployment_requests
from modelpromote.policy.drift import (
    DeploymentRecord,
    Live,
    StatusError,
    compare,
    counts_as_deployed,
    expected,
    from_status,
    latest_deployed,
)
from modelpromote.policy.export import compile_runtime
from modelpromote.sandbox.emulator import GitHubEmulator
from tests.contract.openapi import check_exchange
from tests.support.github import EXAMPLE, MANIFEST, bare_repo_fixture, cli_env, gh_fixture

__all__ = ["bare_repo_fixture", "gh_fixture"]

# The example registry with a final 1.3.0 in the catalogue (production refuses prereleases).
TEXT = EXAMPLE.read_text(encoding="utf-8").replace(
    "version_history:\n",
    "version_history:\n  - version: claude-3-5-sonnet-v1.3.0\n    base_model: claude-3-5-sonnet\n    status: stable\n",
    1,
)
ZERO = "0" * 40
CS_PROD = "      production: claude-3-5-sonnet-v1.2.3\n    # Runtime"
NEW = "claude-3-5-sonnet-v1.3.0"


def manifest(text: str) -> Manifest:
    loaded = load_text(text, MANIFEST)
    assert loaded.ok and loaded.manifest is not None, loaded.findings
    return loaded.manifest


def with_canary(weight: int) -> str:
    """customer-support in production: canary of NEW at ``weight`` % over 1.2.3."""
    assert CS_PROD in TEXT
    return TEXT.replace(
        CS_PROD,
        f"      production: {NEW}\n    canary:\n      production: {{baseline: claude-3-5-sonnet-v1.2.3, weight: {weight}, step: 0, "
        'started_at: "2026-06-01T00:00:00Z"}\n    # Runtime',
    )


def env_for(gh: GitHubEmulator) -> dict[str, str]:
    return cli_env(gh, "alice", MODELPROMOTE_GITHUB_RETRIES="2")


def deploy(cli: Callable[..., Result], gh: GitHubEmulator, before: str, after: str) -> None:
    r = cli("deploy", "--before", before, "--after", after, "--json", env=env_for(gh))
    assert r.exit_code == 0, r.output


def drift(cli: Callable[..., Result], gh: GitHubEmulator, *args: str) -> tuple[int, Any]:
    r = cli("drift", "--json", *args, env=env_for(gh))
    return r.exit_code, json.loads(r.stdout)


def push(gh: GitHubEmulator, text: str) -> tuple[str, str]:
    before = gh.branch_sha("main")
    assert before is not None
    return before, gh.push_file("main", MANIFEST, text, "hand edit")


@pytest.fixture
def deployed(gh: GitHubEmulator, cli: Callable[..., Result]) -> GitHubEmulator:
    main_sha = gh.branch_sha("main")
    assert main_sha is not None
    deploy(cli, gh, ZERO, main_sha)
    return gh


# -- against GitHub deployments -----------------------------------------------------------------


def test_no_drift_after_deploy(deployed: GitHubEmulator, cli: Callable[..., Result]) -> None:
    code, out = drift(cli, deployed)
    assert code == 0, out
    assert out["drifted"] is False and out["mismatches"] == [] and out["checked"] == 6


def test_nothing_deployed_is_drift(gh: GitHubEmulator, cli: Callable[..., Result]) -> None:
    code, out = drift(cli, gh)
    assert code == 1
    assert len(out["mismatches"]) == 6 and {x["kind"] for x in out["mismatches"]} == {"missing"}


def test_a_change_on_main_that_was_not_deployed_is_drift(deployed: GitHubEmulator, cli: Callable[..., Result]) -> None:
    gh = deployed
    changed = TEXT.replace("      staging: claude-3-5-sonnet-v1.2.3\n", "      staging: claude-opus-v4.0.0\n")
    assert changed != TEXT
    before, after = push(gh, changed)
    code, out = drift(cli, gh)
    assert code == 1
    [x] = out["mismatches"]
    assert (x["model"], x["env"], x["source"], x["kind"]) == ("code-generator", "staging", "deployment", "version")
    assert (x["manifest"], x["deployed"]) == ("claude-opus-v4.0.0", "claude-3-5-sonnet-v1.2.3")
    assert x["since"] is not None
    # Text mode lists it the same way, for people.
    text = cli("drift", env=env_for(gh))
    assert text.exit_code == 1 and "code-generator" in text.stdout and "claude-opus-v4.0.0" in text.stdout
    deploy(cli, gh, before, after)
    assert drift(cli, gh)[0] == 0


def test_a_canary_at_the_manifests_weight_is_not_drift(deployed: GitHubEmulator, cli: Callable[..., Result]) -> None:
    gh = deployed
    deploy(cli, gh, *push(gh, with_canary(5)))
    code, out = drift(cli, gh)
    assert code == 0, out
    # health moved the canary to 25 % on main; the deployment still says 5 %: drift, until deployed.
    before, after = push(gh, with_canary(25))
    code, out = drift(cli, gh)
    assert code == 1
    [x] = out["mismatches"]
    assert x["kind"] == "canary" and "canary 25%" in x["manifest"] and "canary 5%" in x["deployed"]
    deploy(cli, gh, before, after)
    assert drift(cli, gh)[0] == 0
    problems = [p for ex in gh.exchanges for p in check_exchange(ex)]
    assert not problems, "\n".join(problems)


def test_a_failed_deployment_does_not_count(deployed: GitHubEmulator, cli: Callable[..., Result]) -> None:
    gh = deployed
    changed = TEXT.replace("      staging: claude-3-5-sonnet-v1.2.3\n", "      staging: claude-opus-v4.0.0\n")
    deploy(cli, gh, *push(gh, changed))
    newest = max((d for d in gh.state.deployments if d.environment == "staging"), key=lambda d: d.id)
    from tests.support.github import client

    client(gh, "alice").get_repo("acme/models").get_deployment(newest.id).create_status("failure", description="crashed")
    code, out = drift(cli, gh, "--env", "staging")
    assert code == 1
    [x] = out["mismatches"]
    assert x["deployed"] == "claude-3-5-sonnet-v1.2.3"  # what ran before the failed one


def test_github_down_exits_3(deployed: GitHubEmulator, cli: Callable[..., Result]) -> None:
    gh = deployed
    gh.inject(r"/deployments$", [500] * 20, method="GET")
    r = cli("drift", "--json", env=env_for(gh))
    assert r.exit_code == 3, r.output
    assert json.loads(r.stdout)["findings"][0]["code"] == "MP703"


def test_unknown_ref_is_bad_input(gh: GitHubEmulator, cli: Callable[..., Result]) -> None:
    r = cli("drift", "--ref", "no-such-branch", env=env_for(gh))
    assert r.exit_code == 2 and "MP825" in r.stderr


# -- against the application's status document ------------------------------------------------


class StatusServer:
    def __init__(self) -> None:
        self.body: bytes = b"{}"
        self.status = 200
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(server.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(server.body)))
                self.end_headers()
                self.wfile.write(server.body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/modelpromote/runtime"
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()

    def serve(self, doc: Any) -> None:
        self.body = json.dumps(doc).encode() if not isinstance(doc, bytes) else doc

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def app() -> Iterator[StatusServer]:
    s = StatusServer()
    yield s
    s.close()


def test_status_url_in_step_and_out_of_step(deployed: GitHubEmulator, cli: Callable[..., Result], app: StatusServer) -> None:
    gh = deployed
    app.serve(compile_runtime(manifest(TEXT), "production"))  # what `modelpromote export` wrote, as the app loaded it
    code, out = drift(cli, gh, "--status-url", app.url)
    assert code == 0, out
    stale = compile_runtime(manifest(TEXT), "production")
    stale["models"]["customer-support"]["version"] = "claude-3-5-sonnet-v1.2.2"
    app.serve(stale)
    code, out = drift(cli, gh, "--status-url", app.url)
    assert code == 1
    [x] = out["mismatches"]
    assert (x["source"], x["model"], x["env"], x["deployed"]) == ("status", "customer-support", "production", "claude-3-5-sonnet-v1.2.2")


def test_status_url_failures_exit_3(deployed: GitHubEmulator, cli: Callable[..., Result], app: StatusServer) -> None:
    app.serve(b"<html>oops</html>")
    r = cli("drift", "--json", "--status-url", app.url, env=env_for(deployed))
    assert r.exit_code == 3 and json.loads(r.stdout)["findings"][0]["code"] == "MP823"
    app.serve({"models": {}})
    r = cli("drift", "--json", "--status-url", app.url, env=env_for(deployed))
    assert r.exit_code == 3 and "'env'" in json.loads(r.stdout)["findings"][0]["message"]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: nothing listens there
    r = cli("drift", "--json", "--status-url", f"http://user:secret@127.0.0.1:{port}/x", env=env_for(deployed))
    assert r.exit_code == 3 and json.loads(r.stdout)["findings"][0]["code"] == "MP822"
    assert "secret" not in r.output


# -- the pure comparison ----------------------------------------------------------------------

T0 = datetime(2026, 6, 1, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("states", "deployed"),
    [
        ((), False),  # created, never started
        (("queued",), False),  # the webhook failed: not delivered
        (("in_progress", "queued"), True),  # a canary, running
        (("success", "queued"), True),
        (("inactive", "success", "queued"), True),  # GitHub inactivated it when a later one succeeded
        (("failure", "in_progress", "queued"), False),
        (("error", "success"), False),
    ],
)
def test_what_counts_as_deployed(states: tuple[str, ...], deployed: bool) -> None:
    assert counts_as_deployed(states) is deployed


def test_newest_deployed_wins_and_foreign_payloads_are_ignored() -> None:
    def rec(i: int, version: str, states: tuple[str, ...], kind: str = "modelpromote/v1") -> DeploymentRecord:
        payload = {"kind": kind, "model": "m", "version": version, "strategy": "full"}
        return DeploymentRecord(i, "abc", "prod", payload, T0, states)

    have = latest_deployed(
        [rec(4, "v4", (), "other-tool"), rec(3, "v3", ("failure",)), rec(2, "v2", ("success",)), rec(1, "v1", ("success",))]
    )
    assert have[("m", "prod")].version == "v2"


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=99), st.integers(min_value=1, max_value=99))
def test_deploying_what_main_says_is_never_drift(w1: int, w2: int) -> None:
    """deploy's payloads and export's runtime config both agree with the manifest, at any weight."""
    first, second = manifest(with_canary(w1)), manifest(with_canary(w2))
    records = []
    for i, (before, after) in enumerate([(None, manifest(TEXT)), (manifest(TEXT), first), (first, second)]):
        for r in deployment_requests(before, after):
            state = "in_progress" if r.strategy == "canary" else "success"
            records.append(DeploymentRecord(i * 100 + len(records), f"sha{i}", r.env, r.payload(), T0, (state,)))
    records.sort(key=lambda r: -r.id)
    assert compare(expected(second), latest_deployed(records), "deployment") == []
    env, rows = from_status(compile_runtime(second, "production"))
    assert compare(expected(second), rows, "status", envs=[env]) == []
    drifted = compare(expected(first), latest_deployed(records), "deployment")
    assert (drifted != []) == (w1 != w2)


def test_status_document_shape_errors_name_the_field() -> None:
    with pytest.raises(StatusError, match=r"models\.cs\.version"):
        from_status({"env": "production", "models": {"cs": {"version": 3}}})
    with pytest.raises(StatusError, match="arms"):
        from_status({"env": "production", "models": {"cs": {"version": "v", "split": {"kind": "canary", "arms": "x"}}}})


# -- what deploy creates for health's edits ----------------------------------------------------


def test_deploy_follows_canary_steps_completion_and_rollbacks() -> None:
    at5, at25 = manifest(with_canary(5)), manifest(with_canary(25))
    [step] = deployment_requests(at5, at25)  # deployed: the canary at 5 %; the manifest: 25 %
    assert (step.model, step.env, step.version, step.strategy, step.weight) == ("customer-support", "production", NEW, "canary", 25)
    done = TEXT.replace(CS_PROD, f"      production: {NEW}\n    # Runtime")
    [complete] = deployment_requests(at25, manifest(done))
    assert (complete.strategy, complete.weight, complete.previous) == ("full", 100, "claude-3-5-sonnet-v1.2.3")
    rolled = TEXT.replace(
        "\n\n# Failed promotions",
        "\n  - {model: customer-support, env: production, from: claude-3-5-sonnet-v1.3.0, "
        'to: claude-3-5-sonnet-v1.2.3, at: "2026-06-02T00:00:00Z", kind: rollback}\n\n# Failed promotions',
        1,
    )
    assert rolled != TEXT
    [back] = deployment_requests(at25, manifest(rolled))
    assert (back.version, back.strategy, back.weight) == ("claude-3-5-sonnet-v1.2.3", "full", 100)


# -- A/B experiments ----------------------------------------------------------------------------

EXPERIMENT = "      staging: {control: claude-3-5-sonnet-v1.2.3, weight: 50, salt: cs-v1.3.0-ab}\n"


def test_an_experiment_deployed_as_a_full_rollout_is_drift(gh: GitHubEmulator, cli: Callable[..., Result]) -> None:
    """What deploy wrote before experiments were first-class (strategy full) is not what serves."""
    main_sha = gh.branch_sha("main")
    assert main_sha is not None
    deploy(cli, gh, ZERO, main_sha)
    assert drift(cli, gh)[0] == 0  # deploy now writes strategy ab, 50 %, control 1.2.3
    heavier = TEXT.replace(EXPERIMENT, EXPERIMENT.replace("weight: 50", "weight: 20"))
    assert heavier != TEXT
    before, after = push(gh, heavier)
    code, out = drift(cli, gh)
    assert code == 1
    [x] = out["mismatches"]
    assert (x["model"], x["env"], x["kind"]) == ("customer-support", "staging", "experiment")
    assert x["manifest"] == "claude-3-5-sonnet-v1.3.0-rc.1_prompt-v4 (A/B 20% vs control claude-3-5-sonnet-v1.2.3)"
    assert x["deployed"] == "claude-3-5-sonnet-v1.3.0-rc.1_prompt-v4 (A/B 50% vs control claude-3-5-sonnet-v1.2.3)"
    deploy(cli, gh, before, after)  # the weight change alone is a deployment
    assert drift(cli, gh)[0] == 0


def test_an_application_serving_the_experiment_is_in_step(deployed: GitHubEmulator, cli: Callable[..., Result], app: StatusServer) -> None:
    texts = {k: "" for k in [("customer-support", 3), ("customer-support", 4)]}  # the text is not what drift compares
    app.serve(compile_runtime(manifest(TEXT), "staging", prompts=texts))
    code, out = drift(cli, deployed, "--status-url", app.url)
    assert code == 0, out
    other = compile_runtime(manifest(TEXT.replace("control: claude-3-5-sonnet-v1.2.3, weight: 50", "control: claude-opus-v4.0.0, weight: 50")), "staging", prompts=texts)
    app.serve(other)
    code, out = drift(cli, deployed, "--status-url", app.url)
    assert code == 1
    [x] = out["mismatches"]
    assert (x["source"], x["kind"], x["deployed"]) == ("status", "experiment", "claude-3-5-sonnet-v1.3.0-rc.1_prompt-v4 (A/B 50% vs control claude-opus-v4.0.0)")


def test_ab_rows_compare_weight_and_control() -> None:
    want = {("m", "staging"): Live("m", "staging", "v2", "ab", 20, "v1")}
    assert compare(want, {("m", "staging"): Live("m", "staging", "v2", "ab", 20, "v1")}, "deployment") == []
    for have in (Live("m", "staging", "v2", "ab", 30, "v1"), Live("m", "staging", "v2", "ab", 20, "v0"), Live("m", "staging", "v2")):
        [x] = compare(want, {("m", "staging"): have}, "deployment")
        assert x.kind == "experiment"
