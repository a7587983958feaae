"""`modelpromote --help` and `--version` are answered without click, and look exactly as click's.

cli/top_level.py renders the top-level help itself (importing click costs more than the rest of
the command); these tests hold it to click's own rendering of the same group, at every width a
terminal can give, so the two never drift apart.
"""

from __future__ import annotations

import os
import subprocess
import sys

import click
import pytest
from hypothesis import given
from hypothesis import strategies as st

from modelpromote.cli.common import main
from modelpromote.cli.top_level import MAX_WIDTH, _width, quick_answer, top_help
from tests.support.paths import ROOT


def click_help(width: int) -> str:
    ctx = click.Context(main, info_name="modelpromote", terminal_width=width, **main.context_settings)
    return main.get_help(ctx) + "\n"


@pytest.mark.parametrize("width", range(50, MAX_WIDTH - 1))
def test_the_quick_help_is_clicks_help_at_every_width(width: int) -> None:
    assert top_help(width) == click_help(width)


@given(columns=st.one_of(st.none(), st.integers(-5, 400).map(str), st.text(max_size=4)))
def test_the_width_is_clicks_for_any_columns_value(columns: str | None) -> None:
    saved = os.environ.pop("COLUMNS", None)
    try:
        if columns is not None and "\x00" not in columns:
            os.environ["COLUMNS"] = columns
        assert _width() == click.formatting.HelpFormatter(max_width=MAX_WIDTH).width
    finally:
        os.environ.pop("COLUMNS", None)
        if saved is not None:
            os.environ["COLUMNS"] = saved


def test_only_the_bare_help_and_version_are_answered_early() -> None:
    assert quick_answer(["--version"]) == "modelpromote, version " + __import__("modelpromote").__version__ + "\n"
    for argv in ([], ["status"], ["status", "--help"], ["--help", "status"], ["-h", "-h"], ["--versions"]):
        assert quick_answer(argv) is None


@pytest.mark.parametrize("argv", [["--help"], ["-h"], ["--version"]])
def test_the_console_script_prints_clicks_output_without_importing_click(argv: list[str]) -> None:
    env = {**os.environ, "COLUMNS": "90"}
    quick = (
        f"import sys\nsys.argv = ['modelpromote', *{argv!r}]\nfrom modelpromote.cli import run\nrun()\n"
        "print(sorted(m for m in sys.modules if m == 'click' or m.startswith('modelpromote.cli.common')), file=sys.stderr)\n"
    )
    slow = f"import sys\nsys.argv = ['modelpromote', *{argv!r}]\nfrom modelpromote.cli.common import run\nrun()\n"
    a = subprocess.run([sys.executable, "-c", quick], capture_output=True, text=True, env=env, cwd=ROOT, check=True)
    b = subprocess.run([sys.executable, "-c", slow], capture_output=True, text=True, env=env, cwd=ROOT, check=True)
    assert a.stdout == b.stdout and "modelpromote" in a.stdout
    assert a.stderr.strip() == "[]"
