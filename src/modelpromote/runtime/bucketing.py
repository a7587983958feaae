"""Sticky bucketing: the same key lands in the same bucket in every process, machine and language.

The algorithm (docs/runtime.md has the language-neutral spec and tests/data/bucketing-vectors.json
the test vectors):

    h      = first 4 bytes of SHA-256(UTF-8(salt + ":" + key)), as a big-endian unsigned integer
    bucket = (h * total) >> 32                      # 0 <= bucket < total, total <= 2**32

SHA-256 because every language ships it (no murmur3 port to get subtly wrong), and never Python's
``hash()``, which is salted per process.  The multiply-shift projection has no modulo bias worth
the name and, unlike ``h % total``, maps every bucket to a contiguous range of hashes of width
>= 1 whenever ``total <= 2**32``: an arm with weight >= 1 always gets traffic.
"""

from __future__ import annotations

from hashlib import sha256

HASH_SPACE = 1 << 32
#: Bucket space of compiled splits: basis points, so a weight of 1 % is 100 buckets.
TOTAL = 10_000


def hash32(salt: str, key: str) -> int:
    """The 32-bit hash everything else is built on."""
    return int.from_bytes(sha256(f"{salt}:{key}".encode()).digest()[:4], "big")


def bucket(salt: str, key: str, total: int = TOTAL) -> int:
    """``key``'s bucket in ``range(total)`` for this ``salt``."""
    if not 1 <= total <= HASH_SPACE:
        raise ValueError(f"total must be in 1..2**32, got {total}")
    return (hash32(salt, key) * total) >> 32


def key_digest(salt: str, key: str) -> str:
    """What events carry instead of the key: 16 hex digits of SHA-256(salt + ":" + key).

    Stable across processes (so events can be joined per user) and not reversible without the salt
    for keys that are not guessable; set a secret salt when keys are (emails, phone numbers).
    """
    return sha256(f"{salt}:{key}".encode()).hexdigest()[:16]
