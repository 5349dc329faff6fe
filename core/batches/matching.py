"""The preview of an upload: which platform user each row identifies, and why a row cannot be added.

Matching is set-based: the upload's keys go to the store in one frame and are joined once against
the users, never queried row by row (`uow.matching.match`); the rows are then judged in polars
(core.batches.judging). The store matches usernames and emails through a lookup index derived
from the users, so a preview first brings that index up to date (`sync_user_index`, a write);
whether a user is active, in the batch or already unlocked is always read from the real data.
"""

from __future__ import annotations

import polars as pl

from core.batches import judging, mismatch_detail, read_model
from core.batches.preview import Preview
from core.catalog.badge_tree import quest as get_quest
from core.errors import InputError, NotFound
from core.store.ports import UnitOfWork
from core.upload.user_list import Upload


def sync_user_index(uow: UnitOfWork, rebuild: bool = False) -> str:
    """Bring the matching index up to date with the users (a write, in its own transaction).

    Run it before a transaction that matches, so that transaction stays short. Code that
    changes usernames or emails of existing users without going through
    core.platform_users.directory.import_users must pass rebuild=True. Returns what was done.
    """
    return uow.matching.sync_index(rebuild)


def preview(uow: UnitOfWork, upload: Upload, quest_id: int, batch_id: int | None = None) -> Preview:
    """Match an upload for a badge quest (and a batch, if it exists already).

    Changes no batch; it does bring the matching index up to date first (`sync_user_index`).
    """
    get_quest(uow, quest_id)  # NotFound with a helpful message
    if batch_id is not None:
        batch_quest = uow.batches.quest_id(batch_id)
        if batch_quest is None:
            raise NotFound(read_model.missing_text(batch_id))
        if batch_quest != quest_id:
            raise InputError(
                f"Batch {batch_id} unlocks badge quest {batch_quest}, not {quest_id}. "
                "Preview with that quest, or leave the batch out."
            )
    sync_user_index(uow)
    return classify(uow, upload, quest_id, batch_id)


def classify(uow: UnitOfWork, upload: Upload, quest_id: int, batch_id: int | None) -> Preview:
    """Give each row its status with one set-based match; runs inside the caller's transaction.

    Reads the matching index as it is: call sync_user_index first (outside the transaction).
    """
    keys = judging.match_keys(upload.rows)
    matches = uow.matching.match(keys, quest_id, batch_id)
    in_batch = 0 if batch_id is None else uow.members.count(batch_id)
    judged = judging.judge(keys, matches)
    hits = mismatch_detail.mismatch_hits(matches, judged)
    # The usernames the "User was not found" rows name: one more read, for all those rows at once.
    names = (
        uow.matching.usernames(hits["user_id"])
        if hits.height
        else pl.DataFrame(schema={"user_id": pl.Int64, "username": pl.String})
    )
    details = mismatch_detail.describe(upload.rows, keys, judged, hits, names)
    rows = judging.row_messages(upload.rows, judged, details)
    return Preview(
        quest_id=quest_id,
        batch_id=batch_id,
        filename=upload.filename,
        rows=rows,
        ignored_columns=upload.ignored_columns,
        users_in_batch=in_batch,
        counts=judging.status_counts(rows),
    )
