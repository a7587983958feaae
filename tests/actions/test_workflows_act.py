"""The workflows, run for real with act (host mode, offline) against the GitHub emulator.

One sandbox per module (tests/support/act.py): a temp git repository holding this checkout's
workflows, actions and manifest, served by the emulator as acme/models.  The runs build on one
another like a real promotion: the form opens a pull request, the gate fails and then passes
after an approval, the merge deploys, the health check rolls back a bad canary.
"""

from __future__ import annotations

import secrets
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.act import Sandbox, make_sandbox
from tests.support.paths import TESTS

pytestmark = [pytest.mark.act, pytest.mark.slow]

CLI = str(Path(sys.executable).parent / "modelpromote")
# The actions use this checkout's installed CLI (the `cli` input, via a repository variable):
# the install path itself is exercised once, in test_the_action_installs_from_its_own_checkout.
FAST = {"MODELPROMOTE_CLI": CLI}
# Filled in by the sandbox fixture: the App's key is an environment secret, its id a variable.
GATE_SECRETS: dict[str, str] = {}
GATE_VARS: dict[str, str] = dict(FAST)
FIXTURES = TESTS / "act"
ROOT_WORKFLOWS = TESTS.parent / ".github" / "workflows"
MODEL, VERSION, ENV = "customer-support", "claude-3-5-sonnet-v1.3.0_prompt-v4", "production"
BRANCH = f"promote/{MODEL}/{ENV}/{VERSION}"
BASELINE = "claude-3-5-sonnet-v1.2.3"  # what production ran before the canary


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    sb = make_sandbox(
        tmp_path_factory.mktemp("act"),
        users={
            "octocat": "ghp_sandbox_octocat",
            "promoter-bot": "ghp_sandbox_bot",
            "bob": "ghp_sandbox_bob",
            "carol": "ghp_sandbox_carol",
            "mallory": "ghp_sandbox_mallory",
        },
        teams={"acme/support-ml": ["bob", "carol"], "acme/devtools-ml": ["bob", "carol"]},
        files={
            "models/manifest.yaml": FIXTURES / "manifest.yaml",
            f"evals/{MODEL}/{VERSION}.json": FIXTURES / "evals" / MODEL / f"{VERSION}.json",
        },
    )
    # The modelpromote GitHub App and the ruleset that pins the required check to it.
    app = sb.emu.register_app("modelpromote-gate", {"contents": "read", "pull_requests": "read", "statuses": "write", "members": "read"})
    GATE_SECRETS["MODELPROMOTE_APP_PRIVATE_KEY"] = app.private_key_pem
    GATE_VARS["MODELPROMOTE_APP_ID"] = str(app.app_id)
    sb.emu.set_required_checks("main", [("modelpromote/approval", app.app_id)])
    yield sb
    sb.emu.stop()


def dispatch(model: str, version: str, environment: str) -> dict[str, object]:
    return {
        "inputs": {"model": model, "version": version, "environment": environment, "reason": "act test"},
        "ref": "refs/heads/main",
        "repository": {"full_name": "acme/models", "name": "models", "owner": {"login": "acme"}, "default_branch": "main"},
    }


def test_the_action_installs_from_its_own_checkout(sandbox: Sandbox) -> None:
    """No cli given: the action builds the environment from its own checkout (the python3 on PATH, as
    on a runner with setup-python: false; no actions/cache offline), once: the next job reuses it."""
    run = sandbox.act(
        "promote-model.yml",
        "workflow_dispatch",
        dispatch(MODEL, VERSION, ENV),
        variables={"MODELPROMOTE_SETUP_PYTHON": "false", "MODELPROMOTE_PIP_CACHE": "false"},
        timeout=600,
    )
    assert "building the modelpromote environment from" in run.output, run.output
    assert "/hostexecutor in " in run.output  # the workspace copy of this repository, act's checkout
    assert run.step_ok("Validate the manifest")
    assert "OK (2 models, 5 versions, 3 environments)" in run.output
    # The next job on this runner (or after actions/cache restored it) reuses the environment: no pip.
    again = sandbox.act(
        "promote-model.yml",
        "workflow_dispatch",
        dispatch(MODEL, VERSION, ENV),
        variables={"MODELPROMOTE_SETUP_PYTHON": "false", "MODELPROMOTE_PIP_CACHE": "false"},
        timeout=600,
    )
    assert again.step_ok("Validate the manifest") and "reusing the modelpromote environment" in again.output
    assert "building the modelpromote environment" not in again.output


