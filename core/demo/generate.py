"""Demo data as polars frames, all derived from the seed: users, then each batch's members.

Hash-based, not random: one seed always gives the same frames (with one polars version).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import polars as pl

from core.access.roles import Account, Permission
from core.batches import rules
from core.demo import content
from core.platform_users.names import normalise

# The user status of a member the publisher could not unlock (batches share the other codes).
_ERROR = "error"
_UTC = pl.Datetime("us", "UTC")
_DAY_US = 86_400 * 1_000_000


def _hash(expr: pl.Expr, *keys: int) -> pl.Expr:
    """A hash of `expr` seeded by `keys`: one stream of pseudo-random numbers per use."""
    digest = hashlib.blake2b(repr(keys).encode(), digest_size=8).digest()
    return expr.hash(int.from_bytes(digest, "little") >> 1)


def _pick(values: list[str], index: pl.Expr) -> pl.Expr:
    """values[index] for every row (`index` already within range)."""
    return pl.lit(pl.Series(values)).gather(index)


def _active(user_id: pl.Expr, seed: int) -> pl.Expr:
    """Whether a demo user starts active: about 49 in 50 do."""
    return _hash(user_id, seed, 4) % 50 != 0


def users(n_users: int, seed: int, first_id: int) -> pl.DataFrame:
    """n_users platform users from first_id on, with seed-derived names; about 2% deactivated."""
    i = pl.col("id")
    first = _pick(content.FIRST, _hash(i, seed, 1) % len(content.FIRST))
    last = _pick(content.LAST, _hash(i, seed, 2) % len(content.LAST))
    domain = _pick(content.DOMAINS, _hash(i, seed, 3) % len(content.DOMAINS))
    frame = pl.DataFrame({"id": pl.int_range(first_id, first_id + n_users, eager=True)})
    named = frame.with_columns(
        username=pl.concat_str(first, pl.lit("."), last, i.cast(pl.String))
    ).with_columns(email=pl.concat_str(pl.col("username"), pl.lit("@"), domain))
    return named.with_columns(
        username_norm=normalise(pl.col("username")),
        email_norm=normalise(pl.col("email")),
        active=_active(i, seed),
    )


def first_added(members: pl.DataFrame) -> pl.DataFrame:
    """When each member was first added to a batch (id, first_added), from `members()`."""
    return (
        members.group_by("user_id")
        .agg(first_added=pl.col("added_at").min())
        .rename({"user_id": "id"})
    )


def with_dates(
    people: pl.DataFrame, seed: int, now: datetime, firsts: pl.DataFrame | None = None
) -> pl.DataFrame:
    """`people` (from `users()`) with registered_at and last_active_at, seed-derived per user.

    Registrations spread over the last REGISTERED_YEARS, more of them lately (a growing
    platform), and always a day or more before the user's first batch (`firsts`, from
    `first_added`). Most users were last active within weeks; some went quiet long ago; a few
    who are in no batch never were active (null). A user's dates are its own hash, so parts
    generated apart are the users generated at once.
    """
    if firsts is None:
        firsts = pl.DataFrame(schema={"id": pl.Int64, "first_added": _UTC})
    i = pl.col("id")
    now_us = pl.lit(_micros(now), pl.Int64)
    start = now_us - _DAY_US * 365 * content.REGISTERED_YEARS
    member = pl.col("first_added").is_not_null()
    end = pl.when(member).then(pl.col("first_added").dt.epoch("us") - _DAY_US).otherwise(now_us)
    # sqrt of a uniform number: a density growing linearly from the start to the end.
    registered = start + ((end - start) * _uniform(i, seed, 10).sqrt()).cast(pl.Int64)
    # Active again since whichever came last: registering, or being added to a batch.
    since = pl.max_horizontal(registered, pl.col("first_added").dt.epoch("us").fill_null(0))
    span = now_us - since
    quiet = ~pl.col("active") | (_hash(i, seed, 11) % 100 < 15)
    recent = -(1 - _uniform(i, seed, 12)).log() * _DAY_US * content.ACTIVE_MEAN_DAYS
    ago = pl.when(quiet).then(span * _uniform(i, seed, 13)).otherwise(recent)
    ago = pl.when(ago > span).then(span * _uniform(i, seed, 13)).otherwise(ago).cast(pl.Int64)
    never = ~member & (_hash(i, seed, 14) % 25 == 0)
    return (
        people.join(firsts, on="id", how="left", maintain_order="left")
        .with_columns(
            registered_at=_moment(registered),
            last_active_at=pl.when(~never).then(_moment(now_us - ago)),
        )
        .drop("first_added")
    )


def _micros(moment: datetime) -> int:
    """A moment as microseconds since the epoch."""
    return int(moment.timestamp()) * 1_000_000 + moment.microsecond


def _uniform(expr: pl.Expr, *keys: int) -> pl.Expr:
    """A seed-derived number in [0, 1) per row, one stream per `keys`."""
    return (_hash(expr, *keys) % 1_000_000) / 1_000_000


def _moment(micros: pl.Expr) -> pl.Expr:
    """Microseconds since the epoch as a UTC moment, to the second (as a platform stores it)."""
    return (micros // 1_000_000 * 1_000_000).cast(pl.Datetime("us")).dt.replace_time_zone("UTC")


def batches(quest_ids: list[int], n_users: int, seed: int, now: datetime) -> pl.DataFrame:
    """The demo's batches (k, name, quest_id, status, created_by, created_at, queued_at, size)."""
    creators = [
        name
        for name, role, _password, _email in content.DEMO_ACCOUNTS
        if Account(name, role).can(Permission.EDIT_BATCHES)
    ]
    rows = []
    for k, status, days_ago in content.history():
        created = now - timedelta(days=days_ago)
        rows.append(
            {
                "k": k,
                "name": content.batch_name(k),
                "quest_id": quest_ids[(k * 5 + seed) % len(quest_ids)],
                "status": status,
                "created_by": creators[k % len(creators)],
                "created_at": created,
                "queued_at": None if status == rules.DRAFT else created + timedelta(minutes=5),
                "size": content.batch_size(k, status, seed, n_users),
            }
        )
    return pl.DataFrame(rows, schema_overrides={"queued_at": pl.Datetime("us", "UTC")})


