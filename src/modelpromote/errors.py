"""One error vocabulary for the whole tool.

Every problem the tool can report has a stable code (``MP###``) so that CI logs, docs and
tests can refer to it, and a default hint that tells the user what to do.  A :class:`Finding`
is data (where, what, how to fix); the exceptions carry findings plus the exit code the CLI
must return:

* 0 ok, 1 a check or gate said no, 2 bad input or usage, 3 an outside service failed.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any, Literal

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_SERVICE = 3

Severity = Literal["error", "warning"]

# code -> (short title, default hint).  Codes are never reused for something else.
CODES: dict[str, tuple[str, str]] = {
    # 0xx: the file itself
    "MP001": ("file not found", "check the path, or pass --manifest PATH"),
    "MP002": ("not a regular file", "pass the path of the manifest file, not a directory"),
    "MP003": ("file too large", "a manifest this size is almost certainly not a manifest; split it or raise MODELPROMOTE_MAX_BYTES"),
    "MP004": ("not UTF-8", "save the file as UTF-8"),
    "MP005": ("YAML syntax error", "fix the YAML at the position shown"),
    "MP006": ("duplicate key", "each key may appear once per mapping; remove or rename one of them"),
    "MP007": ("alias expansion too large", "anchors/aliases expand to too many nodes; write the data out or use fewer aliases"),
    "MP008": ("empty manifest", "start from models/manifest.yaml in the modelpromote repository"),
    "MP009": ("not a mapping", "the manifest must be a mapping with schema_version, environments, models, ..."),
    "MP010": ("cannot read file", "check the file's permissions"),
    "MP011": ("cannot write file", "check the file and directory permissions"),
    "MP012": ("unsupported YAML feature", "remove the tag; the manifest uses plain YAML types only"),
    # 1xx: shape (schema)
    "MP101": ("unknown key", "remove the key or fix its spelling"),
    "MP102": ("missing key", "add the key"),
    "MP103": ("invalid value", "fix the value; `modelpromote schema` prints what is allowed"),
    "MP104": ("unsupported schema_version", "this modelpromote understands schema_version 1"),
    # 2xx: meaning (semantic checks)
    "MP201": ("invalid version id", "use <base>-v<MAJOR.MINOR.PATCH>[-<pre.release>][_prompt-v<N>], e.g. claude-3-5-sonnet-v1.3.0-rc.1"),
    "MP202": ("duplicate version", "each version id may appear once in version_history"),
    "MP203": ("unknown version", "add the version to version_history, or declare it under external_models"),
    "MP204": ("unknown environment", "use an environment declared in the top-level environments ladder"),
    "MP205": ("version not allowed live", "failed and retired versions may not be live; roll back or promote another version"),
    "MP206": ("prerelease not allowed", "this environment sets allow_prerelease: false; finalize the release first"),
    "MP207": ("fallback loop", "break the cycle: a fallback chain must end"),
    "MP208": ("invalid date", "use an ISO date (2026-05-15) or timestamp with timezone (2026-05-15T10:00:00Z)"),
    "MP209": ("duplicate name", "names must be unique"),
    "MP210": ("invalid ladder", "environments are listed lowest first; promote_from must name an earlier one"),
    "MP211": ("legacy manifest format", "run `modelpromote migrate` to rewrite it into the canonical form, keeping comments"),
    "MP212": ("base model mismatch", "base_model must be the part of the version id before -v"),
    "MP213": ("unknown status", "use one of: dev, release_candidate, stable, deprecated, retired, failed"),
    "MP214": ("invalid rollout", "a canary or A/B split needs a baseline that exists and a weight in 1..99"),
    # 215-221: the prompt catalogue (manifest/prompt_checks.py, manifest/prompts.py)
    "MP215": ("unknown prompt", "add the prompt version under prompts.<model> (file, sha256, variables), or fix the pointer"),
    "MP216": ("prompt file missing", "commit the prompt file beside the manifest, or fix `file` (a path relative to the manifest)"),
    "MP217": ("prompt file refused", "prompt files are UTF-8 text inside the manifest's directory: no '..', absolute path or symlink out"),
    "MP218": ("released prompt changed", "a released prompt never changes: restore its file from git; add new text as the next version"),
    "MP219": ("prompt variables mismatch", "list in `variables` exactly the {{ name }} placeholders the prompt text uses"),
    "MP220": ("duplicate prompt version", "each prompt version may appear once per model"),
    "MP221": ("draft prompt not allowed", "this environment sets allow_prerelease: false; release the prompt (status: released, sha256)"),
    # 3xx: the command line
    "MP301": ("unknown model", "see `modelpromote status` for the models in the manifest"),
    "MP302": ("invalid argument", "see --help"),
    # 310-319: installation and adoption (`init`)
    "MP310": ("optional dependency not installed", 'pip install "modelpromote[all]" (or the extra the message names)'),
    "MP311": ("adoption conflict", "the repository already holds a different file there; move it aside, or pass --force"),
    "MP313": ("unknown base model", "release an existing base model, or start a family with --new-base --provider-model NAME"),
    "MP314": ("eval report for something else", "pass the report of this model, version and environment (re-run the eval for it)"),
    "MP312": ("nothing to adopt", "pass --model NAME --env ENV=VERSION (repeatable), or --from an existing manifest"),
    # 4xx: promotion engine (plan, promote, release, rollback, fail, retire, hold)
    "MP401": ("not live below", "promote the version to the environment named in promote_from first"),
    "MP402": ("soak not met", "wait until the version has been live below for the environment's soak"),
    "MP403": ("status forbids promotion", "failed, retired and deprecated versions are not promoted; release a new version"),
    "MP404": ("prerelease not allowed", "finalize the release candidate: modelpromote release BASE --finalize VERSION"),
    "MP405": ("recorded as failed", "fix and release a new version, or override with --force --reason WHY"),
    "MP406": ("downgrade", "a lower version goes through `modelpromote rollback`"),
    "MP407": ("MAJOR change", "confirm with --breaking; the PR needs one extra approval"),
    "MP408": ("freeze window", "only rollbacks run during a freeze; wait for the window to end"),
    "MP409": ("model on hold", "review the rollback, then `modelpromote hold MODEL --clear`"),
    "MP410": ("rollout in progress", "wait for the canary to complete, or roll it back"),
    "MP411": ("manifest changed", "the manifest changed since the decision was made; re-run plan on the current file"),
    "MP412": ("edit would not validate", "this is a bug or an unusual layout; edit the file by hand and run `modelpromote validate`"),
    "MP413": ("cannot edit this layout", "write this part of the manifest in plain block or flow style without anchors"),
    "MP414": ("nothing to roll back to", "name a verified version with --to VERSION"),
    "MP415": ("version does not increase", "versions only go up; bump from the highest existing one"),
    "MP416": ("invalid name", "names are lowercase letters, digits and '-', starting with a letter or digit, at most 63 characters"),
    "MP417": ("reason required", "say why with --reason TEXT; it goes into the promotions log"),
    "MP418": ("manifest does not validate", "fix the findings shown (modelpromote validate), then retry"),
    "MP420": ("experiment not won", "run `modelpromote experiment MODEL --env ENV`; promote when its verdict is `treatment`"),
    "MP419": ("cannot finalize", "only a release candidate whose digest matches can be finalized"),
    "MP425": ("prompt release refused", "release a non-empty UTF-8 text file; remove (or catalogue) a file already at the target path"),
    # 8xx: health checks on metrics (providers/prometheus.py, providers/metrics_json.py, cli/health_verbs.py)
    "MP801": ("metrics source unreachable", "check that Prometheus (or the metrics URL) is up and reachable; pass --prometheus URL"),
    "MP802": ("metrics query rejected", "fix the PromQL in policies.health.metrics; try it in the Prometheus UI first"),
    "MP803": ("unsafe query value", "model, version and environment names must match their patterns before they reach PromQL"),
    "MP804": ("invalid metrics document", "see docs/health.md for the JSON metrics format"),
    "MP805": ("invalid query template", "placeholders are {model}, {version}, {env} and {window}; aggregate to one series with sum()"),
    "MP806": ("no metrics source", "set policies.health.source in the manifest, or pass --prometheus URL or --metrics-json PATH"),
    "MP807": ("health rollback", "the new version was rolled back; see the metrics above, fix it, then clear the hold"),
    "MP808": ("cannot apply health decision", "re-run with --dry-run to see the decision; apply it by hand or update modelpromote"),
    "MP809": ("no experiment", "add models.<model>.experiments.<env>: {control: VERSION, weight: 50} (docs/experiments.md)"),
    "MP820": ("health pull request left open", "GitHub refused the merge (branch protection?); review and merge it, or allow the bot"),
    "MP821": ("drift", "what is deployed differs from the manifest; run deploy for the missing change, or revert main"),
    "MP822": ("status URL failed", "check --status-url and that the application is up; it must serve JSON over http(s)"),
    "MP823": ("invalid status document", "serve the runtime config the application loaded (format 1); see docs/health.md"),
    "MP824": ("another health pull request is open", "merge or close the open rollback/canary pull request; health waits for it"),
    "MP825": ("no manifest on the ref", "check --ref and --manifest (a path inside the repository)"),
    # 95x: the demo (sandbox/demo.py, cli/demo_verbs.py)
    "MP950": ("example registry not found", "run the demo from a modelpromote source checkout (scripts/demo)"),
    "MP951": ("demo step misbehaved", "the step above says what was expected; re-run with --keep -v to inspect the sandbox"),
    "MP952": ("Prometheus unavailable", "install prometheus (Debian: apt-get install prometheus), or run with --metrics json"),
    "MP953": ("sandbox cannot be built", "the demo needs git on PATH and a writable temp directory"),
    "MP954": ("unknown fault", "--break-step takes approve, webhook or regression"),
    # 5xx: the eval gate (gates/eval, cli/eval_verbs.py, pytest_plugin.py)
    "MP501": ("unrecognized results format", "pass generic JSON, JUnit XML, promptfoo, lm-eval or inspect_ai results, or set --format"),
    "MP502": ("malformed results file", "the file is truncated or not valid JSON/XML/zip; regenerate it"),
    "MP503": ("incomplete results", "the file lacks the fields the gate needs; see docs/eval.md for each format"),
    "MP504": ("invalid threshold", 'write e.g. ">= 0.85", "<= 5%", ">= baseline - 0.02"'),
    "MP505": ("metric not in results", "name a metric the results contain, or fix the eval so it reports it"),
    "MP506": ("no thresholds", "pass --threshold 0.85 or --metric 'accuracy>=0.85', or set policies.eval in the manifest"),
    "MP507": ("baseline needed", "pass --baseline FILE with the production version's results"),
    "MP508": ("eval gate failed", "record it with `modelpromote fail`, fix the model or prompt, and release a new version"),
    "MP509": ("eval gate inconclusive", "run more eval samples; the report says about how many"),
    "MP510": ("unsupported compression", 'pip install "modelpromote[eval]", or convert the log: inspect log convert --to json'),
    "MP511": ("cannot resolve eval target", "check --model and --model-version against `modelpromote status` and version_history"),
    "MP512": ("no eval report", "the eval step wrote no results, so it did not run; with pytest pass --model-version V"),
    # 6xx: the application runtime (modelpromote.runtime, `modelpromote export`)
    "MP601": ("cannot read runtime config", "create it with `modelpromote export --env ENV --out FILE`"),
    "MP602": ("unsupported runtime config format", "export with the modelpromote version the application uses, or upgrade it there"),
    "MP603": ("invalid runtime config", "re-create it with `modelpromote export --env ENV --out FILE`; do not edit it by hand"),
    "MP604": ("unknown model in runtime config", "route only models that are live in the exported environment"),
    "MP605": ("every fallback failed", "the call failed on the live version and on every fallback; see the attempts"),
    "MP606": ("canary and experiment at once", "finish (or remove) the canary or the A/B experiment in this environment first"),
    "MP607": ("prompt text does not match its digest", "the runtime config was edited or damaged; re-create it with `modelpromote export`"),
    "MP608": ("wrong prompt variables", "pass exactly the variables the prompt declares (Prompt.variables)"),
    "MP609": ("prompt has no text", "catalogue the prompt in the manifest (prompts section), then re-export the runtime config"),
    # 7xx: GitHub (pr, gate, deploy) and the deploy webhook
    "MP701": ("no GitHub token", "set GITHUB_TOKEN (or pass --token)"),
    "MP702": ("GitHub refused the token", "check the token and its permissions (contents, pull requests, statuses, deployments)"),
    "MP703": ("GitHub failed", "GitHub kept failing after retries; re-run later (every step is safe to re-run)"),
    "MP704": ("not found on GitHub", "check --repo, the pull request number, and that the token can read them"),
    "MP705": ("not a promotion pull request", "the gate checks PRs opened by `modelpromote pr` (branch promote/<model>/<env>/<version>)"),
    "MP706": ("invalid GitHub settings", "pass --repo OWNER/NAME (or set GITHUB_REPOSITORY) and an http(s) --api-url"),
    "MP707": ("webhook delivery failed", "check the receiver and --webhook-url; re-run deploy to retry"),
    "MP708": ("webhook secret missing", "set MODELPROMOTE_WEBHOOK_SECRET so the receiver can verify the signature"),
    "MP709": ("unknown commit", "pass commit SHAs that exist in the repository (e.g. github.event.before/after)"),
    "MP710": ("not enough approvals", "ask owners to approve the pull request's current head commit"),
    "MP711": ("changes requested", "address the review, then ask the reviewer to approve or dismiss it"),
    "MP712": ("breaking-change label missing", "a MAJOR change needs the breaking-change label and one extra approval"),
    "MP713": ("pull request changes more than its plan", "a promotion PR changes only the manifest, as `pr` wrote it; re-run pr"),
    "MP714": ("manifest invalid at the head", "fix the manifest on the branch; `modelpromote validate` shows the findings"),
    "MP715": ("plan no longer allowed", "the promotion is refused now (see the plan's rules); close the PR or fix the cause"),
    # 716-729: pull requests from health branches (rollback/..., canary/...) at the gate
    "MP716": ("not a change health would make", "the branch names a change health would not make from the base; close the PR"),
    "MP717": ("health pull request differs from what health writes", "close it; health re-opens the exact change if still needed"),
    "MP718": ("health pull request out of scope", "one commit on the current base changing only the manifest; re-run health to rebuild"),
    "MP719": ("health change recorded at an impossible time", "the entry time must lie between the state it changes and now"),
    "MP720": ("health pull request not opened by the health bot", "owners approve it like a promotion, or let health open it"),
    "MP721": (
        "pull request not on the base branch's tip",
        "update the branch with the base (GitHub's 'Update branch', or re-run `modelpromote pr`, which rebuilds it on the tip)",
    ),
    "MP730": ("GitHub refused the request", "GitHub's message says what is wrong; fix that and re-run"),
    "MP731": ("GitHub asked to wait too long", "re-run after the wait GitHub asked for, or raise MODELPROMOTE_GITHUB_MAX_WAIT"),
    "MP732": ("GitHub App authentication failed", "check MODELPROMOTE_APP_ID, the App's private key, and that the App is installed"),
}


# -- redaction: one layer every message, hint and --json error goes through --------------------------

@functools.cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """Compiled on the first message, not at import: every verb imports this module, few print errors."""
    # user:password@ (or a bare token@) in any URL.
    userinfo = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s?#@]+@")
    # query (or fragment) parameters that carry secrets: ?token=, access_token=, key=, api_key=, sig=, ...
    secret_param = re.compile(
        r"(?i)([?&#;](?:[a-z0-9_.-]*(?:token|secret|passw(?:or)?d|pass|pwd|key|sig|signature|auth|credential|session)"
        r"[a-z0-9_.-]*)=)[^&#\s'\"]+"
    )
    # Well-known token shapes (GitHub, Slack, bearer headers, HMAC signatures).
    token_shapes = re.compile(
        r"\b(?:gh[pousr]_[A-Za-z0-9]{16,}|github_pat_[A-Za-z0-9_]{20,}|xox[abpors]-[A-Za-z0-9-]{10,}|glpat-[A-Za-z0-9_-]{16,})"
        r"|(?i:(?<=bearer )|(?<=token )|(?<=basic ))[A-Za-z0-9._~+/=-]{16,}"
    )
    return userinfo, secret_param, token_shapes


REDACTED = "***"
_SECRETS: set[str] = set()


def register_secret(value: str | None) -> None:
    """Remember a secret read from the environment or a flag, so no message can print it (nor its lines)."""
    if not value:
        return
    for part in {value, value.strip(), *value.split()}:
        if len(part) >= 6:
            _SECRETS.add(part)


def redact(text: str) -> str:
    """``text`` without URL credentials, secret query values, token-shaped strings or registered secrets."""
    if not text:
        return text
    for secret in sorted(_SECRETS, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, REDACTED)
    userinfo, secret_param, token_shapes = _patterns()
    text = userinfo.sub(lambda m: m.group(1) + REDACTED + "@", text)
    text = secret_param.sub(lambda m: m.group(1) + REDACTED, text)
    return token_shapes.sub(REDACTED, text)


def clean_secret(value: str | None, name: str, *, code: str) -> str | None:
    """A token as read from a flag or the environment: surrounding whitespace (a trailing newline from a
    file) stripped; refused (exit 2) if what is left holds whitespace or control characters, because an
    HTTP header cannot carry it and the libraries' errors would print it whole."""
    if value is None:
        return None
    register_secret(value)
    stripped = value.strip()
    if not stripped and value:
        raise InputError(Finding(code, f"{name} is empty (only whitespace)", hint=f"set {name} to the token itself"))
    if any(ord(c) < 0x21 or 0x7F <= ord(c) <= 0x9F for c in stripped):
        raise InputError(
            Finding(code, f"{name} holds whitespace or control characters inside the token", hint=f"set {name} to the token alone")
        )
    return stripped


