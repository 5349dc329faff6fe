"""The store the browser and load benchmarks run on: 100,000 batches, 5M batch users, 1M users.

    .venv/bin/python bench/big_store.py --keep /tmp/big.duckdb [--batches N] [--batch-users N]
                                        [--platform-users N]

Built with set-based SQL (the ideas of bench/bench_list.py's `build`), but every batch user is a
real platform user, unique within its batch, so the detail pages, the preview and the publisher
see consistent data. Besides the history it holds a Published batch and a draft of exactly
5,000 users each, an admin, devs and analysts (throwaway passwords below), the unlock counts and
the matching index brought in step by the product's own functions, and ends with a CHECKPOINT.
`build_big_store(path)` reuses a file that already has the right counts, so it is built once.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_list import insert_batches  # noqa: E402
from core.access import accounts  # noqa: E402
from core.access.roles import Account, Role, command_line_account  # noqa: E402
from core.batches import drafts, matching  # noqa: E402
from core.publishing import unlock_counts  # noqa: E402
from tests.support.store import SqlUnitOfWork, open_store  # noqa: E402

# Throwaway accounts of a benchmark file (never a real store): (username, password).
ADMIN = ("admin", "bench-admin-1")
DEVS = [(f"dev{i}", f"bench-dev-{i}") for i in range(1, 5)]
ANALYSTS = [(f"analyst{i}", f"bench-analyst-{i}") for i in range(1, 5)]

BIG_BATCH = 5_000  # users of the Published batch and of the draft (the per-batch maximum)
PUBLISHED_NAME = "Bench published 5000"
DRAFT_NAME = "Bench draft 5000"
BENCH_BADGE = "Bench badge"  # its quests are used by nothing in the history (no unlock clash)
PUBLISHED_QUEST = "Published quest"
DRAFT_QUEST = "Draft quest"

# fmt: off
FIRST = ["alex", "sam", "maria", "li", "noah", "emma", "omar", "sofia", "yuki", "ivan",
         "chloe", "mateo", "amara", "lucas", "zoe", "ravi", "nina", "hugo", "lea", "felix"]
LAST = ["smith", "garcia", "chen", "muller", "rossi", "dubois", "kowalski", "silva", "kim",
        "nguyen", "okafor", "johansson", "novak", "haddad", "tanaka", "moreau", "lopez", "ali"]
DOMAINS = ["example.com", "mail.example", "corp.example", "school.example"]
# fmt: on


@dataclass(frozen=True)
class BigStore:
    """What a benchmark needs to know of the built store."""

    path: Path
    batches: int  # history batches (the two 5,000-user batches come on top)
    batch_users: int  # history batch users
    platform_users: int
    published_5k: int  # id of the Published batch of 5,000 users
    draft_5k: int  # id of the admin's draft of 5,000 users
    draft_quest: int  # a quest no batch of the history uses: new drafts take it
    built_seconds: float | None  # None: an existing file was reused


def username(i: int) -> str:
    """Platform user i's username (the SQL below makes the same), so uploads need no query."""
    return f"{FIRST[i % len(FIRST)]}.{LAST[(i // len(FIRST)) % len(LAST)]}{i}"


def email(i: int) -> str:
    """Platform user i's registered email."""
    return f"{username(i)}@{DOMAINS[i % len(DOMAINS)]}"


def active(i: int) -> bool:
    """Whether platform user i is active (2% are deactivated)."""
    return i % 50 != 0


