"""``experiment``: read both arms of a staging experiment and compare them (statistics: gates/experiment.py)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from ..errors import Finding, InputError
from ..gates.experiment import ExperimentResult, compare
from ..gates.health import Observation, Rules
from ..naming import require_model_env
from .health import SourceChoice, make_source, since_step
from .store import ManifestStore


def run_experiment(store: ManifestStore, model: str, env: str, now: datetime, choice: SourceChoice) -> tuple[ExperimentResult, str]:
    """(the verdict, the metrics source's description): both arms read since the experiment began."""
    from ..manifest.schema import parse_duration

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