def members(
    planned: pl.DataFrame, first_id: int, n_users: int, seed: int
) -> tuple[pl.DataFrame, pl.DataFrame, pl.Series]:
    """Each batch's members with their final statuses, the unlocks they got, and who was deactivated.

    `planned` is `batches()` with each batch's `id`, over the users `users(n_users, seed,
    first_id)` makes. Batch by batch in order, members are seed-derived active users who do not
    hold the batch's quest yet (the rule the preview enforces), so every unlock stays unique.
    """
    held: dict[int, pl.DataFrame] = {}  # quest id -> the users holding it
    dropped = pl.DataFrame({"id": []}, schema={"id": pl.Int64})
    parts = []
    for batch in planned.iter_rows(named=True):
        quest = batch["quest_id"]
        chosen = _choose(
            batch, pl.concat([dropped, held.get(quest, dropped[:0])]), first_id, n_users, seed
        )
        settled = _settle(chosen, batch, seed)
        parts.append(settled)
        published = settled.filter(pl.col("status") == rules.PUBLISHED).select(id="user_id")
        held[quest] = pl.concat([held.get(quest, published[:0]), published])
        if batch["status"] == rules.PARTIALLY_PUBLISHED:
            # A partly published batch's errors are users deactivated since: later batches skip them.
            gone = settled.filter(pl.col("status") == _ERROR).select(id="user_id")
            dropped = pl.concat([dropped, gone])
    everyone = pl.concat(parts)
    unlocks = everyone.filter(pl.col("status") == rules.PUBLISHED).select(
        "user_id", "quest_id", "batch_id", unlocked_at="processed_at"
    )
    return everyone.drop("quest_id"), unlocks, dropped["id"]


def _choose(
    batch: dict, excluded: pl.DataFrame, first_id: int, n_users: int, seed: int
) -> pl.DataFrame:
    """The batch's members (id): seed-picked active users not `excluded`, at most `size`."""
    picks = pl.DataFrame({"k": pl.int_range(0, batch["size"] * 2, eager=True)}).select(
        id=(first_id + _hash(pl.col("k"), seed, batch["id"]) % n_users).cast(pl.Int64)
    )
    # Whether a user started active is its hash, so 10M users need no lookup here.
    chosen = picks.unique().filter(_active(pl.col("id"), seed)).join(excluded, on="id", how="anti")
    return chosen.sort(_hash(pl.col("id"), seed, batch["id"], 5)).head(batch["size"])


def _settle(chosen: pl.DataFrame, batch: dict, seed: int) -> pl.DataFrame:
    """Give the members the statuses (and processing times) their batch's final status implies."""
    status = batch["status"]
    uid = pl.col("id")
    settled = status not in (rules.DRAFT, rules.UNPUBLISHED)
    # A running batch has processed about 40% of its users; a partial one failed about 4%.
    done = pl.lit(settled) & (pl.lit(status != rules.IN_PROGRESS) | (_hash(uid, seed, 8) % 5 < 2))
    failed = done & pl.lit(status == rules.PARTIALLY_PUBLISHED) & (_hash(uid, seed, 7) % 25 == 0)
    at = batch["created_at"] + timedelta(minutes=6)
    return chosen.select(
        batch_id=pl.lit(batch["id"], pl.Int64),
        user_id=uid,
        quest_id=pl.lit(batch["quest_id"], pl.Int64),
        status=pl.when(failed)
        .then(pl.lit(_ERROR))
        .when(done)
        .then(pl.lit(rules.PUBLISHED))
        .otherwise(pl.lit(rules.UNPUBLISHED)),
        error_reason=pl.when(failed).then(pl.lit(content.ERROR_REASON)),
        added_via=pl.when(_hash(uid, batch["id"], 9) % 9 == 0)
        .then(pl.lit("single"))
        .otherwise(pl.lit("csv")),
        added_by=pl.lit(batch["created_by"]),
        added_at=pl.lit(batch["created_at"], pl.Datetime("us", "UTC")),
        processed_at=pl.when(done).then(pl.lit(at, pl.Datetime("us", "UTC"))),
    )
