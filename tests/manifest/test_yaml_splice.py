"""yaml_scalar: any value reads back as itself, in block and flow context, for us and for YAML 1.1 tools."""

from __future__ import annotations

import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from modelpromote.manifest.source import parse
from modelpromote.manifest.yaml_splice import flow_mapping, yaml_scalar


@settings(max_examples=400)
@given(st.text())
@example("yes")
@example("no")
@example("2026-05-15")
@example("@alice")
@example("")
@example(" padded ")
@example("a: b")
@example("x # not a comment")
@example("1_000")
@example("0x1F")
@example("null")
@example("- item")
@example("{a}")
@example("line\nbreak")
@example("\u2028\x85\ufeff")
def test_any_string_round_trips(s: str) -> None:
    out = yaml_scalar(s)
    assert "\n" not in out  # one line: edits never add lines by accident
    assert parse(f"k: {out}\n", "t").data == {"k": s}
    assert parse(f"- {out}\n", "t").data == [s]
    assert parse(f"{{k: {out}, z: 1}}\n", "t").data == {"k": s, "z": 1}
    # and YAML 1.1 tools (PyYAML's safe_load) agree, so the manifest means the same to them
    assert yaml.safe_load(f"k: {out}\n") == {"k": s}


def test_quotes_only_when_needed() -> None:
    assert yaml_scalar("claude-3-5-sonnet-v1.3.0-rc.1_prompt-v4") == "claude-3-5-sonnet-v1.3.0-rc.1_prompt-v4"
    assert yaml_scalar("initial release") == "initial release"
    assert yaml_scalar("@alice") == '"@alice"'
    assert yaml_scalar("yes") == '"yes"'
    assert yaml_scalar("2026-05-15") == '"2026-05-15"'
    assert yaml_scalar("a: b") == '"a: b"'
    assert yaml_scalar(None) == "null" and yaml_scalar(True) == "true" and yaml_scalar(5) == "5"


@given(st.dictionaries(st.from_regex(r"[a-z_]{1,8}", fullmatch=True), st.one_of(st.text(), st.integers(), st.booleans()), max_size=5))
def test_flow_mapping_round_trips(d: dict[str, object]) -> None:
    assert parse(f"- {flow_mapping(d)}\n", "t").data == [d]
