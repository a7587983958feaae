"""Runtime benchmarks (issue 6).

Targets: ``Runtime.route()`` <= 2 us median in-process (canary split, loaded from a file so the
reload check is included, event sink off), quoted
against a feature-flag client's bucketing measured in the same run: UnleashClient's
``normalized_hash`` (murmur3 via the mmh3 C extension) and LaunchDarkly's documented SHA-1
bucketing (reimplemented here: ``int(sha1(f"{flag}.{salt}.{key}")[:15], 16) / 0xFFFFFFFFFFFFFFF``;
the LaunchDarkly SDK itself needs a client and a data source to call it).  And the cost of
``python -c "import modelpromote.runtime"`` against bare ``python -c pass``, whole process.
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from ._util import Row, median_call, median_process

N = 10_000
KEYS = [f"user-{i}" for i in range(N)]

CONFIG = {
    "format": 1,
    "env": "production",
    "models": {
        "chat": {
            "version": "chat-v2.0.0",
            "settings": {"timeout_ms": 2000},
            "split": {
                "kind": "canary",
                "salt": "chat/production/canary/chat-v2.0.0",
                "arms": [{"arm": "canary", "version": "chat-v2.0.0", "weight": 500}, {"arm": "control", "version": "chat-v1.0.0", "weight": 9500}],
            },
            "fallbacks": {"chat-v2.0.0": ["chat-v1.0.0"]},
            "versions": {"chat-v2.0.0": {"provider_model": "p2"}, "chat-v1.0.0": {"provider_model": "p1"}},
        }
    },
}


def _per_key(fn: Callable[[str], object]) -> float:
    def batch() -> None:
        for k in KEYS:
            fn(k)

    return median_call(batch, repeat=9) / N


def _launchdarkly_bucket(key: str, flag: str = "chat-rollout", salt: str = "abcdef") -> float:
    digest = hashlib.sha1(f"{flag}.{salt}.{key}".encode()).hexdigest()[:15]  # LaunchDarkly's documented scheme
    return int(digest, 16) / 0xFFFFFFFFFFFFFFF


def run() -> list[Row]:
    from modelpromote.runtime import Runtime

    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "runtime.json"
        path.write_text(json.dumps(CONFIG))
        rt = Runtime.load(path)  # as applications use it: with the reload check on every call
        route = _per_key(lambda k: rt.route("chat", k))
    mem = Runtime(CONFIG)
    in_memory = _per_key(lambda k: mem.route("chat", k))
    ld = _per_key(_launchdarkly_bucket)
    try:
        from UnleashClient.utils import normalized_hash
    except ImportError:
        normalized_hash = None  # type: ignore[assignment]
    if normalized_hash is not None:
        unleash = _per_key(lambda k: normalized_hash(k, "chat-rollout"))
        rows.append(Row("UnleashClient normalized_hash (mmh3, C)", unleash, "us", note="feature-flag baseline"))
    rows.append(Row("LaunchDarkly SHA-1 bucketing (reimplemented)", ld, "us", note="feature-flag baseline"))
    base_name, base = ("UnleashClient normalized_hash", unleash) if normalized_hash is not None else ("LaunchDarkly SHA-1 bucketing", ld)
    rows.append(Row("Runtime.route() canary split, loaded from a file", route, "us", target="<= 2 us", ok=route <= 2e-6,
                    baseline=base_name, ratio=route / base))
    rows.append(Row("Runtime.route() from a dict (no reload check)", in_memory, "us", baseline=base_name, ratio=in_memory / base))
    rows.append(Row("Runtime.route() vs LaunchDarkly bucketing", route, "us", baseline="LaunchDarkly SHA-1 bucketing", ratio=route / ld))

    events: list[object] = []
    rt_ev = Runtime(CONFIG, on_event=events.append)
    with_sink = _per_key(lambda k: rt_ev.route("chat", k))
    rows.append(Row("Runtime.route() with an event callback", with_sink, "us", baseline="route() without", ratio=with_sink / route))

    bare = median_process([sys.executable, "-c", "pass"], repeat=15)
    imp = median_process([sys.executable, "-c", "import modelpromote.runtime"], repeat=15)
    rows.append(Row("python -c pass", bare, "ms", note="process baseline"))
    floor = median_process([sys.executable, "-c", "import json, hashlib, threading, typing"], repeat=15)
    rows.append(Row("python -c 'import json, hashlib, threading, typing'", floor, "ms", baseline="python -c pass", ratio=floor / bare,
                    note="the stdlib the runtime needs"))
    rows.append(Row("python -c 'import modelpromote.runtime'", imp, "ms", baseline="python -c pass", ratio=imp / bare,
                    note=f"+{(imp - bare) * 1e3:.1f} ms"))
    return rows
