"""Make ``pytest ... --model M --version V`` mean the model version, not pytest's own --version.

pytest 9 answers a lone ``--version`` before it loads any plugin, so a plugin cannot claim the
flag in time: the article's ``pytest tests/eval_suite.py --model customer-support --version
claude-3-5-sonnet-v1.3.0 --threshold 0.85`` would print pytest's version and exit 0 — a silent
"pass".  A one-line ``.pth`` startup hook (installed by ``python -m modelpromote.pytest_argv
--install``; scripts/setup does it) calls :func:`fix_argv` when a Python process starts with
``--model`` on its command line; it rewrites ``--version V`` to ``--model-version V`` only for
pytest invocations.  The plugin's ``pytest_load_initial_conftests`` hook applies the same rewrite
for pytests that let plugins see the arguments first.
"""

from __future__ import annotations

import os
import sys

PTH_NAME = "modelpromote-pytest-version.pth"
# The hook imports a standalone copy of this module, not the modelpromote package: importing the
# package before pytest starts would stop pytest from assertion-rewriting the plugin.
HOOK_MODULE = "_modelpromote_pytest_argv"
PTH_LINE = (
    "import sys; ('--model' in sys.argv or any(a.startswith('--model=') for a in sys.argv)) "
    f"and __import__('{HOOK_MODULE}').fix_argv()\n"
)


def has_model(args: list[str]) -> bool:
    return any(a == "--model" or a.startswith("--model=") for a in args)


def rewrite_version_args(args: list[str]) -> list[str]:
    """``--version V`` / ``--version=V`` -> ``--model-version ...`` when ``--model`` is present."""
    if not has_model(args):
        return list(args)
    out: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--version" and i + 1 < len(args) and not args[i + 1].startswith("-"):
            out += ["--model-version", args[i + 1]]
            i += 2
            continue
        if a.startswith("--version="):
            out.append("--model-version=" + a.split("=", 1)[1])
        else:
            out.append(a)
        i += 1
    return out


def _is_pytest() -> bool:
    prog = os.path.basename(sys.argv[0]) if sys.argv else ""
    if prog in ("pytest", "py.test", "pytest.exe", "py.test.exe"):
        return True
    orig = list(getattr(sys, "orig_argv", []))
    # Only the interpreter's own options count: stop at the script name.
    for i, a in enumerate(orig[1:], start=1):
        if not a.startswith("-"):
            return False
        if a == "-m":
            return i + 1 < len(orig) and orig[i + 1] in ("pytest", "py.test")
        if a.startswith("-m"):
            return a[2:] in ("pytest", "py.test")
    return False


def fix_argv() -> None:
    if _is_pytest():
        sys.argv[1:] = rewrite_version_args(sys.argv[1:])


def install(site_dir: str | None = None) -> str:
    """Write the startup hook into site-packages (idempotent); returns its path."""
    import sysconfig

    directory = site_dir or sysconfig.get_paths()["purelib"]
    with open(__file__, encoding="utf-8") as fh:
        source = fh.read()
    with open(os.path.join(directory, HOOK_MODULE + ".py"), "w", encoding="utf-8") as fh:
        fh.write(f"# Copied from modelpromote/pytest_argv.py by `python -m modelpromote.pytest_argv --install`.\n{source}")
    path = os.path.join(directory, PTH_NAME)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(PTH_LINE)
    return path


if __name__ == "__main__":
    if sys.argv[1:] == ["--install"]:
        print(f"installed {install()}")
    else:
        print("usage: python -m modelpromote.pytest_argv --install", file=sys.stderr)
        sys.exit(2)
