#!/usr/bin/env bash
# Install modelpromote from the checkout this action came from, once per job, and print where
# the CLI is as the step output `cli`.
#
# Inputs arrive as environment variables (never pasted into the script):
#   MP_CLI      an already installed `modelpromote` to use instead (nothing is installed)
#   MP_PYTHON   the interpreter to build the virtualenv from (default: python3 on PATH, which
#               actions/setup-python put first when the action ran it)
# Why a venv in $RUNNER_TEMP: the runner's Python stays untouched, and several modelpromote
# actions in one job share one install (the venv's name carries a hash of the package source).
set -euo pipefail

die() { echo "::error title=modelpromote setup::$1"; echo "modelpromote setup: $1" >&2; exit 2; }

if [ -n "${MP_CLI:-}" ]; then
  [ -x "$MP_CLI" ] || die "input cli=$MP_CLI is not an executable file; give the path of an installed modelpromote, or leave it empty to install one"
  "$MP_CLI" --version >/dev/null || die "input cli=$MP_CLI does not run; give the path of an installed modelpromote"
  echo "cli=$MP_CLI" >>"${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}"
  exit 0
fi

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
[ -f "$root/pyproject.toml" ] || die "no pyproject.toml in $root: the action must run from a checkout of the modelpromote repository"

py=${MP_PYTHON:-python3}
command -v "$py" >/dev/null 2>&1 || die "no $py on PATH; set setup-python: true, or install Python >= 3.10 on the runner"
"$py" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' \
  || die "$("$py" -V 2>&1) is too old; modelpromote needs Python >= 3.10 (set setup-python: true)"

# The source hash names the venv, so a job that runs two modelpromote actions installs once.
hash=$(cd "$root" && find pyproject.toml src -type f -name '*.py' -o -type f -name 'pyproject.toml' -o -type f -path '*/data/*' \
  | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-16)
venv="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/modelpromote-$hash"
if [ ! -x "$venv/bin/modelpromote" ]; then
  echo "installing modelpromote from $root into $venv"
  "$py" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$root"
fi
"$venv/bin/modelpromote" --version
echo "cli=$venv/bin/modelpromote" >>"${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}"
