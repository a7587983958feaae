"""The real-Prometheus launcher for tests: :mod:`modelpromote.sandbox.prometheus` plus the skip policy.

Missing binaries skip the test with the reason, unless ``MODELPROMOTE_REQUIRE_PROMETHEUS=1``
(set by CI), which makes that a failure: CI must never pass by skipping the real thing.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelpromote.sandbox import prometheus as _prom
from modelpromote.sandbox.prometheus import CONFIG, free_port

__all__ = ["CONFIG", "REQUIRE_ENV", "backfill", "binaries", "free_port", "prometheus_with", "serve"]

REQUIRE_ENV = "MODELPROMOTE_REQUIRE_PROMETHEUS"


def binaries() -> tuple[str, str]:
    """(prometheus, promtool), or skip (fail under MODELPROMOTE_REQUIRE_PROMETHEUS=1)."""
    found = _prom.find_binaries()
    if found:
        return found
    reason = _prom.missing_reason()
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{reason}; {REQUIRE_ENV}=1 makes this a failure")
    pytest.skip(reason)


def backfill(openmetrics_text: str, workdir: Path) -> Path:
    binaries()
    return _prom.backfill(openmetrics_text, workdir)


@contextlib.contextmanager
def serve(data: Path, workdir: Path, *, ready_timeout: float = 30.0, config_text: str = CONFIG) -> Iterator[str]:
    binaries()
    with _prom.serve(data, workdir, ready_timeout=ready_timeout, config_text=config_text) as url:
        yield url


@contextlib.contextmanager
def prometheus_with(openmetrics_text: str, workdir: Path) -> Iterator[str]:
    binaries()
    with _prom.prometheus_with(openmetrics_text, workdir) as url:
        yield url
