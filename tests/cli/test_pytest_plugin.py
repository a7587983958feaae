"""The pytest plugin, run as a user runs it (pytester), including the article's `--version`."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

import modelpromote.cli.common
import modelpromote.gates.eval
import modelpromote.manifest.load  # noqa: F401  - imported once here: pytester's in-process runs re-import what they load,
from modelpromote.pytest_argv import rewrite_version_args  # and libyaml's C loader does not survive that.
from tests.support.paths import ROOT

pytest_plugins = ["pytester"]

VERSION = "claude-3-5-sonnet-v1.3.0-rc.1_prompt-v4"

SUITE = """
import pytest
from modelpromote.runtime import Prompt

@pytest.mark.parametrize("i", range({n}))
def test_answer(i, eval_target, eval_case):
    assert eval_target.provider_model == "claude-3-5-sonnet-20241022"
    # The same prompt object as the runtime's Assignment.prompt: text from the catalogue.
    assert isinstance(eval_target.prompt, Prompt) and eval_target.prompt.version == 4
    assert "Order record:\\nA-1 shipped" in eval_target.prompt.render(
        company="Acme", order_id="A-1", order_record="A-1 shipped", customer_name="Ann", question="Where?")
    eval_case.record("helpfulness", score=0.9)
    assert i >= {failures}
"""


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    shutil.copy(ROOT / "models" / "manifest.yaml", pytester.path / "manifest.yaml")
    shutil.copytree(ROOT / "models" / "prompts", pytester.path / "prompts")  # the prompt catalogue's texts
    return pytester


def write_suite(p: pytest.Pytester, n: int, failures: int) -> None:
    p.makepyfile(eval_suite=SUITE.format(n=n, failures=failures))


def test_passing_suite_passes_the_gate_and_writes_the_report(suite: pytest.Pytester) -> None:
    write_suite(suite, 60, 0)
    res = suite.runpytest("eval_suite.py", "--model", "customer-support", "--model-version", VERSION,
                          "--threshold", "0.85", "--manifest", "manifest.yaml", "--eval-report", "out.json")
    assert res.ret == 0
    res.stdout.fnmatch_lines(["*modelpromote eval gate: customer-support*production*", "*eval gate: PASS*"])
    doc = json.loads((suite.path / "out.json").read_text())
    assert doc["metrics"]["pass_rate"] == {"successes": 60, "total": 60, "higher_is_better": True}
    assert doc["gate"]["status"] == "PASS" and len(doc["cases"]) == 60
    assert doc["target"]["settings"]["temperature"] == 0.3


def test_some_failing_cases_do_not_fail_a_gate_that_passes(suite: pytest.Pytester) -> None:
    write_suite(suite, 200, 4)  # 98 %: the gate passes though 4 tests failed
    res = suite.runpytest("eval_suite.py", "--model", "customer-support", "--model-version", VERSION,
                          "--threshold", "0.85", "--manifest", "manifest.yaml")
    res.assert_outcomes(passed=196, failed=4)
    assert res.ret == 0


def test_failing_gate_fails_the_session_and_prints_the_fail_command(suite: pytest.Pytester) -> None:
    write_suite(suite, 60, 30)
    res = suite.runpytest("eval_suite.py", "--model", "customer-support", "--model-version", VERSION,
                          "--threshold", "0.85", "--manifest", "manifest.yaml", "--eval-report", "out.json")
    assert res.ret == 1
    res.stdout.fnmatch_lines(["*eval gate: FAIL*", f"*modelpromote fail customer-support {VERSION} --env production --gate eval --report out.json*"])


def test_too_few_cases_is_inconclusive_not_a_pass(suite: pytest.Pytester) -> None:
    write_suite(suite, 5, 0)
    res = suite.runpytest("eval_suite.py", "--model", "customer-support", "--model-version", VERSION,
                          "--threshold", "0.85", "--manifest", "manifest.yaml")
    assert res.ret == 1
    res.stdout.fnmatch_lines(["*INCONCLUSIVE*more samples*"])


def test_score_rules_from_flags(suite: pytest.Pytester) -> None:
    write_suite(suite, 40, 0)
    res = suite.runpytest("eval_suite.py", "--model", "customer-support", "--model-version", VERSION,
                          "--eval-metric", "helpfulness>=0.95", "--manifest", "manifest.yaml")
    assert res.ret == 1  # every score is 0.9: the interval is a point below 0.95
    res.stdout.fnmatch_lines(["*helpfulness*FAIL*"])


def test_unknown_version_is_a_usage_error(suite: pytest.Pytester) -> None:
    write_suite(suite, 3, 0)
    res = suite.runpytest("eval_suite.py", "--model", "customer-support", "--model-version", "claude-3-5-sonnet-v9.9.9",
                          "--threshold", "0.85", "--manifest", "manifest.yaml")
    assert res.ret == pytest.ExitCode.USAGE_ERROR
    res.stderr.fnmatch_lines(["*MP511*not in version_history*"])


def test_inert_without_model(suite: pytest.Pytester) -> None:
    suite.makepyfile(test_plain="def test_ok():\n    assert True\n\ndef test_bad():\n    assert False\n")
    res = suite.runpytest("test_plain.py")
    assert res.ret == 1  # ordinary pytest semantics: a failing test fails the run
    assert "eval gate" not in res.stdout.str()


def test_eval_target_skips_without_model(suite: pytest.Pytester) -> None:
    write_suite(suite, 2, 0)
    res = suite.runpytest("eval_suite.py")
    res.assert_outcomes(skipped=2)


def test_article_command_line_with_version_runs_the_suite(suite: pytest.Pytester) -> None:
    """`pytest ... --model M --version V --threshold 0.85`: V is the model version, not pytest's --version."""
    write_suite(suite, 40, 0)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "eval_suite.py", "--model", "customer-support", "--version", VERSION,
         "--threshold", "0.85", "--manifest", "manifest.yaml", "-p", "no:cacheprovider"],
        cwd=suite.path, capture_output=True, text=True, timeout=120, check=False,
    )
    assert "pytest 9" not in proc.stdout.splitlines()[0:1], proc.stdout
    assert "40 passed" in proc.stdout, proc.stdout + proc.stderr
    assert f"modelpromote eval gate: customer-support {VERSION}" in proc.stdout
    assert proc.returncode == 0


def test_plain_pytest_version_still_prints_pytests_version(suite: pytest.Pytester) -> None:
    proc = subprocess.run([sys.executable, "-m", "pytest", "--version"], cwd=suite.path, capture_output=True, text=True, timeout=60,
                          check=False)
    assert proc.returncode == 0 and proc.stdout.startswith("pytest ")


@pytest.mark.parametrize(("args", "expected"), [
    (["--model", "m", "--version", "v1"], ["--model", "m", "--model-version", "v1"]),
    (["--model=m", "--version=v1"], ["--model=m", "--model-version=v1"]),
    (["--version"], ["--version"]),
    (["--version", "v1"], ["--version", "v1"]),  # no --model: pytest's own flag
    (["--model", "m", "--version", "-q"], ["--model", "m", "--version", "-q"]),
])
def test_rewrite_version_args(args: list[str], expected: list[str]) -> None:
    assert rewrite_version_args(args) == expected
