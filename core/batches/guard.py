"""Reading a batch for a change: who may make it, and the state the change expects it in."""

from __future__ import annotations

from collections.abc import Callable

from core import words
from core.access.roles import Account, Permission, require
from core.batches import expected_state
from core.batches.errors import NotEditable
from core.batches.read_model import Batch, check_visible, read
from core.errors import NotFound
from core.store.ports import UnitOfWork


def current(
    uow: UnitOfWork, actor: Account, batch_id: int, doing: str, expected: int | None
) -> Batch:
    """Read the batch for a change and check who may make it and the state it is expected in.

    Writes nothing, so a change found to be a no-op leaves the batch (and "Last updated") alone.
    """
    return read_expected(uow, batch_id, expected, lambda b: check_visible(actor, b, doing))


def read_expected(
    uow: UnitOfWork,
    batch_id: int,
    expected: int | None,
    before_check: Callable[[Batch], None] | None = None,
) -> Batch:
    """Read a batch a write decides on; refuse in words if it is gone or not at `expected`.

    `before_check` runs on the batch first (e.g. whether the actor may see it), so a batch the
    actor may not see is refused as such, not as changed.
    """
    try:
        batch = read(uow, batch_id)
    except NotFound:
        if refusal := expected_state.gone(uow, batch_id, expected):
            raise refusal from None
        raise
    if before_check is not None:
        before_check(batch)
    expected_state.check(uow, batch_id, batch.version, expected)
    return batch


def claim(
    uow: UnitOfWork, actor: Account, batch_id: int, doing: str, expected: int | None
) -> Batch:
    """Read and check the batch for a change, then mark it changed (its row first, so concurrent
    changes conflict early); returns the batch as it was before.

    Only for a change that always changes the batch once it passes these checks: one that may
    turn out to change nothing (an add of users who are all there already) takes `current`
    and bumps the version itself once it knows (core/batches/add_file.py `add_in`)."""
    batch = current(uow, actor, batch_id, doing, expected)
    expected_state.bump(uow, batch_id)
    return batch


def require_draft(batch: Batch, change: str) -> None:
    """Refuse a change that only a draft allows (`change` says which, e.g. "name can be changed")."""
    if not batch.is_draft:
        word = words.BATCH_STATUS.get(batch.status, batch.status)
        raise NotEditable(
            f"“{batch.name}” is “{word}”: only a draft's {change}. Create a new batch instead."
        )


def check_expected(uow: UnitOfWork, actor: Account, batch_id: int, expected: int) -> Batch:
    """Return the batch if it is at the version the caller showed, else raise Stale; writes nothing.

    For a page that finds a click made on an older drawing of a batch: the same refusal, in the
    same words, as the write itself would give.
    """
    require(actor, Permission.VIEW)
    return current(uow, actor, batch_id, "open", expected)
