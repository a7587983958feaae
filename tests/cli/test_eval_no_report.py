"""The eval gate never passes without running: no results file is a failed gate (MP512), not a pass or a crash."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from modelpromote.cli import main
from tests.support.paths import EXAMPLE, ROOT


def test_missing_results_fail_the_gate_with_mp512(tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["eval", "--results", str(tmp_path / "eval-report.json"), "-m", str(EXAMPLE)], env={"GITHUB_ACTIONS": ""})
    assert r.exit_code == 1
    assert "MP512" in r.output and "--model-version" in r.output


def test_the_documented_pytest_command_runs_the_suite_and_writes_the_report(tmp_path: Path) -> None:
    """docs/eval.md's `--model-version` form: the suite runs and the report exists (no silent pass)."""
    suite = tmp_path / "test_suite.py"
    suite.write_text(
        "import pytest\n@pytest.mark.parametrize('i', range(40))\ndef test_case(i, eval_target):\n    assert eval_target.version\n"
    )
    report = tmp_path / "eval-report.json"
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_ACTIONS"}
    p = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            str(suite),
            "--rootdir",
            str(tmp_path),
            "--model",
            "customer-support",
            "--model-version",
            "claude-3-5-sonnet-v1.3.0-rc.1_prompt-v4",
            "--threshold",
            "0.85",
            "--model-manifest",
            str(EXAMPLE),
            "--eval-report",
            str(report),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode == 0, p.stdout + p.stderr
    assert report.is_file() and "40 passed" in p.stdout
