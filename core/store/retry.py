"""The one conflict-retry rule: a transaction that collided with another is run again, a few times."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from core.errors import GaveUp, StoreError

T = TypeVar("T")

ATTEMPTS = 8
GAVE_UP = (
    "Another change to the same data kept conflicting with this one. Wait a moment and try again."
)


class ConflictError(StoreError):
    """A store-neutral write conflict: another transaction changed the same rows first."""

    def __init__(self, message: str = GAVE_UP) -> None:
        super().__init__(message)


def with_retries(attempt: Callable[[], T], attempts: int = ATTEMPTS) -> T:
    """Run `attempt()`; on `ConflictError` wait a jittered, growing moment and run it again.

    After the last attempt the conflict becomes `GaveUp`, a StoreError whose message says what to do.
    """
    for n in range(attempts):
        try:
            return attempt()
        except ConflictError:
            if n == attempts - 1:
                raise GaveUp(GAVE_UP) from None
            # Jitter, so writers that collided do not collide again in step.
            time.sleep(random.uniform(0.005, 0.02) * (2**n))
    raise AssertionError("unreachable")
