"""modelpromote's pytest plugin: run an eval suite as a promotion gate.

::

    pytest tests/eval_suite.py --model customer-support --version claude-3-5-sonnet-v1.3.0 --threshold 0.85

Loaded in every pytest session of an environment where modelpromote is installed, so it is
inert (no imports beyond the standard library, no hooks doing work) unless ``--model`` is given.
With ``--model``:

* fixtures ``eval_target`` (the resolved version: provider model, prompt — the same
  ``modelpromote.runtime.Prompt`` as ``Assignment.prompt``, with ``render(**vars)`` — and settings
  for the environment) and ``eval_case`` (``eval_case.record("helpfulness", score=0.82)``);
* every test's outcome counts toward the ``pass_rate`` metric; failing cases do not fail the run
  by themselves — the gate does: PASS exits 0, FAIL or INCONCLUSIVE exits 1;
* ``--eval-report PATH`` writes the results (modelpromote generic JSON, which ``modelpromote eval``
  reads back).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest

from .pytest_argv import rewrite_version_args

if TYPE_CHECKING:
    from .gates.eval.model import GateReport, Rule
    from .gates.eval.target import Target

_STATE = pytest.StashKey["_State"]()


@dataclass
class _State:
    target: Target
    rules: list[Rule]
    baseline: Any
    report_path: str | None
    cases: dict[str, dict[str, Any]] = field(default_factory=dict)
    report: GateReport | None = None
    error: str | None = None


def _add(group: Any, *names: str, **kw: Any) -> None:
    """Add an option; if a short alias is taken by another plugin, keep only the unique long name."""
    try:
        group.addoption(*names, **kw)
    except ValueError:
        group.addoption(names[0], **kw)


def pytest_addoption(parser: pytest.Parser) -> None:
    g = parser.getgroup("modelpromote", "modelpromote eval gate (active only with --model)")
    _add(g, "--model", dest="mp_model", default=None, help="Model to evaluate (turns the eval gate on).")
    _add(g, "--model-version", dest="mp_version", default=None,
         help="Version to evaluate. `--version V` means this when --model is given.")
    _add(g, "--threshold", dest="mp_threshold", type=float, default=None, help="The pass rate must reach this (0..1).")
    _add(g, "--eval-metric", dest="mp_metrics", action="append", default=[], metavar="'NAME OP VALUE'",
         help="A rule such as 'helpfulness>=0.8' (repeatable). With --threshold, replaces the manifest's rules.")
    _add(g, "--model-env", "--env", dest="mp_env", default=None, help="Target environment (default: the next rung up).")
    _add(g, "--model-manifest", "--manifest", dest="mp_manifest", default="models/manifest.yaml", help="The manifest.")
    _add(g, "--eval-report", dest="mp_report", default=None, metavar="PATH", help="Write the eval results (JSON) here.")
    _add(g, "--eval-baseline", "--baseline", dest="mp_baseline", default=None, metavar="PATH",
         help="Results of the production version, for rules relative to 'baseline'.")
    _add(g, "--eval-min-samples", dest="mp_min_samples", type=int, default=None, help="Minimum samples (default: the policy's).")
    _add(g, "--eval-confidence", dest="mp_confidence", type=float, default=None, help="Interval confidence (default 0.95).")


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config, parser: pytest.Parser, args: list[str]) -> None:
    # Reached only when pytest did not answer --version itself (see pytest_argv for that case).
    args[:] = rewrite_version_args(args)


def _findings_text(exc: Exception) -> str:
    from .errors import ModelpromoteError
    from .report.findings import text

    return text(exc.findings) if isinstance(exc, ModelpromoteError) else str(exc)


def pytest_configure(config: pytest.Config) -> None:
    model = config.getoption("mp_model")
    if not model:
        return
    from .errors import ModelpromoteError

    version = config.getoption("mp_version")
    if not version:
        raise pytest.UsageError("modelpromote: --model needs a version: --model-version V (or --version V)")
    try:
        from .app.store import load_valid
        from .gates.eval import parse_results, resolve_rules
        from .gates.eval.target import resolve_target
        from .providers.results_file import read_results

        loaded = load_valid(config.getoption("mp_manifest"))
        target = resolve_target(loaded.manifest, model, version, config.getoption("mp_env"), loaded.prompts)
        rules = resolve_rules(loaded.manifest, model, target.env, threshold=config.getoption("mp_threshold"),
                              specs=config.getoption("mp_metrics"), min_samples=config.getoption("mp_min_samples"),
                              confidence=config.getoption("mp_confidence"), source=loaded.source)
        base_path = config.getoption("mp_baseline")
        baseline = parse_results(read_results(base_path), base_path) if base_path else None
    except ModelpromoteError as exc:
        raise pytest.UsageError("modelpromote eval gate:\n" + _findings_text(exc)) from None
    state = _State(target, rules, baseline, config.getoption("mp_report"))
    config.stash[_STATE] = state
    # The gate's hooks live on an object registered only now, so an ordinary session runs none of them.
    config.pluginmanager.register(_Gate(state), "modelpromote-eval-gate")


class EvalCase:
    """Records scores for the running test: ``eval_case.record("accuracy", passed=True)``."""

    def __init__(self, record: dict[str, Any]) -> None:
        self._record = record

    def record(self, metric: str, *, passed: bool | None = None, score: float | None = None) -> None:
        if (passed is None) == (score is None):
            raise TypeError("record(metric, passed=...) or record(metric, score=...): give exactly one")
        if passed is not None and not isinstance(passed, bool):
            raise TypeError("passed must be True or False")
        value: bool | float = passed if passed is not None else float(score)  # type: ignore[arg-type]
        self._record.setdefault("scores", {})[metric] = value


@pytest.fixture
def eval_case(request: pytest.FixtureRequest) -> EvalCase:
    state = request.config.stash.get(_STATE, None)
    nodeid = request.node.nodeid
    record: dict[str, Any] = {"id": nodeid} if state is None else state.cases.setdefault(nodeid, {"id": nodeid})
    return EvalCase(record)


@pytest.fixture(scope="session")
def eval_target(request: pytest.FixtureRequest) -> Target:
    """The version under evaluation, resolved from the manifest (skips the test without --model)."""
    state = request.config.stash.get(_STATE, None)
    if state is None:
        pytest.skip("eval suite: run with --model MODEL --version VERSION")
    return state.target


class _Gate:
    """The gate's hooks for one session with --model."""

    def __init__(self, state: _State) -> None:
        self.state = state

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        case = self.state.cases.setdefault(report.nodeid, {"id": report.nodeid})
        if report.when == "call":
            if hasattr(report, "wasxfail"):
                case["outcome"] = "skipped"
            else:
                case["outcome"] = "passed" if report.passed else ("failed" if report.failed else "skipped")
        elif report.when == "setup" and report.failed:
            case["outcome"] = "error"
        elif report.when == "setup" and report.skipped:
            case["outcome"] = "skipped"
        elif report.when == "teardown" and report.failed and case.get("outcome") == "passed":
            case["outcome"] = "error"

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        state = self.state
        if exitstatus not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
            return  # interrupted, internal or usage error, nothing collected: pytest's own code stands
        from .errors import ModelpromoteError
        from .gates.eval import decide
        from .gates.eval.formats.common import metrics_from_cases
        from .gates.eval.model import EvalResults
        from .report.eval import report_markdown

        cases = tuple(state.cases.values())
        t = state.target
        results = EvalResults("generic", metrics_from_cases(list(cases), "pytest"), True, (), t.model, t.version, t.env, cases)
        try:
            state.report = decide(results, state.rules, state.baseline)
        except ModelpromoteError as exc:
            state.error = _findings_text(exc)
            session.exitstatus = pytest.ExitCode.USAGE_ERROR
            return
        if state.report_path:
            from .providers.files import write_atomic

            doc = {"format": "modelpromote-eval", "version": 1, "model": t.model, "model_version": t.version, "env": t.env,
                   "target": t.to_json(), "metrics": {k: _metric_json(m) for k, m in results.metrics.items()},
                   "cases": list(cases), "gate": {**state.report.to_json(), "markdown": report_markdown(state.report)}}
            write_atomic(state.report_path, json.dumps(doc, indent=2, default=str) + "\n")
        session.exitstatus = pytest.ExitCode.OK if state.report.passed else pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
        state = self.state
        tr = terminalreporter
        t = state.target
        tr.section(f"modelpromote eval gate: {t.model} {t.version} -> {t.env}")
        prompt = t.prompt.name if t.prompt is not None else "-"
        tr.write_line(f"provider model {t.provider_model or '-'}, prompt {prompt}, settings {t.settings}")
        if state.error:
            tr.write_line(state.error, red=True)
            return
        if state.report is None:
            tr.write_line("the gate was not evaluated (the run did not finish normally)", yellow=True)
            return
        from .cli.eval_verbs import fail_command
        from .report.eval import report_text

        status = state.report.status
        tr.write_line(report_text(state.report), green=status == "PASS", red=status == "FAIL", yellow=status == "INCONCLUSIVE")
        if state.report_path:
            tr.write_line(f"eval report written to {state.report_path}")
        if status == "FAIL":
            tr.write_line("record the failure so this version is not retried unchanged:")
            tr.write_line("  " + fail_command(t.model, t.version, t.env, state.report_path))


def _metric_json(m: Any) -> dict[str, Any]:
    if m.kind == "pass_rate":
        return {"successes": m.successes, "total": m.n, "higher_is_better": m.higher_is_better}
    return {"value": m.value, "stderr": m.stderr, "n": m.n, "higher_is_better": m.higher_is_better}
