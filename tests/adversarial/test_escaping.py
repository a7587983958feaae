"""User text printed to a terminal or into GitHub workflow commands cannot inject anything.

A runner treats any stdout/stderr line starting with ``::`` as a workflow command; a terminal obeys
ESC sequences.  Hold reasons, ``--by``, metric names and model names from an eval file are user text.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelpromote.errors import Finding
from modelpromote.report import findings as render
from modelpromote.report.safe import term, term_block, workflow_data, workflow_prop
from tests.support.manifests import MANIFEST, NOW_ARG

EXE = str(Path(sys.executable).parent / "modelpromote")
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")

PAYLOADS = [
    "x\n::error title=pwned::owned",
    "x\r\n::set-output name=a::b",
    "x\n  ::warning::indented",
    "x\x1b]0;retitled\x07",
    "x\x1b[2J\x1b[H",
    "x\x9b31m",
    "x\u202eevil",
    "x\u2028::error::line-separator",
    "x%0A::error::pre-escaped",
    "x\n::add-mask::secret",
]


def run(*args: str, actions: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "MODELPROMOTE_"))}
    if actions:
        env["GITHUB_ACTIONS"] = "true"  # annotations on: our own ::error lines are printed too
    return subprocess.run([EXE, *args], capture_output=True, text=True, env=env, timeout=120)


def injected(out: str) -> list[str]:
    """Lines a runner would take as workflow commands, other than modelpromote's own annotations."""
    ours = re.compile(r"^::(error|warning|notice) (file=[^,]*,)?(line=\d+,)?(col=\d+,)?title=MP\d{3}[^:]*::")
    return [line for line in out.splitlines() if line.lstrip().startswith("::") and not ours.match(line)]


def assert_inert(out: str) -> None:
    assert injected(out) == [], out
    assert not CONTROL.search(out), repr(out)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_hold_reason_and_by_are_inert_everywhere(tmp_path: Path, payload: str) -> None:
    p = tmp_path / "manifest.yaml"
    p.write_text(MANIFEST, encoding="utf-8")
    r = run("hold", "alpha", "--reason", payload, "--by", payload, "--now", NOW_ARG, "-m", str(p))
    assert r.returncode == 0, r.stderr
    assert_inert(r.stdout + r.stderr)
    for args in (
        ["status", "-m", str(p)],
        ["hold", "alpha", "--reason", payload, "--now", NOW_ARG, "-m", str(p), "--dry-run"],
        ["plan", "alpha", "base-a-v1.1.0", "--to", "production", "--now", NOW_ARG, "-m", str(p)],
    ):
        r = run(*args)
        assert_inert(r.stdout + r.stderr)
    assert run("validate", str(p)).returncode == 0  # the log entry stayed one entry


@pytest.mark.parametrize("payload", PAYLOADS)
def test_metric_and_model_names_from_an_eval_file_are_inert(tmp_path: Path, payload: str) -> None:
    doc = {
        "format": "modelpromote-eval",
        "version": 1,
        "model": payload,
        "model_version": payload,
        "metrics": {payload: {"successes": 1, "total": 50}, "pass_rate": {"successes": 1, "total": 50}},
    }
    (tmp_path / "r.json").write_text(json.dumps(doc), encoding="utf-8")
    for extra in ([], ["--json"]):
        r = run("eval", "--results", str(tmp_path / "r.json"), "--metric", f"{payload} >= 0.9", "--threshold", "0.9", *extra)
        assert r.returncode in (1, 2), r.stderr
        assert injected(r.stdout + r.stderr) == [], r.stdout + r.stderr
        if not extra:
            assert not CONTROL.search(r.stdout + r.stderr)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_unknown_model_names_in_messages_are_inert(tmp_path: Path, payload: str) -> None:
    p = tmp_path / "manifest.yaml"
    p.write_text(MANIFEST, encoding="utf-8")
    r = run("hold", payload, "--reason", "x", "-m", str(p))
    assert r.returncode == 2
    assert_inert(r.stdout + r.stderr)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_term_leaves_no_control_character(value: str) -> None:
    out = term(value)
    assert not CONTROL.search(out) and "\n" not in out and "\t" not in out


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=30), max_size=5))
def test_term_block_never_starts_a_workflow_command(values: list[str]) -> None:
    out = term_block("\n".join(values))
    assert not CONTROL.search(out)
    assert not any(line.lstrip().startswith("::") for line in out.split("\n"))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60), st.text(max_size=30), st.text(max_size=30))
def test_workflow_commands_hold_one_line_each(message: str, file: str, hint: str) -> None:
    f = Finding("MP302", message, file or None, 3, 4, hint or None)
    out = render.workflow_commands([f])
    assert "\n" not in out and "\r" not in out and out.startswith("::error ")
    props = out.split("::", 2)[1].removeprefix("error ")
    keys = [part.split("=", 1)[0] for part in props.split(",")]
    assert keys == (["file"] if file else []) + ["line", "col", "title"]  # no property smuggled in
    assert "\n" not in workflow_data(message) and ":" not in workflow_prop(file) and "," not in workflow_prop(file)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_findings_text_is_inert(message: str) -> None:
    out = render.text([Finding("MP302", message, hint=message)])
    assert not CONTROL.search(out)
    assert not any(line.lstrip().startswith("::") for line in out.split("\n"))
