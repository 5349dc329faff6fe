"""The data bench/bench_users.py measures (issue 16): platform users with dates, unlocks, batches.

Built in a DuckDB file with set-based SQL (`INSERT … SELECT … FROM range(n)`), nothing row by row:

- 40 badge quests (8 badges of 5);
- n platform users (default 10,000,000): usernames and emails as bench_preview's
  (`maria.chen123`), 2% deactivated; `registered_at` over the three years before NOW, rising with
  the User ID (ids are handed out at sign-up) with a few days of jitter; `last_active_at` after
  it, most within the last months (a cubic skew towards NOW), 5% never active (NULL);
- about n_unlocks unlocks (default 5,000,000): each (user, quest) once, the quests' popularity
  falling like 1/q (quest 1: ~19% of the unlocks, quest 40: ~0.5%), each from a published batch
  of its quest (batches of BATCH_SIZE users, about 1,250); the candidate rows that drew a
  deactivated user are that batch's "Error" users instead (no unlock), so "Error in batch B"
  finds someone;
- DRAFTS draft batches of DRAFT_SIZE users each ("Unpublished" in them);
- each user's stored count of quests held (`quests_held`, m008) from the unlocks;
- the batches' counters by the product's own `refresh_counts`, the weekly chart's counts by
  `unlock_counts.rebuild`, and the matching index (`user_lookup`) by `sync_user_index`, as the
  first upload would build it.
"""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.bench_preview import DOMAINS, FIRST, LAST

NOW = datetime(2026, 12, 1, tzinfo=UTC)  # the data's "today" (the bench's dates are around it)
START = NOW - timedelta(days=3 * 365)
JITTER = timedelta(days=3)
NEVER_ACTIVE_SHARE = 20  # one user in 20 has never been active
N_BADGES, QUESTS_PER_BADGE = 8, 5
N_QUESTS = N_BADGES * QUESTS_PER_BADGE
BATCH_SIZE = 4_000
DRAFTS, DRAFT_SIZE = 20, 2_000
OVERDRAW = 1.10  # candidate unlock rows drawn per unlock kept (duplicates and deactivated users)


def build(cur, n_users: int, n_unlocks: int) -> dict[str, float]:
    """Fill an empty migrated store (a tests.support SqlUnitOfWork); return seconds per step."""
    seconds: dict[str, float] = {}

    def step(label: str, fn) -> None:
        started = time.perf_counter()
        fn()
        seconds[label] = time.perf_counter() - started

    step("catalog", lambda: _catalog(cur))
    step("platform users", lambda: _users(cur, n_users))
    step("unlocks and batches", lambda: _unlocks(cur, n_users, n_unlocks))
    step("quests held", lambda: _held(cur))
    step("drafts", lambda: _drafts(cur, n_users))
    step("counters", lambda: _counters(cur))
    cur.execute("CHECKPOINT")
    step("user_lookup", lambda: _lookup(cur))
    return seconds


def build_file(path: Path, n_users: int, n_unlocks: int) -> dict[str, float]:
    """Build the data in a new DuckDB file at `path` (via a side name, renamed when complete)."""
    from tests.support.store import open_store

    side = path.with_name(path.name + ".building")
    for leftover in (side, Path(f"{side}.wal")):
        leftover.unlink(missing_ok=True)
    cur = open_store(side)
    try:
        # Room for the builds on a machine shared with others.
        cur.execute("SET memory_limit = '6GB'")
        cur.execute("SET preserve_insertion_order = false")
        seconds = build(cur, n_users, n_unlocks)
    finally:
        cur.close()
    side.replace(path)
    return seconds


def _catalog(cur) -> None:
    cur.execute(
        "INSERT INTO badges (name) SELECT 'Badge ' || b FROM range(1, $n + 1) r(b) ORDER BY b",
        {"n": N_BADGES},
    )
    cur.execute(
        "INSERT INTO quests (badge_id, name) SELECT b, 'Quest ' || b || '.' || k "
        "FROM range(1, $b + 1) r(b), range(1, $k + 1) s(k) ORDER BY b, k",
        {"b": N_BADGES, "k": QUESTS_PER_BADGE},
    )


