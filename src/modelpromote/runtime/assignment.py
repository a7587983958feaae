"""What a request gets: the answer of :meth:`Runtime.route`.

Plain slotted classes rather than dataclasses: ``import dataclasses`` pulls in ``inspect`` and
``ast`` and costs more than the rest of the runtime together, and applications import this module
on start-up (see tests/bench/bench_runtime.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from .prompt import Prompt

#: ``control``: the baseline of a canary, the control of an A/B test, or everyone when there is no
#: split.  ``canary``/``treatment``: the live (new) version.  ``shadow``: only from ``shadow()``.
Arm = Literal["control", "treatment", "canary", "shadow"]
ARMS: tuple[str, ...] = ("control", "treatment", "canary")

_FIELDS = ("model", "env", "version", "provider_model", "prompt", "settings", "arm", "fallback_for")


class Assignment:
    """The version, provider model, prompt and settings one request should use.

    Immutable.  Instances are shared between requests (route() returns precompiled objects, which
    is why it is fast), and ``settings`` is a read-only view.
    """

    __slots__ = _FIELDS
    model: str
    env: str
    version: str  # a catalogue version id (maybe with _prompt-vN) or an external provider model
    provider_model: str | None  # the name to call the provider's API with
    prompt: Prompt | None  # when the version pins a prompt (_prompt-v4): its text, version, digest, render()
    settings: Mapping[str, Any]  # max_tokens, temperature, timeout_ms, ... (read-only view)
    arm: Arm
    fallback_for: str | None  # set on fallback attempts: the version this one stands in for

    def __init__(
        self,
        model: str,
        env: str,
        version: str,
        provider_model: str | None,
        prompt: Prompt | None,
        settings: Mapping[str, Any],
        arm: Arm,
        fallback_for: str | None = None,
    ) -> None:
        for name, value in zip(_FIELDS, (model, env, version, provider_model, prompt, settings, arm, fallback_for), strict=True):
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Assignment is immutable (shared between requests); cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("Assignment is immutable")

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, f) for f in _FIELDS)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Assignment) and self._values() == other._values()

    def __hash__(self) -> int:
        # In-process identity for sets and dict keys only.  Bucketing never uses hash(): it is
        # salted per process (see bucketing.py).
        return hash(tuple(v for f, v in zip(_FIELDS, self._values(), strict=True) if f != "settings"))

    def __repr__(self) -> str:
        return "Assignment(" + ", ".join(f"{f}={getattr(self, f)!r}" for f in _FIELDS) + ")"

    def to_json(self) -> dict[str, Any]:
        d = {f: getattr(self, f) for f in _FIELDS}
        d["settings"] = dict(self.settings)
        d["prompt"] = None if self.prompt is None else self.prompt.to_json()
        return d
