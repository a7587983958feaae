"""``experiment``: compare the treatment arm of a staging experiment with its control arm.

Thin: :mod:`modelpromote.app.experiment` reads both arms and :mod:`modelpromote.gates.experiment`
judges them; this parses, renders, exits.
"""

from __future__ import annotations

import sys

import click

from ..errors import EXIT_FINDINGS, EXIT_OK
from .common import echo_json, handle_errors, json_option, local_store, main, manifest_option, parse_time


@main.command()
@click.argument("model")
@click.option("--env", "env_name", default="staging", show_default=True, help="The environment whose experiment is compared.")
@click.option("--prometheus", metavar="URL", envvar="MODELPROMOTE_PROMETHEUS_URL", help="Prometheus base URL (overrides the source).")
@click.option("--metrics-json", metavar="PATH|URL", help="Read metrics from a JSON document instead (format: docs/health.md).")
@click.option("--at", "at_text", metavar="TIME", help="Evaluate as of this time (ISO, with timezone) instead of now.")
@click.option("--fail-unless-better", is_flag=True, help="Exit 1 unless the verdict is that the treatment is better.")
@manifest_option
@json_option
@handle_errors
def experiment(
    model: str,
    env_name: str,
    prometheus: str | None,
    metrics_json: str | None,
    at_text: str | None,
    fail_unless_better: bool,
    manifest_path: str,
    as_json: bool,
) -> None:
    """Which arm of MODEL's experiment in ENV is better, with what confidence, and how many more requests would decide it.

    The live version is the treatment; models.<model>.experiments.<env>.control is the control.
    Both arms are read since the experiment's started_at (else over policies.health.window) and
    compared on the five health metrics with anytime-valid intervals at
    policies.health.advance_confidence.  Read-only.

    \b
    Examples:
      modelpromote experiment support-bot --env staging --metrics-json metrics.json
      modelpromote experiment support-bot --prometheus http://127.0.0.1:9090 --json

    Exit codes: 0 (also when inconclusive; 1 with --fail-unless-better unless the treatment is
    better), 2 bad input (no such experiment: MP809), 3 the metrics source failed.
    """
    from ..app.experiment import run_experiment
    from ..app.metrics_source import SourceChoice
    from ..report.experiment import render_text

    now = parse_time(at_text, "--at")
    result, source = run_experiment(local_store(manifest_path, dry_run=True), model, env_name, now, SourceChoice(prometheus, metrics_json))
    if as_json:
        echo_json({"ok": True, "at": now.isoformat(), "source": source, **result.to_json()})
    else:
        click.echo(render_text(result))
    sys.exit(EXIT_FINDINGS if fail_unless_better and result.verdict != "treatment" else EXIT_OK)
