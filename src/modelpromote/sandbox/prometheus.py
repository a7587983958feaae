"""Run Debian's real ``prometheus`` on loopback over a TSDB backfilled from OpenMetrics.

Why backfill rather than scrape: the data then has fixed timestamps, so a query at
``time=<the data's end>`` gives the same answer on every machine, and a test (or the demo) can
replay hours of traffic in a second.  Backfill details that bite: promtool wants OpenMetrics with
``# EOF`` and timestamps in seconds; Prometheus' retention is measured from the newest block, so
data from any date stays queryable; a block backfilled while the server runs is only seen after a
restart (``serve`` again: it takes about 0.1 s).

Used by the health tests (tests/support/prometheus.py adds the pytest skip/fail policy) and by ``modelpromote demo``.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

CONFIG = "global:\n  scrape_interval: 1h\n  evaluation_interval: 1h\nscrape_configs: []\n"


class PrometheusUnavailable(RuntimeError):
    """The binaries are missing, or the server or promtool failed (the message says which)."""


def find_binaries() -> tuple[str, str] | None:
    """(prometheus, promtool) from PATH, or None when either is missing."""
    prom, tool = shutil.which("prometheus"), shutil.which("promtool")
    return (prom, tool) if prom and tool else None


def missing_reason() -> str:
    prom, tool = shutil.which("prometheus"), shutil.which("promtool")
    missing = " and ".join(n for n, p in (("prometheus", prom), ("promtool", tool)) if not p)
    return f"{missing} not on PATH; install Debian's prometheus package (scripts/setup does, as root)"


def _binaries() -> tuple[str, str]:
    found = find_binaries()
    if found is None:
        raise PrometheusUnavailable(missing_reason())
    return found


def version() -> str | None:
    """``2.42.0`` (the first line of ``prometheus --version``), or None."""
    found = find_binaries()
    if found is None:
        return None
    try:
        out = subprocess.run([found[0], "--version"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    words = out.split()
    return words[2].split("+")[0] if len(words) > 2 and words[1] == "version" else None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def backfill(openmetrics_text: str, workdir: Path, *, name: str = "metrics.om") -> Path:
    """Write the text to ``workdir/name`` and turn it into TSDB blocks under ``workdir/data``."""
    _, tool = _binaries()
    om = workdir / name
    om.write_text(openmetrics_text, encoding="utf-8")
    data = workdir / "data"
    data.mkdir(parents=True, exist_ok=True)
    try:
        res = subprocess.run(
            [tool, "tsdb", "create-blocks-from", "openmetrics", str(om), str(data)], capture_output=True, text=True, timeout=120
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise PrometheusUnavailable(f"promtool failed: {exc}") from exc
    if res.returncode != 0:
        raise PrometheusUnavailable(f"promtool backfill failed ({res.returncode}):\n{res.stdout}\n{res.stderr}")
    return data


@contextlib.contextmanager
def serve(
    data: Path, workdir: Path, *, ready_timeout: float = 30.0, port: int | None = None, config_text: str = CONFIG
) -> Iterator[str]:
    """Start prometheus on 127.0.0.1:<port> (default: a free one) over ``data``; yield its base URL; always stop it.

    Passing the port of a server just stopped restarts it at the same URL.  ``config_text``: the
    prometheus.yml (default: no scraping; a test of a live exporter passes its scrape job).
    """
    prom, _ = _binaries()
    config = workdir / "prometheus.yml"
    config.write_text(config_text, encoding="utf-8")
    for attempt in range(3):  # a free port can be taken between probing and binding
        if port is None or attempt > 0:
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
            stop(proc)
        text = log_path.read_text(errors="replace")
        if "address already in use" not in text:
            raise PrometheusUnavailable(f"prometheus did not become ready within {ready_timeout}s:\n{text[-3000:]}")
    raise PrometheusUnavailable("prometheus: no free port after 3 attempts")


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
        time.sleep(0.05)
    return False


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL after 10 s: Prometheus flushes its head block on a clean stop."""
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
