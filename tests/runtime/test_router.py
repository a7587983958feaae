"""The runtime as an application uses it: route, shadow, call with fallbacks, events, reload."""

from __future__ import annotations

import io
import json
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from modelpromote.runtime import Assignment, CallFailed, ConfigError, JsonLinesSink, Runtime, UnknownModel
from tests.support.runtime import PROMPT_V3, config, key_in


def no_split() -> dict[str, Any]:
    return config(split=None)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# -- route ------------------------------------------------------------------------------------


def test_route_returns_everything_a_request_needs() -> None:
    rt = Runtime(config())
    a = rt.route("chat", key_in(rt, "control"))
    assert (a.version, a.provider_model, a.arm) == ("chat-v1.0.0", "p-0301", "control")
    assert a.prompt is not None and (a.prompt.version, a.prompt.text, str(a.prompt)) == (3, PROMPT_V3, "prompt-v3")
    assert a.settings["max_tokens"] == 256
    c = rt.route("chat", key_in(rt, "canary"))
    assert (c.version, c.provider_model) == ("chat-v2.0.0", "p-0501")
    with pytest.raises(TypeError):
        a.settings["max_tokens"] = 1  # type: ignore[index]
    with pytest.raises(AttributeError):
        a.version = "chat-v9.0.0"  # type: ignore[misc]
    assert rt.route("chat", "same-key") == rt.route("chat", "same-key")


def test_without_a_split_everyone_gets_the_live_version_as_control() -> None:
    rt = Runtime(no_split())
    assert {(rt.route("chat", str(i)).version, rt.route("chat", str(i)).arm) for i in range(100)} == {("chat-v2.0.0", "control")}


def test_unknown_model_names_the_known_ones() -> None:
    with pytest.raises(UnknownModel) as exc:
        Runtime(config()).route("chta", "u")
    assert exc.value.findings[0].code == "MP604" and "chat" in (exc.value.findings[0].hint or "")


# -- shadow -----------------------------------------------------------------------------------


def test_shadow_names_the_shadow_version_or_none() -> None:
    rt = Runtime(config())
    s = rt.shadow("chat", "u1")
    assert s is not None and (s.version, s.arm, s.provider_model) == ("chat-v3.0.0-rc.1", "shadow", "p-0601")
    assert Runtime(config(shadow=None)).shadow("chat", "u1") is None


def test_call_shadow_runs_in_background_and_its_answer_goes_nowhere() -> None:
    events: list[dict[str, Any]] = []
    done = threading.Event()

    def sink(e: dict[str, Any]) -> None:
        events.append(e)
        if e["event"] == "shadow":
            done.set()

    rt = Runtime(config(), on_event=sink)
    seen: list[str] = []
    assert rt.call_shadow("chat", "u1", lambda a: seen.append(a.version) or "SHADOW ANSWER") is True
    assert done.wait(5)
    assert seen == ["chat-v3.0.0-rc.1"]
    assert events[-1]["outcome"] == "ok" and "SHADOW ANSWER" not in json.dumps(events)
    assert Runtime(config(shadow=None)).call_shadow("chat", "u1", lambda a: None) is False


# -- call: fallbacks, timeouts, cooldown -----------------------------------------------------------


def failing(versions: set[str], log: list[str]) -> Callable[[Assignment], str]:
    def fn(a: Assignment) -> str:
        log.append(a.version)
        if a.version in versions:
            raise ConnectionError(f"{a.version} is down")
        return f"answer from {a.provider_model}"

    return fn


def test_call_returns_the_primary_answer() -> None:
    rt = Runtime(config())
    log: list[str] = []
    assert rt.call("chat", key_in(rt, "canary"), failing(set(), log)) == "answer from p-0501"
    assert log == ["chat-v2.0.0"]


def test_call_walks_the_fallback_chain_in_order() -> None:
    rt = Runtime(config())
    log: list[str] = []
    key = key_in(rt, "canary")
    assert rt.call("chat", key, failing({"chat-v2.0.0", "chat-v1.0.0"}, log)) == "answer from ext-model"
    assert log == ["chat-v2.0.0", "chat-v1.0.0", "ext-model"]


