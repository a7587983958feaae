#!/usr/bin/env bash
# Give the job a modelpromote CLI and print where it is as the step output `cli`.
#
# Inputs arrive as environment variables (never pasted into the script):
#   MP_CLI      an already installed `modelpromote` to use instead (nothing is installed)
#   MP_PYTHON   the interpreter to build the virtualenv from (default: python3 on PATH, which
#               actions/setup-python put first when the action ran it)
#   MODELPROMOTE_INSTALLER=pip   (job env, optional) build with pip instead of the pinned uv
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
# Nothing below may run code from the workspace (the checked-out repository, maybe a pull
# request's): Python puts the working directory first on sys.path for `-c` and `-m`, so a
# `pip/` or `platform.py` there would run.  Hence a neutral directory and `python -I`.
cd "${RUNNER_TEMP:-${TMPDIR:-/tmp}}"

py=${MP_PYTHON:-python3}
command -v "$py" >/dev/null 2>&1 || die "no $py on PATH; set setup-python: true, or install Python >= 3.10 on the runner"
"$py" -I -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' \
  || die "$("$py" -V 2>&1) is too old; modelpromote needs Python >= 3.10 (set setup-python: true)"

# With the pinned uv (get-uv.py): parallel downloads and installs, no pip, no bytecode compilation
# up front (Python compiles what a verb imports, once).  uv's own settings come from UV_* variables
# only (UV_NO_CONFIG: no uv.toml or pyproject.toml of the workspace can redirect the index); pip's
# PIP_INDEX_URL / PIP_EXTRA_INDEX_URL are honoured; it trusts the runner's CA store, as pip and
# curl do (TLS-intercepting proxies on self-hosted runners); it never downloads a Python.
build_with_uv() {
  local uv
  uv=$("$py" -I "$root/actions/_lib/get-uv.py" "$(dirname "$venv")") || return 1
  if [ -n "${PIP_INDEX_URL:-}" ] && [ -z "${UV_DEFAULT_INDEX:-}${UV_INDEX_URL:-}" ]; then export UV_DEFAULT_INDEX=$PIP_INDEX_URL; fi
  if [ -n "${PIP_EXTRA_INDEX_URL:-}" ] && [ -z "${UV_INDEX:-}${UV_EXTRA_INDEX_URL:-}" ]; then export UV_INDEX=$PIP_EXTRA_INDEX_URL; fi
  export UV_NO_CONFIG=1 UV_PYTHON_DOWNLOADS=never UV_SYSTEM_CERTS=1 UV_NO_PROGRESS=1
  if ! { "$uv" venv --quiet --python "$("$py" -I -c 'import sys; print(sys.executable)')" "$venv" \
    && "$uv" pip install --quiet --python "$venv/bin/python" "${root}[github,eval]"; }; then
    echo "::notice title=modelpromote setup::uv could not build the environment; building it with pip"
    return 1
  fi
}

# With the interpreter's pip (a platform without a pinned uv, uv failed, or MODELPROMOTE_INSTALLER=pip):
# no ensurepip in the venv (the interpreter's own pip installs into it), no bytecode compilation,
# and the package built with the venv's setuptools instead of a fresh isolated build environment.
build_with_pip() {
  local pipq=(--quiet --disable-pip-version-check --no-compile)
  if "$py" -I -m pip install --help 2>/dev/null | grep -q -- '--python '; then
    "$py" -I -m venv --without-pip "$venv"
    "$py" -I -m pip --python "$venv/bin/python" install "${pipq[@]}" "setuptools>=77"
    "$py" -I -m pip --python "$venv/bin/python" install "${pipq[@]}" --no-build-isolation "${root}[github,eval]"
  else
    "$py" -I -m venv "$venv"
    "$venv/bin/python" -I -m pip install "${pipq[@]}" "${root}[github,eval]"
  fi
}

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
      if [ "${MODELPROMOTE_INSTALLER:-uv}" = pip ] || ! build_with_uv; then
        rm -rf "$venv"
        build_with_pip
      fi
      touch "$venv/.complete"
    fi
  ) 9>"$venv.lock"
else
  echo "reusing the modelpromote environment in $venv"
fi
echo "cli=$venv/bin/modelpromote" >>"${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}"
