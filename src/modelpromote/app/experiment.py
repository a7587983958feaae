"""``experiment``: read both arms of a staging experiment and compare them (statistics: gates/experiment.py)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from ..errors import Finding, InputError
from ..gates.experiment import ExperimentResult, compare
from ..gates.health import Observation, Rules
from ..manifest.schema import Manifest, parse_duration
from ..naming import require_model_env
from .metrics_source import SourceChoice, make_source, since_step
from .store import ManifestStore


def verdict_for(m: Manifest, manifest_path: str, model: str, version: str, env: str, now: datetime) -> str | None:
    """The verdict a promotion of ``version`` into ``env`` needs (policies.health.require_experiment), or None.

    Read only when the policy asks for it and ``version`` is the treatment of an experiment in the
    environment below; None also when no metrics source is configured (the plan then says so).
    """
    if not m.policies.health.require_experiment:
        return None
    result = evidence_for(m, manifest_path, model, version, env, now)
    return result.verdict if result is not None else None


def evidence_for(m: Manifest, manifest_path: str, model: str, version: str, env: str, now: datetime) -> ExperimentResult | None:
    """The experiment's result when ``version`` is the treatment of an experiment in the environment
    below ``env`` and the manifest names a metrics source: the evidence a promotion PR carries."""
    e = m.env(env)
    mod = m.model(model)
    if e is None or e.promote_from is None or mod is None:
        return None
    below = e.promote_from
    exp = mod.experiments.get(below)
    if exp is None or mod.environments.get(below) != version:
        return None
    policy = m.policies.health
    if not (policy.source.url or policy.source.path):
        return None
    rules = Rules.from_policies(m.policies)
    window = parse_duration(policy.window)
    span = since_step(exp.started_at, now, window) if exp.started_at is not None else window
    source = make_source(policy, manifest_path, None, None)
    arms = [source.observe(model=model, env=below, version=v, window=span, at=now, metrics=rules.enabled) for v in (version, exp.control)]
    return compare(model, below, version, exp.control, exp.weight, arms[0], arms[1], rules.thresholds,
                   confidence=policy.advance_confidence, min_samples=rules.min_samples, metrics=rules.enabled)


def run_experiment(store: ManifestStore, model: str, env: str, now: datetime, choice: SourceChoice) -> tuple[ExperimentResult, str]:
    """(the verdict, the metrics source's description): both arms read since the experiment began."""
    doc = store.read()
    m = doc.manifest
    require_model_env(m, model, env, doc.where)
    mod = m.model(model)
    assert mod is not None
    exp = mod.experiments.get(env)
    treatment = mod.environments.get(env)
    if exp is None or treatment is None:
        raise InputError(Finding("MP809", f"{model} has no experiment in {env} in {doc.where}", doc.where))
    policy = m.policies.health
    rules = Rules.from_policies(m.policies)
    window = parse_duration(policy.window)
    span = since_step(exp.started_at, now, window) if exp.started_at is not None else window
    source = make_source(policy, store.where, choice.prometheus, choice.metrics_json)
    arms: list[Mapping[str, Observation]] = [
        source.observe(model=model, env=env, version=v, window=span, at=now, metrics=rules.enabled) for v in (treatment, exp.control)
    ]
    result = compare(model, env, treatment, exp.control, exp.weight, arms[0], arms[1], rules.thresholds,
                     confidence=policy.advance_confidence, min_samples=rules.min_samples, metrics=rules.enabled)
    return result, source.describe()
