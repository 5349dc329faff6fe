"""What publishing is about to do, and how the publisher moves users: words for the pages.

`preview_publish` is what the Publish confirmation names (the badge quest, how many users, the
counts by status, who would end in "Error" as things stand); it writes nothing. `chunk_note` says
how users move on the batch page's counters: the publisher commits each chunk at once (see
core.publishing.chunk), so a user goes from "Unpublished" straight to "Published" or "Error".
"""

from __future__ import annotations

from dataclasses import dataclass

from core import words
from core.access.roles import Account, Permission, require
from core.batches.read_model import get_batch
from core.publishing import failure_rule, throttle
from core.store.ports import UnitOfWork


@dataclass(frozen=True)
class PublishPreview:
    """What pressing Publish would do to a batch as it is now (nothing is written)."""

    batch_id: int
    version: int
    badge: str
    quest: str
    n_users: int
    counts: dict[str, int]  # the spec's user status word → how many users have it
    would_fail: dict[str, int]  # a core.publishing.failure_rule code → how many

    @property
    def n_to_unlock(self) -> int:
        """Return how many users are waiting to be unlocked (Unpublished or In Progress)."""
        return self.counts[words.UNPUBLISHED] + self.counts[words.IN_PROGRESS]

    @property
    def users_text(self) -> str:
        """Return "5,000 users" / "1 user" for the question."""
        n = self.n_to_unlock
        return f"{n:,} user{'s' if n != 1 else ''}"

    @property
    def undo_note(self) -> str:
        """Say what cannot be taken back."""
        if self.n_to_unlock == 0:
            return (
                f"It has no user to unlock, so it is marked “{words.PUBLISHED}” at once. "
                "This cannot be undone from here."
            )
        return "This cannot be undone from here."

    @property
    def failing_note(self) -> str:
        """Say who would end in "Error" as things stand ("" for nobody)."""
        n = sum(self.would_fail.values())
        if not n:
            return ""
        why = failure_rule.counted(self.would_fail)
        return (
            f"{n:,} of them would end in “{words.ERROR}” as things stand ({why}); the others "
            "are unlocked."
        )


def preview_publish(uow: UnitOfWork, actor: Account, batch_id: int) -> PublishPreview:
    """Tell what publishing the batch would do now: its quest, users by status, who would fail.

    Who would fail is the worker's own rule (core.publishing.failure_rule), applied to the users
    a publish would queue.
    """
    require(actor, Permission.EDIT_BATCHES)
    batch = get_batch(uow, batch_id, actor)
    counts = {
        words.UNPUBLISHED: batch.n_unpublished,
        words.IN_PROGRESS: batch.n_in_progress,
        words.PUBLISHED: batch.n_published,
        words.ERROR: batch.n_error,
    }
    failing = dict(uow.publishing.would_fail(batch_id))
    return PublishPreview(
        batch.id,
        batch.version,
        batch.badge or "",
        batch.quest or "",
        batch.n_users,
        counts,
        failing,
    )


def chunk_note(rate: float | None) -> str:
    """Say how users move between statuses while a batch runs, for the page's counters.

    `rate` is the publishing rate in unlocks per second (None: unlimited), as the worker uses it.
    """
    size = throttle.chunk_size_for(rate) if rate is not None else throttle.MAX_CHUNK
    return (
        f"Users move from “{words.UNPUBLISHED}” to “{words.PUBLISHED}” (or “{words.ERROR}”) "
        f"a chunk of up to {size:,} at a time: each chunk is committed at once, so no user is "
        f"seen “{words.IN_PROGRESS}” here. The batch's percentage shows how far it has got."
    )
