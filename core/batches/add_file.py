"""Adding an upload's good rows to a batch: matched again inside the transaction, so what is
added is what holds now; a file that would overfill the batch adds nothing.

An add that adds nobody (every row already in the batch, holding the quest, or not found) changes
nothing: no new version, no new place in the publisher's queue, no audit entry. It still answers
with its report, and a stale `expected` still refuses it."""

from __future__ import annotations

from dataclasses import dataclass

from core import audit
from core.access.roles import Account, Permission, require
from core.audit import Action
from core.batches import expected_state, matching, membership
from core.batches.errors import BatchFull
from core.batches.preview import Preview
from core.batches.row_status import DUPLICATE, OK
from core.store.ports import UnitOfWork
from core.upload.user_list import Upload


@dataclass(frozen=True)
class AddResult:
    """What adding an upload did: how many users were added, and the preview it acted on."""

    batch_id: int
    added: int
    preview: Preview

    @property
    def changed(self) -> bool:
        """Tell whether the add changed the batch (one new version): False when it added nobody."""
        return self.added > 0

    @property
    def message(self) -> str:
        """A confirmation sentence for the page or the command line."""
        merged = self.preview.counts.get(DUPLICATE, 0)
        skipped = self.preview.n_errors - merged
        text = f"{self.added:,} user{'s' if self.added != 1 else ''} added to the batch."
        if skipped:
            # Said in full here: the preview that listed them is gone once this is read.
            text += (
                f" {skipped:,} row{'s' if skipped != 1 else ''} not added: "
                f"{self.preview.not_added_text()}."
            )
        if merged:
            text += f" {merged:,} duplicated row{'s' if merged != 1 else ''} merged."
        return text


def add_upload(
    uow: UnitOfWork,
    actor: Account,
    batch_id: int,
    upload: Upload,
    added_via: str = "csv",
    expected: int | None = None,
) -> AddResult:
    """Add the good rows of an upload; refuse the whole file if it would overfill the batch.

    `expected` is the batch's version as the caller showed it (see core.batches.expected_state).
    """
    require(actor, Permission.EDIT_BATCHES)
    matching.sync_user_index(uow)  # its own write: before this transaction opens
    return uow.transaction(lambda u: add_in(u, actor, batch_id, upload, added_via, expected))


def add_in(
    uow: UnitOfWork,
    actor: Account,
    batch_id: int,
    upload: Upload,
    via: str,
    expected: int | None = None,
) -> AddResult:
    """Add an upload inside the caller's transaction (see add_upload)."""
    batch = membership.open_to_add(uow, actor, batch_id, expected)
    result = matching.classify(uow, upload, batch.quest_id, batch.id)
    if result.over_limit:
        raise BatchFull(result.limit_message)
    to_add = result.user_ids_to_add()
    if not to_add:
        return AddResult(batch.id, 0, result)  # nobody new: the batch is left as it was
    # Marked changed before the users' rows go in: a concurrent add of the same users conflicts
    # here on the batch's row (run again, it finds them there) rather than on their keys.
    expected_state.bump(uow, batch.id)
    added = membership.insert(uow, actor, batch, to_add, via)
    counts = ", ".join(f"{n} {s}" for s, n in result.counts.items() if n and s != OK)
    audit.record(
        uow,
        actor,
        Action.USERS_ADDED,
        batch.id,
        f"{added} added from “{upload.filename}” ({via})"
        + (f"; not added: {counts}" if counts else ""),
    )
    return AddResult(batch.id, added, result)
