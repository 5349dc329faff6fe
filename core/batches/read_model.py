"""A batch as pages and the command line read it, and the drafts an account may reopen."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from core import words
from core.access.roles import Account, Permission, require
from core.batches import rules
from core.batches.errors import BatchNotVisible
from core.batches.visibility import draft_scope
from core.errors import NotFound
from core.store.ports import UnitOfWork

if TYPE_CHECKING:
    import polars as pl


@dataclass(frozen=True)
class Batch:
    """A batch with its badge quest and counters."""

    id: int
    name: str
    quest_id: int
    badge: str | None
    quest: str | None
    quest_archived: bool
    status: str
    created_by: str
    created_at: datetime
    updated_at: datetime
    queued_at: datetime | None
    n_users: int
    n_unpublished: int
    n_in_progress: int
    n_published: int
    n_error: int
    version: int
    # Undo (issue 15): who paused the batch and when (None: running), and its revoke counters.
    paused_at: datetime | None = None
    paused_by: str | None = None
    n_revoking: int = 0
    n_revoked: int = 0
    # Users already revoked when the latest revoke was asked for: its progress leaves them out.
    revoked_before: int = 0

    @property
    def is_draft(self) -> bool:
        """Tell whether the batch is still a draft (never published)."""
        return self.status == rules.DRAFT

    @property
    def is_paused(self) -> bool:
        """Tell whether the publisher skips the batch: paused while it runs (not a stale mark)."""
        return self.paused_at is not None and self.status in rules.PAUSABLE_STATUSES

    @property
    def progress(self) -> int:
        """Return the percentage done (0-100): users processed, or revoked while "Revoking"."""
        return rules.progress(
            self.n_users,
            self.n_published,
            self.n_error,
            self.status,
            self.n_revoking,
            self.n_revoked,
            self.revoked_before,
        )

    @property
    def status_label(self) -> str:
        """Return the word for the status ("Draft" for a draft), with "· Paused" when paused."""
        return rules.status_label(self.status, self.progress, self.is_paused)


def read(uow: UnitOfWork, batch_id: int) -> Batch:
    """Return one batch whoever created it, or raise NotFound."""
    row = uow.batches.read(batch_id)
    if row is None:
        raise NotFound(missing_text(batch_id))
    return Batch(**row)


def missing_text(batch_id: int, doing: str = "open") -> str:
    """The one sentence for a batch id that leads nowhere, whoever asks and from where (page,
    CLI, API): it names no batch, no owner, and does not tell a hidden draft from a missing id."""
    cannot = "" if doing == "open" else f", so you cannot {doing} it"
    return (
        f"No batch {batch_id} is visible to you{cannot}. Check the link, or find the batch in "
        f"the “{words.BATCH_UNLOCK}” list."
    )


def not_visible(batch_id: int, doing: str = "open") -> BatchNotVisible:
    """Return the refusal for a batch the actor may not see, worded as for a missing one."""
    return BatchNotVisible(missing_text(batch_id, doing))


def check_visible(actor: Account, batch: Batch, doing: str) -> None:
    """Refuse (as not_visible) a batch that is a draft the actor may not see."""
    if not draft_scope(actor).sees(batch.status, batch.created_by):
        raise not_visible(batch.id, doing)


def get_batch(
    uow: UnitOfWork,
    batch_id: int,
    actor: Account,
    reader: Callable[[UnitOfWork, int], Batch] = read,
) -> Batch:
    """Return one batch the actor may see; someone else's draft is refused unless they are an admin.

    To an actor who does not see every draft, a missing id and someone else's draft give the
    same refusal (BatchNotVisible), so ids cannot be probed for drafts. `reader` reads the batch
    (`read`, unless a live page shares one recent read between its tabs); the checks stay here.
    """
    require(actor, Permission.VIEW)
    try:
        batch = reader(uow, batch_id)
    except NotFound:
        if draft_scope(actor).all_drafts:
            raise
        raise not_visible(batch_id) from None
    check_visible(actor, batch, "open")
    return batch


def list_drafts(uow: UnitOfWork, actor: Account) -> pl.DataFrame:
    """Return the drafts the actor may reopen (their own; every draft for admins), newest first."""
    require(actor, Permission.VIEW)
    return uow.batches.drafts(draft_scope(actor))
