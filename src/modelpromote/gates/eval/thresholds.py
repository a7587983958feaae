"""Threshold expressions: ``>= 0.85``, ``<= 5%``, ``>= baseline - 0.02``, ``no worse than baseline - 0.02``.

Several conditions may be joined with ``and`` (or a comma): ``>= 0.80 and >= baseline - 0.02``.
The operator says which direction is good (``>=``: higher is better; ``<=``: lower is better);
"no worse than" takes the direction from the metric (lm-eval reports it; otherwise higher).
A bad expression is a :class:`ThresholdError` that says where it went wrong.
"""

from __future__ import annotations

import re

from .model import Condition

_OPS = {">=": ">=", "≥": ">=", ">": ">", "<=": "<=", "≤": "<=", "<": "<"}
_NUM = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_TOKEN = re.compile(
    rf"""\s*(?:
        (?P<noworse>no\s+worse\s+than\s+baseline)
      | (?P<op>>=|<=|≥|≤|>|<)
      | (?P<baseline>baseline)
      | (?P<num>{_NUM})(?P<pct>\s*%)?
      | (?P<sign>[+-])
      | (?P<by>by)
      | (?P<join>and\b|,)
    )""",
    re.VERBOSE | re.IGNORECASE,
)
# The metric name at the start of a flag such as --metric 'accuracy>=0.85'.
_SPEC = re.compile(
    r"^\s*(?P<name>[A-Za-z0-9_][A-Za-z0-9_./:\[\]@-]*(?:,[A-Za-z0-9_-]+)?)\s*(?P<expr>(?:[<>≥≤]|no\s+worse).*)$", re.S | re.I
)

EXAMPLES = '">= 0.85", "<= 5%", ">= baseline - 0.02", ">= 0.8 and no worse than baseline - 0.02"'


class ThresholdError(ValueError):
    def __init__(self, message: str, text: str, pos: int) -> None:
        self.text = text
        self.pos = pos  # 0-based character offset into text
        super().__init__(message)


def _tokens(text: str) -> list[tuple[str, str, int]]:
    out: list[tuple[str, str, int]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            at = pos + (len(text[pos:]) - len(text[pos:].lstrip()))
            raise ThresholdError(f"unexpected {text[at:at + 12]!r} in threshold {text!r}", text, at)
        kind = m.lastgroup if m.lastgroup != "pct" else "num"
        if kind == "num" or m.group("num") is not None:
            value = float(m.group("num")) / (100 if m.group("pct") else 1)
            out.append(("num", repr(value), m.start("num")))
        else:
            assert kind is not None
            out.append((kind, m.group(kind), m.start(kind)))
        pos = m.end()
    return out


def parse_expression(text: str) -> tuple[Condition, ...]:
    """Parse a threshold expression into conditions (all must hold)."""
    if not isinstance(text, str) or not text.strip():
        raise ThresholdError(f"empty threshold; write e.g. {EXAMPLES}", str(text), 0)
    toks = _tokens(text)
    conds: list[Condition] = []
    i = 0

    def expect(kinds: tuple[str, ...], what: str) -> tuple[str, str, int]:
        if i >= len(toks):
            raise ThresholdError(f"threshold {text!r} ends early: expected {what}", text, len(text))
        tok = toks[i]
        if tok[0] not in kinds:
            raise ThresholdError(f"expected {what} at {tok[1]!r} in threshold {text!r}", text, tok[2])
        return tok

    while True:
        start = toks[i][2] if i < len(toks) else len(text)
        first = expect(("op", "noworse"), "an operator (>=, >, <=, <) or 'no worse than baseline'")
        i += 1
        if first[0] == "noworse":
            margin = 0.0
            if i < len(toks) and toks[i][0] in ("sign", "by"):
                if toks[i][0] == "sign" and toks[i][1] != "-":
                    raise ThresholdError("'no worse than baseline' takes a margin: baseline - 0.02 (or: by 0.02)", text, toks[i][2])
                i += 1
                num = expect(("num",), "a number")
                i += 1
                margin = abs(float(num[1]))
            cond = Condition("no_worse", margin, True, "")
        else:
            op = _OPS[first[1]]
            operand = expect(("num", "baseline"), "a number or 'baseline'")
            i += 1
            if operand[0] == "num":
                cond = Condition(op, float(operand[1]), False, "")  # type: ignore[arg-type]
            else:
                offset = 0.0
                if i < len(toks) and toks[i][0] == "sign":
                    sign = -1.0 if toks[i][1] == "-" else 1.0
                    i += 1
                    num = expect(("num",), "a number after the sign")
                    i += 1
                    offset = sign * abs(float(num[1]))
                elif i < len(toks) and toks[i][0] == "num" and toks[i][1].startswith("-"):
                    offset = float(toks[i][1])  # "baseline -0.02" tokenizes as a signed number
                    i += 1
                cond = Condition(op, offset, True, "")  # type: ignore[arg-type]
        end = toks[i][2] if i < len(toks) else len(text)
        conds.append(Condition(cond.op, cond.value, cond.relative, text[start:end].strip().rstrip(",").strip()))
        if i >= len(toks):
            break
        expect(("join",), "'and' between conditions")
        i += 1
    for c in conds:
        if not c.relative and c.op != "no_worse" and not (-1e12 < c.value < 1e12):
            raise ThresholdError(f"threshold value {c.value} is out of range", text, 0)
    return tuple(conds)


def parse_spec(text: str) -> tuple[str, tuple[Condition, ...]]:
    """``accuracy>=0.85`` (a flag value) -> ("accuracy", conditions)."""
    m = _SPEC.match(text or "")
    if m is None:
        msg = f"{text!r} is not METRIC OP VALUE; write e.g. 'accuracy>=0.85' or 'pass_rate >= baseline - 0.02'"
        raise ThresholdError(msg, text or "", 0)
    expr = m.group("expr")
    try:
        return m.group("name"), parse_expression(expr)
    except ThresholdError as exc:
        raise ThresholdError(str(exc), text, exc.pos + m.start("expr")) from None
