"""``modelpromote demo``: the end-to-end story in a sandbox (the logic is in sandbox/demo.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .common import echo_json, handle_errors, json_option, main


@main.command()
@click.option("--keep", is_flag=True, help="Leave the sandbox (git repository, remote, manifest) to explore; prints how.")
@click.option(
    "--metrics",
    type=click.Choice(["auto", "prometheus", "json"]),
    default="auto",
    show_default=True,
    help="Where health reads metrics: a real Prometheus (auto: when installed) or the JSON metrics document.",
)
@click.option("-v", "--verbose", is_flag=True, help="Also print every command's own output.")
@click.option(
    "--dir",
    "workdir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Create the sandbox here (default: the temp dir).",
)
@click.option("--break-step", hidden=True, help="Tests only: inject a real fault (approve, webhook, regression).")
@json_option
@handle_errors
def demo(keep: bool, metrics: str, verbose: bool, workdir: Path | None, break_step: str | None, as_json: bool) -> None:
    """Run the whole promotion story in a sandbox: offline, no account, about 10 seconds.

    A temporary git repository holds the example manifest; a GitHub emulator serves it as
    acme/models; a local receiver takes the deploy webhook; health reads a real Prometheus when
    one is installed, else the JSON metrics document (the output says which).  Step by step:

    \b
      validate -> release a new rc -> try it in dev -> finalize -> dev, staging
      -> eval gate -> plan -> open the promotion PR -> the gate blocks (no approval)
      -> two owners approve -> the gate passes -> merge -> deploy starts a 5% canary
      -> healthy metrics advance it to 25% and 50% (health --github: PRs merged, deployed)
      -> a regression is injected -> health opens a rollback PR that records the failure
      and places a hold -> on-call merges it, deploy -> drift, status, the promotions log

    Each step prints what it does, the modelpromote (or git/gh) command that does the same,
    and what changed; every step is checked, and the demo stops with exit 1 at the first one
    that misbehaves.  Time is simulated with --now/--at, so soaks and canary intervals take none.

    \b
    Examples:
      modelpromote demo
      modelpromote demo --keep          # then: cd <sandbox>/registry && modelpromote status
      modelpromote demo --metrics json -v
      modelpromote demo --json | jq '.steps[] | {id, ok, seconds}'

    Exit codes: 0 every step did what it should, 1 a step misbehaved, 2 cannot run here
    (no source checkout, no git), 3 Prometheus was asked for and failed, 130 interrupted.
    The sandbox is removed on every way out unless --keep.
    """
    from importlib.util import find_spec

    from ..errors import missing_extra

    if find_spec("github") is None:  # the story drives the emulator through the real GitHub client
        raise missing_extra("github", "PyGithub", "the demo")
    from ..sandbox.demo import DemoOptions, failed, run_demo

    opts = DemoOptions(keep=keep, metrics=metrics, verbose=verbose, break_step=break_step, workdir=workdir)
    try:
        report = run_demo(opts, None if as_json else sys.stdout)
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM: run_demo has already stopped the servers
        click.echo("demo interrupted; " + ("the sandbox is left in place (--keep)" if keep else "the sandbox was removed"), err=True)
        sys.exit(130)
    if as_json:
        echo_json(report.to_json())
    if not report.ok:
        if as_json:
            sys.exit(failed(report).exit_code)
        raise failed(report)
