"""Several steps in one transaction, for the command line: create or fill a batch from files and
User IDs, all or nothing."""

from __future__ import annotations

from dataclasses import dataclass

from core.access.roles import Account, Permission, require
from core.batches import add_file, add_one, matching
from core.batches.add_file import AddResult
from core.batches.add_one import AddedUser
from core.batches.drafts import insert_draft, usable_quest
from core.batches.names import clean_name
from core.store.ports import UnitOfWork
from core.upload.user_list import Upload


@dataclass(frozen=True)
class FillResult:
    """What create_batch / add_to_batch did: the batch, each file's result, the single adds."""

    batch_id: int
    files: tuple[AddResult, ...]
    users: tuple[AddedUser, ...]

    @property
    def added(self) -> int:
        """Return how many users were added in all."""
        return sum(f.added for f in self.files) + len(self.users)


def create_batch(
    uow: UnitOfWork,
    actor: Account,
    name: str,
    quest_id: int,
    uploads: list[Upload] | tuple[Upload, ...] = (),
    user_ids: list[str] | tuple[str, ...] = (),
    added_via: str = "cli",
) -> FillResult:
    """Create a draft and add files and User IDs to it, all in one transaction (all or nothing)."""
    require(actor, Permission.EDIT_BATCHES)
    name = clean_name(name)
    usable_quest(uow, quest_id)
    matching.sync_user_index(uow)

    def write(u: UnitOfWork) -> FillResult:
        batch_id = insert_draft(u, actor, name, quest_id)
        return _fill(u, actor, batch_id, uploads, user_ids, added_via)

    return uow.transaction(write)


def add_to_batch(
    uow: UnitOfWork,
    actor: Account,
    batch_id: int,
    uploads: list[Upload] | tuple[Upload, ...] = (),
    user_ids: list[str] | tuple[str, ...] = (),
    added_via: str = "cli",
) -> FillResult:
    """Add files and User IDs to a batch in one transaction: any refusal adds nothing."""
    require(actor, Permission.EDIT_BATCHES)
    matching.sync_user_index(uow)
    return uow.transaction(lambda u: _fill(u, actor, batch_id, uploads, user_ids, added_via))


def _fill(
    uow: UnitOfWork,
    actor: Account,
    batch_id: int,
    uploads: list[Upload] | tuple[Upload, ...],
    user_ids: list[str] | tuple[str, ...],
    via: str,
) -> FillResult:
    # Each step sees the ones before it: a user in two files is "already in batch" the second time.
    files = tuple(add_file.add_in(uow, actor, batch_id, upload, via) for upload in uploads)
    # The User IDs as `add_one.add_in` one by one would take them, in one set-based step.
    users = add_one.add_ids_in(uow, actor, batch_id, user_ids, via)
    return FillResult(batch_id, files, users)
