"""Health metrics from Prometheus over its HTTP API: one instant query per number.

Each of the five metrics is two PromQL queries (``query``: the value, or for a rate metric the
count of bad events; ``samples``: how many requests it rests on), templated with ``{model}``,
``{version}``, ``{env}`` and ``{window}``.  Values are checked against strict patterns before they
are substituted, so a manifest name can never change the shape of a query.  Queries are evaluated
at an explicit time (``at``) so that a run is reproducible and a test can pin it.

Network rules: a timeout on every request, bounded retries with exponential backoff on
connection errors, 429 and 5xx; then :class:`~modelpromote.errors.ServiceError` (exit 3).  A
query Prometheus rejects (400/422) is the manifest's fault: :class:`InputError` (exit 2).
"""

from __future__ import annotations

import json
import math
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from ..errors import Finding, InputError, ServiceError, clean_secret, register_secret
from ..gates.health import RATE_METRICS, Observation
from ..manifest.schema import HealthQuery

_SEL = '{model="{model}",version="{version}",env="{env}"}'


def _inc(metric: str) -> str:
    return f"sum(increase({metric}{_SEL}[{{window}}]))"


# The default metric names an application exports (documented in docs/health.md).
DEFAULT_QUERIES: dict[str, tuple[str, str]] = {
    "error_rate": (_inc("modelpromote_request_errors_total"), _inc("modelpromote_requests_total")),
    "hallucination_rate": (_inc("modelpromote_hallucinations_total"), _inc("modelpromote_quality_score_count")),
    "latency_p99_ms": (
        f"1000 * histogram_quantile(0.99, sum by (le) (increase(modelpromote_request_latency_seconds_bucket{_SEL}[{{window}}])))",
        _inc("modelpromote_request_latency_seconds_count"),
    ),
    "quality_score": (
        f"{_inc('modelpromote_quality_score_sum')} / {_inc('modelpromote_quality_score_count')}",
        _inc("modelpromote_quality_score_count"),
    ),
    "cost_per_request_cents": (
        f"{_inc('modelpromote_request_cost_cents_sum')} / {_inc('modelpromote_request_cost_cents_count')}",
        _inc("modelpromote_request_cost_cents_count"),
    ),
}

# What may be substituted into a query: names and version ids, nothing that could close a string.
SAFE_VALUE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,199}$")
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
PLACEHOLDERS = ("model", "version", "env", "window")


def prom_duration(d: timedelta) -> str:
    """timedelta -> Prometheus duration (``1h30m``), built from numbers, never from user text."""
    s = int(d.total_seconds())
    if s <= 0:
        raise InputError(Finding("MP805", f"window must be positive, got {d}"))
    out = ""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        n, s = divmod(s, size)
        if n:
            out += f"{n}{unit}"
    return out


def render(template: str, *, model: str, version: str, env: str, window: timedelta) -> str:
    """Fill the placeholders of ``template``; every value must match :data:`SAFE_VALUE`."""
    values = {"model": model, "version": version, "env": env}
    for key, value in values.items():
        if not SAFE_VALUE.fullmatch(value):
            raise InputError(Finding("MP803", f"{key} {value!r} cannot go into a PromQL query"))
    values["window"] = prom_duration(window)

    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in values:
            known = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
            raise InputError(Finding("MP805", f"unknown placeholder {{{name}}} in query {template!r}", hint=f"use {known}"))
        return values[name]

    return PLACEHOLDER.sub(sub, template)


def queries_for(overrides: Mapping[Any, HealthQuery]) -> dict[str, tuple[str, str]]:
    """The defaults with the manifest's overrides (``policies.health.metrics``) laid over them."""
    out = dict(DEFAULT_QUERIES)
    for name, q in overrides.items():
        dq, ds = out[name]
        out[name] = (q.query or dq, q.samples or ds)
    return out


