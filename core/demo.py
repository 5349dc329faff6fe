"""Demo data: badges, platform users, back-office accounts and a history of batches in every status.

Everything derives from the seed (hash-based, not random), so two runs with one seed are equal.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from core import config, store
from core.access import accounts
from core.access.roles import Role, command_line_account
from core.batches import rules
from core.errors import InputError, StoreError
from core.publishing import unlock_counts
from core.store import in_transaction

DEFAULT_USERS = 50_000
MAX_USERS = 10_000_000
# Set to 1 to give any new data file demo data (the default file always gets it).
DEMO_ENV = "BATCH_UNLOCK_DEMO"

# Demo-only credentials, printed in the README; never use them for real data.
DEMO_ACCOUNTS = [
    ("admin", Role.ADMIN, "admin-demo", "admin@demo.example"),
    ("dev", Role.DEV, "dev-demo-1", "dev@demo.example"),
    ("analyst", Role.ANALYST, "analyst-demo", "analyst@demo.example"),
]

BADGES = {
    "Explorer": ["Visit 10 pages", "Visit 100 pages", "Visit every section"],
    "Contributor": ["First post", "10 posts", "100 posts", "1,000 posts"],
    "Mentor": ["Answer a question", "10 accepted answers"],
    "Early bird": ["Log in before 7 am"],
    "Streak": ["7-day streak", "30-day streak", "365-day streak"],
    "Reviewer": ["First review", "50 reviews"],
    "Team player": ["Join a team", "Lead a team project"],
    "Learner": ["Finish a course", "Finish 5 courses", "Finish 20 courses"],
    "Event goer": ["Attend an event", "Attend 10 events"],
    "Ambassador": ["Invite a friend", "Invite 10 friends", "Host a meetup"],
    "Bug hunter": ["Report a bug", "Report 10 bugs"],
    "Legacy member": ["Member since 2020"],
}
ARCHIVED_QUEST = ("Legacy member", "Member since 2020")

FIRST = [
    "alex",
    "sam",
    "maria",
    "li",
    "noah",
    "emma",
    "omar",
    "sofia",
    "yuki",
    "ivan",
    "chloe",
    "mateo",
    "amara",
    "lucas",
    "zoe",
    "ravi",
    "nina",
    "hugo",
    "lea",
    "felix",
]
LAST = [
    "smith",
    "garcia",
    "chen",
    "muller",
    "rossi",
    "dubois",
    "kowalski",
    "silva",
    "kim",
    "nguyen",
    "okafor",
    "johansson",
    "novak",
    "haddad",
    "tanaka",
    "moreau",
    "lopez",
    "ali",
]
DOMAINS = ["example.com", "mail.example", "corp.example", "school.example"]

# (batch name, quest key, users, final status, days ago created)
_BATCH_NAMES = [
    "Spring onboarding",
    "Hackathon winners",
    "Community week",
    "Support heroes",
    "Beta testers",
    "Conference attendees",
    "Mentoring programme",
    "Course graduates",
    "Newsletter readers",
    "Forum cleanup",
    "Partner campus",
    "Summer challenge",
]


def _check_users(n_users: int) -> None:
    if not 1 <= n_users <= MAX_USERS:
        raise InputError(f"The number of demo users must be between 1 and {MAX_USERS:,}.")


def generate_users(
    cur: duckdb.DuckDBPyConnection, n_users: int, seed: int = 1, first_id: int = 1
) -> None:
    """Insert n_users users from first_id on, with seed-derived names; about 2% are deactivated."""
    _check_users(n_users)
    cur.execute(
        """
        INSERT INTO platform_users (id, username, email, username_norm, email_norm, active)
        SELECT id, username, email, lower(username), lower(email), active FROM (
            SELECT i AS id,
                   $first[(1 + hash(i, $seed, 1) % len($first))::BIGINT] || '.'
                     || $last[(1 + hash(i, $seed, 2) % len($last))::BIGINT] || i::VARCHAR AS username,
                   $first[(1 + hash(i, $seed, 1) % len($first))::BIGINT] || '.'
                     || $last[(1 + hash(i, $seed, 2) % len($last))::BIGINT] || i::VARCHAR
                     || '@' || $domains[(1 + hash(i, $seed, 3) % len($domains))::BIGINT] AS email,
                   hash(i, $seed, 4) % 50 <> 0 AS active
            FROM range($first_id, $first_id + $n) r(i)
        )
        """,
        {
            "first": FIRST,
            "last": LAST,
            "domains": DOMAINS,
            "seed": seed,
            "n": n_users,
            "first_id": first_id,
        },
    )


def wants_demo(path: str | os.PathLike) -> bool:
    """Tell whether a new data file at `path` gets demo data: only the default file, or on request.

    Any other new file starts empty (its first visit creates the first admin), so a typo in
    BATCH_UNLOCK_DB never opens a store whose passwords the README publishes.
    """
    if os.environ.get(DEMO_ENV, "").strip().lower() in {"1", "true", "yes"}:
        return True
    return Path(path).resolve() == config.DEFAULT_DB.resolve()


def create_file(path: str | os.PathLike, n_users: int = DEFAULT_USERS, seed: int = 1) -> None:
    """Create a new demo data file at `path`, whole or not at all (built aside, then renamed)."""
    path = Path(path)
    if path.exists():
        raise InputError(
            f"The data file {path} exists already; demo data goes into new files only."
        )
    building = path.with_name(f".{path.name}.building")
    for leftover in (building, building.with_name(building.name + ".wal")):
        leftover.unlink(missing_ok=True)  # from a fill that was killed half way
    try:
        con = store.connect(building)
        try:
            fill(con.cursor(), n_users=n_users, seed=seed)
            con.execute("CHECKPOINT")  # everything in the file itself, none left in its WAL
        finally:
            con.close()
        os.replace(building, path)
    except (duckdb.Error, OSError) as exc:
        raise StoreError(
            f"The demo data file {path} could not be created ({exc}); nothing was left behind. "
            "Check that its folder is writable and the disk has room, then start again."
        ) from exc
    finally:
        for leftover in (building, building.with_name(building.name + ".wal")):
            leftover.unlink(missing_ok=True)


def fill(
    cur: duckdb.DuckDBPyConnection,
    n_users: int = DEFAULT_USERS,
    seed: int = 1,
    force: bool = False,
    now: datetime | None = None,
) -> dict[str, int]:
    """Fill a store with demo data in one transaction; refuse if it has users (unless `force`)."""
    _check_users(n_users)
    now = now or datetime.now(UTC)
    system = command_line_account()
    # Hashed before the transaction: argon2 is slow, and the transaction should stay short.
    hashed = {username: accounts.hash_password(pw) for username, _r, pw, _e in DEMO_ACCOUNTS}

    def write(c: duckdb.DuckDBPyConnection) -> dict[str, int]:
        existing = c.execute("SELECT count(*) FROM platform_users").fetchall()[0][0]
        if existing and not force:
            raise InputError(
                f"This data file already has {existing:,} platform users; demo data would mix "
                "with them. Use another file (--db), or pass --force to add demo data anyway."
            )
        # With --force on a store that has users, demo ids start after the existing ones.
        offset = c.execute("SELECT coalesce(max(id), 0) FROM platform_users").fetchall()[0][0]
        _insert_catalog(c)
        generate_users(c, n_users, seed, first_id=offset + 1)
        batches = _insert_batches(c, n_users, seed, offset, now)
        unlock_counts.rebuild(c)  # the demo's unlocks were inserted directly, batch by batch
        for username, role, _password, email in DEMO_ACCOUNTS:
            # With --force the store may have such an account, or the email, already.
            if c.execute("SELECT 1 FROM accounts WHERE username = ?", [username]).fetchall():
                continue
            taken = c.execute(
                "SELECT 1 FROM accounts WHERE lower(email) = lower(?)", [email]
            ).fetchall()
            accounts.insert_account(
                c, system, username, role, hashed[username], None if taken else email
            )
        # Slow enough that the demo's running batch is seen moving; `python -m core worker
        # --rate` or the setting 'publish_rate' changes it.
        c.execute(
            "INSERT INTO settings VALUES ('publish_rate', '200') "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
        )
        return {"users": n_users, "badges": len(BADGES), "batches": batches}

    # Users, batches, accounts and settings together: a failed fill leaves nothing behind.
    # The matching index (core.batches.matching.user_lookup) is built when the app starts or at the
    # first preview, so that generating 10M users stays under a minute.
    return in_transaction(cur, write)


def _insert_catalog(c: duckdb.DuckDBPyConnection) -> None:
    for badge, quests in BADGES.items():
        if c.execute("SELECT 1 FROM badges WHERE name = ?", [badge]).fetchall()[:1]:
            continue
        badge_id = c.execute(
            "INSERT INTO badges (name) VALUES (?) RETURNING id", [badge]
        ).fetchall()[0][0]
        for quest in quests:
            c.execute(
                "INSERT INTO quests (badge_id, name, archived) VALUES (?, ?, ?)",
                [badge_id, quest, (badge, quest) == ARCHIVED_QUEST],
            )


def _insert_batches(
    c: duckdb.DuckDBPyConnection, n_users: int, seed: int, offset: int, now: datetime
) -> int:
    quest_ids = [
        r[0]
        for r in c.execute(
            "SELECT q.id FROM quests q WHERE NOT q.archived ORDER BY q.id"
        ).fetchall()
    ]
    creators = [a[0] for a in DEMO_ACCOUNTS if a[1] != Role.ANALYST]
    plan = []
    for k in range(48):
        days_ago = 120 - k * 2.5
        status = rules.PUBLISHED
        if k % 7 == 3:
            status = rules.PARTIALLY_PUBLISHED
        plan.append((k, status, days_ago))
    plan += [
        (48, rules.IN_PROGRESS, 0.2),
        (49, rules.UNPUBLISHED, 0.1),
        (50, rules.DRAFT, 1.0),
        (51, rules.DRAFT, 0.5),
    ]
    for k, status, days_ago in plan:
        quest_id = quest_ids[(k * 5 + seed) % len(quest_ids)]
        size = min(n_users, [40, 120, 350, 800, 1500, 2600][(k + seed) % 6])
        if status == rules.IN_PROGRESS:
            size = min(n_users, 3000)
        created = now - timedelta(days=days_ago)
        creator = creators[k % len(creators)]
        name = f"{_BATCH_NAMES[k % len(_BATCH_NAMES)]} #{k // len(_BATCH_NAMES) + 1}"
        batch_id = c.execute(
            "INSERT INTO batches (name, quest_id, status, created_by, created_at, updated_at, queued_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
            [
                name,
                quest_id,
                status,
                creator,
                created,
                created,
                None if status == rules.DRAFT else created + timedelta(minutes=5),
            ],
        ).fetchall()[0][0]
        # Members: seed-derived active users who do not hold this quest yet (the rule the
        # preview enforces), so every unlock stays unique.
        c.execute(
            """
            INSERT INTO batch_users (batch_id, user_id, status, added_via, added_by, added_at)
            SELECT $batch, p.id, 'unpublished', CASE WHEN hash(p.id, $batch) % 9 = 0
                   THEN 'single' ELSE 'csv' END, $creator, $created
            FROM (SELECT DISTINCT $offset + 1 + hash(k, $seed, $batch) % $n_users AS id
                  FROM range($size * 2) r(k)) pick
            JOIN platform_users p ON p.id = pick.id
            WHERE p.active
              AND NOT EXISTS (SELECT 1 FROM unlocks u WHERE u.user_id = p.id AND u.quest_id = $quest)
            ORDER BY hash(p.id, $seed, $batch)
            LIMIT $size
            """,
            {
                "batch": batch_id,
                "creator": creator,
                "created": created,
                "offset": offset,
                "seed": seed,
                "n_users": n_users,
                "quest": quest_id,
                "size": size,
            },
        )
        _settle(c, batch_id, quest_id, status, created, seed)
        rules.refresh(c, [batch_id])
        # refresh() stamps now; keep the history's own dates.
        c.execute(
            "UPDATE batches SET updated_at = ? WHERE id = ?",
            [created + timedelta(minutes=5 + (batch_id % 50)), batch_id],
        )
        c.execute(
            "INSERT INTO audit_log (happened_at, actor, action, batch_id, detail) VALUES (?, ?, ?, ?, ?)",
            [created, creator, "batch created", batch_id, "demo data"],
        )
        if status != rules.DRAFT:
            c.execute(
                "INSERT INTO audit_log (happened_at, actor, action, batch_id, detail) VALUES (?, ?, ?, ?, ?)",
                [created + timedelta(minutes=5), creator, "batch published", batch_id, "demo data"],
            )
    return len(plan)


def _settle(
    c: duckdb.DuckDBPyConnection,
    batch_id: int,
    quest_id: int,
    status: str,
    created: datetime,
    seed: int,
) -> None:
    """Give the batch's users the statuses (and unlocks) its final status implies."""
    if status in (rules.DRAFT, rules.UNPUBLISHED):
        return
    params = {
        "batch": batch_id,
        "seed": seed,
        "at": created + timedelta(minutes=6),
        "partial": status == rules.PARTIALLY_PUBLISHED,
        "running": status == rules.IN_PROGRESS,
    }
    # A running batch has processed about 40% of its users; a partial one failed about 4%.
    done = "(NOT $running OR hash(user_id, $seed, 8) % 5 < 2)"
    c.execute(
        f"""UPDATE batch_users SET status = 'error', processed_at = $at,
                error_reason = 'The user was deactivated after being added to the batch.'
            WHERE batch_id = $batch AND $partial AND hash(user_id, $seed, 7) % 25 = 0
              AND {done}""",
        params,
    )
    c.execute(
        f"""UPDATE batch_users SET status = 'published', processed_at = $at
            WHERE batch_id = $batch AND status = 'unpublished' AND {done}""",
        {k: params[k] for k in ("batch", "seed", "at", "running")},
    )
    c.execute(
        """INSERT INTO unlocks (user_id, quest_id, batch_id, unlocked_at)
           SELECT user_id, $quest, $batch, processed_at FROM batch_users
           WHERE batch_id = $batch AND status = 'published'""",
        {"batch": batch_id, "quest": quest_id},
    )
    if status == rules.PARTIALLY_PUBLISHED:
        c.execute(
            """UPDATE platform_users SET active = FALSE WHERE id IN
               (SELECT user_id FROM batch_users WHERE batch_id = $batch AND status = 'error')""",
            {"batch": batch_id},
        )
