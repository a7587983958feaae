"""The one prompt object (runtime, pytest plugin): render fills exactly the declared variables."""

from __future__ import annotations

import copy
import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modelpromote.runtime import Prompt, PromptError
from modelpromote.runtime.prompt import placeholders, text_digest

TEXT = 'You help {{ customer_name }} with {{order_id}}.\nReply as JSON: {"answer": "..."}\n{{ customer_name }}, thanks!'


def prompt(text: str = TEXT, variables: tuple[str, ...] = ("customer_name", "order_id")) -> Prompt:
    return Prompt("support", 4, text, None, variables)


def test_render_fills_every_placeholder_and_leaves_other_braces_alone() -> None:
    out = prompt().render(customer_name="Ann", order_id="A-17")
    assert out == 'You help Ann with A-17.\nReply as JSON: {"answer": "..."}\nAnn, thanks!'


def test_missing_and_unknown_variables_are_named() -> None:
    with pytest.raises(PromptError) as exc:
        prompt().render(customer="Ann")
    f = exc.value.findings[0]
    assert f.code == "MP608"
    assert f.message == "support prompt-v4: missing customer_name, order_id; unknown customer"
    assert f.fix == "render it with exactly: customer_name, order_id"
    assert isinstance(exc.value, ValueError)  # also catchable as the built-in kind


def test_a_prompt_known_by_number_only_cannot_render() -> None:
    p = Prompt("support", 4, None)
    assert (p.text, p.digest, p.name) == (None, None, "prompt-v4")
    with pytest.raises(PromptError) as exc:
        p.render()
    assert exc.value.findings[0].code == "MP609"


def test_digest_version_identity_and_immutability() -> None:
    p = prompt()
    assert p.digest == text_digest(TEXT) and p.digest.startswith("sha256:") and len(p.digest) == 71
    assert p == prompt() and hash(p) == hash(prompt()) and p != Prompt("support", 5, TEXT, None, p.variables)
    assert copy.deepcopy(p) is p and pickle.loads(pickle.dumps(p)) == p
    with pytest.raises(AttributeError):
        p.text = "other"  # type: ignore[misc]
    assert p.to_json() == {"model": "support", "version": 4, "digest": p.digest, "variables": ["customer_name", "order_id"]}
    assert placeholders(TEXT) == ("customer_name", "order_id")


names = st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True)


@given(st.lists(st.tuples(names, st.text(max_size=20)), min_size=1, max_size=5, unique_by=lambda x: x[0]), st.text(max_size=30))
def test_render_substitutes_once_and_never_expands_values(pairs: list[tuple[str, str]], filler: str) -> None:
    # Values may themselves look like placeholders; they are inserted as they are, not expanded.
    text = filler.replace("{", "(").replace("}", ")") + "".join(f"<{{{{ {n} }}}}>" for n, _ in pairs)
    p = Prompt("m", 1, text, None, [n for n, _ in pairs])
    values = {n: v + "{{ " + n + " }}" for n, v in pairs}
    out = p.render(**values)
    assert out == filler.replace("{", "(").replace("}", ")") + "".join(f"<{values[n]}>" for n, _ in pairs)