def test_fallback_attempts_keep_the_arm_and_say_what_they_replace() -> None:
    rt = Runtime(config())
    got: list[Assignment] = []

    def fn(a: Assignment) -> str:
        got.append(a)
        if a.fallback_for is None:
            raise RuntimeError("primary down")
        return "ok"

    rt.call("chat", key_in(rt, "canary"), fn)
    assert [(a.version, a.arm, a.fallback_for) for a in got] == [("chat-v2.0.0", "canary", None), ("chat-v1.0.0", "canary", "chat-v2.0.0")]


def test_all_failing_raises_callfailed_with_every_attempt() -> None:
    rt = Runtime(config())
    with pytest.raises(CallFailed) as exc:
        rt.call("chat", key_in(rt, "control"), failing({"chat-v1.0.0", "ext-model"}, []))
    assert [(a.version, a.outcome, a.error) for a in exc.value.attempts] == [
        ("chat-v1.0.0", "error", "ConnectionError"),
        ("ext-model", "error", "ConnectionError"),
    ]
    assert exc.value.exit_code == 3 and exc.value.findings[0].code == "MP605"
    assert isinstance(exc.value.__cause__, ConnectionError)


def test_a_timeout_moves_on_to_the_next_version() -> None:
    rt = Runtime(config())
    release = threading.Event()

    def fn(a: Assignment) -> str:
        if a.version == "chat-v2.0.0":
            release.wait(10)  # hangs until the test is over
            return "too late"
        return a.version

    events: list[dict[str, Any]] = []
    rt = Runtime(config(), on_event=events.append)
    try:
        assert rt.call("chat", key_in(rt, "canary"), fn, timeout=0.05) == "chat-v1.0.0"
    finally:
        release.set()
    attempts = events[-1]["attempts"]
    assert [(a["version"], a["outcome"]) for a in attempts] == [("chat-v2.0.0", "timeout"), ("chat-v1.0.0", "ok")]
    assert attempts[0]["latency_ms"] >= 50


def test_timeout_defaults_to_the_settings_timeout_ms() -> None:
    release = threading.Event()

    def fn(a: Assignment) -> str:
        if a.version == "chat-v2.0.0":
            release.wait(10)
        return a.version

    rt = Runtime(config(settings={"timeout_ms": 30}))
    try:
        assert rt.call("chat", key_in(rt, "canary"), fn) == "chat-v1.0.0"
    finally:
        release.set()


def test_an_exception_that_is_a_timeouterror_raised_by_fn_is_an_error_not_our_timeout() -> None:
    events: list[dict[str, Any]] = []
    rt = Runtime(config(), on_event=events.append)

    def fn(a: Assignment) -> str:
        if a.version == "chat-v2.0.0":
            raise TimeoutError("provider said 504")
        return "ok"

    rt.call("chat", key_in(rt, "canary"), fn, timeout=5)
    assert events[-1]["attempts"][0]["outcome"] == "error"


def test_cooldown_skips_a_version_that_keeps_failing_until_the_period_ends() -> None:
    clock = Clock()
    rt = Runtime(config(), clock=clock, cooldown_threshold=3, cooldown=30)
    key = key_in(rt, "canary")
    log: list[str] = []
    fn = failing({"chat-v2.0.0"}, log)
    for _ in range(3):
        rt.call("chat", key, fn)
    assert log == ["chat-v2.0.0", "chat-v1.0.0"] * 3
    log.clear()
    rt.call("chat", key, fn)
    assert log == ["chat-v1.0.0"]  # v2 skipped: on cooldown
    clock.now += 29.9
    log.clear()
    rt.call("chat", key, fn)
    assert log == ["chat-v1.0.0"]
    clock.now += 0.2  # period over: v2 is tried again, fails, and is straight back on cooldown
    log.clear()
    rt.call("chat", key, fn)
    rt.call("chat", key, fn)
    assert log == ["chat-v2.0.0", "chat-v1.0.0", "chat-v1.0.0"]
    clock.now += 31
    log.clear()
    rt.call("chat", key, failing(set(), log))  # v2 recovered: a success clears its record
    rt.call("chat", key, failing({"chat-v2.0.0"}, log))
    rt.call("chat", key, failing(set(), log))
    assert log == ["chat-v2.0.0", "chat-v2.0.0", "chat-v1.0.0", "chat-v2.0.0"]


