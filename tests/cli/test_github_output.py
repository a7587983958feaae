"""In GitHub Actions every failing verb leaves an ::error annotation with its MP code, and every verb a step summary."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from modelpromote.cli import main
from modelpromote.cli.github_output import failure, run_verb
from modelpromote.report.findings import workflow_commands
from tests.support.paths import EXAMPLE


def gha(tmp_path: Path) -> dict[str, str]:
    return {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"), "GITHUB_OUTPUT": str(tmp_path / "out")}


def test_a_verb_failing_without_its_own_annotation_gets_one_with_its_code(tmp_path: Path) -> None:
    stale = tmp_path / "schema.json"
    stale.write_text("{}")
    r = CliRunner().invoke(main, ["schema", "--check", str(stale)], env=gha(tmp_path))
    assert r.exit_code == 1
    assert r.output.count("::error ") == 1 and "title=MP302" in r.output
    summary = (tmp_path / "summary.md").read_text()
    assert summary.startswith("### modelpromote schema: :x: failed (exit 1)") and "is stale" in summary


def test_a_verb_with_its_own_annotation_and_summary_gets_no_second_one(tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["validate", str(EXAMPLE)], env=gha(tmp_path))
    assert r.exit_code == 0 and "::error" not in r.output
    assert (tmp_path / "summary.md").read_text().count("### ") == 1


def test_every_verb_writes_a_summary(tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["status", "-m", str(EXAMPLE)], env=gha(tmp_path))
    assert r.exit_code == 0
    assert "### modelpromote status: :white_check_mark: ok (exit 0)" in (tmp_path / "summary.md").read_text()


def test_input_errors_are_annotated_once_with_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "m.yaml"
    bad.write_text("schema_version: 1\nenvironments: [\n")
    r = CliRunner().invoke(main, ["status", "-m", str(bad)], env=gha(tmp_path))
    assert r.exit_code != 0
    lines = [ln for ln in r.output.splitlines() if ln.startswith("::error ")]
    assert len(lines) == 1 and f"file={bad}".replace(":", "%3A") in lines[0] and "line=" in lines[0] and "title=MP005" in lines[0]


def test_outside_github_actions_nothing_is_added(tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["status", "-m", str(EXAMPLE)], env={"GITHUB_ACTIONS": "", "GITHUB_STEP_SUMMARY": str(tmp_path / "s")})
    assert r.exit_code == 0 and not (tmp_path / "s").exists()


def test_a_blocked_gate_is_annotated_with_the_failing_check(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """The gate's BLOCKED output (cli/gate_verbs.py) carries the failed check's code; the annotation uses it."""
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)

    def verb() -> None:
        print("gate #7 at 0123456789ab: BLOCKED (1/2 approvals)")
        print("  ok    author             alice opened it")
        print("  FAIL  approvals          1 of 2 approvals from owners [MP710]")
        sys.exit(1)

    with pytest.raises(SystemExit):
        run_verb("gate", {"manifest_path": "models/manifest.yaml"}, verb)
    out = capsys.readouterr().out
    assert "::error file=models/manifest.yaml,title=MP710 not enough approvals::approvals          1 of 2 approvals" in out


def test_the_manifest_location_of_a_branch_drops_the_ref() -> None:
    f = failure("drift", {}, "models/manifest.yaml@main:12:3: error MP821: drifted\n")
    assert (f.file, f.line, f.code) == ("models/manifest.yaml", 12, "MP821")


@given(
    st.text(
        alphabet=st.characters(min_codepoint=32, max_codepoint=0x7E)
        | st.characters(min_codepoint=0xA0, max_codepoint=0x2FF)
        | st.sampled_from("\n\r%:,")
    )
)
def test_annotation_data_is_escaped_as_github_requires(message: str) -> None:
    """% CR LF escaped per GitHub (other control characters are shown escaped by report/safe.py, tested there)."""
    from modelpromote.errors import Finding

    line = workflow_commands([Finding("MP302", message, "a,b:c.yaml", 3, hint="")])
    head, _, data = line.partition("::")[2].partition("::")
    assert "\n" not in line and "\r" not in line
    assert "file=a%2Cb%3Ac.yaml" in head
    decoded = data.replace("%0A", "\n").replace("%0D", "\r").replace("%25", "%")
    assert decoded.startswith(message)
