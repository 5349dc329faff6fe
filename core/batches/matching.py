"""The preview: which platform user each uploaded row identifies, and why a row cannot be added.

Matching is set-based: the upload is registered on the cursor and joined once against the users,
never queried row by row. Usernames and emails are matched on their normal forms through
`user_lookup` (integer hash keys, each hit confirmed by a second, independent hash, so a hash
collision cannot match; see migration m002). user_lookup is derived from platform_users and kept
in step by `sync_user_index`, which every preview and add runs first; whether a user is active,
in the batch or already unlocked is always read from the real tables. A "User was not found" row
goes on to say whom each of its filled fields names (one more query for all such rows at once).

This module also answers the username suggestions of the "Single" upload type.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import duckdb
import polars as pl

from core import csv_safe, words
from core.catalog.badge_tree import quest as get_quest
from core.errors import InputError, NotFound
from core.platform_users import ids
from core.platform_users.directory import normalise
from core.store import in_transaction, unregister
from core.upload.intake import EMAIL, FIELDS, ID, USERNAME, Upload

LIMIT = words.MAX_USERS_PER_BATCH

# Row statuses, in the order the preview lists and counts them.
OK = "ok"
NOT_FOUND = "not_found"
MISMATCH = "mismatch"
DUPLICATE = "duplicate"
ALREADY_IN_BATCH = "already_in_batch"
ALREADY_UNLOCKED = "already_unlocked"
INACTIVE = "inactive"
STATUSES = (OK, NOT_FOUND, MISMATCH, DUPLICATE, ALREADY_IN_BATCH, ALREADY_UNLOCKED, INACTIVE)
ERROR_STATUSES = STATUSES[1:]

# Our words for the statuses the spec does not name (the spec's three come from labels).
MSG_OK = "Will be added"
MSG_ALREADY_IN_BATCH = "Already in this batch"
MSG_ALREADY_UNLOCKED = "Already has this badge quest (from an earlier batch)"
MSG_INACTIVE = "This user is deactivated"
MESSAGES = {
    OK: MSG_OK,
    NOT_FOUND: words.MSG_NOT_FOUND,
    MISMATCH: words.MSG_MISMATCH,
    DUPLICATE: words.MSG_DUPLICATE,
    ALREADY_IN_BATCH: MSG_ALREADY_IN_BATCH,
    ALREADY_UNLOCKED: MSG_ALREADY_UNLOCKED,
    INACTIVE: MSG_INACTIVE,
}

# Each kind of row that is not added, counted in words ("3 not found, 1 user not found").
COUNT_WORDS = {
    NOT_FOUND: "not found",
    MISMATCH: "user not found",
    DUPLICATE: "merged",
    ALREADY_IN_BATCH: "already in this batch",
    ALREADY_UNLOCKED: "already unlocked",
    INACTIVE: "deactivated",
}

# Preview filters: "all rows", "only good rows", then one per kind of error.
FILTER_ALL = "all"
FILTER_LABELS = {FILTER_ALL: "All rows", **MESSAGES, OK: "Good rows"}

# A user ID is ASCII digits only (one rule for every ID check, see core.platform_users.ids).
ID_PATTERN = ids.ID_PATTERN

DETAIL_KEYS = ("row", "status", "message", "user_id")


def over_limit_message(in_batch: int, to_add: int, limit: int = LIMIT) -> str:
    """Say that a file would overfill the batch, by how much, and what to do."""
    total = in_batch + to_add
    excess = total - limit
    already = f"The batch has {in_batch:,} users and this" if in_batch else "This"
    return (
        f"{already} file would add {to_add:,} more: {total:,} users in all, over the limit of "
        f"{limit:,} users per batch. Remove {excess:,} user{'s' if excess != 1 else ''} from the "
        "file (or put them in another batch), then upload it again. Nothing from this file was "
        "added."
    )


@dataclass(frozen=True)
class Preview:
    """The outcome of matching an upload: one status per non-blank row, and the totals."""

    quest_id: int
    batch_id: int | None
    filename: str
    rows: pl.DataFrame  # row, id, username, email, status, message, user_id (by row number)
    ignored_columns: tuple[str, ...] = ()
    users_in_batch: int = 0  # before this file is added
    limit: int = LIMIT
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def n_rows(self) -> int:
        """Return the number of non-blank rows."""
        return self.rows.height

    @property
    def users_to_add(self) -> int:
        """Return how many users the file would add (its `ok` rows)."""
        return self.counts.get(OK, 0)

    @property
    def n_errors(self) -> int:
        """Return how many rows will not be added as they are (every status but `ok`)."""
        return self.n_rows - self.users_to_add

    @property
    def over_limit(self) -> bool:
        """Tell whether adding this file would put more than `limit` users in the batch."""
        return self.users_in_batch + self.users_to_add > self.limit

    @property
    def limit_message(self) -> str | None:
        """Return the refusal to show when the file would overfill the batch, else None."""
        if not self.over_limit:
            return None
        return over_limit_message(self.users_in_batch, self.users_to_add, self.limit)

    def user_ids_to_add(self) -> list[int]:
        """Return the ids of the users the `ok` rows identify, in row order."""
        return self.rows.filter(pl.col("status") == OK)["user_id"].to_list()

    def filtered(self, kind: str = FILTER_ALL) -> pl.DataFrame:
        """Return the rows of one filter: FILTER_ALL, OK (good rows) or an error status."""
        if kind == FILTER_ALL:
            return self.rows
        if kind not in STATUSES:
            raise ValueError(f"unknown preview filter {kind!r}")
        return self.rows.filter(pl.col("status") == kind)

    def error_rows(self) -> pl.DataFrame:
        """Return the rows that will not be added as they are, in row order."""
        return self.rows.filter(pl.col("status") != OK)

    def rows_to_fix(self) -> pl.DataFrame:
        """Return the rows whose user is not added: the error rows but the merged duplicates.

        A duplicate's user is added through its first row, so uploading it again would only be
        refused as "Already in this batch".
        """
        return self.rows.filter(~pl.col("status").is_in([OK, DUPLICATE]))

    def error_rows_csv(self) -> bytes:
        """Return the rows to fix as a CSV in the template format plus a "Reason" column."""
        return csv_safe.error_rows_csv(self.rows_to_fix())

    def not_added_text(self) -> str:
        """Count the rows to fix by kind, in words: "3 not found, 1 user not found" ("" if none)."""
        return ", ".join(
            f"{self.counts[status]:,} {COUNT_WORDS[status]}"
            for status in ERROR_STATUSES
            if status != DUPLICATE and self.counts.get(status)
        )

    def details(self) -> list[dict]:
        """Return one {"row", "status", "message", "user_id"} per non-blank row."""
        return self.rows.select(DETAIL_KEYS).to_dicts()

    def as_dict(self) -> dict:
        """Return the preview as plain data: the keys of `python -m core preview --json`."""
        return {
            "rows": self.n_rows,
            **{status: self.counts.get(status, 0) for status in STATUSES},
            "users_to_add": self.users_to_add,
            "limit": self.limit,
            "over_limit": self.over_limit,
            "ignored_columns": list(self.ignored_columns),
            "details": self.details(),
        }


def _check_sql(column: str) -> str:
    """SQL for the confirming hash of a key: the text behind a fixed prefix, hashed.

    It does not follow from hash(text), unlike hash(text, salt), which combines hash(text).
    """
    return f"hash('~' || {column})"


# Every (row, user) pair where a filled field of the row matches the user, with what the
# statuses need to know about that user. The per-row judgement is done in polars afterwards
# (a few thousand rows), which costs less than windows and groupings in the query.
_MATCH_SQL = """
WITH u AS (SELECT * FROM {upload}),
-- Joined on one hash, confirmed by a second independent one: two 64-bit hashes colliding at once
-- does not happen. Materialised, so the optimiser cannot fold the check into the join, which
-- would drop the bloom filter that keeps the scan of user_lookup cheap.
keyed AS MATERIALIZED (
    SELECT u.row, l.id AS user_id, 2 AS field, l.username_check = {check_username} AS same
    FROM u JOIN user_lookup l ON l.username_key = hash(u.username_norm)
    WHERE u.username_norm IS NOT NULL
    UNION ALL
    SELECT u.row, l.id, 4, l.email_check = {check_email}
    FROM u JOIN user_lookup l ON l.email_key = hash(u.email_norm)
    WHERE u.email_norm IS NOT NULL
),
hits AS (
    SELECT row, id_num AS user_id, 1 AS field FROM u WHERE id_num IS NOT NULL
    UNION ALL
    SELECT row, user_id, field FROM keyed WHERE same
)
SELECT h.row, h.user_id, h.field, p.active,
       bu.user_id IS NOT NULL AS in_batch, x.user_id IS NOT NULL AS unlocked
