"""Read a YAML file into plain data, remembering where every node came from.

Why not ``yaml.safe_load`` or ruamel's round-trip loader: neither keeps positions cheaply (ruamel
round-trip is ~50x slower on a 20,000-version manifest), neither reports duplicate keys where
they are, and both expand alias bombs before anyone can object.  We drive libyaml's event parser
(C, via PyYAML) and build the data ourselves, so we can:

* record a :class:`Span` (line, column, character offsets) for every value and mapping key, which
  findings use for ``file:line:col`` and edits use to splice exactly the bytes they mean to;
* refuse duplicate keys at the second occurrence;
* count nodes as aliases expand and stop at a budget (a "billion laughs" file costs nothing);
* resolve plain scalars with the YAML 1.2 core schema (``no``/``on`` stay strings, dates stay
  strings for pydantic to check), so the meaning never depends on YAML 1.1 quirks.

Files are size-checked before they are read and must be UTF-8.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import yaml

from ..errors import Finding, InputError
from .raw import read_text

try:  # libyaml is in PyYAML's wheels; the pure parser is a slow but correct fallback.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on the platform's wheel
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

PathKey = tuple[str | int, ...]

MAX_NODES = 5_000_000  # ~30x the 1,000-model / 20,000-version benchmark manifest


@dataclass(frozen=True)
class Span:
    line: int  # 1-based
    col: int  # 1-based
    start: int  # character offset of the first character
    end: int  # character offset after the last character


@dataclass
class Source:
    """A parsed YAML document: the data plus where each piece was written."""

    path: str
    text: str
    data: Any
    # (start mark, end mark) of each value node and of each mapping entry's key; turned into a
    # Span only when asked for, because building 300,000 spans nobody reads costs ~0.3 s.
    marks: dict[PathKey, tuple[Any, Any]] = field(default_factory=dict)
    key_marks: dict[PathKey, tuple[Any, Any]] = field(default_factory=dict)

    def span(self, path: PathKey) -> Span | None:
        m = self.marks.get(tuple(path))
        return None if m is None else _span(*m)

    def key_span(self, path: PathKey) -> Span | None:
        m = self.key_marks.get(tuple(path))
        return None if m is None else _span(*m)

    def at(self, path: PathKey, *, key: bool = False) -> tuple[int | None, int | None]:
        """Line and column of ``path``, or of its closest ancestor that exists."""
        p = tuple(path)
        while True:
            span = (self.key_span(p) if key else None) or self.span(p)
            if span is not None:
                return span.line, span.col
            if not p:
                return (1, 1) if self.text else (None, None)
            p = p[:-1]
            key = False

    def finding(self, code: str, message: str, path: PathKey = (), *, key: bool = False, hint: str | None = None) -> Finding:
        line, col = self.at(path, key=key)
        return Finding(code, message, self.path, line, col, hint)


# -- reading ---------------------------------------------------------------------------------


# -- parsing ---------------------------------------------------------------------------------

_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_TRUE = re.compile(r"^(?:true|True|TRUE)$")
_FALSE = re.compile(r"^(?:false|False|FALSE)$")
_INT10 = re.compile(r"^[-+]?[0-9]+$")
_INT8 = re.compile(r"^0o[0-7]+$")
_INT16 = re.compile(r"^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_INF = re.compile(r"^[-+]?\.(?:inf|Inf|INF)$")
_NAN = re.compile(r"^\.(?:nan|NaN|NAN)$")

_TAG = "tag:yaml.org,2002:"


def resolve_plain(value: str) -> Any:
    """YAML 1.2 core schema resolution of a plain (unquoted) scalar."""
    if not value or len(value) > 40 or value[0] not in "~nNtTfF0123456789-+.":
        return value if value else None
    if _NULL.fullmatch(value):
        return None
    if _TRUE.fullmatch(value):
        return True
    if _FALSE.fullmatch(value):
        return False
    if _INT10.fullmatch(value):
        return int(value)
    if _INT8.fullmatch(value):
        return int(value[2:], 8)
    if _INT16.fullmatch(value):
        return int(value[2:], 16)
    if _FLOAT.fullmatch(value):
        return float(value)
    if _INF.fullmatch(value):
        return float("-inf") if value[0] == "-" else float("inf")
    if _NAN.fullmatch(value):
        return float("nan")
    return value


def _scalar(event: Any) -> Any:
    tag = event.tag
    if tag in (None, "!"):
        if not event.style and event.implicit[0]:  # plain: CParser says "", the pure parser None
            return resolve_plain(event.value)
        return event.value
    if tag == _TAG + "str":
        return event.value
    if tag in (_TAG + "int", _TAG + "float", _TAG + "bool", _TAG + "null"):
        return resolve_plain(event.value)
    return _Unsupported(tag)


@dataclass
class _Unsupported:
    tag: str


@dataclass
class _Frame:
    container: Any  # dict or list
    path: PathKey
    start: Any  # start mark
    anchor: str | None
    nodes_at_start: int
    pending_key: str | None = None
    key_span: tuple[Any, Any] | None = None


def _span(start: Any, end: Any) -> Span:
    return Span(start.line + 1, start.column + 1, start.index, end.index)


# What YAML forbids in a stream (PyYAML's reader would report it by character offset instead).
_NON_PRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_LONE_CR = re.compile("\r(?!\n)")


def line_col(text: str, i: int) -> tuple[int, int]:
    """1-based line and column of offset ``i`` (lines end at ``\\n``)."""
    start = text.rfind("\n", 0, i) + 1
    return text.count("\n", 0, i) + 1, i - start + 1


def check_characters(text: str, path: str) -> None:
    """Refuse, at line:col, a character YAML does not allow, and CR-only line endings.

    A lone CR (classic Mac line endings) is a line break to YAML but not to the editor: line
    numbers in findings would be wrong and no splice could place a new line correctly, so such a
    file is refused rather than half-supported.  LF and CRLF files are fine.
    """
    m = _NON_PRINTABLE.search(text)
    if m:
        line, col = line_col(text, m.start())
        ch = m.group(0)
        raise InputError(
            Finding(
                "MP005",
                f"control character U+{ord(ch):04X} is not allowed in YAML",
                path,
                line,
                col,
                hint="remove it (a NUL byte usually means a binary or corrupted file)",
            )
        )
    m = _LONE_CR.search(text)
    if m:
        line, col = line_col(text, m.start())
        raise InputError(
            Finding(
                "MP005",
                "carriage return without a line feed (CR-only line endings are not supported)",
                path,
                line,
                col,
                hint="convert the line endings to LF (or CRLF), e.g. `tr '\\r' '\\n'`",
            )
        )


def parse(text: str, path: str) -> Source:
    """Parse one YAML document, raising :class:`InputError` with a located finding."""
    check_characters(text, path)
    src = Source(path, text, None)
    try:
        with no_gc():
            _build(text, src)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        msg = " ".join(x for x in (exc.context, exc.problem) if x) or "invalid YAML"
        raise InputError(Finding("MP005", msg, path, mark.line + 1 if mark else None, mark.column + 1 if mark else None)) from None
    except yaml.YAMLError as exc:
        raise InputError(Finding("MP005", str(exc), path)) from None
    return src


def _build(text: str, src: Source) -> None:
    stack: list[_Frame] = []
    anchors: dict[str, tuple[Any, int]] = {}
    open_anchors: set[str] = set()
    nodes = 0
    documents = 0
    root: Any = None

    def fail(code: str, msg: str, mark: Any, hint: str | None = None) -> InputError:
        return InputError(Finding(code, msg, src.path, mark.line + 1, mark.column + 1, hint))

    def place(value: Any, span: tuple[Any, Any], mark: Any) -> None:
        """Attach a finished value to the open container (or make it the root)."""
        nonlocal root
        if not stack:
            root = value
            src.marks[()] = span
            return
        top = stack[-1]
        if isinstance(top.container, list):
            p = (*top.path, len(top.container))
            top.container.append(value)
            src.marks[p] = span
            return
        if top.pending_key is None:  # this value is a key
            if not isinstance(value, str | int | float | bool) and value is not None:
                raise fail("MP012", "only scalar mapping keys are supported", mark)
            key = (
                value
                if isinstance(value, str)
                else ("" if value is None else str(value).lower() if isinstance(value, bool) else str(value))
            )
            if key == "<<":
                raise fail(
                    "MP012", "merge keys (<<) are not supported", mark, "write the keys out; the manifest is meant to be read by people"
                )
            if key in top.container:
                first_path = (*top.path, key)
                first = src.key_marks[first_path][0]
                raise fail("MP006", f"duplicate key {key!r} (first defined at line {first.line + 1})", mark)
            top.pending_key = key
            top.key_span = span
            return
        key = top.pending_key
        p = (*top.path, key)
        top.container[key] = value
        src.marks[p] = span
        assert top.key_span is not None
        src.key_marks[p] = top.key_span
        top.pending_key = None

    def child_path() -> PathKey:
        if not stack:
            return ()
        top = stack[-1]
        if isinstance(top.container, list):
            return (*top.path, len(top.container))
        return (*top.path, top.pending_key) if top.pending_key is not None else (*top.path, "<key>")

    event: Any
    for event in yaml.parse(text, Loader=_Loader):
        kind = type(event)
        if kind is yaml.ScalarEvent:
            nodes += 1
            value = _scalar(event)
            if isinstance(value, _Unsupported):
                raise fail("MP012", f"unsupported tag {value.tag!r}", event.start_mark)
            if event.anchor:
                anchors[event.anchor] = (value, 1)
            place(value, (event.start_mark, event.end_mark), event.start_mark)
        elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
            nodes += 1
            if event.tag not in (None, "!", _TAG + "map", _TAG + "seq"):
                raise fail("MP012", f"unsupported tag {event.tag!r}", event.start_mark)
            container: Any = {} if kind is yaml.MappingStartEvent else []
            if stack and isinstance(stack[-1].container, dict) and stack[-1].pending_key is None:
                raise fail("MP012", "only scalar mapping keys are supported", event.start_mark)
            stack.append(_Frame(container, child_path(), event.start_mark, event.anchor, nodes))
            if event.anchor:
                open_anchors.add(event.anchor)
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            frame = stack.pop()
            if frame.anchor:
                open_anchors.discard(frame.anchor)
                anchors[frame.anchor] = (frame.container, nodes - frame.nodes_at_start + 1)
            place(frame.container, (frame.start, event.end_mark), frame.start)
        elif kind is yaml.AliasEvent:
            if event.anchor in open_anchors:
                raise fail("MP007", f"alias *{event.anchor} refers to a node that contains it", event.start_mark)
            if event.anchor not in anchors:
                raise fail("MP005", f"unknown alias *{event.anchor}", event.start_mark)
            value, size = anchors[event.anchor]
            nodes += size
            if nodes > MAX_NODES:
                raise fail("MP007", f"aliases expand to more than {MAX_NODES:,} nodes", event.start_mark)
            place(value, (event.start_mark, event.end_mark), event.start_mark)
        elif kind is yaml.DocumentStartEvent:
            documents += 1
            if documents > 1:
                raise fail(
                    "MP005",
                    "the manifest must hold one YAML document, found a second one",
                    event.start_mark,
                    "remove the '---' and what follows, or split the files",
                )
        if nodes > MAX_NODES:
            raise fail("MP007", f"the document has more than {MAX_NODES:,} nodes", event.start_mark)
    src.data = root


def load_source(path: str) -> Source:
    """Read and parse ``path``; every failure is an :class:`InputError` with a located finding."""
    return parse(read_text(path), path)


@contextmanager
def no_gc() -> Iterator[None]:
    """Pause the cyclic GC while building large acyclic trees (it halves load time at 20k versions)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
