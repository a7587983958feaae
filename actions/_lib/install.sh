#!/usr/bin/env bash
# Give the job a modelpromote CLI and print where it is as the step output `cli`.
#
# Inputs arrive as environment variables (never pasted into the script):
#   MP_CLI      an already installed `modelpromote` to use instead (nothing is installed)
#   MP_PYTHON   the interpreter to build the virtualenv from (default: python3 on PATH, which
#               actions/setup-python put first when the action ran it)
# The environment is built once per runner, Python and modelpromote source (venv-dir.sh) and
# reused: by every later modelpromote action in the job, by later jobs on a self-hosted runner
# (it lives in the tool cache), and via actions/cache (cache-key.sh) by later jobs and runs on
# hosted runners.  A warm start is a file test: no pip, no import of modelpromote.
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

{ read -r _key; read -r venv; } < <(bash "$root/actions/_lib/venv-dir.sh" "$py")
# `.complete` is written last: a half-built environment (a cancelled job) is rebuilt, never used.
if [ ! -f "$venv/.complete" ] || [ ! -x "$venv/bin/modelpromote" ]; then
  mkdir -p "$(dirname "$venv")"
  (
    # Two jobs on one self-hosted runner: the second waits and then finds it built.
    flock 9 2>/dev/null || true
    if [ ! -f "$venv/.complete" ] || [ ! -x "$venv/bin/modelpromote" ]; then
      echo "building the modelpromote environment from $root in $venv (once per runner, Python and modelpromote version)"
      rm -rf "$venv"
      # Fast path: no ensurepip in the venv (the interpreter's own pip installs into it), no
      # bytecode compilation up front (Python compiles what a verb imports, once), and the package
      # built with the venv's setuptools instead of a fresh isolated build environment.
      pipq=(--quiet --disable-pip-version-check --no-compile)
      if command -v uv >/dev/null 2>&1; then
        uv venv --quiet --python "$py" "$venv"
        uv pip install --quiet --python "$venv/bin/python" "${root}[github,eval]"
      elif "$py" -m pip install --help 2>/dev/null | grep -q -- '--python '; then
        "$py" -m venv --without-pip "$venv"
        "$py" -m pip --python "$venv/bin/python" install "${pipq[@]}" "setuptools>=77"
        "$py" -m pip --python "$venv/bin/python" install "${pipq[@]}" --no-build-isolation "${root}[github,eval]"
      else
        "$py" -m venv "$venv"
        "$venv/bin/python" -m pip install "${pipq[@]}" "${root}[github,eval]"
      fi
      touch "$venv/.complete"
    fi
  ) 9>"$venv.lock"
else
  echo "reusing the modelpromote environment in $venv"
fi
echo "cli=$venv/bin/modelpromote" >>"${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}"
