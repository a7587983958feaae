"""Where the demo's application metrics live: a real Prometheus, or the JSON metrics document.

Both take the same :class:`~modelpromote.sandbox.traffic.Traffic` phases and publish them in
instalments (``publish(traffic, until)``): what the application has exported up to ``until``.
Prometheus gets each instalment backfilled with promtool and is restarted to see the new block
(about 0.1 s); the JSON source rewrites ``metrics.json`` with one observation per series every
five minutes.  ``health`` reads them through its ordinary ``--prometheus`` / ``--metrics-json``.
"""

from __future__ import annotations

import contextlib
import json
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Protocol

from . import prometheus as prom
from .traffic import Traffic, json_metrics, openmetrics

STEP_S = 300  # one JSON observation per series every 5 minutes


class DemoMetrics(Protocol):
    kind: str  # "prometheus" | "json"
    label: str  # what the output says, e.g. "Prometheus 2.42.0 (real server, backfilled with promtool)"

    def cli_args(self, cwd: Path) -> list[str]: ...

    def publish(self, traffic: list[Traffic], until: int) -> str: ...

    def how(self, name: str) -> str: ...

    def close(self) -> None: ...


class PrometheusMetrics:
    kind = "prometheus"

    def __init__(self, workdir: Path, start: int, end: int, window_s: int) -> None:
        self.workdir, self.start, self.end, self.window_s = workdir, start, end, window_s
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.label = f"Prometheus {prom.version() or '(unknown version)'} (a real server on loopback, backfilled with promtool)"
        self._since: int | None = None
        self._server: contextlib.ExitStack | None = None
        self.url = ""

    def cli_args(self, cwd: Path) -> list[str]:
        return ["--prometheus", self.url]

    def publish(self, traffic: list[Traffic], until: int) -> str:
        name = f"metrics-{until}.om"
        data = prom.backfill(openmetrics(traffic, self.start, self.end, since=self._since, until=until), self.workdir, name=name)
        self._since = until
        self.close()  # a block backfilled under a running server is seen after a restart
        stack = contextlib.ExitStack()
        port = urllib.parse.urlsplit(self.url).port if self.url else None  # keep the URL a user may have copied
        self.url = stack.enter_context(prom.serve(data, self.workdir, port=port))
        self._server = stack
        return name

    def how(self, name: str) -> str:
        return f"promtool tsdb create-blocks-from openmetrics {name} data/ && restart prometheus"

    def query(self, promql: str, at: int) -> float | None:
        """One instant query, for the demo's own checks (the verbs have their own client)."""
        qs = urllib.parse.urlencode({"query": promql, "time": str(at)})
        with urllib.request.urlopen(f"{self.url}/api/v1/query?{qs}", timeout=10) as resp:
            body = json.load(resp)
        result = body.get("data", {}).get("result", [])
        return float(result[0]["value"][1]) if result else None

    def close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None


class JsonMetrics:
    kind = "json"
    label = "the JSON metrics document (Prometheus is not installed)"

    def __init__(self, path: Path, start: int, end: int, window_s: int, *, why: str = "") -> None:
        self.path, self.start, self.end, self.window_s = path, start, end, window_s
        if why:
            self.label = f"the JSON metrics document ({why})"

    def cli_args(self, cwd: Path) -> list[str]:
        return ["--metrics-json", str(self.path.relative_to(cwd)) if self.path.is_relative_to(cwd) else str(self.path)]

    def publish(self, traffic: list[Traffic], until: int) -> str:
        times = range(self.start + STEP_S, until + 1, STEP_S)
        doc = json_metrics(traffic, self.start, self.end, times, self.window_s)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
        tmp.replace(self.path)
        return self.path.name

    def how(self, name: str) -> str:
        return f"the application (or a batch job) rewrites {name}"

    def close(self) -> None:
        pass
