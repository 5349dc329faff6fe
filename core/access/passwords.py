"""Passwords: the length rule, argon2id hashing, and how many hashes may run at once."""

from __future__ import annotations

import functools
import threading
from typing import TYPE_CHECKING

from core.errors import InputError

if TYPE_CHECKING:
    from argon2 import PasswordHasher

MIN_PASSWORD_LENGTH = 8
# argon2id as OWASP's Password Storage Cheat Sheet recommends it: 19 MiB, 2 passes, 1 lane.
# argon2-cffi's default (64 MiB, 3 passes, 4 lanes: RFC 9106's second choice) cost 0.14 s of a
# quiet 2-core machine per login and over a second under load (bench/bench_load.py), where four
# lanes per hash fought the pages for two cores; this costs 0.03 s. Logins are also throttled
# per account and address (core/access/throttle.py). Older hashes are checked with their own
# parameters and replaced at the next good login (core/access/login.py).
ARGON2_TIME_COST = 2
ARGON2_MEMORY_KIB = 19 * 1024
ARGON2_LANES = 1
# A flood of logins (even for unknown names) would otherwise run dozens of hashes at once and
# take hundreds of megabytes. Two at a time keep memory and the other users' pages steady; the
# login route also refuses at once when too many wait (pages/web/auth).
HASHES_AT_ONCE = 2
_hash_slots = threading.BoundedSemaphore(HASHES_AT_ONCE)


@functools.cache
def _argon2id() -> PasswordHasher:
    from argon2 import PasswordHasher  # on first use: most commands and pages never hash

    return PasswordHasher(
        time_cost=ARGON2_TIME_COST, memory_cost=ARGON2_MEMORY_KIB, parallelism=ARGON2_LANES
    )


class _Argon2id:
    """The argon2id hasher above, made (and argon2 imported) at the first hash or check."""

    def hash(self, password: str) -> str:
        """Hash a password."""
        return _argon2id().hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        """Check a password against a hash (raises argon2's errors on a mismatch)."""
        return _argon2id().verify(password_hash, password)

    def check_needs_rehash(self, password_hash: str) -> bool:
        """Tell whether a hash was made with other parameters than today's."""
        return _argon2id().check_needs_rehash(password_hash)


_hasher: _Argon2id | PasswordHasher = _Argon2id()


def __getattr__(name: str) -> str:
    """`DUMMY_HASH`: verified against when the username is unknown, so a wrong name costs as long
    as a wrong password. Made at its first use (PEP 562), not at import: one hash is ~0.1 s."""
    if name != "DUMMY_HASH":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    with _hash_slots:
        made = _argon2id().hash("not-a-real-password")
    return globals().setdefault("DUMMY_HASH", made)  # two first logins at once keep one hash


def check_length(password: str) -> None:
    """Refuse a password shorter than MIN_PASSWORD_LENGTH."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(
            f"The password is too short: use at least {MIN_PASSWORD_LENGTH} characters."
        )


def hash_password(password: str) -> str:
    """Hash a password with argon2id (at most HASHES_AT_ONCE hashes run at a time)."""
    with _hash_slots:
        return _hasher.hash(password)


def verify(password_hash: str, password: str) -> bool:
    """Tell whether `password` matches `password_hash` (a damaged hash matches nothing)."""
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        with _hash_slots:
            return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Tell whether a stored hash should be replaced (made with other parameters than today's)."""
    from argon2.exceptions import InvalidHashError

    try:
        return _hasher.check_needs_rehash(password_hash)
    except (InvalidHashError, ValueError):
        return False  # a damaged hash matched nothing: there is no good login to rehash at
