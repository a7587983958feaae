"""The demo's machinery: run a real command, check what it changed, print and record the step.

A step is a block::

    with rec.step("gate-blocks", "The gate blocks the PR", "why it matters") as s:
        r = s.run(["gate", "--pr", "1"], expect=1)      # the real console script, as a user runs it
        s.check(status == "failure", "commit status is failure")
        s.result("blocked: 0 of 2 approvals")

``s.run`` prints nothing itself; the step prints its number, title, explanation, the equivalent
command lines and the result when it ends.  A wrong exit code or a failed check raises
:class:`StepFailed`: the demo stops there and exits 1 (MP951) with what was expected and what
the command said.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

OUTPUT_LIMIT = 4000  # characters of a command's output kept in the JSON record
COMMAND_TIMEOUT = 120.0


class StepFailed(Exception):
    """A step did not do what it should; the message says what was expected and what happened."""


@dataclass
class Command:
    display: str  # what a user would type, relative to the sandbox's registry checkout
    exit_code: int
    seconds: float
    output: str  # stdout + stderr, as the user would see it


@dataclass
class Step:
    n: int
    id: str
    title: str
    why: str
    commands: list[Command] = field(default_factory=list)
    result: str = ""
    ok: bool = False
    seconds: float = 0.0
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "id": self.id,
            "title": self.title,
            "why": self.why,
            "ok": self.ok,
            "seconds": round(self.seconds, 3),
            "result": self.result,
            "error": self.error,
            "commands": [
                {"command": c.display, "exit_code": c.exit_code, "seconds": round(c.seconds, 3), "output": c.output[-OUTPUT_LIMIT:]}
                for c in self.commands
            ],
        }


class Runner:
    """Runs ``modelpromote`` (and git) in the registry checkout with the sandbox's environment."""

    def __init__(self, cwd: Path, env: dict[str, str], exe: Sequence[str]) -> None:
        self.cwd, self.env, self.exe = cwd, env, list(exe)

    def modelpromote(self, args: Sequence[str], *, env: dict[str, str] | None = None, prefix: str = "") -> Command:
        display = (prefix + " " if prefix else "") + "modelpromote " + shlex.join(args)
        return self._run([*self.exe, *args], display, env)

    def git(self, args: Sequence[str], *, env: dict[str, str] | None = None) -> Command:
        return self._run(["git", *args], "git " + shlex.join(args), env)

    def _run(self, argv: list[str], display: str, env: dict[str, str] | None) -> Command:
        t0 = time.monotonic()
        try:
            proc = subprocess.run(
                argv, cwd=self.cwd, env={**self.env, **(env or {})}, capture_output=True, text=True, timeout=COMMAND_TIMEOUT, check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise StepFailed(f"`{display}` did not finish within {COMMAND_TIMEOUT:.0f}s") from exc
        except OSError as exc:
            raise StepFailed(f"`{display}` could not start: {exc}") from exc
        out = proc.stdout + (("\n" if proc.stdout and not proc.stdout.endswith("\n") else "") + proc.stderr if proc.stderr else "")
        return Command(display, proc.returncode, time.monotonic() - t0, out)


class StepContext:
    def __init__(self, step: Step, runner: Runner) -> None:
        self.step, self.runner = step, runner

    def run(self, args: Sequence[str], *, expect: int = 0, env: dict[str, str] | None = None, prefix: str = "") -> Command:
        """Run ``modelpromote ARGS``; a different exit code than ``expect`` fails the step."""
        return self._expect(self.runner.modelpromote(args, env=env, prefix=prefix), expect)

    def git(self, args: Sequence[str], *, env: dict[str, str] | None = None) -> Command:
        return self._expect(self.runner.git(args, env=env), 0)

    def note(self, display: str, output: str = "", seconds: float = 0.0) -> None:
        """An action done without a local command (a reviewer's click, an API call), shown as its CLI equivalent."""
        self.step.commands.append(Command(display, 0, seconds, output))

    def _expect(self, cmd: Command, expect: int) -> Command:
        self.step.commands.append(cmd)
        if cmd.exit_code != expect:
            tail = "\n".join(cmd.output.rstrip().splitlines()[-15:])
            raise StepFailed(f"`{cmd.display}` exited {cmd.exit_code}, expected {expect}:\n{tail}")
        return cmd

    def check(self, condition: bool, what: str) -> None:
        """``what`` states the expectation; it is the failure message when the condition is false."""
        if not condition:
            raise StepFailed(f"expected {what}")

    def result(self, text: str) -> None:
        self.step.result = text


# Test hook: after the step with this number, wait for a signal (tests/sandbox/test_demo.py's Ctrl-C test).
PAUSE_ENV = "MODELPROMOTE_DEMO_PAUSE_AFTER_STEP"


class Recorder:
    """Numbers, times, prints (unless quiet) and records the steps."""

    def __init__(self, runner: Runner, out: TextIO | None, *, verbose: bool = False) -> None:
        self.runner, self.out, self.verbose = runner, out, verbose
        self.steps: list[Step] = []

    def say(self, text: str = "") -> None:
        if self.out is not None:
            print(text, file=self.out, flush=True)

    @contextmanager
    def step(self, id: str, title: str, why: str) -> Iterator[StepContext]:
        step = Step(len(self.steps) + 1, id, title, why)
        self.steps.append(step)
        ctx = StepContext(step, self.runner)
        t0 = time.monotonic()
        try:
            yield ctx
        except StepFailed as exc:
            step.error = str(exc)
            raise
        except KeyboardInterrupt:
            step.error = "interrupted"
            raise
        except Exception as exc:  # an API call or a file the step reads went wrong: still this step's failure
            step.error = f"{type(exc).__name__}: {exc}"
            raise StepFailed(step.error) from exc
        finally:
            step.seconds = time.monotonic() - t0
            step.ok = step.error is None
            self._print(step)
        if os.environ.get(PAUSE_ENV) == str(step.n):
            self.pause(step)

    def pause(self, step: Step) -> None:
        """Wait here for a signal (Ctrl-C): a test interrupts at a known step instead of racing the story."""
        import signal

        self.say(f"    (paused after step {step.n}: {PAUSE_ENV})")
        while True:
            signal.pause()  # SIGINT's handler raises KeyboardInterrupt out of here

    def _print(self, step: Step) -> None:
        if self.out is None:
            return
        self.say(f"{step.n:>2}. {step.title}")
        self.say(f"    {step.why}")
        for c in step.commands:
            self.say(f"    $ {c.display}")
            if self.verbose and c.output.strip():
                for line in c.output.rstrip().splitlines():
                    self.say(f"      | {line}")
        if step.ok:
            self.say(f"    -> {step.result}  ({step.seconds:.1f}s)")
        elif step.error == "interrupted":
            self.say(f"    !! interrupted during step {step.n}")
        else:
            self.say(f"    !! step {step.n} misbehaved: " + (step.error or "?").replace("\n", "\n       "))
        self.say()


def command_env(extra: dict[str, str]) -> dict[str, str]:
    """The user's environment minus anything that would leak into (or out of) the sandbox.

    GITHUB_* (a run inside Actions would annotate the real job and write its step summary),
    MODELPROMOTE_* (a real webhook URL, a real Prometheus) and GIT_* (a hook's GIT_DIR) are dropped.
    """
    keep = {"MODELPROMOTE_DEBUG"}
    base = {k: v for k, v in os.environ.items() if k in keep or not k.startswith(("GITHUB_", "MODELPROMOTE_", "GIT_", "RUNNER_"))}
    base.pop("CI", None)
    return {**base, **extra}


def modelpromote_exe() -> list[str]:
    """The console script next to this interpreter (what a user of this install runs), else ``python -m modelpromote``."""
    script = Path(sys.executable).parent / "modelpromote"
    return [str(script)] if script.exists() else [sys.executable, "-m", "modelpromote"]
