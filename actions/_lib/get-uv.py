"""Put the pinned uv binary in DIR/uv-VERSION/ (DIR: argument 1) and print its path; exit 3 if it cannot.

install.sh builds the modelpromote environment with uv (parallel downloads and installs: a cold
build in about a third of pip's time).  The action installs exactly this uv: one version, each
platform's wheel named by URL and checked against its sha256 from PyPI before anything in it runs.
The wheel is fetched directly (no index page, no pip: about 0.7 s instead of 2.7 s for
`pip install uv`) and only the `uv` executable is taken out of it.  A platform without a wheel
below, or a runner that cannot download it (a private index only), gets exit 3 and install.sh
falls back to pip.

Standard library only; run with `python -I` from a directory outside the workspace, so nothing
from the checkout (a `platform.py`, a `zipfile.py`) can shadow a module imported here.
To move to another uv: take the URLs and sha256 digests of the same five wheels from
https://pypi.org/simple/uv/ (JSON: Accept: application/vnd.pypi.simple.v1+json).
"""

from __future__ import annotations

import hashlib
import http.client
import io
import os
import platform
import sys
import tempfile
import urllib.request
import zipfile
from typing import NoReturn

VERSION = "0.13.9"
_FILES = "https://files.pythonhosted.org/packages/"
# (system, machine, libc) -> (wheel URL, sha256)
WHEELS = {
    ("Linux", "x86_64", "glibc"): (
        _FILES + "3d/aa/26d64642d808de4a652579ef950d7cd2d37f080a8babf9c67c6b75fc4c3f/"
        "uv-0.13.9-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "d7f459fe4fd247d830351c75686d3996ace3c6f3f728eb0e85a30b7ada0cef19",
    ),
    ("Linux", "x86_64", "musl"): (
        _FILES + "fe/fe/794884de0efd3ac77a427cab21aa72c0483e100c55a42cd5cbb02c141b84/uv-0.13.9-py3-none-musllinux_1_1_x86_64.whl",
        "2c45530751517d6c3bbc69a19473f6effe47cce047bede01ffd8af7ea7b36b25",
    ),
    ("Linux", "aarch64", "glibc"): (
        _FILES + "57/15/94b6cd62ac3ff6550288328e8035288875197cbc183f51554b266a69877b/"
        "uv-0.13.9-py3-none-manylinux_2_17_aarch64.manylinux2014_aarch64.musllinux_1_1_aarch64.whl",
        "5435c5ce14a56431208ca0996416d310f1598e8c2c8ba707688985a16bb82dbe",
    ),
    ("Darwin", "x86_64", ""): (
        _FILES + "1e/db/08e9ef4879bd667e6d7b4705e594e5bd3e4585f10fc63cb16b9fa2fac63e/uv-0.13.9-py3-none-macosx_10_12_x86_64.whl",
        "c16ed11e013557536b3e60065f1b912f6407bd6518e041b961e23ef9e6b4fbf5",
    ),
    ("Darwin", "arm64", ""): (
        _FILES + "f3/a7/a8d7b074798c7fb3b26b37584b8fe2e29df2ccdc24ce7902caab2a53edbf/uv-0.13.9-py3-none-macosx_11_0_arm64.whl",
        "66c512266d633bef48384a1f53003f41f2a8e7b36fe6e7fbfd3e0fd52d96fa63",
    ),
}
WHEELS[("Linux", "aarch64", "musl")] = WHEELS[("Linux", "aarch64", "glibc")]  # one wheel carries both tags


def fail(message: str) -> NoReturn:
    print(f"uv {VERSION}: {message}; building with pip instead", file=sys.stderr)
    sys.exit(3)


def platform_key() -> tuple[str, str, str]:
    system, machine = platform.system(), platform.machine().lower()
    machine = {"amd64": "x86_64", "arm64": "arm64" if system == "Darwin" else "aarch64"}.get(machine, machine)
    libc = ""
    if system == "Linux":
        libc = "glibc" if platform.libc_ver()[0] == "glibc" else "musl"
    return system, machine, libc


def main() -> None:
    dest = os.path.join(os.path.abspath(sys.argv[1]), f"uv-{VERSION}")
    exe = os.path.join(dest, "uv")
    if os.access(exe, os.X_OK):  # fetched by an earlier build on this runner
        print(exe)
        return
    key = platform_key()
    if key not in WHEELS:
        fail(f"no pinned wheel for {'/'.join(filter(None, key))}")
    url, sha256 = WHEELS[key]
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            data = response.read()
    except (OSError, http.client.HTTPException) as e:  # no network, a proxy, TLS, a cut-off download
        fail(f"cannot download {url} ({e})")
    if hashlib.sha256(data).hexdigest() != sha256:
        fail(f"{url} does not have the pinned sha256 {sha256}")
    with zipfile.ZipFile(io.BytesIO(data)) as wheel:
        binary = wheel.read(f"uv-{VERSION}.data/scripts/uv")
    os.makedirs(dest, exist_ok=True)
    # Written beside its final name and renamed: a concurrent build never runs half a binary.
    fd, tmp = tempfile.mkstemp(dir=dest, prefix=".uv-")
    with os.fdopen(fd, "wb") as out:
        out.write(binary)
    os.chmod(tmp, 0o755)
    os.replace(tmp, exe)
    print(exe)


if __name__ == "__main__":
    main()
