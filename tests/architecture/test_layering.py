"""The layers import only downwards, and no module imports itself back through others.

    cli  ->  app  ->  report, providers (through app.ports), and the core
    core = errors, versions, naming, manifest, policy, gates: pure; imports nothing outside itself
           (but runtime and webhook, stdlib-only leaves whose formats are contracts with applications)
    inside the core: gates -> policy -> manifest -> naming, versions, errors

Every import counts, also the ones inside functions (they are still dependencies; they only
change when the cost is paid); imports under ``if TYPE_CHECKING:`` (annotations only) do not.  README.md, section Architecture, says the same in words.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
PKG = SRC / "modelpromote"
CORE = {"errors", "versions", "naming", "manifest", "policy", "gates"}
# Stdlib-only modules whose format is a contract with applications (the runtime config, the webhook
# signature): anyone may import them.
LEAVES = {"runtime", "webhook"}


def _modules() -> dict[str, Path]:
    out = {}
    for p in PKG.rglob("*.py"):
        parts = p.relative_to(SRC).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = p
    return out


MODULES = _modules()


def _type_only(tree: ast.Module) -> set[int]:
    """Ids of the import nodes under ``if TYPE_CHECKING:``: annotations only, never executed."""
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            out |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    return out


def _imports(name: str, path: Path) -> Iterator[str]:
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_only(tree)
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            # `from . import x` / `from .pkg import mod`: the imported names may be modules themselves
            candidates = [f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in MODULES]
            targets = candidates or [target]
        elif isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        else:
            continue
        for t in targets:
            if t == "modelpromote" or t.startswith("modelpromote."):
                while t not in MODULES and "." in t:
                    t = t.rsplit(".", 1)[0]
                yield t


GRAPH = {name: set(_imports(name, path)) - {name} for name, path in MODULES.items()}


def layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "modelpromote"


def _violations(rule: str) -> list[str]:
    out = []
    for src, targets in sorted(GRAPH.items()):
        for dst in sorted(targets):
            a, b = layer(src), layer(dst)
            if a == b or b == "modelpromote" or (b in LEAVES and a != "runtime"):
                continue
            bad = {
                "core is pure": a in CORE and b not in CORE,
                "inside the core only downwards": (a, b) in {("policy", "gates"), ("manifest", "policy"), ("manifest", "gates")}
                or (a in {"errors", "versions", "naming"} and b not in {"errors", "versions"}),
                "runtime is stdlib only": a == "runtime" and b != "errors",
                "report only renders": a == "report" and b not in CORE,
                "providers implement ports": a == "providers" and b not in CORE and dst != "modelpromote.app.ports",
                "app never reaches for the shell": a == "app" and b in {"cli", "sandbox"},
            }[rule]
            if bad:
                out.append(f"{src} -> {dst}")
    return out


@pytest.mark.parametrize(
    "rule",
    [
        "core is pure",
        "inside the core only downwards",
        "runtime is stdlib only",
        "report only renders",
        "providers implement ports",
        "app never reaches for the shell",
    ],
)
def test_layer_rule(rule: str) -> None:
    assert _violations(rule) == []


def test_verb_modules_never_import_each_other() -> None:
    verbs = {m for m in MODULES if m.startswith("modelpromote.cli.") and m.endswith("_verbs")}
    assert len(verbs) >= 10
    crossing = sorted(f"{m} -> {t}" for m in verbs for t in GRAPH[m] if t in verbs)
    assert crossing == []


def test_no_import_cycles() -> None:
    """Tarjan's strongly connected components over every module: each must be a single module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = 0

    def visit(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in GRAPH.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    assert cycles == []


def test_the_rules_can_fail() -> None:
    """The checker sees a violation when there is one (so an empty list above means something)."""
    GRAPH["modelpromote.policy.plan"].add("modelpromote.gates.health")
    try:
        assert _violations("inside the core only downwards") == ["modelpromote.policy.plan -> modelpromote.gates.health"]
    finally:
        GRAPH["modelpromote.policy.plan"].discard("modelpromote.gates.health")
