"""Health metrics from a JSON document (a file, or a URL the application or a batch job serves).

For teams without Prometheus.  The format (docs/health.md)::

    {"observations": [
      {"model": "customer-support", "env": "production", "version": "claude-3-5-sonnet-v1.3.0",
       "at": "2026-06-01T12:00:00Z",
       "metrics": {"error_rate": {"events": 3, "samples": 1200},
                   "latency_p99_ms": {"value": 850, "samples": 1200}, ...}}]}

An observation counts only when its ``at`` lies within the window that ends at the evaluation
time: a breach older than the window is ignored, like a point outside a PromQL range.  The latest
such observation per model/env/version wins.
"""

from __future__ import annotations

import json
import math
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from ..errors import Finding, InputError, ServiceError
from ..gates.health import METRICS, RATE_METRICS, Observation

MAX_BYTES = 16 * 1024 * 1024
MAX_SAMPLES = 10**12  # requests in one window: far above any real traffic, far below float trouble


class JsonMetricsSource:
    def __init__(self, location: str, *, timeout: float = 10.0, retries: int = 3, backoff: float = 0.25) -> None:
        self.location = location
        self.timeout = timeout
        self.retries = max(1, retries)
        self.backoff = backoff
        self._doc: list[dict[str, Any]] | None = None

    @property
    def is_url(self) -> bool:
        return self.location.startswith(("http://", "https://"))

    def describe(self) -> str:
        return f"json {self.location}"

    def observe(
        self, *, model: str, env: str, version: str, window: timedelta, at: datetime, metrics: Iterable[str]
    ) -> dict[str, Observation]:
        best: tuple[datetime, dict[str, Any]] | None = None
        for i, entry in enumerate(self._observations()):
            if (entry.get("model"), entry.get("env"), entry.get("version")) != (model, env, version):
                continue
            when = self._time(entry.get("at"), i)
            if not (at - window < when <= at):
                continue  # outside the window: stale (or from the future of a pinned --at)
            if best is None or when > best[0]:
                best = (when, entry)
        if best is None:
            return {}
        raw = best[1].get("metrics")
        if not isinstance(raw, dict):
            raise self._bad(f"observation for {model}/{env}/{version}: 'metrics' must be an object")
        out: dict[str, Observation] = {}
        for name in metrics:
            item = raw.get(name)
            if item is None:
                continue
            out[name] = self._observation(name, item, f"{model}/{env}/{version}")
        return out

    # -- parsing ---------------------------------------------------------------------------------

    def _observation(self, name: str, item: Any, where: str) -> Observation:
        if not isinstance(item, dict):
            raise self._bad(f"{where}: metric {name} must be an object with samples and value (or events)")
        samples = item.get("samples")
        if not isinstance(samples, int) or isinstance(samples, bool) or not 0 <= samples <= MAX_SAMPLES:
            raise self._bad(f"{where}: {name}.samples must be an integer in 0..{MAX_SAMPLES:.0e}, got {str(samples)[:40]}")
        if name in RATE_METRICS:
            events = item.get("events")
            if events is None and isinstance(item.get("value"), (int, float)) and not isinstance(item.get("value"), bool):
                rate = float(item["value"])
                if not 0 <= rate <= 1:
                    raise self._bad(f"{where}: {name}.value must be a rate in 0..1, got {str(item['value'])[:40]}")
                events = round(rate * samples)
            if not isinstance(events, int) or isinstance(events, bool) or not 0 <= events <= samples:
                raise self._bad(f"{where}: {name}.events must be an integer in 0..samples, got {str(events)[:40]}")
            return Observation.rate(events, samples)
        value = item.get("value")
        if value is not None and (not isinstance(value, (int, float)) or isinstance(value, bool) or math.isinf(float(value))):
            raise self._bad(f"{where}: {name}.value must be a number, got {str(value)[:40]}")
        return Observation(None if value is None else float(value), samples)

    def _time(self, raw: Any, i: int) -> datetime:
        if isinstance(raw, str):
            try:
                t = datetime.fromisoformat(raw.replace("Z", "+00:00"))
            except ValueError:
                t = None
            if t is not None and t.tzinfo is not None:
                return t
        raise self._bad(f"observations[{i}].at must be an ISO timestamp with a timezone, got {raw!r}")

    def _observations(self) -> list[dict[str, Any]]:
        if self._doc is None:
            data = self._load()
            obs = data.get("observations") if isinstance(data, dict) else None
            if not isinstance(obs, list) or not all(isinstance(o, dict) for o in obs):
                raise self._bad("expected an object with an 'observations' list of objects")
            unknown = {k for o in obs for k in (o.get("metrics") or {}) if k not in METRICS} if obs else set()
            if unknown:
                raise self._bad(f"unknown metric(s) {', '.join(sorted(unknown))}; known: {', '.join(METRICS)}")
            self._doc = obs
        return self._doc

    def _load(self) -> Any:
        text = self._fetch() if self.is_url else self._read()
        from ..gates.eval.formats.common import StrictJSONError, loads_strict

        try:
            return loads_strict(text)
        except StrictJSONError as exc:
            raise self._bad(f"not a metrics document: {exc}") from None
        except json.JSONDecodeError as exc:
            if self.is_url:
                raise ServiceError(Finding("MP804", f"{self.location}: not JSON ({exc.msg} at line {exc.lineno})")) from None
            raise InputError(Finding("MP804", f"not JSON: {exc.msg}", self.location, exc.lineno, exc.colno)) from None

    def _read(self) -> str:
        try:
            with open(self.location, encoding="utf-8") as fh:
                return fh.read(MAX_BYTES)
        except FileNotFoundError:
            raise InputError(Finding("MP001", f"{self.location}: no such metrics file", self.location)) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(Finding("MP010", f"{self.location}: cannot read: {exc}", self.location)) from None

    def _fetch(self) -> str:
        last = ""
        for attempt in range(self.retries):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                req = urllib.request.Request(self.location, headers={"Accept": "application/json", "User-Agent": "modelpromote-health"})
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                    return str(resp.read(MAX_BYTES).decode("utf-8", "replace"))
            except urllib.error.HTTPError as exc:
                last = f"HTTP {exc.code}"
                if exc.code != 429 and exc.code < 500:
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
                last = f"{getattr(exc, 'reason', exc)}"
        raise ServiceError(Finding("MP801", f"{self.location} failed after {self.retries} attempt(s): {last}"))

    def _bad(self, msg: str) -> InputError | ServiceError:
        # A broken local file is the user's to fix (exit 2); a broken URL is a failing service (exit 3).
        f = Finding("MP804", msg, None if self.is_url else self.location)
        return ServiceError(f) if self.is_url else InputError(f)
