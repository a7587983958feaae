"""The runtime's exceptions: findings with MP6xx codes, like every modelpromote error.

Imported only when an error is raised or when an application names one of these classes
(``from modelpromote.runtime import ConfigError`` works, lazily): ``modelpromote.errors`` uses
dataclasses, which the runtime's start-up path avoids.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import Finding, InputError, ServiceError

if TYPE_CHECKING:
    from .fallback import Attempt


class ConfigError(InputError):
    """The runtime config cannot be used: unreadable (MP601), unknown format (MP602), wrong shape (MP603)."""


class UnknownModel(InputError, LookupError):
    """``route``/``call`` asked for a model the runtime config does not have (MP604)."""


class PromptError(InputError, ValueError):
    """``Prompt.render`` was given the wrong variables (MP608), or the prompt has no text (MP609)."""


class CallFailed(ServiceError):
    """Every attempt of ``call`` failed (MP605); ``attempts`` says how each version failed."""

    def __init__(self, model: str, attempts: list[Attempt]) -> None:
        tried = ", ".join(f"{a.version}: {a.outcome}" + (f" ({a.error})" if a.error else "") for a in attempts)
        super().__init__(Finding("MP605", f"{model}: every version failed: {tried}"))
        self.model = model
        self.attempts = attempts


def config_error(
    code: str, message: str, file: str | None, line: int | None = None, col: int | None = None, hint: str | None = None
) -> ConfigError:
    return ConfigError(Finding(code, message, file, line, col, hint))


def prompt_error(code: str, message: str, hint: str) -> PromptError:
    return PromptError(Finding(code, message, hint=hint))


def unknown_model(message: str, file: str | None, hint: str) -> UnknownModel:
    return UnknownModel(Finding("MP604", message, file, hint=hint))


def as_finding(exc: BaseException, file: str | None) -> Finding:
    """The finding a failed reload reports: the error's own, or MP603 for anything unexpected."""
    if isinstance(exc, InputError) and exc.findings:
        return exc.findings[0]
    if isinstance(exc, OSError):
        return Finding("MP601", str(exc), file)
    return Finding("MP603", f"cannot use the new runtime config: {type(exc).__name__}: {exc}", file)
