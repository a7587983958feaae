"""A runtime config with one model, shared by the runtime tests."""

from __future__ import annotations

import hashlib
from typing import Any

from modelpromote.runtime import Runtime

PROMPT_V3 = 'Answer briefly. Reply as JSON {"answer": ...}.\nQuestion: {{ question }}\n'


def config(**chat: Any) -> dict[str, Any]:
    """A runtime config with one model, `chat`: live v2 (canary 5 % vs v1), fallbacks v1 -> ext."""
    model: dict[str, Any] = {
        "version": "chat-v2.0.0",
        "settings": {"timeout_ms": 2000, "max_tokens": 256},
        "split": {
            "kind": "canary",
            "salt": "chat/production/canary/chat-v2.0.0",
            "arms": [
                {"arm": "canary", "version": "chat-v2.0.0", "weight": 500},
                {"arm": "control", "version": "chat-v1.0.0", "weight": 9500},
            ],
        },
        "shadow": "chat-v3.0.0-rc.1",
        "fallbacks": {"chat-v2.0.0": ["chat-v1.0.0", "ext-model"], "chat-v1.0.0": ["ext-model"]},
        "versions": {
            "chat-v2.0.0": {"provider_model": "p-0501", "prompt": None},
            "chat-v1.0.0": {"provider_model": "p-0301", "prompt": 3},
            "chat-v3.0.0-rc.1": {"provider_model": "p-0601", "prompt": None},
            "ext-model": {"provider_model": "ext-model", "prompt": None, "external": True},
        },
    }
    model["prompts"] = {"3": {"text": PROMPT_V3, "sha256": hashlib.sha256(PROMPT_V3.encode()).hexdigest(), "variables": ["question"]}}
    model.update(chat)
    return {"format": 2, "env": "production", "source": {"git_sha": "abc123"}, "models": {"chat": model}}


def key_in(rt: Runtime, arm: str) -> str:
    return next(k for k in (f"user-{i}" for i in range(10_000)) if rt.route("chat", k).arm == arm)
