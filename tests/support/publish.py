"""Helpers for the publisher's tests: batches to publish, users added the way the app adds them,
and the invariants to check.

`make_batch` writes a draft with plain SQL (fast, and free of the 5,000-user limit, so the crash
test can queue 12,000 users); `add_users` is the product's own add (core.batches.add_file), so a
race against it races the real transaction.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from core.access.roles import Account, Role
from core.batches import rules
from core.batches.add_file import add_upload
from core.publishing.unlock_counts import QUARTER_US
from core.store.ports import UnitOfWork
from core.upload.user_list import from_values

ROOT = Path(__file__).resolve().parents[2]
ADMIN = Account("ada", Role.ADMIN)  # make_batch's default creator


def make_batch(
    cur: UnitOfWork,
    user_ids: list[int] | range,
    quest_id: int = 1,
    name: str = "Test batch",
    created_by: str = "ada",
) -> int:
    """Create a draft with these users (all "Unpublished"); return its id."""

    def write(u: UnitOfWork) -> int:
        batch_id = u.execute(
            "INSERT INTO batches (name, quest_id, created_by) VALUES (?, ?, ?) RETURNING id",
            [name, quest_id, created_by],
        ).fetchone()[0]
        _insert_users(u, batch_id, user_ids)
        u.batches.refresh_counts([batch_id])
        return batch_id

    return cur.transaction(write)


def add_users(
    cur: UnitOfWork, batch_id: int, user_ids: list[int] | range, actor: Account = ADMIN
) -> int:
    """Add platform users by User ID as the app does (a Published batch is queued again); return
    how many were added. Refused (InputError) unless the batch is a draft or Published."""
    upload = from_values(ids=[str(i) for i in user_ids])
    return add_upload(cur, actor, batch_id, upload, added_via="cli").added


def _insert_users(c: UnitOfWork, batch_id: int, user_ids: list[int] | range) -> None:
    if isinstance(user_ids, range) and user_ids.step == 1:
        c.execute(
            "INSERT INTO batch_users (batch_id, user_id, added_via, added_by) "
            "SELECT ?, i, 'cli', 'test' FROM generate_series(?::BIGINT, ?::BIGINT) r(i)",
            [batch_id, user_ids.start, user_ids.stop - 1],
        )
    elif user_ids:
        c.execute(
            "INSERT INTO batch_users (batch_id, user_id, added_via, added_by) "
            "SELECT ?, unnest(?::BIGINT[]), 'cli', 'test'",
            [batch_id, list(user_ids)],
        )


def add_platform_users(cur: UnitOfWork, first: int, last: int) -> None:
    """Insert active platform users first..last (ids and names derived from the number)."""
    cur.execute(
        """INSERT INTO platform_users (id, username, email, username_norm, email_norm, active)
           SELECT i, 'p' || i, 'p' || i || '@example.com', 'p' || i, 'p' || i || '@example.com',
                  TRUE
           FROM generate_series(?::BIGINT, ?::BIGINT) r(i)""",
        [first, last],
    )


def statuses(cur: UnitOfWork, batch_id: int) -> dict[int, str]:
    """Return {user id: status} for a batch."""
    return dict(
        cur.execute(
            "SELECT user_id, status FROM batch_users WHERE batch_id = ?", [batch_id]
        ).fetchall()
    )


def batch_status(cur: UnitOfWork, batch_id: int) -> str:
    """Return a batch's stored status code."""
    return cur.execute("SELECT status FROM batches WHERE id = ?", [batch_id]).fetchone()[0]