def _build(uow: SqlUnitOfWork, n_batches: int, n_batch_users: int, n_platform: int) -> None:
    """Fill an empty store: users, catalog, history, the two 5,000-user batches, counters."""
    uow.execute(
        """
        INSERT INTO platform_users (id, username, email, username_norm, email_norm, active)
        SELECT i, u, e, u, e, i % 50 <> 0 FROM (
            SELECT i, u, u || '@' || $domains[(1 + i % 4)::BIGINT] AS e FROM (
                SELECT i, $first[(1 + i % 20)::BIGINT] || '.'
                          || $last[(1 + (i // 20) % 18)::BIGINT] || i::VARCHAR AS u
                FROM range(1, $n + 1) r(i)))
        """,
        {"first": FIRST, "last": LAST, "domains": DOMAINS, "n": n_platform},
    )
    uow.execute("INSERT INTO badges (name) SELECT 'Badge ' || i FROM range(1, 31) r(i) ORDER BY i")
    uow.execute(
        "INSERT INTO quests (badge_id, name) "
        "SELECT b, 'Quest ' || b || '.' || k FROM range(1, 31) r(b), range(1, 4) s(k) ORDER BY b, k"
    )
    uow.execute("INSERT INTO badges (name) VALUES (?)", [BENCH_BADGE])
    uow.execute(
        "INSERT INTO quests (badge_id, name) VALUES (31, ?), (31, ?)",
        [PUBLISHED_QUEST, DRAFT_QUEST],
    )
    # A finished history: mostly Published, some Partially published, drafts of five creators.
    # Nothing queued or running, so no page polls unless a benchmark publishes something.
    insert_batches(
        uow,
        n_batches,
        """CASE WHEN hash(i, 4) % 100 < 2 THEN 'draft'
                WHEN hash(i, 4) % 100 < 10 THEN 'partially_published'
                ELSE 'published' END""",
    )
    # Row k of the history goes to a hashed batch; within a batch, its rn-th user is the platform
    # user after a batch-specific offset, so users are real and never twice in one batch.
    uow.execute(
        """
        INSERT INTO batch_users (batch_id, user_id, status, error_reason, added_via, added_by,
                                 added_at, processed_at)
        SELECT b.id, 1 + (hash(b.id, 11) % $p + r.rn) % $p,
               CASE WHEN b.status = 'draft' THEN 'unpublished'
                    WHEN b.status = 'partially_published' AND hash(r.k, 9) % 25 = 0 THEN 'error'
                    ELSE 'published' END,
               CASE WHEN b.status = 'partially_published' AND hash(r.k, 9) % 25 = 0
                    THEN 'The user was deactivated after being added to the batch.' END,
               'csv', b.created_by, b.created_at,
               CASE WHEN b.status <> 'draft' THEN b.queued_at END
        FROM (SELECT k, 1 + hash(k, 10) % $n AS bid,
                     row_number() OVER (PARTITION BY 1 + hash(k, 10) % $n ORDER BY k) AS rn
              FROM range(1, $u + 1) u(k)) r
        JOIN batches b ON b.id = r.bid
        """,
        {"u": n_batch_users, "n": n_batches, "p": n_platform},
    )
    # The two 5,000-user batches, of active users only, on the bench badge's own quests.
    quests = dict(uow.execute("SELECT name, id FROM quests WHERE badge_id = 31").fetchall())
    uow.execute(
        """
        INSERT INTO batches (id, name, quest_id, status, created_by, created_at, updated_at,
                             queued_at)
        VALUES ($n + 1, $pub, $pq, 'published', 'admin', now() - INTERVAL 2 DAY,
                now() - INTERVAL 2 DAY, now() - INTERVAL 2 DAY),
               ($n + 2, $draft, $dq, 'draft', 'admin', now() - INTERVAL 1 DAY,
                now() - INTERVAL 1 DAY, NULL)
        """,
        {
            "n": n_batches,
            "pub": PUBLISHED_NAME,
            "draft": DRAFT_NAME,
            "pq": quests[PUBLISHED_QUEST],
            "dq": quests[DRAFT_QUEST],
        },
    )
    for batch_id, status, salt in ((n_batches + 1, "published", 12), (n_batches + 2, None, 13)):
        uow.execute(
            """
            INSERT INTO batch_users (batch_id, user_id, status, added_via, added_by, added_at,
                                     processed_at)
            SELECT $b, id, coalesce($s, 'unpublished'), 'csv', 'admin', now() - INTERVAL 2 DAY,
                   CASE WHEN $s IS NOT NULL THEN now() - INTERVAL 2 DAY END
            FROM platform_users WHERE active ORDER BY hash(id, $salt) LIMIT $size
            """,
            {"b": batch_id, "s": status, "salt": salt, "size": BIG_BATCH},
        )
    uow.execute("SELECT setval('batch_id_seq', $n)", {"n": n_batches + 2})
    # One unlock per user and quest: the first batch that published it.
    uow.execute(
        """
        INSERT INTO unlocks (user_id, quest_id, batch_id, unlocked_at)
        SELECT DISTINCT ON (u.user_id, b.quest_id) u.user_id, b.quest_id, b.id, u.processed_at
        FROM batch_users u JOIN batches b ON b.id = u.batch_id
        WHERE u.status = 'published'
        ORDER BY u.user_id, b.quest_id, u.processed_at
        """
    )
    unlock_counts.rebuild(uow)
    # The product's own counter upkeep, once for all batches; then restore the history's dates.
    uow.execute("CREATE TEMP TABLE kept AS SELECT id, updated_at FROM batches")
    uow.batches.refresh_counts(list(range(1, n_batches + 3)))
    uow.execute("UPDATE batches b SET updated_at = k.updated_at FROM kept k WHERE k.id = b.id")
    uow.execute("DROP TABLE kept")
    matching.sync_user_index(uow, rebuild=True)
    admin = command_line_account()
    for (name, password), role in [
        (ADMIN, Role.ADMIN),
        *((d, Role.DEV) for d in DEVS),
        *((a, Role.ANALYST) for a in ANALYSTS),
    ]:
        accounts.add_account(uow, admin, name, role, password)
    uow.execute("CHECKPOINT")


