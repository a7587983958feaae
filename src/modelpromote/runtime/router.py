"""The :class:`Runtime` applications hold: route, shadow, call with fallbacks, hot reload."""

from __future__ import annotations

import json
import math
import os
import struct
import threading
import time
from collections.abc import Callable, Mapping
from hashlib import sha256
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from .assignment import Assignment
from .bucketing import key_digest
from .config import ModelPlan, State, build_state
from .events import Event, Sink
from .fallback import Attempt, AttemptTimeout, Cooldown, run_with_timeout

if TYPE_CHECKING:
    from ..errors import Finding

T = TypeVar("T")
#: Default salt of the key digest in events.  Set your own (secret) ``key_salt`` when keys are
#: guessable, such as emails: a public salt only stops casual reading, not a dictionary attack.
DEFAULT_KEY_SALT = "modelpromote-events"
MAX_CONFIG_BYTES = 16 * 1024 * 1024
_u32 = struct.Struct(">I").unpack_from  # the first 4 bytes, big-endian unsigned


def read_config(path: str) -> State:
    """Read and compile a runtime config file (the imperative edge of this package).  Raises
    ``ConfigError``: MP601 unreadable or not JSON, MP602 unknown format, MP603 wrong shape."""
    from_export = "re-create it with `modelpromote export --env ENV --out FILE`"
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        from .errors import config_error

        raise config_error("MP601", f"cannot read runtime config: {exc.strerror}", path) from None
    if len(raw) > MAX_CONFIG_BYTES:
        from .errors import config_error

        raise config_error("MP601", f"runtime config is larger than {MAX_CONFIG_BYTES} bytes", path, hint=from_export)
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        from .errors import config_error

        line, col = (exc.lineno, exc.colno) if isinstance(exc, json.JSONDecodeError) else (None, None)
        raise config_error("MP601", f"runtime config is not JSON: {exc}", path, line, col, hint=from_export) from None
    return build_state(data, path)


class Recorder(Protocol):
    """What the runtime tells a metrics exporter (``modelpromote.runtime.metrics.Metrics``)."""

    def attempted(self, a: Assignment, seconds: float, failed: bool, error_type: str | None = None) -> None:
        """One attempt of a call on ``a.version`` ended (``failed``: an exception or a timeout)."""

    def served(self, a: Assignment, key: str) -> None:
        """``key``'s request is served by ``a`` (route(), or the attempt of call() that answered)."""


def _signature(st: os.stat_result) -> tuple[int, int, int]:
    return (st.st_mtime_ns, st.st_size, st.st_ino)