def test_cooldown_is_recorded_and_when_everything_cools_it_still_tries() -> None:
    clock = Clock()
    events: list[dict[str, Any]] = []
    rt = Runtime(config(), clock=clock, cooldown_threshold=1, cooldown=60, on_event=events.append)
    key = key_in(rt, "control")
    with pytest.raises(CallFailed):
        rt.call("chat", key, failing({"chat-v1.0.0", "ext-model"}, []))
    log: list[str] = []
    assert rt.call("chat", key, failing(set(), log)) == "answer from p-0301"
    assert log == ["chat-v1.0.0"]
    assert [a["outcome"] for a in events[-1]["attempts"]] == ["cooldown", "cooldown", "ok"]


# -- events -----------------------------------------------------------------------------------


def test_events_carry_the_decision_and_never_the_raw_key() -> None:
    stream = io.StringIO()
    rt = Runtime(config(), on_event=JsonLinesSink(stream), wall_clock=lambda: 1_700_000_000.0)
    key = "alice@example.com"
    a = rt.route("chat", key)
    rt.call("chat", key, lambda a: "fine")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [e["event"] for e in lines] == ["route", "call"]
    for e in lines:
        assert (e["model"], e["version"], e["arm"], e["env"], e["git_sha"]) == ("chat", a.version, a.arm, "production", "abc123")
        assert len(e["key_hash"]) == 16 and e["ts"] == 1_700_000_000.0
        assert isinstance(e["latency_ms"], float)
    assert lines[0]["outcome"] == "routed" and lines[1]["outcome"] == "ok"
    assert lines[0]["key_hash"] == lines[1]["key_hash"]  # joinable per user
    assert key not in stream.getvalue() and "alice" not in stream.getvalue()


def test_key_hash_depends_on_the_key_salt() -> None:
    got: list[dict[str, Any]] = []
    Runtime(config(), on_event=got.append).route("chat", "u")
    Runtime(config(), on_event=got.append, key_salt="secret").route("chat", "u")
    assert got[0]["key_hash"] != got[1]["key_hash"]


def test_fallback_outcome_and_a_broken_sink_never_fails_requests() -> None:
    events: list[dict[str, Any]] = []
    rt = Runtime(config(), on_event=events.append)
    rt.call("chat", key_in(rt, "canary"), failing({"chat-v2.0.0"}, []))
    assert (events[-1]["outcome"], events[-1]["version"], events[-1]["primary"]) == ("fallback", "chat-v1.0.0", "chat-v2.0.0")

    def broken(e: dict[str, Any]) -> None:
        raise OSError("disk full")

    rt = Runtime(config(), on_event=broken)
    assert rt.route("chat", "u").model == "chat"
    assert rt.call("chat", "u", lambda a: 1) == 1
    assert rt.sink_errors == 2