@dataclass(frozen=True)
class Finding:
    """One problem, located as precisely as the source allows."""

    code: str
    message: str
    file: str | None = None
    line: int | None = None  # 1-based
    col: int | None = None  # 1-based
    hint: str | None = None
    severity: Severity = "error"

    def __post_init__(self) -> None:
        # Every message and hint is redacted where it is made, so no renderer (text, --json,
        # annotations, markdown, PR bodies) can print a secret.
        object.__setattr__(self, "message", redact(self.message))
        if self.hint is not None:
            object.__setattr__(self, "hint", redact(self.hint))
        if self.file is not None:
            object.__setattr__(self, "file", redact(self.file))

    @property
    def title(self) -> str:
        return CODES.get(self.code, ("", ""))[0]

    @property
    def fix(self) -> str:
        return self.hint if self.hint is not None else CODES.get(self.code, ("", ""))[1]

    def where(self) -> str:
        parts = [self.file or "<input>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.col is not None:
                parts.append(str(self.col))
        return ":".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "col": self.col,
            "hint": self.fix,
        }


class ModelpromoteError(Exception):
    """Base of every error the CLI turns into a message (never a traceback)."""

    exit_code = EXIT_USAGE

    def __init__(self, findings: list[Finding] | Finding | str, *, code: str = "MP302") -> None:
        if isinstance(findings, str):
            findings = Finding(code, findings)
        self.findings = [findings] if isinstance(findings, Finding) else list(findings)
        super().__init__("; ".join(f.message for f in self.findings))


class InputError(ModelpromoteError):
    """Bad input or usage: unreadable file, invalid argument (exit 2)."""

    exit_code = EXIT_USAGE


class CheckFailed(ModelpromoteError):
    """A check or gate said no (exit 1)."""

    exit_code = EXIT_FINDINGS


class ServiceError(ModelpromoteError):
    """An outside service failed after retries (exit 3)."""

    exit_code = EXIT_SERVICE


def missing_extra(extra: str, module: str, needed_for: str) -> InputError:
    """The error for an optional dependency that is not installed: which extra brings it (exit 2)."""
    return InputError(
        Finding(
            "MP310",
            f"{needed_for} needs the Python package {module!r}, which is not installed",
            hint=f'pip install "modelpromote[{extra}]"  (or everything: pip install "modelpromote[all]")',
        )
    )
