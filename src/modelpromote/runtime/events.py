"""Decision events: one JSON-able dict per route/shadow/call, plus reload events.

An event sink is any ``Callable[[dict], None]``.  :class:`JsonLinesSink` writes one JSON object per
line (to a path or an open text stream).  A sink that raises never fails a request: the runtime
catches and counts it (``Runtime.sink_errors``).

Fields (every event): ``event`` (route | shadow | call | reload | reload_error), ``ts`` (Unix
seconds), ``env``, ``git_sha``.  Decisions add ``model``, ``version``, ``arm``, ``key_hash`` (never
the raw key), ``latency_ms`` and ``outcome``; ``call`` adds ``attempts``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import IO, Any

Event = dict[str, Any]
Sink = Callable[[Event], None]


class JsonLinesSink:
    """Append events as JSON lines; thread-safe; one ``write`` per event so lines never interleave."""

    def __init__(self, target: str | IO[str], *, flush: bool = True) -> None:
        self._own = isinstance(target, str)
        self._fh: IO[str] = open(target, "a", encoding="utf-8") if isinstance(target, str) else target  # noqa: SIM115 - closed in close()
        self._flush = flush
        self._lock = threading.Lock()

    def __call__(self, event: Event) -> None:
        line = json.dumps(event, separators=(",", ":"), sort_keys=True, default=str) + "\n"
        with self._lock:
            self._fh.write(line)
            if self._flush:
                self._fh.flush()

    def close(self) -> None:
        if self._own:
            self._fh.close()

    def __enter__(self) -> JsonLinesSink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