@pytest.mark.parametrize(
    ("model", "version", "shown"),
    [
        ("customer-support", '1.0.0"; touch {pwned}; echo "', "expected <base>-v<MAJOR.MINOR.PATCH>"),
        ("$(touch {pwned})", "claude-3-5-sonnet-v1.3.0", "invalid model name"),
        ("customer-support", "$(id)", "expected <base>-v<MAJOR.MINOR.PATCH>"),
    ],
)
def test_hostile_dispatch_inputs_are_refused(sandbox: Sandbox, model: str, version: str, shown: str) -> None:
    pwned = Path("/tmp") / f"pwned-{secrets.token_hex(8)}"
    model, version = model.format(pwned=pwned), version.format(pwned=pwned)
    run = sandbox.act(
        "promote-model.yml",
        "workflow_dispatch",
        dispatch(model, version, "production"),
        secrets={"MODELPROMOTE_TOKEN": "ghp_sandbox_bot"},
        variables=FAST,
    )
    assert run.returncode != 0
    assert run.step_failed("Plan"), run.output
    assert "exit status 2" in run.output  # bad input (exit 2), refused by the CLI
    assert shown in run.output
    assert not pwned.exists(), "the hostile input was executed"
    # Nothing after the refusal ran: no eval, no pull request.
    assert "Main Eval gate" not in run.output
    assert sandbox.request("GET", "/repos/acme/models/pulls?state=all") == []


def test_the_injection_check_would_catch_a_vulnerable_workflow(sandbox: Sandbox) -> None:
    """The article's pattern, `${{ inputs.version }}` pasted into run:, does execute the payload
    here: so the test above would notice if promote-model.yml regressed to it."""
    pwned = Path("/tmp") / f"pwned-{secrets.token_hex(8)}"
    vulnerable = sandbox.work / ".github" / "workflows" / "vulnerable.yml"
    vulnerable.write_text(
        "name: vulnerable\non:\n  workflow_dispatch:\n    inputs:\n      version: {type: string}\npermissions: {}\n"
        "jobs:\n  v:\n    runs-on: ubuntu-latest\n    steps:\n"
        '      - run: echo "promoting ${{ inputs.version }}"\n'
    )
    try:
        sandbox.act("vulnerable.yml", "workflow_dispatch", {"inputs": {"version": f'1.0.0"; touch {pwned}; echo "'}})
        assert pwned.exists()
    finally:
        vulnerable.unlink()
        pwned.unlink(missing_ok=True)


# -- the promotion, end to end ------------------------------------------------------------------


def pulls(sandbox: Sandbox) -> list[dict[str, object]]:
    """The pull requests of the promotion story (not the attack's)."""
    every = sandbox.request("GET", "/repos/acme/models/pulls?state=all")
    return [p for p in every if p["head"]["ref"] != "takeover"]