def _users(cur, n_users: int) -> None:
    span_us = (NOW - START - JITTER) // timedelta(microseconds=1)
    cur.execute(
        """
        INSERT INTO platform_users (id, username, email, username_norm, email_norm, active,
                                    registered_at, last_active_at)
        SELECT i, u, e, lower(u), lower(e), hash(i, 4) % 50 <> 0, reg,
               CASE WHEN hash(i, 6) % $never = 0 THEN NULL
                    ELSE $now - to_microseconds(((epoch_us($now) - epoch_us(reg))
                                 * pow((hash(i, 7) % 1000000) / 1e6, 3))::BIGINT)
               END
        FROM (
            SELECT i,
                   $first[(1 + hash(i, 1) % len($first))::BIGINT] || '.'
                     || $last[(1 + hash(i, 2) % len($last))::BIGINT] || i::VARCHAR AS u,
                   $first[(1 + hash(i, 1) % len($first))::BIGINT] || '.'
                     || $last[(1 + hash(i, 2) % len($last))::BIGINT] || i::VARCHAR || '@'
                     || $domains[(1 + hash(i, 3) % len($domains))::BIGINT] AS e,
                   $start + to_microseconds(((i - 1)::DOUBLE / $n * $span)::BIGINT
                                            + (hash(i, 5) % $jitter)::BIGINT) AS reg
            FROM range(1, $n + 1) r(i))
        """,
        {
            "first": FIRST,
            "last": LAST,
            "domains": DOMAINS,
            "n": n_users,
            "now": NOW,
            "start": START,
            "span": span_us,
            "jitter": JITTER // timedelta(microseconds=1),
            "never": NEVER_ACTIVE_SHARE,
        },
    )


def _unlocks(cur, n_users: int, n_unlocks: int) -> None:
    # Quest q drawn with probability ~ 1/q: the inverse of the CDF ln(q)/ln(Q+1).
    cur.execute(
        """
        CREATE TEMP TABLE cand AS
        SELECT c.user_id, c.quest_id, min(c.i) AS i, any_value(p.active) AS active,
               any_value(p.registered_at) AS registered_at
        FROM (SELECT i, 1 + hash(i, 12) % $n AS user_id,
                     least($q, floor(exp((hash(i, 11) % 1000000) / 1e6 * ln($q + 1))))::INTEGER
                         AS quest_id
              FROM range(1, $m + 1) r(i)) c
        JOIN platform_users p ON p.id = c.user_id
        GROUP BY c.user_id, c.quest_id
        """,
        {"n": n_users, "q": N_QUESTS, "m": math.ceil(n_unlocks * OVERDRAW)},
    )
    # The unlocks kept: the first n_unlocks active draws; deactivated draws are Error rows.
    cur.execute(
        """
        CREATE TEMP TABLE kept AS
        SELECT user_id, quest_id, active, registered_at,
               row_number() OVER (PARTITION BY quest_id ORDER BY hash(user_id, quest_id)) - 1
                   AS rank_in_quest
        FROM ((SELECT * FROM cand WHERE active ORDER BY i LIMIT $u)
              UNION ALL (SELECT * FROM cand WHERE NOT active))
        """,
        {"u": n_unlocks},
    )
    cur.execute("DROP TABLE cand")
    # One batch per BATCH_SIZE users of a quest, the batches spread over the three years.
    cur.execute(
        """
        CREATE TEMP TABLE bkey AS
        SELECT quest_id, slot, row_number() OVER (ORDER BY hash(quest_id, slot)) AS id
        FROM (SELECT DISTINCT quest_id, rank_in_quest // $size AS slot FROM kept)
        """,
        {"size": BATCH_SIZE},
    )
    n_batches = cur.execute("SELECT count(*) FROM bkey").fetchall()[0][0]
    span_us = (NOW - START) // timedelta(microseconds=1)
    cur.execute(
        """
        INSERT INTO batches (id, name, quest_id, status, created_by, created_at, updated_at,
                             queued_at)
        SELECT id, 'Campaign ' || quest_id || '-' || slot || ' #' || id, quest_id, 'published',
               ['admin', 'dev1', 'dev2'][(1 + hash(id, 1) % 3)::BIGINT],
               $start + to_microseconds((id::DOUBLE / ($nb + 1) * $span)::BIGINT),
               $start + to_microseconds((id::DOUBLE / ($nb + 1) * $span)::BIGINT) + INTERVAL 2 HOUR,
               $start + to_microseconds((id::DOUBLE / ($nb + 1) * $span)::BIGINT) + INTERVAL 1 HOUR
        FROM bkey
        """,
        {"start": START, "span": span_us, "nb": n_batches},
    )
    cur.execute(
        """
        INSERT INTO batch_users (batch_id, user_id, status, error_reason, added_via, added_by,
                                 added_at, processed_at)
        SELECT b.id, k.user_id, CASE WHEN k.active THEN 'published' ELSE 'error' END,
               CASE WHEN k.active THEN NULL ELSE $reason END,
               'csv', b.created_by, b.created_at, b.queued_at + INTERVAL 10 MINUTE
        FROM kept k
        JOIN bkey x ON x.quest_id = k.quest_id AND x.slot = k.rank_in_quest // $size
        JOIN batches b ON b.id = x.id
        """,
        {"size": BATCH_SIZE, "reason": "The user was deactivated after being added to the batch."},
    )
    # Unlocked when the batch ran, or a day after sign-up for a user who joined later.
    cur.execute(
        """
        INSERT INTO unlocks (user_id, quest_id, batch_id, unlocked_at)
        SELECT k.user_id, k.quest_id, b.id,
               least($now, greatest(b.queued_at + INTERVAL 10 MINUTE,
                                    k.registered_at + INTERVAL 1 DAY))
        FROM kept k
        JOIN bkey x ON x.quest_id = k.quest_id AND x.slot = k.rank_in_quest // $size
        JOIN batches b ON b.id = x.id
        WHERE k.active
        """,
        {"size": BATCH_SIZE, "now": NOW},
    )
    cur.execute("DROP TABLE kept")
    cur.execute("DROP TABLE bkey")
    cur.execute("SELECT setval('batch_id_seq', $n)", {"n": n_batches})