def _info(uow: SqlUnitOfWork, path: Path, seconds: float | None) -> BigStore | None:
    """The store's description, or None if it is not a finished big store.

    The history is every batch before the Published 5,000-user one (ids 1..n, that batch n+1,
    the draft n+2): batches a benchmark adds later come after them and do not count.
    """
    try:
        (pub, draft, quest, n_acc) = uow.execute(
            """SELECT (SELECT min(id) FROM batches WHERE name = $pub),
                      (SELECT min(id) FROM batches WHERE name = $draft),
                      (SELECT q.id FROM quests q JOIN badges g ON g.id = q.badge_id
                       WHERE g.name = $badge AND q.name = $dq),
                      (SELECT count(*) FROM accounts)""",
            {"pub": PUBLISHED_NAME, "draft": DRAFT_NAME, "badge": BENCH_BADGE, "dq": DRAFT_QUEST},
        ).fetchall()[0]
        if None in (pub, draft, quest) or draft != pub + 1:
            return None
        n_bu, n_p = uow.execute(
            "SELECT (SELECT count(*) FROM batch_users WHERE batch_id < ?), "
            "(SELECT count(*) FROM platform_users)",
            [pub],
        ).fetchall()[0]
    except Exception:  # a file of another kind (no such tables)
        return None
    if n_acc < 1 + len(DEVS) + len(ANALYSTS):
        return None
    return BigStore(path, pub - 1, n_bu, n_p, pub, draft, quest, seconds)


def build_big_store(
    path: str | os.PathLike,
    batches: int = 100_000,
    batch_users: int = 5_000_000,
    platform_users: int = 1_000_000,
) -> BigStore:
    """Return the big store at `path`, building it first unless it exists with these counts.

    A big store of other counts is replaced; any other existing file is refused (never
    deleted). The build goes to a side file renamed at the end, so an interrupted build never
    looks finished. About 15 s at the default size on the 2-core machine.
    """
    path = Path(path)
    wanted = (batches, batch_users, platform_users)
    if path.exists():
        uow = open_store(path)
        try:
            info = _info(uow, path, None)
        finally:
            uow.close()
        if info is None:
            raise SystemExit(f"{path} exists and is not a big store: give another path.")
        if (info.batches, info.batch_users, info.platform_users) == wanted:
            return info
        print(f"{path}: a big store of other counts; building it again", file=sys.stderr)
        path.unlink()
        Path(f"{path}.wal").unlink(missing_ok=True)
    side = path.with_name(path.name + ".building")
    for leftover in (side, Path(f"{side}.wal")):
        leftover.unlink(missing_ok=True)
    started = time.perf_counter()
    uow = open_store(side)
    try:
        _build(uow, batches, batch_users, platform_users)
    finally:
        uow.close()
    side.replace(path)
    uow = open_store(path)
    try:
        info = _info(uow, path, time.perf_counter() - started)
    finally:
        uow.close()
    assert info is not None and (info.batches, info.batch_users, info.platform_users) == wanted, (
        info
    )
    return info


