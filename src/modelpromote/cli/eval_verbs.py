"""``modelpromote eval``: ingest eval results, apply the gate, report (exit 0 pass, 1 fail/inconclusive)."""

from __future__ import annotations

import os
import shlex
import sys
from typing import Any

import click

from ..errors import EXIT_FINDINGS, EXIT_OK, Finding
from .common import annotate, echo_json, handle_errors, json_option, main, manifest_option

FORMAT_CHOICES = ["auto", "generic", "junit", "promptfoo", "lm-eval", "inspect"]


def fail_command(model: str | None, version: str | None, env: str | None, report: str | None) -> str:
    """The command that records a failed gate so the same version is not retried unchanged."""
    parts = ["modelpromote", "fail", model or "MODEL", version or "VERSION", "--env", env or "ENV", "--gate", "eval",
             "--report", report or "REPORT"]
    return " ".join(shlex.quote(p) if p not in ("MODEL", "VERSION", "ENV", "REPORT") else p for p in parts)


@main.command("eval")
@click.option("--results", "results_path", required=True, type=click.Path(dir_okay=False), help="The eval results file to judge.")
@click.option("--format", "fmt", type=click.Choice(FORMAT_CHOICES), default="auto", show_default=True,
              help="Results format; auto detects it from the content.")
@click.option("--baseline", "baseline_path", type=click.Path(dir_okay=False),
              help="Results of the version now in production, for rules relative to 'baseline'.")
@click.option("--baseline-format", type=click.Choice(FORMAT_CHOICES), default="auto", show_default=True)
@click.option("--model", help="The model the results are for (selects policies.eval.<model>).")
@click.option("--version", "version", help="The version the results are for (e.g. claude-3-5-sonnet-v1.3.0).")
@click.option("--env", "env_name", help="Target environment (selects policies.eval.<model>/<env>; default: the next rung).")
@click.option("--threshold", type=float, help="The pass rate must reach this (0..1). Replaces the manifest's rules.")
@click.option("--metric", "metric_specs", multiple=True, metavar="'NAME OP VALUE'",
              help="A rule such as 'accuracy>=0.85' or 'pass_rate >= baseline - 0.02' (repeatable). Replaces the manifest's rules.")
@click.option("--min-samples", type=click.IntRange(1), help="Fewer samples than this is inconclusive (default: the policy's, or 30).")
@click.option("--confidence", type=click.FloatRange(0.5, 0.9999), help="Interval confidence (default: the policy's, or 0.95).")
@click.option("--markdown", "markdown_out", type=click.Path(dir_okay=False), help="Also write the report as markdown to this file.")
@click.option("--report", "report_out", type=click.Path(dir_okay=False),
              help="Also write the JSON report to this file (what `modelpromote fail --report` records).")
@manifest_option
@json_option
@handle_errors
def eval_cmd(results_path: str, fmt: str, baseline_path: str | None, baseline_format: str, model: str | None, version: str | None,
             env_name: str | None, threshold: float | None, metric_specs: tuple[str, ...], min_samples: int | None,
             confidence: float | None, markdown_out: str | None, report_out: str | None, manifest_path: str, as_json: bool) -> None:
    """Judge eval results against thresholds, with confidence intervals.

    Reads generic JSON (what the pytest plugin writes with --eval-report), JUnit XML, promptfoo
    `--output results.json`, lm-evaluation-harness results JSON, or an inspect_ai log (.json or
    .eval); the format is detected.  Thresholds come from --threshold / --metric, else from the
    manifest's policies.eval (default, <model>, <model>/<env>; the most specific wins per metric).

    A pass rate PASSES only when its Wilson interval's lower bound clears the threshold, FAILS when
    the upper bound is below it, and is INCONCLUSIVE in between or under --min-samples; scores
    with a standard error use value ± z·stderr.  'baseline' rules compare with --baseline.

    Exit 0 on PASS; 1 on FAIL or INCONCLUSIVE (the report says how many more samples would
    decide it); 2 when a file or rule is bad.

    \b
    Examples:
      modelpromote eval --results report.xml --threshold 0.85
      modelpromote eval --results results.json --model customer-support \\
          --version claude-3-5-sonnet-v1.3.0 --env production
      modelpromote eval --results logs/run.eval --baseline prod.json \\
          --metric 'accuracy >= 0.85 and >= baseline - 0.02' --markdown gate.md
    """
    from ..errors import CheckFailed
    from ..gates.eval import decide, parse_results, resolve_rules
    from ..providers.files import append_step_summary, in_github_actions, set_outputs, write_atomic
    from ..providers.results_file import read_results
    from ..report.eval import report_markdown, report_text, summary_line

    if not os.path.exists(results_path):
        # The gate must never pass (or merely look broken) because the suite did not run: a missing
        # report is a failed gate, named as such.
        raise CheckFailed(
            Finding(
                "MP512",
                f"no eval results at {results_path}: the eval run produced no report, so nothing was judged",
                results_path,
                hint="check that the eval step ran and wrote this file; with the pytest plugin pass --model-version V "
                "(pytest answers a bare --version itself and exits 0 without running anything)",
            )
        )
    results = parse_results(read_results(results_path), results_path, fmt)
    baseline = parse_results(read_results(baseline_path), baseline_path, baseline_format) if baseline_path else None
    model = model or results.model
    version = version or results.version
    env_name = env_name or results.env

    manifest = source = None
    flags_only = threshold is not None or bool(metric_specs)
    # Flags make the manifest optional (an ad-hoc check); without flags its policies are the rules.
    if not flags_only or os.path.exists(manifest_path):
        from ..app.store import load_valid

        loaded = load_valid(manifest_path)
        manifest, source = loaded.manifest, loaded.source
    if manifest is not None and model and version and env_name is None:
        from ..gates.eval.target import resolve_target

        env_name = resolve_target(manifest, model, version).env
    rules = resolve_rules(manifest, model, env_name, threshold=threshold, specs=metric_specs, min_samples=min_samples,
                          confidence=confidence, source=source)
    report = decide(results, rules, baseline)
    report_file = report_out or (results_path if results.format == "generic" else None)
    failed_cmd = fail_command(model, version, env_name, report_out or results_path) if report.status == "FAIL" else None

    payload: dict[str, Any] = {"ok": report.passed, "exit_code": EXIT_OK if report.passed else EXIT_FINDINGS,
                               "model": model, "version": version, "env": env_name, **report.to_json(), "fail_command": failed_cmd,
                               "markdown": report_markdown(report)}
    if report_out:
        import json

        write_atomic(report_out, json.dumps(payload, indent=2, default=str) + "\n")
    if markdown_out:
        write_atomic(markdown_out, report_markdown(report))
    if as_json:
        echo_json(payload)
    else:
        click.echo(report_text(report))
        if failed_cmd:
            from ..report.safe import term

            click.echo(f"\nrecord the failure so this version is not retried unchanged:\n  {term(failed_cmd)}", err=True)
    if in_github_actions():
        append_step_summary(report_markdown(report))
        set_outputs({"status": report.status, "passed": str(report.passed).lower(), "more_samples": str(report.more_samples or "")})
        if not report.passed:
            code = "MP508" if report.status == "FAIL" else "MP509"
            annotate([Finding(code, summary_line(report), report_file)])
    sys.exit(EXIT_OK if report.passed else EXIT_FINDINGS)