def test_dispatch_opens_the_pull_request(sandbox: Sandbox) -> None:
    run = sandbox.act(
        "promote-model.yml",
        "workflow_dispatch",
        dispatch(MODEL, VERSION, ENV),
        secrets={"MODELPROMOTE_TOKEN": "ghp_sandbox_bot"},
        variables=FAST,
    )
    assert run.returncode == 0, run.output
    for step in ("Validate the manifest", "Plan", "Eval gate", "Open the promotion pull request"):
        assert run.step_ok(step), step
    (pr,) = pulls(sandbox)
    assert pr["head"]["ref"] == BRANCH  # type: ignore[index]
    assert pr["user"]["login"] == "promoter-bot"  # type: ignore[index]  # opened with MODELPROMOTE_TOKEN
    assert VERSION in str(pr["title"])
    # Re-running the form updates the same pull request instead of opening a second one.
    again = sandbox.act(
        "promote-model.yml",
        "workflow_dispatch",
        dispatch(MODEL, VERSION, ENV),
        secrets={"MODELPROMOTE_TOKEN": "ghp_sandbox_bot"},
        variables=FAST,
    )
    assert again.returncode == 0, again.output
    assert len(pulls(sandbox)) == 1


def test_dispatch_without_a_workflow_starting_token_says_so(sandbox: Sandbox) -> None:
    run = sandbox.act("promote-model.yml", "workflow_dispatch", dispatch(MODEL, VERSION, ENV), variables=FAST)
    assert run.returncode != 0, run.output
    # act shows the step's ::error annotation most of the time; the failed step is what it always shows.
    assert run.step_failed("Require a token that starts workflows"), run.output
    text = (ROOT_WORKFLOWS / "promote-model.yml").read_text()
    assert "MODELPROMOTE_TOKEN is not set" in text and "starts no workflows" in text
    assert not run.step_ok("Open the promotion pull request")


def pr_event(sandbox: Sandbox, action: str, **extra: object) -> dict[str, object]:
    (pr,) = pulls(sandbox)
    full = sandbox.request("GET", f"/repos/acme/models/pulls/{pr['number']}")
    return {"action": action, "number": pr["number"], "pull_request": full, "repository": full["base"]["repo"], **extra}


def gate_status(sandbox: Sandbox) -> str:
    (pr,) = pulls(sandbox)
    sha = pr["head"]["sha"]  # type: ignore[index]
    statuses = sandbox.request("GET", f"/repos/acme/models/commits/{sha}/statuses")
    return str(next(s["state"] for s in statuses if s["context"] == "modelpromote/approval"))


def approve(sandbox: Sandbox, login: str) -> None:
    (pr,) = pulls(sandbox)
    sandbox.request("POST", f"/repos/acme/models/pulls/{pr['number']}/reviews", {"event": "APPROVE", "body": "lgtm"}, login=login)


def review_run(sandbox: Sandbox) -> dict[str, object]:
    """The workflow_run event promotion-review.yml's completion sends the gate (GitHub fills in the PR)."""
    (pr,) = pulls(sandbox)
    head = pr["head"]  # type: ignore[index]
    run = {"conclusion": "success", "head_branch": head["ref"], "head_sha": head["sha"], "pull_requests": [{"number": pr["number"]}]}
    return {"action": "completed", "workflow_run": run, "repository": {"full_name": "acme/models", "name": "models"}}


def merge(sandbox: Sandbox, login: str) -> tuple[int, str]:
    import urllib.error

    (pr,) = [p for p in pulls(sandbox) if p["state"] == "open"]
    try:
        sandbox.request("PUT", f"/repos/acme/models/pulls/{pr['number']}/merge", {"merge_method": "merge"}, login=login)
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()
    return 200, ""


