"""Where health and experiment read metrics from, and over which span (no GitHub, no gate: a leaf of app/)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..errors import Finding, InputError
from ..manifest.schema import HealthPolicy
from .ports import MetricsSource


def make_source(policy: HealthPolicy, manifest_path: str, prometheus: str | None, metrics_json: str | None) -> MetricsSource:
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


@dataclass(frozen=True)
class SourceChoice:
    """Where metrics come from: the options, resolved against the manifest's policy when needed."""

    prometheus: str | None = None
    metrics_json: str | None = None


def since_step(since: datetime, now: datetime, window: timedelta) -> timedelta:
    """What to read: everything since the step (or the promotion) began, so that evidence accumulates
    over scheduled runs (the confidence sequences keep their error bound however often they look).
    A start in the future of ``now`` (a replay with an early ``--at``) falls back to ``window``."""
    span = now - since
    return span if span >= timedelta(seconds=1) else window


