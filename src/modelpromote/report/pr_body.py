"""Pull request bodies: the promotion PR (plan, eval, changelog, diff, rollback plan) and health's PRs."""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

from .plan import prompt_summary, render_plan

if TYPE_CHECKING:
    from ..gates.health import Decision
    from ..manifest.schema import Manifest
    from ..policy.plan import Plan
    from ..policy.prompt_diff import PromptDiff


def unified_diff(old: str, new: str, path: str) -> str:
    return "".join(difflib.unified_diff(old.splitlines(True), new.splitlines(True), f"a/{path}", f"b/{path}", n=1))


def _fence(text: str) -> str:
    """A code fence longer than any backtick run in ``text`` (prompts quote markdown)."""
    run = longest = 0
    for ch in text:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    return "`" * max(3, longest + 1)


def prompt_section(d: PromptDiff) -> list[str]:
    """``## Prompt``: both versions with their digests, and the unified diff of the text."""
    lines = ["## Prompt", ""]
    lines += [f"- {x}" for x in prompt_summary(d)]
    rows = [("live", d.live), ("candidate", d.candidate)]
    lines += ["", "| | prompt | file | sha256 |", "|---|---|---|---|"]
    for name, s in rows:
        lines.append(f"| {name} | {s.label} | {f'`{s.file}`' if s.file else '-'} | {f'`{s.recorded}`' if s.recorded else '-'} |")
    diff = d.unified()
    if diff:
        fence = _fence(diff)
        lines += ["", f"{fence}diff", diff.rstrip("\n"), fence]
    return [*lines, ""]


def promotion_body(plan: Plan, manifest: Manifest, diff: str, eval_md: str, prompt: PromptDiff | None = None) -> str:
    r = plan.request
    catalogue = manifest.catalogue()
    base_version = r.version.split("_prompt-v")[0]
    entry = catalogue.get(r.version) or catalogue.get(base_version)
    env = manifest.env(r.env)
    if plan.experiment is not None:
        x = plan.experiment
        how = f"A/B {x.weight}% vs control `{x.control}`: the treatment of the {r.env} experiment, no canary"
    elif plan.canary:
        how = f"starts as a canary at {plan.canary.weight}% (the rest stays on `{plan.canary.baseline}`)"
    else:
        how = "full rollout on merge"
    lines = [
        f"Promote **{r.model}** in **{r.env}**: `{plan.current or 'nothing'}` → `{r.version}` ({plan.change or 'new'} change; {how}).",
        "",
        f"Needs {plan.approvals} approval(s) on the head commit from the model's owners"
        + (", and the `breaking-change` label (MAJOR change)." if plan.major else "."),
        "",
        "## Plan",
        "",
        "```",
        render_plan(plan),
        "```",
        "",
    ]
    if eval_md:
        lines += [eval_md, ""]
    lines += ["## Changelog", "", (entry.changelog if entry and entry.changelog else "_no changelog entry_"), ""]
    if prompt is not None:
        pentry = manifest.prompt(r.model, prompt.candidate.version) if prompt.changed and prompt.candidate.version is not None else None
        if pentry is not None and pentry.changelog:
            lines[-1:] = ["", f"Prompt {prompt.candidate.label}: {pentry.changelog}", ""]
        lines += prompt_section(prompt)
    lines += ["## Manifest change", "", "```diff", diff.rstrip("\n"), "```", ""]
    rollback = (
        f"`modelpromote rollback {r.model} --env {r.env}` restores `{plan.current}`"
        if plan.current
        else f"remove the {r.env} pointer for {r.model}"
    )
    lines += ["## Rollback plan", "", f"- If it misbehaves: {rollback} (a reviewed PR, like this one)."]
    if env is not None and env.canary is not None and plan.canary is not None:
        lines.append(f"- Health checks advance the canary through {env.canary.steps} every {env.canary.interval} and roll back on breach.")
    lines += ["", "<!-- opened by modelpromote pr; re-running it updates this pull request -->"]
    return "\n".join(lines) + "\n"


def health_title(d: Decision) -> str:
    t = d.target
    if d.action == "ROLLBACK":
        return f"Roll back {t.model} in {t.env}: {t.version} -> {d.restore}"
    if d.next_weight is not None and d.next_weight >= 100:
        return f"Complete the canary of {t.model} {t.version} in {t.env} (100%)"
    return f"Canary {t.model} {t.version} in {t.env}: {t.weight}% -> {d.next_weight}%"


def health_body(d: Decision, diff: str, merge: bool) -> str:
    from .health import render_decisions

    t = d.target
    lines = [f"`modelpromote health` decided **{d.action}** for **{t.model}** in **{t.env}**.", ""]
    if d.action == "ROLLBACK":
        lines += [
            f"`{t.version}` goes back to the last verified version `{d.restore}`; the failure is recorded and the model "
            "is put on hold until a person clears it.",
            "",
        ]
    lines += ["## Metrics", "", "```", render_decisions([d], []), "```", ""]
    lines += ["## Manifest change", "", "```diff", diff.rstrip("\n"), "```", ""]
    lines.append(
        "Merged at once by `modelpromote health`."
        if merge
        else "Review and merge it; `policies.rollback.auto_merge: true` merges rollbacks at once."
    )
    lines += ["", "<!-- opened by modelpromote health; re-running it updates this pull request -->"]
    return "\n".join(lines) + "\n"
