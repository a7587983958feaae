"""What applications import: route requests to model versions from a compiled runtime config.

    from modelpromote.runtime import Runtime
    rt = Runtime.load("runtime.json")                # written by `modelpromote export`
    a = rt.route("customer-support", user_id)         # a.version, a.provider_model, a.prompt, a.settings, a.arm
    answer = rt.call("customer-support", user_id, lambda a: client.complete(
        model=a.provider_model, system=a.prompt.render(customer_name=name, question=q), ...))

Imports nothing heavy (no pydantic, ruamel, PyGithub, click, PyYAML): a test checks it.  The
metrics exporter is a separate import (``modelpromote.runtime.metrics``).  See docs/runtime.md for
the bucketing spec, the config format, prompts, events and metrics.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .assignment import Arm, Assignment
from .bucketing import TOTAL, bucket, hash32, key_digest
from .config import FORMAT, State, build_state
from .events import Event, JsonLinesSink, Sink, sampled
from .fallback import Attempt, Cooldown
from .prompt import Prompt
from .router import DEFAULT_KEY_SALT, Recorder, Runtime, read_config

if TYPE_CHECKING:
    from .errors import CallFailed, ConfigError, PromptError, UnknownModel

_LAZY = {"CallFailed", "ConfigError", "PromptError", "UnknownModel"}


def __getattr__(name: str) -> Any:
    # The exception classes build on modelpromote.errors (dataclasses): loaded on first use, so
    # that importing the runtime stays cheap for applications.
    if name in _LAZY:
        from . import errors

        return getattr(errors, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DEFAULT_KEY_SALT",
    "FORMAT",
    "TOTAL",
    "Arm",
    "Assignment",
    "Attempt",
    "CallFailed",
    "ConfigError",
    "Cooldown",
    "Event",
    "JsonLinesSink",
    "Prompt",
    "PromptError",
    "Recorder",
    "Runtime",
    "Sink",
    "State",
    "UnknownModel",
    "bucket",
    "build_state",
    "hash32",
    "key_digest",
    "read_config",
    "sampled",
]
