"""Open-ended input: whatever the text, loading gives findings or a located InputError, never a crash."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modelpromote.errors import InputError
from modelpromote.manifest.load import load_text
from tests.support.paths import EXAMPLE

BASE = EXAMPLE.read_text()
LINES = BASE.splitlines(keepends=True)
YAMLISH = st.text(alphabet=st.sampled_from(list(" \t\n:-[]{},#&*!|>'\"%@`?abcz019.")), max_size=200)


def _load_never_crashes(text: str) -> None:
    try:
        loaded = load_text(text, "m.yaml")
    except InputError as exc:
        f = exc.findings[0]
        assert f.code.startswith("MP0") and f.message
        return
    for f in loaded.findings:
        assert f.code.startswith("MP") and f.message and f.file == "m.yaml"
        if f.line is not None:
            assert 1 <= f.line <= max(1, text.count("\n") + 1)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(YAMLISH)
def test_arbitrary_yamlish_text(text: str) -> None:
    _load_never_crashes(text)


@settings(max_examples=150, deadline=None)
@given(st.integers(0, len(LINES) - 1), st.integers(0, len(LINES) - 1))
def test_example_with_a_line_dropped_or_duplicated(i: int, j: int) -> None:
    dropped = "".join(LINES[:i] + LINES[i + 1 :])
    duplicated = "".join(LINES[: j + 1] + LINES[j:])
    _load_never_crashes(dropped)
    _load_never_crashes(duplicated)


@settings(max_examples=150, deadline=None)
@given(st.integers(0, len(BASE) - 1), st.text(max_size=3))
def test_example_with_characters_replaced(pos: int, junk: str) -> None:
    _load_never_crashes(BASE[:pos] + junk + BASE[pos + 1 :])
