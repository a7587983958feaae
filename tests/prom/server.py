"""Run Debian's real ``prometheus`` on loopback over a TSDB backfilled from OpenMetrics.

Why backfill rather than scrape: the data then has fixed timestamps, so a query at
``time=<the data's end>`` gives the same answer on every machine, and a test can replay hours of
traffic in a second.  Backfill details that bite: promtool wants OpenMetrics with ``# EOF`` and
timestamps in seconds; Prometheus' retention is measured from the newest block, so data from any
date stays queryable.

Missing binaries skip the test with the reason, unless ``MODELPROMOTE_REQUIRE_PROMETHEUS=1``
(set by CI), which makes that a failure: CI must never pass by skipping the real thing.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

REQUIRE_ENV = "MODELPROMOTE_REQUIRE_PROMETHEUS"
CONFIG = "global:\n  scrape_interval: 1h\n  evaluation_interval: 1h\nscrape_configs: []\n"


def binaries() -> tuple[str, str]:
    """(prometheus, promtool), or skip (fail under MODELPROMOTE_REQUIRE_PROMETHEUS=1)."""
    prom, tool = shutil.which("prometheus"), shutil.which("promtool")
    if prom and tool:
        return prom, tool
    missing = " and ".join(n for n, p in (("prometheus", prom), ("promtool", tool)) if not p)
    reason = f"{missing} not on PATH; install Debian's prometheus package (scripts/setup does, as root)"
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{reason}; {REQUIRE_ENV}=1 makes this a failure")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def backfill(openmetrics_text: str, workdir: Path) -> Path:
    """Write the text and turn it into TSDB blocks under ``workdir/data``."""
    _, tool = binaries()
    om = workdir / "metrics.om"
    om.write_text(openmetrics_text, encoding="utf-8")
    data = workdir / "data"
    data.mkdir(parents=True, exist_ok=True)
    res = subprocess.run([tool, "tsdb", "create-blocks-from", "openmetrics", str(om), str(data)], capture_output=True, text=True, timeout=120)
    if res.returncode != 0:
        raise RuntimeError(f"promtool backfill failed ({res.returncode}):\n{res.stdout}\n{res.stderr}")
    return data


@contextlib.contextmanager
def serve(data: Path, workdir: Path, *, ready_timeout: float = 30.0) -> Iterator[str]:
    """Start prometheus on 127.0.0.1:<free port> over ``data``; yield its base URL; always stop it."""
    prom, _ = binaries()
    config = workdir / "prometheus.yml"
    config.write_text(CONFIG, encoding="utf-8")
    for _attempt in range(3):  # a free port can be taken between probing and binding
        port = free_port()
        log_path = workdir / f"prometheus-{port}.log"
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                [
                    prom,
                    f"--config.file={config}",
                    f"--storage.tsdb.path={data}",
                    f"--web.listen-address=127.0.0.1:{port}",
                    "--log.level=warn",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        url = f"http://127.0.0.1:{port}"
        try:
            if _wait_ready(url, proc, ready_timeout):
                yield url
                return
        finally:
            _stop(proc)
        text = log_path.read_text(errors="replace")
        if "address already in use" not in text:
            raise RuntimeError(f"prometheus did not become ready within {ready_timeout}s:\n{text[-3000:]}")
    raise RuntimeError("prometheus: no free port after 3 attempts")


def _wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(f"{url}/-/ready", timeout=2) as resp:
                if resp.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    return False


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


@contextlib.contextmanager
def prometheus_with(openmetrics_text: str, workdir: Path) -> Iterator[str]:
    """Backfill ``openmetrics_text`` and serve it: ``with prometheus_with(text, tmp) as url: ...``."""
    data = backfill(openmetrics_text, workdir)
    with serve(data, workdir) as url:
        yield url