def test_gate_fails_without_approvals_and_passes_after_them(sandbox: Sandbox) -> None:
    """The gate runs from main (pull_request_target, then workflow_run for reviews) as the App; the
    ruleset pins the required check to the App, so nothing else can open the merge."""
    sandbox.sync()  # the workflow and the gate's code are main's, never the pull request's
    run = sandbox.act("promotion-gate.yml", "pull_request_target", pr_event(sandbox, "opened"), secrets=GATE_SECRETS, variables=GATE_VARS)
    assert run.returncode != 0
    assert run.job_failed("approval gate"), run.output
    assert "0 of 2 approvals" in run.output and "evals/customer-support" in run.output
    assert gate_status(sandbox) == "failure"

    # Attack: a writer posts the context themselves.  It is not from the App: the merge stays shut.
    (pr,) = pulls(sandbox)
    sha = pr["head"]["sha"]  # type: ignore[index]
    sandbox.request("POST", f"/repos/acme/models/statuses/{sha}", {"state": "success", "context": "modelpromote/approval"}, login="mallory")
    code, message = merge(sandbox, "mallory")
    assert code == 405 and "modelpromote/approval" in message

    approve(sandbox, "bob")
    relay = sandbox.act("promotion-review.yml", "pull_request_review", pr_event(sandbox, "submitted"))
    assert relay.returncode == 0 and "re-runs from main" in relay.output, relay.output
    run = sandbox.act("promotion-gate.yml", "workflow_run", review_run(sandbox), secrets=GATE_SECRETS, variables=GATE_VARS)
    assert run.job_failed("approval gate"), run.output
    assert "1 of 2 approvals" in run.output  # production needs two distinct owners

    approve(sandbox, "carol")
    run = sandbox.act("promotion-gate.yml", "workflow_run", review_run(sandbox), secrets=GATE_SECRETS, variables=GATE_VARS)
    assert run.returncode == 0, run.output
    assert run.job_ok("approval gate")
    assert gate_status(sandbox) == "success"


def test_a_pull_request_that_rewrites_the_gate_changes_nothing(sandbox: Sandbox) -> None:
    """A PR whose actions/gate always passes and whose manifest lowers production's approvals:
    the gate that runs is main's, and it classifies the ladder change (needs the strictest approvals)."""
    main = sandbox.emu.branch_sha("main")
    assert main is not None
    sandbox.emu.git.update_ref("refs/heads/takeover", main)
    evil_action = "name: gate\ndescription: x\nruns:\n  using: composite\n  steps:\n    - run: exit 0\n      shell: bash\n"
    sandbox.emu.push_file("takeover", "actions/gate/action.yml", evil_action, login="mallory")
    text = (FIXTURES / "manifest.yaml").read_text(encoding="utf-8")
    lowered = text.replace("approvals: 2", "approvals: 0")
    assert lowered != text
    sandbox.emu.push_file("takeover", "models/manifest.yaml", lowered, login="mallory")
    number = sandbox.request("POST", "/repos/acme/models/pulls", {"title": "x", "head": "takeover", "base": "main"}, login="mallory")[
        "number"
    ]
    full = sandbox.request("GET", f"/repos/acme/models/pulls/{number}")
    event = {"action": "opened", "number": number, "pull_request": full, "repository": full["base"]["repo"]}
    sandbox.sync()
    run = sandbox.act("promotion-gate.yml", "pull_request_target", event, secrets=GATE_SECRETS, variables=GATE_VARS)
    assert run.job_failed("approval gate"), run.output
    assert "the promotion ladder" in run.output and "MP710" in run.output
    sandbox.request("PATCH", f"/repos/acme/models/pulls/{number}", {"state": "closed"}, login="mallory")


def test_merge_to_main_creates_the_deployments(sandbox: Sandbox) -> None:
    (pr,) = pulls(sandbox)
    before = sandbox.checkout("main")
    sandbox.request("PUT", f"/repos/acme/models/pulls/{pr['number']}/merge", {"merge_method": "merge"}, login="carol")
    after = sandbox.checkout("main")
    assert after != before
    push = {"ref": "refs/heads/main", "before": before, "after": after, "repository": {"full_name": "acme/models", "name": "models"}}
    secrets_ = {"MODELPROMOTE_TOKEN": "ghp_sandbox_bot", "MODELPROMOTE_WEBHOOK_SECRET": "s3cret"}

    run = sandbox.act("deploy-on-merge.yml", "push", push, secrets=secrets_, variables=FAST)
    assert run.returncode == 0, run.output
    deployments = sandbox.request("GET", "/repos/acme/models/deployments")
    # Nothing was deployed before in this sandbox: the first run deploys every pointer, this one too.
    (dep,) = [d for d in deployments if d["payload"].get("model") == MODEL and d["environment"] == ENV]
    assert dep["sha"] == after
    assert dep["payload"]["version"] == VERSION and dep["payload"]["strategy"] == "canary"
    statuses = sandbox.request("GET", f"/repos/acme/models/deployments/{dep['id']}/statuses")
    assert statuses[0]["state"] == "in_progress"  # a production canary at its first step

    # Re-running the same push (a retried job) creates nothing new.
    again = sandbox.act("deploy-on-merge.yml", "push", push, secrets=secrets_, variables=FAST)
    assert again.returncode == 0, again.output
    assert len(sandbox.request("GET", "/repos/acme/models/deployments")) == len(deployments)


