"""Typos and mismatches are refused with a did-you-mean, never turned into something new."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from modelpromote.app.pull_request import check_report_target
from modelpromote.cli import main
from modelpromote.errors import InputError
from modelpromote.gates.eval.model import EvalResults
from tests.support.paths import EXAMPLE


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    shutil.copytree(EXAMPLE.parent, tmp_path / "models")
    return tmp_path / "models" / "manifest.yaml"


def release(manifest: Path, *args: str) -> object:
    return CliRunner().invoke(main, ["release", *args, "-m", str(manifest), "--now", "2026-06-01T00:00:00Z"], env={"GITHUB_ACTIONS": ""})


def test_release_of_an_unknown_base_is_refused_with_the_closest_names(manifest: Path) -> None:
    before = manifest.read_text()
    r = release(manifest, "claude-3-5-sonet", "--bump", "minor")
    assert r.exit_code == 2 and "MP313" in r.output and "did you mean claude-3-5-sonnet?" in r.output  # type: ignore[attr-defined]
    r = release(manifest, "gpt4o-mini", "--bump", "minor")
    assert r.exit_code == 2 and "--new-base" in r.output  # type: ignore[attr-defined]
    assert manifest.read_text() == before


def test_a_new_family_needs_new_base_and_its_provider_model(manifest: Path) -> None:
    r = release(manifest, "gpt-4o-mini", "--bump", "minor", "--new-base")
    assert r.exit_code == 2 and "--provider-model" in r.output  # type: ignore[attr-defined]
    r = release(manifest, "gpt-4o-mini", "--bump", "minor", "--new-base", "--provider-model", "gpt-4o-mini-2024-07-18")
    assert r.exit_code == 0, r.output  # type: ignore[attr-defined]
    assert "gpt-4o-mini-v0.1.0-rc.1" in manifest.read_text() and "provider_model: gpt-4o-mini-2024-07-18" in manifest.read_text()
    r = release(manifest, "claude-3-5-sonnet", "--bump", "minor", "--new-base", "--provider-model", "x")
    assert r.exit_code == 2 and "already has versions" in r.output  # type: ignore[attr-defined]


def results(model: str | None, version: str | None, env: str | None) -> EvalResults:
    return EvalResults("generic", {}, True, (), model, version, env, ())


@pytest.mark.parametrize(
    ("model", "version", "env", "wrong"),
    [
        ("code-generator", None, None, "model 'code-generator'"),
        ("customer-support", "claude-3-5-sonnet-v1.2.3", None, "version 'claude-3-5-sonnet-v1.2.3'"),
        (None, None, "staging", "environment 'staging'"),
    ],
)
def test_pr_refuses_an_eval_report_for_something_else(model: str | None, version: str | None, env: str | None, wrong: str) -> None:
    with pytest.raises(InputError) as e:
        check_report_target(results(model, version, env), "r.json", "customer-support", "claude-3-5-sonnet-v1.3.0_prompt-v4", "production")
    assert e.value.findings[0].code == "MP314" and wrong in e.value.findings[0].message


@pytest.mark.parametrize("version", [None, "claude-3-5-sonnet-v1.3.0", "claude-3-5-sonnet-v1.3.0_prompt-v4"])
def test_pr_accepts_a_report_for_this_promotion_or_one_that_names_nothing(version: str | None) -> None:
    check_report_target(
        results("customer-support", version, "production"), "r.json", "customer-support", "claude-3-5-sonnet-v1.3.0_prompt-v4", "production"
    )