def _held(cur) -> None:
    # The unlocks went in by SQL, past the product's writes that keep the count: counted once,
    # by m008's own backfill statement.
    from core.store.duckdb.migrations import m008_quests_held

    cur.execute(m008_quests_held.STATEMENTS[1])


def _drafts(cur, n_users: int) -> None:
    first = cur.execute("SELECT max(id) FROM batches").fetchall()[0][0] + 1
    cur.execute(
        """
        INSERT INTO batches (id, name, quest_id, status, created_by, created_at, updated_at)
        SELECT $first + d, 'Draft ' || d, 1 + d % $q, 'draft', 'dev1',
               $now - INTERVAL 1 DAY * (d + 1), $now - INTERVAL 1 DAY * (d + 1)
        FROM range(0, $d) r(d)
        """,
        {"first": first, "q": N_QUESTS, "d": DRAFTS, "now": NOW},
    )
    # Users who do not hold the draft's quest, hashed over the whole range.
    cur.execute(
        """
        INSERT INTO batch_users (batch_id, user_id, added_via, added_by, added_at)
        SELECT id, u, 'csv', 'dev1', created_at FROM (
            SELECT DISTINCT b.id, c.u, b.created_at
            FROM batches b,
                 LATERAL (SELECT 1 + hash(b.id, k) % $n AS u FROM range(0, $size * 2) r(k)) c
            WHERE b.status = 'draft'
              AND NOT EXISTS (SELECT 1 FROM unlocks x
                              WHERE x.user_id = c.u AND x.quest_id = b.quest_id))
        QUALIFY row_number() OVER (PARTITION BY id ORDER BY hash(u)) <= $size
        """,
        {"n": n_users, "size": DRAFT_SIZE},
    )
    cur.execute("SELECT setval('batch_id_seq', $n)", {"n": first + DRAFTS})


def _counters(cur) -> None:
    from core.publishing import unlock_counts

    unlock_counts.rebuild(cur)
    ids = [r[0] for r in cur.execute("SELECT id FROM batches ORDER BY id").fetchall()]
    cur.execute("CREATE TEMP TABLE kept_dates AS SELECT id, updated_at FROM batches")
    cur.batches.refresh_counts(ids)
    cur.execute(
        "UPDATE batches b SET updated_at = k.updated_at FROM kept_dates k WHERE k.id = b.id"
    )
    cur.execute("DROP TABLE kept_dates")


def _lookup(cur) -> None:
    from core.batches import matching

    matching.sync_user_index(cur, rebuild=True)
    cur.execute("CHECKPOINT")


def summary(cur) -> dict[str, int]:
    """How many rows the data holds (for the benchmark's header)."""
    row = cur.execute(
        """SELECT (SELECT count(*) FROM platform_users),
                  (SELECT count(*) FILTER (WHERE NOT active) FROM platform_users),
                  (SELECT count(*) FROM unlocks), (SELECT count(*) FROM batches),
                  (SELECT count(*) FROM batch_users)"""
    ).fetchall()[0]
    return dict(
        zip(("users", "deactivated", "unlocks", "batches", "batch_users"), row, strict=True)
    )
