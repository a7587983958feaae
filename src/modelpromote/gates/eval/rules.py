"""Where the thresholds come from: the manifest's ``policies.eval`` or command-line flags.

``policies.eval`` keys are ``default``, ``<model>`` and ``<model>/<env>``; a more specific entry
overrides a less specific one metric by metric, and sets ``min_samples`` / ``confidence`` only
where it says so.  Flags (``--threshold``, ``--metric``) replace the manifest's metrics entirely,
so a command line means exactly what it says.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ...errors import Finding, InputError
from .model import Rule
from .thresholds import EXAMPLES, ThresholdError, parse_expression, parse_spec

if TYPE_CHECKING:
    from ...manifest.schema import Manifest
    from ...manifest.source import Source

DEFAULT_MIN_SAMPLES = 30
DEFAULT_CONFIDENCE = 0.95


def policy_keys(model: str | None, env: str | None) -> list[str]:
    keys = ["default"]
    if model:
        keys.append(model)
        if env:
            keys.append(f"{model}/{env}")
    return keys


def rules_from_policy(manifest: Manifest, model: str | None, env: str | None, source: Source | None = None) -> list[Rule]:
    """The merged ``policies.eval`` rules for model/env (empty when the manifest sets none)."""
    metrics: dict[str, tuple[str, str]] = {}  # metric -> (expression, key it came from)
    min_samples, confidence = DEFAULT_MIN_SAMPLES, DEFAULT_CONFIDENCE
    for key in policy_keys(model, env):
        rule = manifest.policies.eval.get(key)
        if rule is None:
            continue
        for name, expr in rule.metrics.items():
            metrics[name] = (expr, key)
        if "min_samples" in rule.model_fields_set or key == "default":
            min_samples = rule.min_samples
        if "confidence" in rule.model_fields_set or key == "default":
            confidence = rule.confidence
    rules: list[Rule] = []
    problems: list[Finding] = []
    for name, (expr, key) in metrics.items():
        try:
            conds = parse_expression(expr)
        except ThresholdError as exc:
            path = ("policies", "eval", key, "metrics", name)
            line = col = None
            file = None
            if source is not None:
                file = source.path
                span = source.span(path)
                if span is not None:
                    line, col = span.line, span.col
            problems.append(Finding("MP504", f"policies.eval.{key}.metrics.{name}: {exc}", file, line, col,
                                    hint=f"write a threshold such as {EXAMPLES}"))
            continue
        rules.append(Rule(name, conds, min_samples, confidence, expr, f"policies.eval.{key}"))
    if problems:
        raise InputError(problems)
    return rules


def rules_from_flags(threshold: float | None, specs: Sequence[str], min_samples: int, confidence: float,
                     threshold_metric: str = "pass_rate") -> list[Rule]:
    """``--threshold 0.85`` (the pass rate must reach it) and ``--metric 'NAME OP VALUE'`` flags."""
    rules: list[Rule] = []
    problems: list[Finding] = []
    if threshold is not None:
        if not 0 <= threshold <= 1:
            problems.append(Finding("MP504", f"--threshold {threshold} is not a rate between 0 and 1", hint="e.g. --threshold 0.85"))
        else:
            conds = parse_expression(f">= {threshold!r}")
            rules.append(Rule(threshold_metric, conds, min_samples, confidence, f">= {threshold:g}", "--threshold"))
    for spec in specs:
        try:
            name, conds = parse_spec(spec)
        except ThresholdError as exc:
            hint = "write NAME OP VALUE, e.g. 'accuracy>=0.85' or 'pass_rate >= baseline - 0.02'"
            problems.append(Finding("MP504", f"--metric {spec!r}: {exc}", hint=hint))
            continue
        expr = spec.strip()[len(name):].strip()
        rules.append(Rule(name, conds, min_samples, confidence, expr, "--metric"))
    if problems:
        raise InputError(problems)
    return rules


def resolve_rules(manifest: Manifest | None, model: str | None, env: str | None, *, threshold: float | None = None,
                  specs: Sequence[str] = (), min_samples: int | None = None, confidence: float | None = None,
                  source: Source | None = None) -> list[Rule]:
    """Flags if any, else the manifest's policy; explicit --min-samples/--confidence win over the policy's.

    A model or environment the manifest does not have is refused (MP301/MP204, with a did-you-mean)
    when the policy is to decide: falling back to the default policy for a typo would fail open.
    """
    if manifest is not None and threshold is None and not specs:
        from ...naming import require_model_env

        require_model_env(manifest, model, env, source.path if source is not None else "the manifest")
    policy = rules_from_policy(manifest, model, env, source) if manifest is not None else []
    base_min = policy[0].min_samples if policy else DEFAULT_MIN_SAMPLES
    base_conf = policy[0].confidence if policy else DEFAULT_CONFIDENCE
    ms = min_samples if min_samples is not None else base_min
    cf = confidence if confidence is not None else base_conf
    if threshold is not None or specs:
        return rules_from_flags(threshold, specs, ms, cf)
    rules = [Rule(r.metric, r.conditions, ms, cf, r.text, r.origin) for r in policy]
    if not rules:
        raise InputError(Finding(
            "MP506", "no eval thresholds: the manifest's policies.eval sets none for this model, and no flag gave one",
            hint="pass --threshold 0.85 or --metric 'accuracy>=0.85', or add policies.eval.default.metrics to the manifest"))
    return rules
