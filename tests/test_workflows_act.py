"""The workflows, run for real with act (host mode, offline) against the GitHub emulator.

One sandbox per module (tests/act/harness.py): a temp git repository holding this checkout's
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

from tests.act.harness import Sandbox, make_sandbox

pytestmark = [pytest.mark.act, pytest.mark.slow]

CLI = str(Path(sys.executable).parent / "modelpromote")
# The actions use this checkout's installed CLI (the `cli` input, via a repository variable):
# the install path itself is exercised once, in test_dispatch_installs_from_the_action_checkout.
FAST = {"MODELPROMOTE_CLI": CLI}


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    sb = make_sandbox(
        tmp_path_factory.mktemp("act"),
        users={"octocat": "ghp_sandbox_octocat", "promoter-bot": "ghp_sandbox_bot", "bob": "ghp_sandbox_bob", "carol": "ghp_sandbox_carol"},
        teams={"acme/support-ml": ["bob", "carol"], "acme/codegen-ml": ["bob", "carol"]},
    )
    yield sb
    sb.emu.stop()


def dispatch(model: str, version: str, environment: str) -> dict[str, object]:
    return {
        "inputs": {"model": model, "version": version, "environment": environment, "reason": "act test"},
        "ref": "refs/heads/main",
        "repository": {"full_name": "acme/models", "name": "models", "owner": {"login": "acme"}, "default_branch": "main"},
    }


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
