"""What a request gets: the answer of :meth:`Runtime.route`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

#: ``control``: the baseline of a canary, the control of an A/B test, or everyone when there is no
#: split.  ``canary``/``treatment``: the live (new) version.  ``shadow``: only from ``shadow()``.
Arm = Literal["control", "treatment", "canary", "shadow"]
ARMS: tuple[str, ...] = ("control", "treatment", "canary")


@dataclass(frozen=True, slots=True)
class Assignment:
    """The version, provider model, prompt and settings one request should use.

    Instances are shared between requests (route() returns precompiled objects, which is why it is
    fast): treat them, and ``settings``, as read-only.
    """

    model: str
    env: str
    version: str  # a catalogue version id (maybe with _prompt-vN) or an external provider model
    provider_model: str | None  # the name to call the provider's API with
    prompt: str | None  # "prompt-v4" when the version pins a prompt, else None
    settings: Mapping[str, Any]  # max_tokens, temperature, timeout_ms, ... (read-only view)
    arm: Arm
    fallback_for: str | None = None  # set on fallback attempts: the version this one stands in for

    def to_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "env": self.env,
            "version": self.version,
            "provider_model": self.provider_model,
            "prompt": self.prompt,
            "settings": dict(self.settings),
            "arm": self.arm,
            "fallback_for": self.fallback_for,
        }
