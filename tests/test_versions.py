"""Version ids: grammar, precedence, change kinds."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modelpromote.versions import VersionError, change_kind, is_major_change, parse_version

SEMVER_SPEC_CHAIN = [
    "1.0.0-alpha",
    "1.0.0-alpha.1",
    "1.0.0-alpha.beta",
    "1.0.0-beta",
    "1.0.0-beta.2",
    "1.0.0-beta.11",
    "1.0.0-rc.1",
    "1.0.0",
]


def test_semver_spec_precedence_chain() -> None:
    ids = [parse_version(f"claude-3-5-sonnet-v{v}") for v in SEMVER_SPEC_CHAIN]
    assert ids == sorted(ids)
    for a, b in itertools.pairwise(ids):
        assert a < b, f"{a} should sort before {b}"


def test_rc_ordering_is_numeric_not_lexical() -> None:
    rc2, rc10, final = (parse_version(f"m-v1.3.0{s}") for s in ("-rc.2", "-rc.10", ""))
    assert rc2 < rc10 < final


def test_parts_of_a_full_id() -> None:
    v = parse_version("claude-3-5-sonnet-v1.3.0-rc.1_prompt-v4")
    assert v.base == "claude-3-5-sonnet"
    assert str(v.semver) == "1.3.0-rc.1"
    assert v.prompt == 4
    assert v.model_version == "claude-3-5-sonnet-v1.3.0-rc.1"
    assert v.is_prerelease


def test_bases_that_contain_v_and_digits() -> None:
    assert parse_version("llama-v2-chat-v1.0.0").base == "llama-v2-chat"
    assert parse_version("mistral-7b-v0.3-v2.1.0").base == "mistral-7b-v0.3"


def test_build_metadata_does_not_order() -> None:
    assert parse_version("m-v1.0.0+build.1") == parse_version("m-v1.0.0+build.2")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("claude-3-5-sonnet-v1.3.0-rc1", "rc.1"),
        ("claude-3-5-sonnet-1.3.0", "no '-v' found"),
        ("Claude-v1.0.0", "lowercase"),
        ("claude-v1.0", "not MAJOR.MINOR.PATCH"),
        ("claude-v01.0.0", "not valid semver"),
        ("claude-v1.0.0_prompt-v04", "_prompt-v<N>"),
        (" claude-v1.0.0", "whitespace"),
        ("", "empty"),
        ('1.0.0"; touch /tmp/pwned; echo "', "-v"),
        ("$(id)", "-v"),
    ],
)
def test_invalid_ids_say_why(text: str, fragment: str) -> None:
    with pytest.raises(VersionError) as exc:
        parse_version(text)
    assert fragment in str(exc.value)


@pytest.mark.parametrize(
    ("old", "new", "kind"),
    [
        ("c-v1.2.3", "c-v2.0.0", "major"),
        ("c-v1.2.3", "d-v1.2.3", "major"),  # another base model is always MAJOR
        ("c-v1.2.3", "c-v1.3.0-rc.1", "minor"),
        ("c-v1.2.3", "c-v1.2.4", "patch"),
        ("c-v1.3.0-rc.1", "c-v1.3.0", "prerelease"),
        ("c-v1.3.0_prompt-v3", "c-v1.3.0_prompt-v4", "prompt"),
        ("c-v1.3.0", "c-v1.3.0", "none"),
    ],
)
def test_change_kind(old: str, new: str, kind: str) -> None:
    assert change_kind(parse_version(old), parse_version(new)) == kind
    assert is_major_change(parse_version(old), parse_version(new)) == (kind == "major")


# -- property tests ---------------------------------------------------------------------------

_num = st.integers(min_value=0, max_value=10**6).map(str)
_alnum_ident = st.from_regex(r"[a-z][a-z-]{0,6}", fullmatch=True)
_pre_ident = st.one_of(_num, _alnum_ident)
_prerelease = st.lists(_pre_ident, min_size=1, max_size=3).map(".".join)
_base = st.from_regex(r"[a-z0-9][a-z0-9]{0,8}(-[a-z0-9]{1,6}){0,3}", fullmatch=True).filter(lambda b: "-v" not in b)


@st.composite
def version_ids(draw: st.DrawFn) -> str:
    base = draw(_base)
    core = ".".join(draw(_num) for _ in range(3))
    pre = draw(st.none() | _prerelease)
    build = draw(st.none() | st.from_regex(r"[0-9a-z]{1,6}(\.[0-9a-z]{1,4}){0,2}", fullmatch=True))
    prompt = draw(st.none() | st.integers(min_value=0, max_value=999))
    text = f"{base}-v{core}"
    if pre:
        text += f"-{pre}"
    if build:
        text += f"+{build}"
    if prompt is not None:
        text += f"_prompt-v{prompt}"
    return text


@given(version_ids())
def test_format_parse_round_trip(text: str) -> None:
    v = parse_version(text)
    assert str(v) == text
    assert parse_version(str(v)) == v


@given(version_ids(), version_ids())
def test_ordering_is_total_and_consistent(a: str, b: str) -> None:
    va, vb = parse_version(a), parse_version(b)
    assert (va < vb) + (vb < va) + (va == vb) == 1


@given(st.text(max_size=60))
def test_arbitrary_text_never_crashes(text: str) -> None:
    try:
        parse_version(text)
    except VersionError as exc:
        assert str(exc)
