"""Helpers for the New Batch core's tests (intake, matching, batches): more users and a draft.

Plain functions; tests/conftest.py wraps the world and the draft in fixtures every module shares.
"""

from __future__ import annotations

import duckdb
import polars as pl

from core.access.roles import Account, command_line_account
from core.batches import drafts
from core.batches.members import all_members
from core.upload import intake
from core.upload.user_list import Upload
from tests.support.held import refresh_held

# small_world (conftest): quests 1-3; users 1-10 named userN / userN@example.com, 10 inactive.
VISIT_10, VISIT_100, ANSWER = 1, 2, 3
INACTIVE_USER = 10
HOLDS_VISIT_10 = 7  # unlocked quest 1 in an earlier batch (see batch_world)


def make_batch_world(cur: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Add to small_world: users 11 "Renée" and 12 "JÜRGEN", and user 7 holding quest 1."""
    cur.execute(
        """INSERT INTO platform_users (id, username, email, username_norm, email_norm, active) VALUES
           (11, 'Renée', 'renee@example.com', 'renée', 'renee@example.com', TRUE),
           (12, 'JÜRGEN', 'Jurgen@Example.com', 'jürgen', 'jurgen@example.com', TRUE)"""
    )
    cur.execute(
        "INSERT INTO batches (name, quest_id, created_by, status) "
        "VALUES ('Old', 1, 'ada', 'published')"
    )
    cur.execute(
        "INSERT INTO batch_users (batch_id, user_id, status, added_via, added_by) "
        "VALUES (1, 7, 'published', 'csv', 'ada')"
    )
    cur.execute("INSERT INTO unlocks (user_id, quest_id, batch_id) VALUES (7, 1, 1)")
    refresh_held(cur)  # as the product's writes keep them: the unlock went in by SQL
    cur.execute("UPDATE batches SET n_users = 1, n_published = 1 WHERE id = 1")
    return cur


def make_draft(cur: duckdb.DuckDBPyConnection, dev: Account) -> int:
    """Create a draft of the dev account for quest 1, without users; return its id."""
    return drafts.create_draft(cur, dev, "Spring onboarding", VISIT_10)


def upload(text: str, name: str = "users.csv") -> Upload:
    """Read CSV text as an upload (UTF-8)."""
    return intake.read_upload(text.encode("utf-8"), name)


def members_of(cur: duckdb.DuckDBPyConnection, batch_id: int) -> pl.DataFrame:
    """Every user of a batch, as the pages and the command line read them."""
    return all_members(cur, command_line_account(), batch_id)
