"""The gate's verdicts, thresholds and reports, as a user of `modelpromote eval` sees them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from hypothesis import given
from hypothesis import strategies as st

from modelpromote.errors import InputError
from modelpromote.gates.eval import EvalResults, Metric, Rule, decide, parse_expression
from modelpromote.gates.eval.thresholds import ThresholdError
from modelpromote.report.eval import report_markdown
from tests.support.paths import DATA as TEST_DATA

DATA = TEST_DATA / "eval"


def rate(s: int, n: int, name: str = "pass_rate") -> EvalResults:
    return EvalResults("generic", {name: Metric(name, "pass_rate", s / n, n, s)})


def rule(expr: str, metric: str = "pass_rate", min_samples: int = 30) -> Rule:
    return Rule(metric, parse_expression(expr), min_samples, 0.95, expr)


@pytest.mark.parametrize(("s", "n", "status"), [
    (97, 100, "PASS"),        # Wilson [0.915, 0.990] clears 0.85
    (60, 100, "FAIL"),        # upper bound 0.69 < 0.85
    (88, 100, "INCONCLUSIVE"),  # [0.80, 0.93] straddles 0.85
    (20, 20, "INCONCLUSIVE"),   # perfect, but fewer than 30 samples
])
def test_pass_rate_verdicts(s: int, n: int, status: str) -> None:
    assert decide(rate(s, n), [rule(">= 0.85")]).status == status


def test_inconclusive_says_how_many_more_samples_decide_it() -> None:
    report = decide(rate(88, 100), [rule(">= 0.85")])
    more = report.more_samples
    assert more is not None and more > 0
    # With that many more samples at the observed rate, the gate does decide.
    n = 100 + more
    assert decide(rate(round(0.88 * n), n), [rule(">= 0.85")]).status == "PASS"
    n = 100 + more - 1
    assert decide(rate(round(0.88 * n), n), [rule(">= 0.85")]).status == "INCONCLUSIVE"


def test_too_few_samples_needs_at_least_the_minimum() -> None:
    report = decide(rate(20, 20), [rule(">= 0.85")])
    assert report.more_samples == 10


def test_lower_is_better_threshold() -> None:
    r = EvalResults("generic", {"hallucination_rate": Metric("hallucination_rate", "pass_rate", 2 / 400, 400, 2)})
    assert decide(r, [rule("<= 5%", "hallucination_rate")]).status == "PASS"


def test_score_with_stderr_uses_the_normal_interval() -> None:
    r = EvalResults("inspect", {"accuracy": Metric("accuracy", "score", 0.90, 200, None, 0.02)})
    assert decide(r, [rule(">= 0.85", "accuracy")]).status == "PASS"   # [0.861, 0.939]
    assert decide(r, [rule(">= 0.88", "accuracy")]).status == "INCONCLUSIVE"
    assert decide(r, [rule(">= 0.95", "accuracy")]).status == "FAIL"


def test_relative_to_baseline_pass_rates_use_the_difference() -> None:
    base = rate(900, 1000)
    assert decide(rate(895, 1000), [rule(">= baseline - 0.05")], base).status == "PASS"
    assert decide(rate(800, 1000), [rule(">= baseline - 0.02")], base).status == "FAIL"
    assert decide(rate(885, 1000), [rule("no worse than baseline - 0.02")], base).status == "INCONCLUSIVE"


def test_relative_rule_without_baseline_is_a_usage_error() -> None:
    with pytest.raises(InputError) as e:
        decide(rate(90, 100), [rule(">= baseline - 0.02")])
    assert e.value.findings[0].code == "MP507"


def test_missing_metric_names_what_exists() -> None:
    with pytest.raises(InputError) as e:
        decide(rate(90, 100), [rule(">= 0.8", "helpfulness")])
    assert e.value.findings[0].code == "MP505" and "pass_rate" in e.value.findings[0].fix


def test_incomplete_run_cannot_pass() -> None:
    r = EvalResults("inspect", {"accuracy": Metric("accuracy", "score", 0.99, 500, None, 0.001)}, complete=False)
    assert decide(r, [rule(">= 0.85", "accuracy")]).status == "INCONCLUSIVE"


@pytest.mark.parametrize("bad", ["", "0.85", ">= ", "== 0.8", ">= 0.8 0.9", ">= abc", "no worse than baseline + 1"])
def test_bad_threshold_expressions_say_where(bad: str) -> None:
    with pytest.raises(ThresholdError) as e:
        parse_expression(bad)
    assert 0 <= e.value.pos <= len(bad)


@given(st.floats(0, 1), st.sampled_from([">=", ">", "<=", "<"]))
def test_any_number_with_any_operator_parses(x: float, op: str) -> None:
    (cond,) = parse_expression(f"{op} {x!r}")
    assert cond.value == pytest.approx(x) and cond.op == op and not cond.relative


def test_markdown_states_status_method_and_needed_samples() -> None:
    md = report_markdown(decide(rate(88, 100), [rule(">= 0.85")]))
    assert "INCONCLUSIVE" in md and "Wilson" in md and "more samples" in md
    assert "| pass_rate |" in md


# -- the CLI -----------------------------------------------------------------------------------


def test_cli_pass_exits_0_with_table(cli: Callable[..., Result], manifest_path: Path) -> None:
    res = cli("eval", "--results", str(DATA / "inspect-log.json"), "--manifest", str(manifest_path),
              "--model", "customer-support", "--version", "claude-3-5-sonnet-v1.3.0-rc.1")
    assert res.exit_code == 0, res.output
    assert "PASS" in res.stdout and "accuracy" in res.stdout and "policies.eval.default" not in res.stderr


def test_cli_fail_exits_1_and_prints_the_fail_command(cli: Callable[..., Result], manifest_path: Path) -> None:
    res = cli("eval", "--results", str(DATA / "inspect-log.json"), "--manifest", str(manifest_path),
              "--model", "customer-support", "--version", "claude-3-5-sonnet-v1.3.0-rc.1", "--metric", "accuracy>=0.95")
    assert res.exit_code == 1
    assert (f"modelpromote fail customer-support claude-3-5-sonnet-v1.3.0-rc.1 --env production --gate eval "
            f"--report {DATA / 'inspect-log.json'}") in res.stderr


def test_cli_inconclusive_json(cli: Callable[..., Result], manifest_path: Path) -> None:
    res = cli("eval", "--results", str(DATA / "junit-pytest.xml"), "--manifest", str(manifest_path), "--json")
    assert res.exit_code == 1
    doc = json.loads(res.stdout)
    assert doc["status"] == "INCONCLUSIVE" and doc["more_samples"] > 0
    assert doc["decisions"][0]["origin"] == "policies.eval.default"  # accuracy rule read from the pass rate
    assert "Wilson" in doc["method"]


def test_cli_baseline_and_markdown_and_step_summary(cli: Callable[..., Result], tmp_path: Path) -> None:
    base = tmp_path / "prod.json"
    base.write_text(json.dumps({"format": "modelpromote-eval", "metrics": {"pass_rate": {"successes": 37, "total": 40}}}))
    md, summary, outputs = tmp_path / "gate.md", tmp_path / "summary.md", tmp_path / "out.txt"
    res = cli("eval", "--results", str(DATA / "promptfoo-results.json"), "--baseline", str(base), "--manifest", str(tmp_path / "x.yaml"),
              "--metric", "pass_rate >= baseline - 0.3", "--min-samples", "10", "--markdown", str(md),
              env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(outputs)})
    assert res.exit_code == 0, res.output
    assert "PASS" in md.read_text() and "Newcombe" in md.read_text()
    assert "Eval gate" in summary.read_text()
    assert "status<<" in outputs.read_text() and "PASS" in outputs.read_text()


def test_cli_bad_policy_expression_points_into_the_manifest(cli: Callable[..., Result], manifest_path: Path) -> None:
    text = manifest_path.read_text().replace('accuracy: ">= 0.85"', 'accuracy: "at least 0.85"')
    manifest_path.write_text(text)
    res = cli("eval", "--results", str(DATA / "inspect-log.json"), "--manifest", str(manifest_path))
    assert res.exit_code == 2
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if "at least 0.85" in ln)
    assert f"{manifest_path}:{line}:" in res.stderr and "MP504" in res.stderr


def test_cli_no_thresholds_anywhere(cli: Callable[..., Result], tmp_path: Path, manifest_path: Path) -> None:
    text = manifest_path.read_text().replace('    default: {metrics: {accuracy: ">= 0.85"}, min_samples: 30}\n', "    {}\n")
    manifest_path.write_text(text.replace("  eval:\n    {}\n", "  eval: {}\n"))
    res = cli("eval", "--results", str(DATA / "inspect-log.json"), "--manifest", str(manifest_path))
    assert res.exit_code == 2 and "MP506" in res.stderr