def test_jsonlines_sink_appends_to_a_file(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    with JsonLinesSink(str(path)) as sink:
        rt = Runtime(config(), on_event=sink)
        for i in range(3):
            rt.route("chat", f"u{i}")
    assert [json.loads(x)["event"] for x in path.read_text().splitlines()] == ["route"] * 3


# -- load and reload --------------------------------------------------------------------------


def write(path: Path, data: Any) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(data if isinstance(data, str) else json.dumps(data))
    os.replace(tmp, path)


def test_reload_picks_up_a_new_file_after_the_check_interval(tmp_path: Path) -> None:
    path = tmp_path / "runtime.json"
    write(path, no_split())
    clock = Clock()
    events: list[dict[str, Any]] = []
    rt = Runtime.load(path, clock=clock, check_interval=1.0, on_event=events.append)
    held = rt.route("chat", "u")  # a request in flight keeps what it got
    new = no_split()
    new["models"]["chat"]["version"] = "chat-v1.0.0"
    new["source"]["git_sha"] = "def456"
    write(path, new)
    assert rt.route("chat", "u").version == "chat-v2.0.0"  # not checked yet
    clock.now += 1.0
    assert rt.route("chat", "u").version == "chat-v1.0.0"
    assert held.version == "chat-v2.0.0"
    assert rt.git_sha == "def456"
    assert events[-2]["event"] == "reload" and events[-2]["from_git_sha"] == "abc123" and events[-2]["git_sha"] == "def456"


def test_a_broken_new_file_keeps_the_old_config_and_says_so_once(tmp_path: Path) -> None:
    path = tmp_path / "runtime.json"
    write(path, no_split())
    clock = Clock()
    events: list[dict[str, Any]] = []
    rt = Runtime.load(path, clock=clock, on_event=events.append)
    for broken in ('{"format": 1, "env": "production", "models": {"chat": {', json.dumps({**no_split(), "format": 99})):
        write(path, broken)
        for _ in range(3):
            clock.now += 1.5
            assert rt.route("chat", "u").version == "chat-v2.0.0"
    errors = [e for e in events if e["event"] == "reload_error"]
    assert [e["code"] for e in errors] == ["MP601", "MP602"]
    assert rt.last_error is not None and rt.last_error.code == "MP602"
    write(path, no_split())
    assert rt.reload() is True and rt.last_error is None


def test_the_file_vanishing_keeps_the_config(tmp_path: Path) -> None:
    path = tmp_path / "runtime.json"
    write(path, no_split())
    clock = Clock()
    rt = Runtime.load(path, clock=clock)
    path.unlink()
    clock.now += 5
    assert rt.route("chat", "u").version == "chat-v2.0.0"
    assert rt.last_error is not None and rt.last_error.code == "MP601"


def test_concurrent_routes_during_reloads_never_fail(tmp_path: Path) -> None:
    path = tmp_path / "runtime.json"
    write(path, no_split())
    rt = Runtime.load(path, check_interval=0.0)
    versions = {"chat-v2.0.0", "chat-v1.0.0"}
    failures: list[BaseException] = []
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            try:
                assert rt.route("chat", "u").version in versions
            except BaseException as exc:
                failures.append(exc)
                return

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    for i in range(50):
        cfg = no_split()
        cfg["models"]["chat"]["version"] = sorted(versions)[i % 2]
        if i % 7 == 3:
            path.write_text('{"format": 1, "models": ')  # a writer that is not atomic
        else:
            write(path, cfg)
    stop.set()
    for t in threads:
        t.join()
    assert failures == []


@pytest.mark.parametrize(
    ("data", "code", "words"),
    [
        ("not json", "MP601", "not JSON"),
        ({**config(), "format": 3}, "MP602", "format 3 is not supported"),
        ({k: v for k, v in config().items() if k != "format"}, "MP602", "format None"),
        ({**config(), "models": []}, "MP603", "models: expected an object"),
        (config(version="nope"), "MP603", "'nope' is not listed in models.chat.versions"),
        (
            config(split={"salt": "s", "arms": [{"arm": "canary", "version": "chat-v2.0.0", "weight": 0}]}),
            "MP603",
            "weight: expected an integer >= 1",
        ),
        (config(split={"salt": "s", "arms": [{"arm": "blue", "version": "chat-v2.0.0", "weight": 1}]}), "MP603", "expected one of control"),
    ],
)
def test_load_rejects_unusable_configs_clearly(tmp_path: Path, data: Any, code: str, words: str) -> None:
    path = tmp_path / "runtime.json"
    write(path, data)
    with pytest.raises(ConfigError) as exc:
        Runtime.load(path)
    f = exc.value.findings[0]
    assert f.code == code and words in f.message and f.file == str(path)
    assert exc.value.exit_code == 2


def test_load_of_a_missing_file_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as exc:
        Runtime.load(tmp_path / "runtime.json")
    assert exc.value.findings[0].code == "MP601" and "modelpromote export" in exc.value.findings[0].fix
