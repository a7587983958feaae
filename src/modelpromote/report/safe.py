"""Make user-controlled text safe to print: to a terminal, and into GitHub workflow commands.

Model names, versions and environments are checked against their patterns, but hold reasons,
``--by``, metric names from an eval file, notes and messages quoting any of them are free text.
Printed raw, ``"\\x1b]0;...\\x07"`` retitles the terminal (or worse), and ``"\\n::error::..."`` on a
GitHub Actions runner starts a workflow command of its own (the runner parses every line of
stdout and stderr).  One helper for each sink:

* :func:`term` - one value on one line: every control character (C0 including newline, DEL, C1,
  ESC), line/paragraph separators and bidi overrides become visible escapes (``\\n``, ``\\x1b``).
* :func:`term_block` - a rendered multi-line block: the same, but newlines and tabs stay.
* :func:`workflow_data` / :func:`workflow_prop` - GitHub's escaping for a workflow command's
  message and properties (``%``, ``\\r``, ``\\n``; properties also ``:`` and ``,``).
"""

from __future__ import annotations

import re

# C0 (with \t \n \r), DEL, C1, line/paragraph separators, bidi embeddings/overrides/isolates, BOM.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\ufeff]")
_UNSAFE_BLOCK = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\ufeff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\x1b": "\\x1b"}
# Workflow command data: CR and LF are GitHub's to escape (%0D, %0A); everything else unsafe is shown.
_UNSAFE_DATA = re.compile("[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\ufeff]")


def _escape(m: re.Match[str]) -> str:
    ch = m.group(0)
    if ch in _NAMED:
        return _NAMED[ch]
    return f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"


def term(value: object) -> str:
    """``value`` as one line of inert text (control characters shown as escapes)."""
    return _UNSAFE.sub(_escape, str(value))


def term_block(text: str) -> str:
    """A rendered block: control characters escaped, its own newlines and tabs kept.

    A line that would start a workflow command (``::``) can only come from a value with a newline
    in it; values go through :func:`term`, and this catches what slipped through.
    """
    out = _UNSAFE_BLOCK.sub(_escape, text)
    if "::" in out:
        out = "\n".join(("\\" + line) if line.lstrip().startswith("::") else line for line in out.split("\n"))
    return out


def workflow_data(value: object) -> str:
    """A workflow command's message (``::error ...::<data>``): ``%``, ``\\r``, ``\\n`` escaped as GitHub specifies."""
    text = _UNSAFE_DATA.sub(_escape, str(value))
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def workflow_prop(value: object) -> str:
    """A workflow command's property value (``file=``, ``title=``): data escaping plus ``:`` and ``,``."""
    return workflow_data(value).replace(":", "%3A").replace(",", "%2C")


def markdown_cell(value: object) -> str:
    """One table cell of GitHub markdown: no pipe, no newline, no control character."""
    return term(value).replace("|", "\\|")