FROM hits h
JOIN platform_users p ON p.id = h.user_id
LEFT JOIN batch_users bu ON bu.batch_id = $batch AND bu.user_id = h.user_id
LEFT JOIN unlocks x ON x.quest_id = $quest AND x.user_id = h.user_id
"""


def preview(
    cur: duckdb.DuckDBPyConnection, upload: Upload, quest_id: int, batch_id: int | None = None
) -> Preview:
    """Match an upload for a badge quest (and a batch, if it exists already): a read, no change."""
    get_quest(cur, quest_id)  # NotFound with a helpful message
    if batch_id is not None:
        rows = cur.execute("SELECT quest_id FROM batches WHERE id = ?", [batch_id]).fetchall()
        if not rows:
            raise NotFound(f"There is no batch with id {batch_id}. Check the id in the batch list.")
        if rows[0][0] != quest_id:
            raise InputError(
                f"Batch {batch_id} unlocks badge quest {rows[0][0]}, not {quest_id}. "
                "Preview with that quest, or leave the batch out."
            )
    sync_user_index(cur)
    return classify(cur, upload, quest_id, batch_id)


def classify(
    c: duckdb.DuckDBPyConnection, upload: Upload, quest_id: int, batch_id: int | None
) -> Preview:
    """Give each row its status with one set-based query; runs inside the caller's transaction.

    Call sync_user_index first (outside a transaction): this reads user_lookup as it is.
    """
    prepared = upload.rows.select(
        pl.col("row"),
        pl.when(pl.col(ID).str.contains(ID_PATTERN))
        .then(pl.col(ID).cast(pl.Int64, strict=False))
        .alias("id_num"),
        normalise(pl.col(USERNAME)).alias("username_norm"),
        normalise(pl.col(EMAIL)).alias("email_norm"),
        (
            pl.col(ID).is_not_null().cast(pl.Int32)
            + 2 * pl.col(USERNAME).is_not_null().cast(pl.Int32)
            + 4 * pl.col(EMAIL).is_not_null().cast(pl.Int32)
        ).alias("filled"),
    )
    name = "preview_upload"
    c.register(name, prepared)
    try:
        matches = c.sql(
            _MATCH_SQL.format(
                upload=name,
                check_username=_check_sql("u.username_norm"),
                check_email=_check_sql("u.email_norm"),
            ),
            params={"batch": batch_id, "quest": quest_id},
        ).pl()
        in_batch = 0
        if batch_id is not None:
            in_batch = c.execute(
                "SELECT count(*) FROM batch_users WHERE batch_id = ?", [batch_id]
            ).fetchall()[0][0]
    finally:
        unregister(c, name)
    judged = _judge(prepared, matches)
    details = _mismatch_details(c, upload.rows, prepared, matches, judged)
    rows = upload.rows.join(judged, on="row", how="left", maintain_order="left")
    rows = (
        rows.join(details, on="row", how="left", maintain_order="left")
        .with_columns(
            pl.coalesce(
                "detail", pl.col("status").replace_strict(MESSAGES, return_dtype=pl.String)
            ).alias("message")
        )
        .select("row", *FIELDS, "status", "message", "user_id")
    )
    counts = dict(rows.group_by("status").len().iter_rows())
    return Preview(
        quest_id=quest_id,
        batch_id=batch_id,
        filename=upload.filename,
        rows=rows,
        ignored_columns=upload.ignored_columns,
        users_in_batch=in_batch,
        counts={status: counts.get(status, 0) for status in STATUSES},
    )


def _judge(prepared: pl.DataFrame, matches: pl.DataFrame) -> pl.DataFrame:
    """Give each row its status from the (row, user, field) matches.

    No field matches anyone: not_found. Fields match, but no single user matches every filled
    field: mismatch. Otherwise the row's user is already in the batch, already unlocked,
    deactivated, or ok; a later row of a user with an earlier ok row is a duplicate.
    """
    per_user = matches.group_by("row", "user_id").agg(
        pl.col("field").sum().alias("fields"),  # each field matches a user once: sum = bit-or
        pl.col("active").first(),
        pl.col("in_batch").first(),
        pl.col("unlocked").first(),
    )
    # The user a row identifies: one who matches every filled field (the lowest id if several).
    chosen = (
        per_user.join(prepared.select("row", "filled"), on="row")
        .filter(pl.col("fields") == pl.col("filled"))
        .sort("row", "user_id")
        .unique("row", keep="first")
    )
    judged = (
        prepared.select("row")
        .with_columns(pl.col("row").is_in(per_user["row"].implode()).alias("any_match"))
        .join(chosen.drop("fields", "filled"), on="row", how="left")
        .sort("row")
        .with_columns(
            pl.when(~pl.col("any_match"))
            .then(pl.lit(NOT_FOUND))
            .when(pl.col("user_id").is_null())
            .then(pl.lit(MISMATCH))
            .when(pl.col("in_batch"))
            .then(pl.lit(ALREADY_IN_BATCH))
            .when(pl.col("unlocked"))
            .then(pl.lit(ALREADY_UNLOCKED))
            .when(~pl.col("active"))
            .then(pl.lit(INACTIVE))
            .otherwise(pl.lit(OK))
            .alias("status")
        )
    )
    # Later rows for the user of an earlier `ok` row are merged into it.
    first_ok = pl.col("row").filter(pl.col("status") == OK).min().over("user_id")
    return judged.select(
        "row",
        pl.when((pl.col("status") == OK) & (pl.col("row") > first_ok))
        .then(pl.lit(DUPLICATE))
        .otherwise(pl.col("status"))
        .alias("status"),
        pl.col("user_id").cast(pl.Int64),
    )


# A "User was not found" row names the users each filled field points at, at most this many each.
_NAMES_SHOWN = 3
_FIELD_BITS = {ID: 1, USERNAME: 2, EMAIL: 4}


def _mismatch_details(
    c: duckdb.DuckDBPyConnection,
    rows: pl.DataFrame,
    prepared: pl.DataFrame,
    matches: pl.DataFrame,
    judged: pl.DataFrame,
) -> pl.DataFrame:
    """Return (row, detail) for the mismatch rows: the spec's words, then who each field is.

    "User was not found: ID 30005 is yuki.kowalski30005, the email belongs to nobody." The
    usernames come from one query for all those rows together.
    """
    wanted = judged.filter(pl.col("status") == MISMATCH).select("row")
    if wanted.height == 0:
        return pl.DataFrame(schema={"row": pl.Int64, "detail": pl.String})
    hits = matches.join(wanted, on="row", how="semi").select("row", "user_id", "field")
    name = "mismatch_users"
    c.register(name, hits.select(pl.col("user_id").unique()))
    try:
        names = c.sql(
            f"SELECT p.id AS user_id, p.username FROM platform_users p SEMI JOIN {name} m "
            "ON m.user_id = p.id"
        ).pl()
    finally:
        unregister(c, name)
    per_field = (
        hits.join(names, on="user_id", how="left")
        .sort("row", "field", "user_id")
        .group_by("row", "field")
        .agg(
            pl.col("user_id").alias("ids"),
            pl.format("ID {} ({})", "user_id", "username").alias("who"),
            pl.col("username").first().alias("name"),
        )
    )
    table = wanted.join(rows.select("row", *FIELDS), on="row", how="left").join(
        prepared.select("row", "id_num"), on="row", how="left"
    )
    for code, bit in _FIELD_BITS.items():
        table = table.join(
            per_field.filter(pl.col("field") == bit).select(
                "row", *(pl.col(c).alias(f"{code}_{c}") for c in ("ids", "who", "name"))
            ),
            on="row",
            how="left",
        )
    id_clause = (
        pl.when(pl.col(ID).is_null())
        .then(None)
        .when(pl.col("id_num").is_null())
        .then(pl.format("“{}” is not a User ID (digits only)", pl.col(ID)))
        .when(pl.col(f"{ID}_ids").is_null())
        .then(pl.format("no user has ID {}", "id_num"))
        .otherwise(pl.format("ID {} is {}", "id_num", f"{ID}_name"))
    )

    def clause(code: str, word: str) -> pl.Expr:
        ids_, who = pl.col(f"{code}_ids"), pl.col(f"{code}_who")
        more = pl.when(who.list.len() > _NAMES_SHOWN).then(
            pl.format(" and {} more", who.list.len() - _NAMES_SHOWN)
        )
        return (
            pl.when(pl.col(code).is_null())
            .then(None)
            .when(ids_.is_null())
            .then(pl.lit(f"the {word} belongs to nobody"))
            .when(ids_.list.contains(pl.col(f"{ID}_ids").list.first()).fill_null(False))
            .then(pl.lit(f"the {word} is theirs too"))  # the user the ID names
            .otherwise(
                pl.lit(f"the {word} belongs to ")
                + who.list.head(_NAMES_SHOWN).list.join(" and ")
                + more.otherwise(pl.lit(""))
            )
        )

    text = pl.concat_str(
        [id_clause, clause(USERNAME, "username"), clause(EMAIL, "email")],
        separator=", ",
        ignore_nulls=True,
    )
    return table.select(
        "row",
        (
            pl.lit(words.MSG_MISMATCH + ": ")
            + text.str.slice(0, 1).str.to_uppercase()
            + text.str.slice(1)
            + pl.lit(".")
        ).alias("detail"),
    )


# --- the lookup table -------------------------------------------------------------------------

# The audit action core.platform_users.directory writes in the transaction that inserts or updates users: a newer
# one means usernames or emails may have changed without the number of users changing.
_IMPORT_ACTION = "users imported"
_PROBE = "batch-unlock hash probe"  # DuckDB's hash() could change between versions


def _prefix_key_sql(column: str) -> str:
    """SQL for the first 8 bytes of a string as a big-endian integer (zero-padded)."""
    return f"('0x' || rpad(hex(encode({column})[1:8]), 16, '0'))::UBIGINT"


_LOOKUP_ROWS = f"""
    SELECT id,
           hash(username_norm) AS username_key,
           {_check_sql("username_norm")} AS username_check,
           hash(email_norm) AS email_key,
           {_check_sql("email_norm")} AS email_check,
           {_prefix_key_sql("username_norm")} AS prefix_key,
           least(length(username_norm), 32767)::SMALLINT AS name_length,
           username_norm
    FROM platform_users"""


def prefix_key_range(text: str) -> tuple[int, int]:
    """Return the prefix_key bounds of every username starting with `text` (normalised)."""
    head = text.encode("utf-8")[:8]
    if len(head) == 8:
        key = int.from_bytes(head, "big")
        return key, key
    return int.from_bytes(head.ljust(8, b"\0"), "big"), int.from_bytes(
        head.ljust(8, b"\xff"), "big"
    )


def _signature(c: duckdb.DuckDBPyConnection) -> tuple[int, int, int, int]:
    n_users, max_id = c.execute(
        "SELECT count(*), coalesce(max(id), 0) FROM platform_users"
    ).fetchall()[0]
    mark, probe = c.execute(
        "SELECT coalesce(max(id), 0), hash($probe) FROM audit_log WHERE action = $action",
        {"probe": _PROBE, "action": _IMPORT_ACTION},
    ).fetchall()[0]
    return n_users, max_id, mark, probe


def _state(c: duckdb.DuckDBPyConnection) -> tuple[int, int, int, int] | None:
    rows = c.execute(
        "SELECT n_users, max_id, import_mark, hash_probe FROM user_lookup_state"
    ).fetchall()
    return tuple(rows[0]) if rows else None


def sync_user_index(cur: duckdb.DuckDBPyConnection, rebuild: bool = False) -> str:
    """Bring user_lookup up to date with platform_users; return what was done.

    Cheap when nothing changed (a count, a max and one audit lookup). New users are appended;
    after an import (or deletions) the changed users are found and replaced; a missing or
    foreign state rebuilds everything. Code that changes usernames or emails of existing users
    without going through core.platform_users.directory.import_users must call this with rebuild=True.
    """
    if not rebuild and _state(cur) == _signature(cur):
        return "fresh"

    def write(c: duckdb.DuckDBPyConnection) -> str:
        now = _signature(c)
        was = _state(c)
        if not rebuild and was == now:
            return "fresh"  # another session did it meanwhile
        if rebuild or was is None or was[3] != now[3]:
            c.execute("DELETE FROM user_lookup")
            _insert_sorted(c, "")
            done = "rebuilt"
        else:
            n_was, max_was, mark_was, _ = was
            appended = c.execute(
                "SELECT count(*) FROM platform_users WHERE id > ?", [max_was]
            ).fetchall()[0][0]
            if mark_was == now[2] and n_was + appended == now[0]:
                _insert_sorted(c, "id > $since", {"since": max_was})
                done = "appended"
            else:
                _replace_changed(c)
                done = "updated"
        c.execute(
            """UPDATE user_lookup_state SET n_users = ?, max_id = ?, import_mark = ?,
                   hash_probe = ?, synced_at = current_timestamp""",
            list(now),
        )
        return done

    return in_transaction(cur, write)


def _replace_changed(c: duckdb.DuckDBPyConnection) -> None:
    """Drop lookup rows of deleted or changed users, then add rows for users without one."""
    c.execute(
        """DELETE FROM user_lookup l WHERE NOT EXISTS (
               SELECT 1 FROM platform_users p WHERE p.id = l.id
                 AND hash(p.username_norm) = l.username_key AND hash(p.email_norm) = l.email_key)"""
    )
    _insert_sorted(
        c, "id IN (SELECT p.id FROM platform_users p ANTI JOIN user_lookup l ON l.id = p.id)"
    )


_ROWS_PER_SORT = 1_000_000


def _insert_sorted(c: duckdb.DuckDBPyConnection, where: str, params: dict | None = None) -> None:
    """Add lookup rows for the users `where` selects, in prefix_key order.

    Sorting 10M rows at once peaks near 2 GB, so the users are taken one username range (about a
    million users, bounds from a sample) at a time; byte order of the names is prefix_key order.
    """
    params = dict(params or {})
    where = f"({where})" if where else "TRUE"
    n = c.execute(f"SELECT count(*) FROM platform_users WHERE {where}", params).fetchall()[0][0]
    parts = -(-n // _ROWS_PER_SORT)
    cuts: list[str] = []
    if parts > 1:
        cuts = c.execute(
            f"""SELECT list_distinct(quantile_disc(username_norm, $q)) FROM (
                    SELECT username_norm FROM platform_users WHERE {where}
                    USING SAMPLE 100000 ROWS)""",
            {**params, "q": [i / parts for i in range(1, parts)]},
        ).fetchall()[0][0]
    for lo, hi in itertools.pairwise([None, *sorted(cuts), None]):
        c.execute(
            f"""INSERT INTO user_lookup {_LOOKUP_ROWS}
                WHERE {where} AND ($lo IS NULL OR username_norm >= $lo)
                  AND ($hi IS NULL OR username_norm < $hi)
                ORDER BY prefix_key""",
            {**params, "lo": lo, "hi": hi},
        )


# --- username suggestions ---------------------------------------------------------------------


def suggest_usernames(cur: duckdb.DuckDBPyConnection, text: str, limit: int = 10) -> list[str]:
    """Return up to `limit` usernames matching the typed text, best first.

    Case-insensitive. An exact match first, then usernames that start with the text, then
    usernames that contain it; shortest first within each, then alphabetically.
    """
    wanted = pl.Series([text or ""], dtype=pl.String).str.strip_chars().str.to_lowercase()[0]
    if not wanted or limit <= 0:
        return []
    sync_user_index(cur)
    lo, hi = prefix_key_range(wanted)
    # The exact match is the shortest of the prefix matches, so one ordering covers both.
    found = cur.execute(
        """SELECT id, username_norm FROM user_lookup
           WHERE prefix_key BETWEEN $lo AND $hi AND starts_with(username_norm, $t)
           ORDER BY name_length, username_norm LIMIT $n""",
        {"lo": lo, "hi": hi, "t": wanted, "n": limit},
    ).fetchall()
    if len(found) < limit:
        # Needs every username: the slow part at 10M users, reached only by rare text.
        found += cur.execute(
            """SELECT id, username_norm FROM user_lookup
               WHERE contains(username_norm, $t) AND NOT starts_with(username_norm, $t)
               ORDER BY name_length, username_norm LIMIT $n""",
            {"t": wanted, "n": limit - len(found)},
        ).fetchall()
    if not found:
        return []
    # Display names from the users themselves, which also drops any stale lookup row.
    placeholders = ", ".join("?" for _ in found)
    current = dict(
        (row[0], (row[1], row[2]))
        for row in cur.execute(
            f"SELECT id, username, username_norm FROM platform_users WHERE id IN ({placeholders})",
            [user_id for user_id, _ in found],
        ).fetchall()
    )
    return [
        current[user_id][0]
        for user_id, norm in found
        if user_id in current and current[user_id][1] == norm
    ]
