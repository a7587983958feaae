"""``modelpromote health``: read the metrics of every live canary and recent promotion, then
advance, hold or roll back.

Thin by rule: the decision is :mod:`modelpromote.gates.health`, the metrics come from
:mod:`modelpromote.providers.prometheus` or :mod:`~modelpromote.providers.metrics_json`, and the
manifest changes are the promotion engine's byte-preserving edits.  Every metric is read before
anything is written, so a metrics source that fails half-way (exit 3) changes nothing.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime, timezone
from typing import Any

import click

from ..errors import EXIT_FINDINGS, EXIT_OK, Finding, InputError
from .common import annotate, echo_json, handle_errors, json_option, load_valid, main, manifest_option


def _parse_at(text: str | None) -> datetime:
    if text is None:
        return datetime.now(timezone.utc)
    try:
        t = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        t = None
    if t is None or t.tzinfo is None:
        raise InputError(Finding("MP302", f"--at {text!r} is not an ISO timestamp with a timezone", hint="e.g. --at 2026-06-01T12:00:00Z"))
    return t


def make_source(policy: Any, manifest_path: str, prometheus: str | None, metrics_json: str | None) -> Any:
    """The metrics source: --prometheus, else --metrics-json, else policies.health.source."""
    from ..manifest.schema import parse_duration
    from ..providers.metrics_json import JsonMetricsSource
    from ..providers.prometheus import PrometheusSource

    src = policy.source
    timeout = parse_duration(src.timeout).total_seconds()
    if prometheus:
        return PrometheusSource(prometheus, overrides=policy.metrics, timeout=timeout)
    if metrics_json:
        return JsonMetricsSource(metrics_json, timeout=timeout)
    if src.kind == "prometheus" and src.url:
        return PrometheusSource(src.url, overrides=policy.metrics, timeout=timeout)
    if src.kind == "json" and (src.url or src.path):
        location = src.url or os.path.join(os.path.dirname(os.path.abspath(manifest_path)), str(src.path))
        return JsonMetricsSource(location, timeout=timeout)
    raise InputError(Finding("MP806", f"{manifest_path}: no metrics source in policies.health.source", manifest_path))


def _fmt_value(metric: str, v: float | None) -> str:
    from ..gates.health import RATE_METRICS

    if v is None:
        return "-"
    return f"{v * 100:.2f}%" if metric in RATE_METRICS else f"{v:.4g}"


def _render_text(decisions: list[Any], skipped: list[Any]) -> str:
    from ..gates.health import RATE_METRICS
    from ..report.table import table

    out: list[str] = []
    for d in decisions:
        t = d.target
        what = f"canary {t.weight}%" if t.kind == "canary" else "promotion"
        action = d.action
        if d.next_weight is not None:
            action += " -> complete (100%)" if d.next_weight >= 100 else f" -> {d.next_weight}%"
        if d.restore is not None:
            action += f" -> {d.restore}"
        out.append(f"{t.model}/{t.env}: {what} {t.version} (baseline {t.baseline or '-'}): {action}")
        rows = []
        for r in d.metrics:
            bounds = f"{_fmt_value(r.metric, r.low)}..{_fmt_value(r.metric, r.high)}" if r.low is not None else "-"
            samples = f"{r.events}/{r.samples}" if r.metric in RATE_METRICS and r.events is not None else str(r.samples)
            base = "-" if r.baseline_value is None else f"{_fmt_value(r.metric, r.baseline_value)} ({r.baseline_samples})"
            name = r.metric + (" *" if r.critical else "")
            rows.append([name, r.verdict, _fmt_value(r.metric, r.value), samples, bounds, _fmt_value(r.metric, r.threshold), base])
        body = table(["METRIC", "VERDICT", "VALUE", "SAMPLES", "BOUNDS", "THRESHOLD", "BASELINE"], rows)
        out += ["  " + line for line in body.splitlines()]
        out += [f"  - {why}" for why in d.reasons]
        out.append("")
    for s in skipped:
        out.append(f"{s.model}/{s.env}: skipped {s.version}: {s.reason}")
    if not decisions and not skipped:
        out.append("nothing to check: no live canary and no promotion within policies.health.watch")
    return "\n".join(out).rstrip("\n")


def _markdown(decisions: list[Any], dry_run: bool) -> str:
    from ..report.table import markdown_table

    rows = [[f"{d.target.model}/{d.target.env}", d.target.version, d.action, "; ".join(d.reasons)] for d in decisions]
    title = "modelpromote health" + (" (dry run)" if dry_run else "")
    return f"### {title}\n\n" + (markdown_table(["TARGET", "VERSION", "ACTION", "WHY"], rows) if rows else "nothing to check") + "\n"


@main.command()
@click.option("--model", help="Only this model.")
@click.option("--env", "env_name", help="Only this environment.")
@click.option("--dry-run", is_flag=True, help="Print the decisions; change nothing.")
@click.option(
    "--prometheus",
    metavar="URL",
    envvar="MODELPROMOTE_PROMETHEUS_URL",
    help="Prometheus base URL (env: MODELPROMOTE_PROMETHEUS_URL); overrides policies.health.source.",
)
@click.option("--metrics-json", metavar="PATH|URL", help="Read metrics from a JSON document instead (format: docs/health.md).")
@click.option("--at", "at_text", metavar="TIME", help="Evaluate as of this time (ISO, with timezone) instead of now: replays, tests.")
@manifest_option
@json_option
@handle_errors
def health(
    model: str | None,
    env_name: str | None,
    dry_run: bool,
    prometheus: str | None,
    metrics_json: str | None,
    at_text: str | None,
    manifest_path: str,
    as_json: bool,
) -> None:
    """Advance, hold or roll back every live canary and recent promotion, from its metrics.

    For each canary (and each promotion younger than policies.health.watch) it reads five
    metrics of the new version and of its baseline over policies.health.window: latency p99,
    error rate, quality score, hallucination rate, cost per request.  Each is PASS, FAIL or
    INCONCLUSIVE with its sample count; rates use Wilson bounds, so rolling back needs evidence
    of harm and advancing needs evidence of safety, and too few samples holds.  Critical metrics
    (policies.rollback.critical) fail alone; the others need policies.rollback.min_breaches.

    \b
    ADVANCE   the canary moves to its next step (after canary.interval), or completes at 100%
    HOLD      nothing changes: not enough evidence either way, or a single non-critical breach
    ROLLBACK  the pointer goes back to the last verified version; the failure is recorded and
              the model is put on hold until a person clears it

    A pointer put live by a rollback is never rolled back.  Without --dry-run the decisions are
    written to the manifest (atomically, only the bytes that change).

    \b
    Examples:
      modelpromote health --dry-run --prometheus http://127.0.0.1:9090
      modelpromote health --model customer-support --env production --json
      modelpromote health --metrics-json metrics.json --at 2026-06-01T12:00:00Z --dry-run

    Exit codes: 0 advanced or held, 1 a rollback was decided, 2 bad input, 3 the metrics source
    failed (nothing changed).
    """
    from ..gates.health import Rules, apply_decision, decide, targets
    from ..manifest.load import load_text
    from ..manifest.schema import parse_duration
    from ..providers.files import append_step_summary, in_github_actions, set_outputs, write_atomic

    now = _parse_at(at_text)
    loaded = load_valid(manifest_path)
    m = loaded.manifest
    if model is not None and m.model(model) is None:
        raise InputError(Finding("MP301", f"no model {model!r} in {manifest_path}", hint=f"models: {', '.join(x.name for x in m.models)}"))
    if env_name is not None and m.env(env_name) is None:
        raise InputError(Finding("MP204", f"no environment {env_name!r} in {manifest_path}"))
    policy = m.policies.health
    rules = Rules.from_policies(m.policies)
    window = parse_duration(policy.window)
    found, skipped = targets(m, now, model=model, env=env_name)

    decisions = []
    source_desc = None
    if found:
        source = make_source(policy, manifest_path, prometheus, metrics_json)
        source_desc = source.describe()
        observed = []
        for t in found:  # read everything first: a failing source must leave the manifest alone
            cand = source.observe(model=t.model, env=t.env, version=t.version, window=window, at=now, metrics=rules.enabled)
            base = {}
            if t.baseline is not None:
                base = source.observe(model=t.model, env=t.env, version=t.baseline, window=window, at=now, metrics=rules.enabled)
            observed.append((t, cand, base))
        decisions = [decide(t, cand, base, rules, now) for t, cand, base in observed]

    changing = [d for d in decisions if d.action == "ROLLBACK" or (d.action == "ADVANCE" and d.next_weight is not None)]
    applied = False
    if changing and not dry_run:
        old = loaded.source.text
        text = old
        for d in changing:
            text = apply_decision(text, manifest_path, d, now)
        after = load_text(text, manifest_path)
        if not after.ok:
            raise InputError(
                [Finding("MP808", "the edited manifest would not validate; nothing was written", manifest_path), *after.findings]
            )
        with open(manifest_path, encoding="utf-8", newline="") as fh:
            if fh.read() != old:
                raise InputError(Finding("MP808", f"{manifest_path} changed while health ran; nothing was written; run it again"))
        write_atomic(manifest_path, text)
        applied = True

    rollbacks = [d for d in decisions if d.action == "ROLLBACK"]
    if as_json:
        echo_json(
            {
                "ok": not rollbacks,
                "at": now.isoformat(),
                "dry_run": dry_run,
                "applied": applied,
                "source": source_desc,
                "decisions": [d.to_json() for d in decisions],
                "skipped": [{"model": s.model, "env": s.env, "version": s.version, "reason": s.reason} for s in skipped],
            }
        )
    else:
        click.echo(_render_text(decisions, skipped))
        if changing:
            click.echo("dry run: nothing changed" if dry_run else f"wrote {manifest_path}")
    findings = [
        Finding("MP807", f"{d.target.model}/{d.target.env}: rolled back {d.target.version} to {d.restore}: {d.reasons[0]}", manifest_path)
        for d in rollbacks
    ]
    if in_github_actions():
        annotate(findings)
        append_step_summary(_markdown(decisions, dry_run))
        set_outputs(
            {
                "rollbacks": str(len(rollbacks)),
                "advanced": str(sum(d.action == "ADVANCE" and d.next_weight is not None for d in decisions)),
                "changed": str(applied).lower(),
            }
        )
    sys.exit(EXIT_FINDINGS if rollbacks else EXIT_OK)
