"""Each tool's results file, shaped as the tool writes it, read into the same metrics."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from modelpromote.errors import InputError
from modelpromote.gates.eval import parse_results
from tests.support.paths import DATA as TEST_DATA

DATA = TEST_DATA / "eval"
LM_EVAL = DATA / "lm-eval-results_2026-05-20T10-31-07.json"


def parse(name: str | Path, fmt: str = "auto"):  # type: ignore[no-untyped-def]
    path = Path(name) if isinstance(name, Path) else DATA / name
    return parse_results(path.read_bytes(), str(path), fmt)


def test_junit_counts_testcases_across_suites_errors_fail_and_skips_are_left_out() -> None:
    r = parse("junit-pytest.xml")
    assert r.format == "junit"
    m = r.metrics["pass_rate"]
    assert (m.successes, m.n) == (16, 19)  # 20 cases: 2 failures + 1 error fail, 1 skipped left out
    assert any("skipped" in n for n in r.notes)


def test_junit_without_testcases_sums_suite_attributes() -> None:
    xml = b'<testsuites><testsuite name="a" tests="10" failures="1" errors="1" skipped="2"/>' \
          b'<testsuite name="b" tests="5" failures="0" errors="0"/></testsuites>'
    m = parse_results(xml, "summary.xml").metrics["pass_rate"]
    assert (m.successes, m.n) == (11, 13)


def test_promptfoo_pass_rate_from_stats_and_scores_from_rows() -> None:
    r = parse("promptfoo-results.json")
    assert r.format == "promptfoo"
    pr = r.metrics["pass_rate"]
    assert (pr.successes, pr.n) == (36, 40)  # 36 successes, 3 failures, 1 error
    assert r.metrics["score"].n == 40
    assert r.metrics["score"].stderr is not None
    assert r.metrics["helpfulness"].n == 39  # the errored row has no named scores


def test_lm_eval_metrics_carry_stderr_direction_and_counts() -> None:
    r = parse(LM_EVAL)
    acc = r.metrics["arc_easy/acc"]
    assert acc.value == pytest.approx(0.81734, abs=1e-5)
    assert acc.stderr == pytest.approx(0.00793, abs=1e-5)
    assert acc.n == 2376
    assert r.metrics["gsm8k/exact_match,strict-match"].n == 1319
    ppl = r.metrics["wikitext/word_perplexity"]
    assert ppl.higher_is_better is False
    assert ppl.stderr is None  # "N/A" in the file


@pytest.mark.parametrize("name", ["inspect-log.json", "inspect-deflate.eval", "inspect-zstd.eval"])
def test_inspect_logs_json_and_eval_archives(name: str) -> None:
    r = parse(name)
    assert r.format == "inspect"
    acc = r.metrics["accuracy"]
    assert acc.value == pytest.approx(0.90355, abs=1e-5)
    assert acc.stderr == pytest.approx(0.02109, abs=1e-5)
    assert acc.n == 197
    assert "stderr" not in r.metrics
    assert r.complete
    assert any("3 of 200" in n for n in r.notes)


def test_inspect_cancelled_run_is_marked_incomplete() -> None:
    r = parse("inspect-cancelled.json")
    assert not r.complete
    assert any("cancelled" in n for n in r.notes)


def test_inspect_archive_still_running_has_no_results() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("_journal/start.json", json.dumps({"version": 2, "eval": {"task": "t"}, "plan": {}}))
    with pytest.raises(InputError) as e:
        parse_results(buf.getvalue(), "run.eval")
    assert e.value.findings[0].code == "MP503"
    assert "no results" in e.value.findings[0].message


def test_generic_metrics_and_cases() -> None:
    doc = {"format": "modelpromote-eval", "version": 1, "model": "customer-support", "model_version": "claude-3-5-sonnet-v1.3.0",
           "metrics": {"accuracy": {"value": 0.91, "stderr": 0.01, "n": 400}},
           "cases": [{"id": "a", "outcome": "passed", "scores": {"tone": True}}, {"id": "b", "passed": False, "scores": {"tone": False}}]}
    r = parse_results(json.dumps(doc).encode(), "r.json")
    assert r.metrics["accuracy"].stderr == 0.01
    assert (r.metrics["pass_rate"].successes, r.metrics["pass_rate"].n) == (1, 2)
    assert r.metrics["tone"].kind == "pass_rate"
    assert (r.model, r.version) == ("customer-support", "claude-3-5-sonnet-v1.3.0")


def _run(cli: Callable[..., Result], path: Path, *extra: str) -> Result:
    return cli("eval", "--results", str(path), "--threshold", "0.8", "--manifest", str(path.parent / "none.yaml"), *extra)


def test_truncated_json_is_exit_2_with_line_and_column(cli: Callable[..., Result], tmp_path: Path) -> None:
    text = (DATA / "promptfoo-results.json").read_text()
    bad = tmp_path / "results.json"
    bad.write_text(text[: len(text) // 2])
    res = _run(cli, bad)
    assert res.exit_code == 2
    line = text[: len(text) // 2].count("\n") + 1
    assert f"{bad}:{line}:" in res.stderr
    assert "MP502" in res.stderr and "truncated" in res.stderr


def test_malformed_xml_is_exit_2_with_position(cli: Callable[..., Result], tmp_path: Path) -> None:
    bad = tmp_path / "report.xml"
    bad.write_text('<testsuites>\n  <testsuite name="x"><testcase name="a"></testsuite>\n</testsuites>\n')
    res = _run(cli, bad)
    assert res.exit_code == 2
    assert f"{bad}:2:" in res.stderr and "MP502" in res.stderr


def test_truncated_eval_archive_is_exit_2(cli: Callable[..., Result], tmp_path: Path) -> None:
    data = (DATA / "inspect-zstd.eval").read_bytes()
    bad = tmp_path / "run.eval"
    bad.write_bytes(data[: len(data) - 40])
    res = _run(cli, bad)
    assert res.exit_code == 2
    assert "MP502" in res.stderr and "truncated or corrupt" in res.stderr


def test_xml_entities_are_refused(cli: Callable[..., Result], tmp_path: Path) -> None:
    bad = tmp_path / "bomb.xml"
    bad.write_text('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><testsuite><testcase name="&a;"/></testsuite>')
    res = _run(cli, bad)
    assert res.exit_code == 2 and "DOCTYPE" in res.stderr


@pytest.mark.parametrize(("content", "expect"), [
    (b'{"hello": "world"}', "top level: hello"),
    (b"name,score\na,1\n", "not a results file"),
    (b"<html><body>hi</body></html>", "<html>"),
])
def test_unknown_formats_say_what_was_expected(cli: Callable[..., Result], tmp_path: Path, content: bytes, expect: str) -> None:
    f = tmp_path / "mystery.txt"
    f.write_bytes(content)
    res = _run(cli, f)
    assert res.exit_code == 2
    assert "MP501" in res.stderr and expect in res.stderr
    assert "JUnit" in res.stderr and "promptfoo" in res.stderr


def test_forced_format_mismatch_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError) as e:
        parse(LM_EVAL, "promptfoo")
    assert "stats" in e.value.findings[0].message or "results" in e.value.findings[0].message


def test_missing_results_file_fails_the_gate(cli: Callable[..., Result], tmp_path: Path) -> None:
    # No results means the eval did not run: the gate fails (exit 1, MP512), it is not an input typo to shrug off.
    res = _run(cli, tmp_path / "nope.json")
    assert res.exit_code == 1 and "MP512" in res.stderr