def test_health_rolls_back_a_bad_canary(sandbox: Sandbox) -> None:
    import json
    from datetime import datetime, timezone

    main_before = sandbox.checkout("main")  # the merged promotion: a production canary at 5 %
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

    def seen(version: str, errors: int) -> dict[str, object]:
        metrics = {"error_rate": {"events": errors, "samples": 6000}, "latency_p99_ms": {"value": 900, "samples": 6000}}
        return {"model": MODEL, "env": ENV, "version": version, "at": now, "metrics": metrics}

    metrics = sandbox.home / "metrics.json"  # 5 % errors on the canary, 0.1 % on its baseline
    metrics.write_text(json.dumps({"observations": [seen(VERSION, 300), seen(BASELINE, 6)]}))
    run = sandbox.act(
        "health.yml",
        "workflow_dispatch",
        {"inputs": {"model": MODEL}},
        secrets={"MODELPROMOTE_TOKEN": "ghp_sandbox_bot"},
        variables={**FAST, "MODELPROMOTE_METRICS_JSON": str(metrics)},
    )
    assert run.job_failed("canary health"), run.output  # red, so somebody looks
    assert f"ROLLBACK -> {BASELINE}" in run.output
    assert "critical metric(s) failed: error_rate" in run.output
    assert "MP807" in run.output  # the annotation
    assert "Main ./actions/drift" in run.output  # drift still ran

    # The decision is a rollback pull request (on-call merges it: auto_merge is off here).
    (rollback,) = [p for p in pulls(sandbox) if str(p["head"]["ref"]).startswith(f"rollback/{MODEL}/{ENV}/")]  # type: ignore[index]
    assert rollback["state"] == "open"
    assert "rollback" in [label["name"] for label in rollback["labels"]]  # type: ignore[union-attr]

    # The gate (from main, as the App) verifies it is exactly health's change; on-call merges it;
    # the push deploys the restored version.
    full = sandbox.request("GET", f"/repos/acme/models/pulls/{rollback['number']}")
    event = {"action": "opened", "number": rollback["number"], "pull_request": full, "repository": full["base"]["repo"]}
    gate = sandbox.act("promotion-gate.yml", "pull_request_target", event, secrets=GATE_SECRETS, variables=GATE_VARS)
    assert gate.returncode == 0 and "the manifest change is exactly what health writes" in gate.output, gate.output
    sandbox.request("PUT", f"/repos/acme/models/pulls/{rollback['number']}/merge", {"merge_method": "merge"}, login="bob")
    main_after = sandbox.checkout("main")
    push = {
        "ref": "refs/heads/main",
        "before": main_before,
        "after": main_after,
        "repository": {"full_name": "acme/models", "name": "models"},
    }
    deploy = sandbox.act("deploy-on-merge.yml", "push", push, secrets={"MODELPROMOTE_WEBHOOK_SECRET": "s3cret"}, variables=FAST)
    assert deploy.returncode == 0, deploy.output
    latest = [d for d in sandbox.request("GET", "/repos/acme/models/deployments") if d["sha"] == main_after]
    assert [(d["environment"], d["payload"]["version"]) for d in latest] == [(ENV, BASELINE)]