class Runtime:
    """Routes requests to model versions as the compiled runtime config says.

    Thread-safe.  With a file (``Runtime.load``), the file is stat'ed at most every
    ``check_interval`` seconds on access and reloaded when it changed; the new config is parsed and
    validated completely before one reference is swapped, so a request sees the old config or the
    new one, never a mix, and a broken file keeps the old config (a ``reload_error`` event says why).
    """

    def __init__(
        self,
        config: Mapping[str, Any] | State,
        *,
        on_event: Sink | None = None,
        key_salt: str = DEFAULT_KEY_SALT,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        cooldown_threshold: int = 3,
        cooldown: float = 30.0,
        path: str | None = None,
        check_interval: float = 1.0,
        recorder: Recorder | None = None,
    ) -> None:
        self._state = config if isinstance(config, State) else build_state(config)
        self._on_event = on_event
        self._recorder = recorder
        self._key_salt = key_salt
        self._clock = clock
        self._wall = wall_clock
        self.cooldown = Cooldown(threshold=cooldown_threshold, period=cooldown, clock=clock)
        self._path = path
        self._interval = check_interval
        self._next_check = clock() + check_interval
        self._reload_lock = threading.Lock()
        self._sig: tuple[int, int, int] | None = None
        self.last_error: Finding | None = None  # of the latest failed reload, cleared by a good one
        self.sink_errors = 0
        if path is not None:
            try:
                self._sig = _signature(os.stat(path))
            except OSError:
                self._sig = None

    @classmethod
    def load(cls, path: str | os.PathLike[str], **options: Any) -> Runtime:
        """Load a runtime config file (from ``modelpromote export``); raises ``ConfigError`` if unusable.

        Keyword options are those of ``Runtime(...)``: on_event, key_salt, clock, wall_clock,
        cooldown_threshold, cooldown, check_interval, recorder.
        """
        p = os.fspath(path)
        try:
            sig = _signature(os.stat(p))
        except OSError:
            sig = None
        rt = cls(read_config(p), path=p, **options)
        rt._sig = sig  # the signature of what was read, not of what may have replaced it since
        return rt

    # -- what applications call -------------------------------------------------------------

    def route(self, model: str, key: str) -> Assignment:
        """The assignment for ``key`` (a user, session or request id): sticky, same everywhere."""
        # The hot path: a clock read, one dict lookup, one hash.
        if self._path is not None and self._clock() >= self._next_check:
            self._current()
        plan = self._state.models.get(model) or self._plan(model)
        if self._on_event is None and self._recorder is None:
            return self._assign(plan, key)
        t = time.perf_counter()
        a = self._assign(plan, key)
        if self._recorder is not None:
            try:
                self._recorder.served(a, key)
            except Exception:
                self.sink_errors += 1
        self._emit("route", a, key, (time.perf_counter() - t) * 1e3, "routed")
        return a

    def shadow(self, model: str, key: str) -> Assignment | None:
        """The shadow version's assignment if this model has one: send it a copy of the request,
        and never show its answer to the user (``call_shadow`` enforces that)."""
        a = self._plan(model).shadow
        if a is not None and self._on_event is not None:
            self._emit("shadow", a, key, 0.0, "shadowed")
        return a

    def call(self, model: str, key: str, fn: Callable[[Assignment], T], *, timeout: float | None = None) -> T:
        """``fn(assignment)`` for ``key``'s assignment; on an exception or timeout, the next version of
        the fallback chain, skipping versions on cooldown.  Raises ``CallFailed`` (MP605) when all fail.

        ``timeout`` (seconds, per attempt): None uses the settings' ``timeout_ms`` if set, else no
        limit; ``math.inf`` means no limit.  Each attempt is recorded; one ``call`` event in the end.
        """
        t0 = time.perf_counter()
        plan = self._plan(model)
        primary = self._assign(plan, key)
        candidates = (primary, *plan.chains.get(primary.version, ()))
        attempts: list[Attempt] = []
        runnable = []
        for a in candidates:
            if self.cooldown.cooling(model, a.version):
                attempts.append(Attempt(a.version, "cooldown", 0.0))
            else:
                runnable.append(a)
        if not runnable:
            # Everything is cooling down: trying beats failing without a try.
            runnable = list(candidates)
        last_exc: BaseException | None = None
        rec = self._recorder
        for a in runnable:
            limit = self._timeout(a, timeout)
            t = time.perf_counter()
            try:
                result = run_with_timeout(fn, a, limit)
            except AttemptTimeout as exc:
                took = time.perf_counter() - t
                attempts.append(Attempt(a.version, "timeout", took * 1e3, "timeout"))
                self.cooldown.failed(model, a.version)
                self._record(rec, a, took, "timeout")
                last_exc = exc
            except Exception as exc:
                took = time.perf_counter() - t
                attempts.append(Attempt(a.version, "error", took * 1e3, type(exc).__name__))
                self.cooldown.failed(model, a.version)
                self._record(rec, a, took, type(exc).__name__)
                last_exc = exc
            else:
                took = time.perf_counter() - t
                attempts.append(Attempt(a.version, "ok", took * 1e3))
                self.cooldown.succeeded(model, a.version)
                if rec is not None:
                    self._record(rec, a, took, None)
                    try:
                        rec.served(a, key)
                    except Exception:
                        self.sink_errors += 1
                outcome = "ok" if a is primary else "fallback"
                self._emit("call", a, key, (time.perf_counter() - t0) * 1e3, outcome, attempts=attempts, primary=primary.version)
                return result
        self._emit("call", primary, key, (time.perf_counter() - t0) * 1e3, "failed", attempts=attempts, primary=primary.version)
        from .errors import CallFailed

        raise CallFailed(model, attempts) from last_exc

    def call_shadow(self, model: str, key: str, fn: Callable[[Assignment], object], *, timeout: float | None = None) -> bool:
        """Run ``fn`` on the shadow version in a background thread, discarding its answer.

        Returns whether a shadow call was started.  Its outcome and latency go to a ``shadow``
        event (outcome ok | error | timeout) so the shadow version can be compared offline.
        """
        a = self._plan(model).shadow
        if a is None:
            return False
        limit = self._timeout(a, timeout)

        def background() -> None:
            t = time.perf_counter()
            try:
                run_with_timeout(fn, a, limit)
                outcome, error = "ok", None
            except AttemptTimeout:
                outcome, error = "timeout", "timeout"
            except Exception as exc:
                outcome, error = "error", type(exc).__name__
            took = time.perf_counter() - t
            self._record(self._recorder, a, took, error)  # the shadow version's own health
            self._emit("shadow", a, key, took * 1e3, outcome, error=error)

        threading.Thread(target=background, name=f"modelpromote-shadow-{model}", daemon=True).start()
        return True

    # -- introspection -----------------------------------------------------------------------

    @property
    def env(self) -> str:
        return self._current().env

    @property
    def git_sha(self) -> str | None:
        return self._current().git_sha

    @property
    def source(self) -> Mapping[str, Any]:
        return self._current().source

    def models(self) -> list[str]:
        return sorted(self._current().models)

    @property
    def rollback(self) -> Mapping[str, float]:
        """The manifest's rollback thresholds (``policies.rollback``) the config was exported with."""
        return self._current().rollback

    def attach(self, recorder: Recorder | None) -> None:
        """Send call outcomes to ``recorder`` (a metrics exporter) from now on; None detaches."""
        self._recorder = recorder

    def reload(self) -> bool:
        """Check the file now (not waiting for ``check_interval``); True if a new config is in use."""
        if self._path is None:
            return False
        with self._reload_lock:
            return self._check()

    # -- internals ---------------------------------------------------------------------------

    def _current(self) -> State:
        if self._path is not None:
            now = self._clock()
            if now >= self._next_check and self._reload_lock.acquire(blocking=False):
                # Only one thread checks; the others carry on with the config they have.
                try:
                    self._next_check = now + self._interval
                    self._check()
                finally:
                    self._reload_lock.release()
        return self._state

    def _plan(self, model: str) -> ModelPlan:
        try:
            return self._current().models[model]
        except KeyError:
            from .errors import unknown_model

            known = ", ".join(sorted(self._state.models)) or "none"
            raise unknown_model(
                f"no model {model!r} in the runtime config for {self._state.env!r}", self._path, f"models: {known}"
            ) from None

    @staticmethod
    def _assign(plan: ModelPlan, key: str) -> Assignment:
        prefix = plan.prefix
        if prefix is None:
            return plan.assignments[0]
        # bucketing.bucket(plan.salt, key, plan.total), inlined: this is the hot path.
        b = (_u32(sha256(prefix + key.encode()).digest())[0] * plan.total) >> 32
        for bound, a in plan.arms:
            if b < bound:
                return a
        return plan.assignments[-1]  # unreachable: b < total == bounds[-1]

    @staticmethod
    def _timeout(a: Assignment, timeout: float | None) -> float | None:
        if timeout is None:
            ms = a.settings.get("timeout_ms")
            return ms / 1000 if isinstance(ms, (int, float)) and not isinstance(ms, bool) and ms > 0 else None
        return None if math.isinf(timeout) else timeout

    def _check(self) -> bool:
        assert self._path is not None
        try:
            sig = _signature(os.stat(self._path))
        except OSError as exc:
            self._reload_failed(OSError(f"cannot stat runtime config: {exc.strerror}; keeping the loaded one"), None)
            return False
        if sig == self._sig:
            return False
        try:
            new = read_config(self._path)
        except Exception as exc:  # whatever is wrong with the new file, requests go on with the old
            self._reload_failed(exc, sig)
            return False
        old_sha = self._state.git_sha
        self._state = new  # one reference swap: readers see the old config or the new one
        self._sig = sig
        self.last_error = None
        self._emit_raw({"event": "reload", "from_git_sha": old_sha, "outcome": "reloaded"})
        return True

    def _reload_failed(self, exc: BaseException, sig: tuple[int, int, int] | None) -> None:
        from .errors import as_finding

        finding = as_finding(exc, self._path)
        # Remember the broken file's signature so it is parsed (and reported) once, not per check.
        if sig is not None:
            self._sig = sig
        if self.last_error != finding:
            self.last_error = finding
            self._emit_raw({"event": "reload_error", "outcome": "kept_old", "code": finding.code, "message": finding.message})

    def _record(self, rec: Recorder | None, a: Assignment, seconds: float, error: str | None) -> None:
        if rec is None:
            return
        try:
            rec.attempted(a, seconds, error is not None, error)
        except Exception:
            self.sink_errors += 1  # like a broken event sink: metrics never fail a request

    def _emit(self, kind: str, a: Assignment, key: str, latency_ms: float, outcome: str, **extra: Any) -> None:
        if self._on_event is None:
            return
        event: Event = {
            "event": kind,
            "model": a.model,
            "version": a.version,
            "arm": a.arm,
            "key_hash": key_digest(self._key_salt, key),
            "latency_ms": round(latency_ms, 3),
            "outcome": outcome,
        }
        if "attempts" in extra:
            extra["attempts"] = [x.to_json() for x in extra["attempts"]]
        event.update(extra)
        self._emit_raw(event)

    def _emit_raw(self, event: Event) -> None:
        if self._on_event is None:
            return
        event.setdefault("ts", self._wall())
        event.setdefault("env", self._state.env)
        event.setdefault("git_sha", self._state.git_sha)
        try:
            self._on_event(event)
        except Exception:
            self.sink_errors += 1  # a broken sink must never fail a request
