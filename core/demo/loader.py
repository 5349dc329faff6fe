"""Filling a store with demo data: generated frames loaded in one transaction, all or nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl

from core.access import accounts, passwords
from core.access.roles import command_line_account
from core.audit import Action
from core.batches import rules
from core.demo import content, generate
from core.errors import InputError
from core.publishing import unlock_counts
from core.publishing.publish_rate import RATE_SETTING
from core.store.ports import UnitOfWork

# Slow enough that the demo's running batch is seen moving; `python -m core rate` changes it.
DEMO_RATE = "200"
# Users are generated and loaded this many at a time, so 10M of them never sit in memory at once.
USERS_PER_LOAD = 1_000_000


def _check_users(n_users: int) -> None:
    """Refuse a number of demo users out of range."""
    if not 1 <= n_users <= content.MAX_USERS:
        raise InputError(f"The number of demo users must be between 1 and {content.MAX_USERS:,}.")


def fill(
    uow: UnitOfWork,
    n_users: int = content.DEFAULT_USERS,
    seed: int = 1,
    force: bool = False,
    now: datetime | None = None,
) -> dict[str, int]:
    """Fill a store with demo data in one transaction; refuse if it has users (unless `force`)."""
    _check_users(n_users)
    now = now or datetime.now(UTC)
    # Hashed before the transaction: argon2 is slow, and the transaction should stay short.
    hashed = {name: passwords.hash_password(pw) for name, _r, pw, _e in content.DEMO_ACCOUNTS}

    def write(u: UnitOfWork) -> dict[str, int]:
        existing, top_id = u.demo.platform_users()
        if existing and not force:
            raise InputError(
                f"This data file already has {existing:,} platform users; demo data would mix "
                "with them. Use another file (--db), or pass --force to add demo data anyway."
            )
        u.demo.load_catalog(_catalog())
        planned = generate.batches(u.demo.open_quests(), n_users, seed, now)
        planned = planned.join(u.demo.load_batches(planned.drop("size")), on="k")
        # With --force on a store that has users, demo ids start after the existing ones.
        first_id = top_id + 1
        members, unlocks, deactivated = generate.members(planned, first_id, n_users, seed)
        firsts = generate.first_added(members)  # users register before their first batch
        for start in range(0, n_users, USERS_PER_LOAD):
            people = generate.users(min(USERS_PER_LOAD, n_users - start), seed, first_id + start)
            people = people.with_columns(active=pl.col("active") & ~pl.col("id").is_in(deactivated))
            u.demo.load_users(generate.with_dates(people, seed, now, firsts))
        u.demo.load_members(members)
        u.demo.load_unlocks(unlocks)
        u.batches.refresh_counts(planned["id"].to_list())
        # Recounting stamps now; the history keeps its own dates.
        u.demo.set_updated(
            planned.select(
                "id",
                updated_at=pl.col("created_at") + pl.duration(minutes=5 + pl.col("id") % 50),
            )
        )
        u.demo.load_audit(_audit(planned))
        unlock_counts.rebuild(u)  # the demo's unlocks were loaded directly, not published
        _add_accounts(u, hashed)
        u.settings.put(RATE_SETTING, DEMO_RATE)
        return {"users": n_users, "badges": len(content.BADGES), "batches": planned.height}

    # Users, batches, accounts and settings together: a failed fill leaves nothing behind. The
    # matching index (user_lookup) is built when the app starts or at the first preview, so that
    # generating 10M users stays under a minute.
    return uow.transaction(write)


def _catalog() -> pl.DataFrame:
    """The demo's badges and quests (badge, quest, archived), in order."""
    rows = [
        (badge, quest, (badge, quest) == content.ARCHIVED_QUEST)
        for badge, quests in content.BADGES.items()
        for quest in quests
    ]
    return pl.DataFrame(rows, schema=["badge", "quest", "archived"], orient="row")


def _audit(planned: pl.DataFrame) -> pl.DataFrame:
    """Each batch's "created" entry, and "published" for those past draft, batch by batch."""
    created = planned.select(
        "k",
        happened_at="created_at",
        actor="created_by",
        action=pl.lit(str(Action.BATCH_CREATED)),
        batch_id="id",
        step=pl.lit(0),
    )
    published = planned.filter(pl.col("status") != rules.DRAFT).select(
        "k",
        happened_at=pl.col("created_at") + timedelta(minutes=5),
        actor="created_by",
        action=pl.lit(str(Action.BATCH_PUBLISHED)),
        batch_id="id",
        step=pl.lit(1),
    )
    return (
        pl.concat([created, published])
        .sort("k", "step")
        .select("happened_at", "actor", "action", "batch_id", detail=pl.lit("demo data"))
    )


def _add_accounts(u: UnitOfWork, hashed: dict[str, str]) -> None:
    """Add the demo accounts a store lacks (with --force it may have some, or their emails)."""
    system = command_line_account()
    for username, role, _password, email in content.DEMO_ACCOUNTS:
        if u.accounts.exists(username):
            continue
        taken = u.accounts.email_owner(email) is not None
        accounts.insert_account(
            u, system, username, role, hashed[username], None if taken else email
        )