def assert_consistent(cur: UnitOfWork) -> None:
    """Check each batch's counters and status against its users, and each Published user's unlock."""
    wrong_counts = cur.execute(
        """SELECT b.id FROM batches b LEFT JOIN (
               SELECT batch_id, count(*) AS n,
                      count(*) FILTER (WHERE status = 'unpublished') AS unpub,
                      count(*) FILTER (WHERE status = 'in_progress') AS prog,
                      count(*) FILTER (WHERE status = 'published') AS pub,
                      count(*) FILTER (WHERE status = 'error') AS err,
                      count(*) FILTER (WHERE status = 'revoking') AS revoking,
                      count(*) FILTER (WHERE status = 'revoked') AS revoked
               FROM batch_users GROUP BY batch_id) c ON c.batch_id = b.id
           WHERE b.n_users <> coalesce(c.n, 0) OR b.n_unpublished <> coalesce(c.unpub, 0)
              OR b.n_in_progress <> coalesce(c.prog, 0) OR b.n_published <> coalesce(c.pub, 0)
              OR b.n_error <> coalesce(c.err, 0) OR b.n_revoking <> coalesce(c.revoking, 0)
              OR b.n_revoked <> coalesce(c.revoked, 0)"""
    ).fetchall()
    assert wrong_counts == [], f"counters differ from the users in batches {wrong_counts}"
    for batch_id, status, n_users, n_prog, n_pub, n_err, n_revoking, n_revoked in cur.execute(
        "SELECT id, status, n_users, n_in_progress, n_published, n_error, n_revoking, n_revoked "
        "FROM batches WHERE status <> 'draft'"
    ).fetchall():
        derived = rules.derive_status(n_users, n_prog, n_pub, n_err, n_revoking, n_revoked)
        assert status == derived, batch_id
    missing = cur.execute(
        """SELECT u.batch_id, u.user_id FROM batch_users u JOIN batches b ON b.id = u.batch_id
           WHERE u.status = 'published' AND NOT EXISTS (
               SELECT 1 FROM unlocks x WHERE x.user_id = u.user_id AND x.quest_id = b.quest_id)"""
    ).fetchall()
    assert missing == [], f"published users without an unlock: {missing[:5]}"
    # A revoked user keeps the quest only from another batch that has them "Published".
    revoked_but_held = cur.execute(
        """SELECT u.batch_id, u.user_id FROM batch_users u JOIN batches b ON b.id = u.batch_id
           JOIN unlocks x ON x.user_id = u.user_id AND x.quest_id = b.quest_id
           WHERE u.status = 'revoked' AND (x.batch_id = u.batch_id OR NOT EXISTS (
               SELECT 1 FROM batch_users o WHERE o.batch_id = x.batch_id
                 AND o.user_id = u.user_id AND o.status = 'published'))"""
    ).fetchall()
    assert revoked_but_held == [], f"revoked users still unlocked: {revoked_but_held[:5]}"
    # Written in SQL both stores read alike (whole seconds: unlocked_at has no finer use here).
    # The chart counts every unlock ever made (the revoked ones too: it subtracts the revokes).
    quarter_s = QUARTER_US // 10**6
    recount = f"""SELECT batch_id, quest_id,
                         floor(extract(epoch FROM unlocked_at) / {quarter_s})::BIGINT AS quarter,
                         count(*) AS unlocks
                  FROM (SELECT batch_id, quest_id, unlocked_at FROM unlocks
                        UNION ALL
                        SELECT batch_id, quest_id, unlocked_at FROM revocations) made
                  WHERE batch_id IS NOT NULL GROUP BY 1, 2, 3"""
    counted = "SELECT * FROM unlock_counts WHERE unlocks <> 0"
    drift = cur.execute(
        f"""({counted} EXCEPT {recount})
            UNION ALL ({recount} EXCEPT {counted})"""
    ).fetchall()
    assert drift == [], f"the chart's unlock counts differ from the unlocks: {drift[:5]}"
    revokes = f"""SELECT batch_id, quest_id,
                         floor(extract(epoch FROM revoked_at) / {quarter_s})::BIGINT AS quarter,
                         count(*) AS revokes
                  FROM revocations GROUP BY 1, 2, 3"""
    counted = "SELECT * FROM revoke_counts WHERE revokes <> 0"
    drift = cur.execute(
        f"""({counted} EXCEPT {revokes})
            UNION ALL ({revokes} EXCEPT {counted})"""
    ).fetchall()
    assert drift == [], f"the chart's revoke counts differ from the revocations: {drift[:5]}"
    unexplained = cur.execute(
        "SELECT count(*) FROM batch_users WHERE status = 'error' AND error_reason IS NULL"
    ).fetchone()[0]
    assert unexplained == 0
    stray = cur.execute(
        """SELECT count(*) FROM unlocks x WHERE x.batch_id IS NOT NULL AND NOT EXISTS (
               SELECT 1 FROM batch_users u WHERE u.batch_id = x.batch_id
               AND u.user_id = x.user_id AND u.status IN ('published', 'revoking'))"""
    ).fetchone()[0]
    # A user waiting to be revoked keeps the unlock until the chunk that revokes them.
    assert stray == 0, "an unlock credited to a batch whose user is not Published (or Revoking)"


def unlock_owners(cur: UnitOfWork, quest_id: int = 1) -> dict[int, int | None]:
    """{user id: the batch their unlock of the quest is credited to}."""
    return dict(
        cur.execute(
            "SELECT user_id, batch_id FROM unlocks WHERE quest_id = ? ORDER BY user_id", [quest_id]
        ).fetchall()
    )


def assert_counters_match_the_users(cur: UnitOfWork) -> None:
    """`assert_consistent` once no revoke waits: then every unlock credited to a batch belongs
    to a user "Published" in it (none "Revoking" keeps one)."""
    assert_consistent(cur)
    stray = cur.execute(
        """SELECT count(*) FROM unlocks x WHERE x.batch_id IS NOT NULL AND NOT EXISTS (
               SELECT 1 FROM batch_users u WHERE u.batch_id = x.batch_id
               AND u.user_id = x.user_id AND u.status = 'published')"""
    ).fetchone()[0]
    assert stray == 0, "an unlock credited to a batch whose user is not Published"


def run_cli(db: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """Run `python -m core --db DB ARGS...` from the repository root and capture its output."""
    return subprocess.run(
        [sys.executable, "-m", "core", "--db", str(db), *args],
        cwd=ROOT,
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def cli_env() -> dict[str, str]:
    """The environment for a `python -m core` subprocess: the repository on the import path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env