def make_drafts(
    path: str | os.PathLike, prefix: str, count: int, size: int = 0, owner: str = ADMIN[0]
) -> list[int]:
    """Replace the drafts named `prefix` + number by `count` new ones of `size` users each.

    For benchmarks that add users or publish: run it while no server holds the file. The drafts
    use the bench badge's draft quest; their users are active platform users, hashed per draft.
    """
    uow = open_store(path)
    try:
        old = [
            r[0]
            for r in uow.execute(
                "SELECT id FROM batches WHERE status = 'draft' AND name LIKE ? || ' %'", [prefix]
            ).fetchall()
        ]
        if old:
            uow.execute("DELETE FROM batch_users WHERE batch_id IN (SELECT unnest(?))", [old])
            uow.execute("DELETE FROM batches WHERE id IN (SELECT unnest(?))", [old])
        quest = uow.execute(
            "SELECT q.id FROM quests q JOIN badges g ON g.id = q.badge_id "
            "WHERE g.name = ? AND q.name = ?",
            [BENCH_BADGE, DRAFT_QUEST],
        ).fetchall()[0][0]
        role = Role.ADMIN if owner == ADMIN[0] else Role.DEV
        ids = []
        for i in range(1, count + 1):
            batch_id = drafts.create_draft(uow, Account(owner, role), f"{prefix} {i}", quest)
            if size:
                uow.execute(
                    """INSERT INTO batch_users (batch_id, user_id, added_via, added_by)
                       SELECT $b, id, 'csv', $owner FROM platform_users WHERE active
                       ORDER BY hash(id, $b) LIMIT $size""",
                    {"b": batch_id, "owner": owner, "size": size},
                )
                uow.batches.refresh_counts([batch_id])
            ids.append(batch_id)
        uow.execute("CHECKPOINT")
        return ids
    finally:
        uow.close()


def upload_csv_bytes(n: int = BIG_BATCH, platform_users: int = 1_000_000, seed: int = 13) -> bytes:
    """A realistic upload in the template's format (`ID;Username;Registered email`) of n real
    users: most rows give all three columns, some only one of them; ~2% are deactivated users."""
    rnd = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(["ID", "Username", "Registered email"])
    for i in rnd.sample(range(1, platform_users + 1), n):
        kind = rnd.random()
        if kind < 0.7:
            writer.writerow([i, username(i), email(i)])
        elif kind < 0.8:
            writer.writerow([i, "", ""])
        elif kind < 0.9:
            writer.writerow(["", username(i).upper() if kind < 0.85 else username(i), ""])
        else:
            writer.writerow(["", "", email(i)])
    return out.getvalue().encode("utf-8")


def upload_csv(
    path: str | os.PathLike, n: int = BIG_BATCH, platform_users: int = 1_000_000
) -> Path:
    """Write `upload_csv_bytes(n)` to `path`; return the path."""
    path = Path(path)
    path.write_bytes(upload_csv_bytes(n, platform_users))
    return path


def main(argv: list[str] | None = None) -> int:
    """Build (or check) a big store and print what it holds."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keep", metavar="PATH", required=True, help="build (or reuse) this file")
    parser.add_argument("--batches", type=int, default=100_000)
    parser.add_argument("--batch-users", type=int, default=5_000_000)
    parser.add_argument("--platform-users", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    info = build_big_store(args.keep, args.batches, args.batch_users, args.platform_users)
    how = "reused" if info.built_seconds is None else f"built in {info.built_seconds:.1f} s"
    print(f"{info} ({how}; {info.path.stat().st_size / 1e6:,.0f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
