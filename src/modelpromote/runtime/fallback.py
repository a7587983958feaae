"""Fallback mechanics: per-attempt timeouts, and cooldown for versions that keep failing.

Timeouts: each attempt runs ``fn`` in its own daemon thread and waits at most ``timeout`` seconds
for it.  Python cannot stop a thread, so a timed-out call keeps running in the background until
``fn`` returns; its result is discarded.  A thread per attempt (rather than a shared pool) means a
provider that hangs cannot exhaust a pool and make healthy calls queue into timeouts.  ``fn``
should still pass a client-side timeout (``assignment.settings["timeout_ms"]``) to its SDK.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable
from typing import Any, Literal, TypeVar

from .assignment import Assignment

T = TypeVar("T")
Outcome = Literal["ok", "error", "timeout", "cooldown"]


class Attempt:
    """One try of one version, as recorded in ``call`` events and ``CallFailed.attempts``."""

    __slots__ = ("error", "latency_ms", "outcome", "version")

    def __init__(self, version: str, outcome: Outcome, latency_ms: float, error: str | None = None) -> None:
        self.version = version
        self.outcome = outcome
        self.latency_ms = latency_ms
        self.error = error  # the exception's type name only: messages may contain user data

    def __repr__(self) -> str:
        return f"Attempt({self.version!r}, {self.outcome!r}, {self.latency_ms:.3f} ms, error={self.error!r})"

    def to_json(self) -> dict[str, Any]:
        return {"version": self.version, "outcome": self.outcome, "latency_ms": round(self.latency_ms, 3), "error": self.error}


class AttemptTimeout(TimeoutError):
    """Raised inside ``call`` bookkeeping when an attempt overran its timeout."""


def run_with_timeout(fn: Callable[[Assignment], T], assignment: Assignment, timeout: float | None) -> T:
    """``fn(assignment)``, giving up after ``timeout`` seconds (None: wait, in this thread)."""
    if timeout is None:
        return fn(assignment)
    done = threading.Event()
    box: list[Any] = []  # [result] or [None, exception]: written once, before done is set
    ctx = contextvars.copy_context()  # tracing/logging context follows the call into the thread

    def target() -> None:
        try:
            box.append(ctx.run(fn, assignment))
        except BaseException as exc:
            box.extend((None, exc))
        done.set()

    threading.Thread(target=target, name=f"modelpromote-call-{assignment.version}", daemon=True).start()
    if not done.wait(max(timeout, 0.0)):
        raise AttemptTimeout(f"no answer within {timeout:g} s")
    if len(box) == 2:
        raise box[1]
    return box[0]  # type: ignore[no-any-return]


class Cooldown:
    """Skip a version for ``period`` seconds after ``threshold`` consecutive failures.

    After the period the version is tried again; one more failure puts it straight back on
    cooldown (its failure count is only reset by a success).  Thread-safe; the clock is injected.
    """

    def __init__(self, *, threshold: int = 3, period: float = 30.0, clock: Callable[[], float]) -> None:
        if threshold < 1 or period < 0:
            raise ValueError("cooldown threshold must be >= 1 and period >= 0")
        self.threshold = threshold
        self.period = period
        self._clock = clock
        self._lock = threading.Lock()
        self._failures: dict[tuple[str, str], int] = {}
        self._until: dict[tuple[str, str], float] = {}

    def cooling(self, model: str, version: str) -> bool:
        until = self._until.get((model, version))
        return until is not None and self._clock() < until

    def failed(self, model: str, version: str) -> None:
        key = (model, version)
        with self._lock:
            n = self._failures.get(key, 0) + 1
            self._failures[key] = n
            if n >= self.threshold:
                self._until[key] = self._clock() + self.period

    def succeeded(self, model: str, version: str) -> None:
        key = (model, version)
        if key in self._failures or key in self._until:
            with self._lock:
                self._failures.pop(key, None)
                self._until.pop(key, None)

    def snapshot(self) -> dict[str, dict[str, Any]]:
        """``{"model/version": {"failures": n, "cooling": bool}}`` for health endpoints and tests."""
        with self._lock:
            keys = set(self._failures) | set(self._until)
            return {f"{m}/{v}": {"failures": self._failures.get((m, v), 0), "cooling": self.cooling(m, v)} for m, v in sorted(keys)}
