"""Faults the emulator injects on demand, so tests can prove retries and idempotency.

``emulator.inject(r"/pulls$", [500, 502, secondary(1), 429, slow(2.0), after(502)])`` makes the
next six matching requests fail in those ways, one fault per request, in order.  ``after(502)``
is the nasty one: the request *is* processed and then answered with 502, as when a proxy loses a
response; only look-up-before-create keeps a retried POST from creating a duplicate.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Fault:
    status: int = 500
    retry_after: int | None = None  # seconds, sent as Retry-After
    delay: float = 0.0  # seconds before answering
    after: bool = False  # process the request first, then answer with the error
    secondary: bool = False  # a 403 secondary rate limit
    reset_in: int | None = None  # a primary rate limit: no requests remaining until this many seconds from now

    @property
    def message(self) -> str:
        if self.secondary:
            return "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
        if self.reset_in is not None:
            return "API rate limit exceeded for user ID 1001. If you reach out to GitHub Support for help, please include the request ID."
        if self.status == 429:
            return "API rate limit exceeded. Too many requests."
        return {500: "Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}.get(self.status, "Error")


def secondary(retry_after: int | None = 1) -> Fault:
    """A secondary rate limit; ``None`` sends no Retry-After (GitHub then asks for at least a minute's wait)."""
    return Fault(status=403, retry_after=retry_after, secondary=True)


def primary(reset_in: int) -> Fault:
    """The primary rate limit: 403, ``x-ratelimit-remaining: 0`` and a reset ``reset_in`` seconds away."""
    return Fault(status=403, reset_in=reset_in)


def too_many(retry_after: int = 1) -> Fault:
    return Fault(status=429, retry_after=retry_after)


def slow(seconds: float, status: int = 0) -> Fault:
    """Answer normally (``status`` 0) after ``seconds``; a status makes it a slow error instead."""
    return Fault(status=status, delay=seconds)


def after(status: int = 502) -> Fault:
    return Fault(status=status, after=True)


FaultSpec = Fault | int | tuple[str, int] | tuple[str, float] | tuple[str, None]


def to_fault(spec: FaultSpec) -> Fault:
    """Accept the short forms used in tests: 500, ("secondary", 1), ("secondary", None), ("429", 1), ("slow", 0.5), ("after", 502)."""
    if isinstance(spec, Fault):
        return spec
    if isinstance(spec, int):
        return too_many(1) if spec == 429 else Fault(status=spec)
    kind, value = spec
    if kind == "secondary":
        return secondary(None if value is None else int(value))
    if value is None:
        raise ValueError(f"fault {kind!r} needs a number")
    if kind == "429":
        return too_many(int(value))
    if kind == "slow":
        return slow(float(value))
    if kind == "after":
        return after(int(value))
    raise ValueError(f"unknown fault {spec!r}")


@dataclass
class _Rule:
    pattern: re.Pattern[str]
    method: str | None
    faults: list[Fault] = field(default_factory=list)


class FaultPlan:
    """Thread-safe queue of faults per (method, path pattern); each matching request takes one."""

    def __init__(self) -> None:
        self._rules: list[_Rule] = []
        self._lock = threading.Lock()
        self.served: list[tuple[str, str, Fault]] = []

    def inject(self, pattern: str, faults: list[FaultSpec], method: str | None = None) -> None:
        with self._lock:
            self._rules.append(_Rule(re.compile(pattern), method.upper() if method else None, [to_fault(f) for f in faults]))

    def take(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for rule in self._rules:
                if rule.faults and (rule.method in (None, method)) and rule.pattern.search(path):
                    fault = rule.faults.pop(0)
                    self.served.append((method, path, fault))
                    return fault
        return None

    def pending(self) -> int:
        with self._lock:
            return sum(len(r.faults) for r in self._rules)

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
