"""Claiming batches for a chunk on PostgreSQL: whole batches, in queue order, none twice.

A claim statement (publishing_sql.CLAIM_BATCHES for publishing, revoking_sql.CLAIM_REVOKES for
revoking) claims up to `batches` batches with a free advisory lock each (publishing_sql.claim_lock),
skipping those already `taken`, and returns their users (`limit` at most); the claims last until
the chunk's transaction ends, so no two workers take one batch's users.
"""

from __future__ import annotations

import polars as pl

from core.store.postgres.base import Repository

# At most this many batches claimed in one statement (a queue of many small batches).
_MOST_BATCHES = 64


def claim_users(repo: Repository, claim: str, limit: int) -> pl.DataFrame:
    """Up to `limit` users of batches claimed by `claim` (CLAIM_BATCHES or CLAIM_REVOKES).

    One batch is claimed first, then 2, 4, 8… more while the chunk has room: a chunk spans
    small batches in a few statements, in queue order, and claims no batch it cannot use.
    """
    taken: list[int] = []
    parts: list[pl.DataFrame] = []
    left, wanted = limit, 1
    while left > 0:
        found = repo.frame(claim, {"taken": taken, "batches": wanted, "limit": left})
        claimed = found["batch_id"].unique().to_list() if found.height else []
        taken.extend(claimed)
        users = found.filter(pl.col("user_id").is_not_null()) if found.height else found
        parts.append(users)
        left -= users.height
        if len(claimed) < wanted:
            break  # nothing more to claim: the queue is empty, or other workers hold it
        wanted = min(wanted * 2, _MOST_BATCHES)
    parts = [p for p in parts if p.height]
    return pl.concat(parts) if parts else pl.DataFrame()