class PrometheusSource:
    """Reads :class:`~modelpromote.gates.health.Observation` s from one Prometheus server."""

    def __init__(
        self,
        url: str,
        *,
        overrides: Mapping[Any, HealthQuery] | None = None,
        timeout: float = 10.0,
        retries: int = 3,
        backoff: float = 0.25,
        token: str | None = None,
    ) -> None:
        parsed = urllib.parse.urlsplit(url)
        try:
            bad = parsed.scheme not in ("http", "https") or not parsed.hostname or parsed.port == 0
        except ValueError:  # a port that is not a number in 1..65535
            bad = True
        if bad:
            raise InputError(Finding("MP806", f"not a Prometheus URL: {url!r}", hint="e.g. --prometheus http://127.0.0.1:9090"))
        self.basic_auth: str | None = None
        if parsed.username is not None:
            # user:password@ becomes a Basic Authorization header: urllib would otherwise resolve
            # "user:password@host" as a host name (sending the password to DNS) and print it in errors.
            import base64

            register_secret(parsed.password)
            creds = f"{urllib.parse.unquote(parsed.username)}:{urllib.parse.unquote(parsed.password or '')}".encode()
            self.basic_auth = "Basic " + base64.b64encode(creds).decode()
            netloc = (parsed.hostname or "") if ":" not in (parsed.hostname or "") else f"[{parsed.hostname}]"
            parsed = parsed._replace(netloc=netloc + (f":{parsed.port}" if parsed.port else ""))
        self.url = urllib.parse.urlunsplit(parsed).rstrip("/")
        self.queries = queries_for(overrides or {})
        self.timeout = timeout
        self.retries = max(1, retries)
        self.backoff = backoff
        self.token = clean_secret(
            token if token is not None else os.environ.get("MODELPROMOTE_PROMETHEUS_TOKEN"), "$MODELPROMOTE_PROMETHEUS_TOKEN", code="MP806"
        )
        self.requests = 0  # how many HTTP requests were sent (for reports and benchmarks)

    def describe(self) -> str:
        return f"prometheus {self.url}"

    def observe(
        self, *, model: str, env: str, version: str, window: timedelta, at: datetime, metrics: Iterable[str]
    ) -> dict[str, Observation]:
        """Each metric of one version over ``window`` ending at ``at``."""
        out: dict[str, Observation] = {}
        for name in metrics:
            q_value, q_samples = self.queries[name]
            kw: dict[str, Any] = {"model": model, "version": version, "env": env, "window": window}
            samples_raw = self.instant(render(q_samples, **kw), at)
            samples = 0 if samples_raw is None or math.isnan(samples_raw) else max(0, round(samples_raw))
            value = self.instant(render(q_value, **kw), at)
            if name in RATE_METRICS:
                # A counter that was never incremented is often not exported at all: no errors yet.
                events = 0 if value is None or math.isnan(value) else max(0, round(value))
                out[name] = Observation.rate(min(events, samples), samples) if samples else Observation(None, 0, events)
            else:
                out[name] = Observation(None if value is None or math.isinf(value) else value, samples)
        return out

    def instant(self, query: str, at: datetime) -> float | None:
        """The single value of an instant query at ``at``; None when it returns no series."""
        body = self._get("/api/v1/query", {"query": query, "time": f"{at.timestamp():.3f}"})
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict):
            raise ServiceError(Finding("MP801", f"{self.url}: unexpected answer to {query!r}: {str(body)[:200]}"))
        kind, result = data.get("resultType"), data.get("result")
        if kind == "scalar" and isinstance(result, list) and len(result) == 2:
            return float(result[1])
        if kind == "vector" and isinstance(result, list):
            if not result:
                return None
            if len(result) > 1:
                raise InputError(
                    Finding("MP805", f"query returned {len(result)} series, expected one: {query}", hint="wrap it in sum(...)")
                )
            return float(result[0]["value"][1])
        raise InputError(Finding("MP805", f"query must return a scalar or one series, got {kind}: {query}"))

    def _get(self, path: str, params: Mapping[str, str]) -> Any:
        url = f"{self.url}{path}?{urllib.parse.urlencode(params)}"
        headers = {"Accept": "application/json", "User-Agent": "modelpromote-health"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        elif self.basic_auth:
            headers["Authorization"] = self.basic_auth
        last = ""
        for attempt in range(self.retries):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            self.requests += 1
            try:
                with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=self.timeout) as resp:
                    return json.loads(resp.read().decode("utf-8"))
            except urllib.error.HTTPError as exc:
                text = exc.read().decode("utf-8", "replace")
                if exc.code in (400, 422):
                    raise InputError(Finding("MP802", f"Prometheus rejected {params.get('query')!r}: {_error_text(text)}")) from None
                last = f"HTTP {exc.code}: {_error_text(text)}"
                if exc.code != 429 and exc.code < 500:
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
                reason = getattr(exc, "reason", exc)
                last = f"{type(reason).__name__}: {reason}"
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                last = f"not JSON: {exc}"
        raise ServiceError(Finding("MP801", f"Prometheus at {self.url} failed after {self.retries} attempt(s): {last}"))


def _error_text(body: str) -> str:
    try:
        data = json.loads(body)
    except json.JSONDecodeError:
        return body[:300]
    return str(data.get("error", body))[:300] if isinstance(data, dict) else body[:300]
