"""Decision events: one JSON-able dict per route/shadow/call, plus reload events.

An event sink is any ``Callable[[dict], None]``.  :class:`JsonLinesSink` writes one JSON object per
line (to a path or an open text stream).  A sink that raises never fails a request: the runtime
catches and counts it (``Runtime.sink_errors``).

Fields (every event): ``event`` (route | shadow | call | reload | reload_error), ``ts`` (Unix
seconds), ``env``, ``git_sha``.  Decisions add ``model``, ``version``, ``arm``, ``key_hash`` (never
the raw key), ``latency_ms`` and ``outcome``; ``call`` adds ``attempts``.

Sampling (``JsonLinesSink(..., sample=0.01)`` or :func:`sampled`) keeps a fixed share of keys,
decided from ``key_hash`` (SHA-256, the same in every process: never ``hash()``), so a kept key's
events are all kept and a user's journey stays whole.  Events worth reading one by one are always
kept: failures and fallbacks, timeouts and errors, shadow decisions, reloads.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import IO, Any

Event = dict[str, Any]
Sink = Callable[[Event], None]

#: Outcomes and kinds kept whatever the sample rate.
ALWAYS_KEPT_OUTCOMES = frozenset({"fallback", "failed", "error", "timeout", "kept_old"})
ALWAYS_KEPT_EVENTS = frozenset({"shadow", "reload", "reload_error"})


def sample_threshold(rate: float) -> int:
    """Keys whose hash (first 32 bits of ``key_hash``) is below this are kept: ``rate`` of them."""
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"sample rate must be in 0..1, got {rate!r}")
    return round(rate * (1 << 32))


def keep(event: Event, threshold: int) -> bool:
    """Whether a sink sampling at ``threshold`` (:func:`sample_threshold`) writes ``event``."""
    if event.get("event") in ALWAYS_KEPT_EVENTS or event.get("outcome") in ALWAYS_KEPT_OUTCOMES:
        return True
    key_hash = event.get("key_hash")
    if not isinstance(key_hash, str) or len(key_hash) < 8:
        return True  # not about one key: nothing to sample by
    try:
        return int(key_hash[:8], 16) < threshold
    except ValueError:
        return True


def sampled(sink: Sink, rate: float) -> Sink:
    """``sink`` receiving only the sampled events (see the module's docstring)."""
    threshold = sample_threshold(rate)
    if threshold >= 1 << 32:
        return sink

    def sample(event: Event) -> None:
        if keep(event, threshold):
            sink(event)

    return sample


class JsonLinesSink:
    """Append events as JSON lines; thread-safe; one ``write`` per event so lines never interleave.

    ``sample`` (0..1): the share of keys whose events are written; see the module's docstring.
    """

    def __init__(self, target: str | IO[str], *, flush: bool = True, sample: float = 1.0) -> None:
        self._threshold = sample_threshold(sample)
        self._sampling = self._threshold < 1 << 32
        self._own = isinstance(target, str)
        self._fh: IO[str] = open(target, "a", encoding="utf-8") if isinstance(target, str) else target  # noqa: SIM115 - closed in close()
        self._flush = flush
        self._lock = threading.Lock()

    def __call__(self, event: Event) -> None:
        if self._sampling and not keep(event, self._threshold):
            return
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
