"""PostgreSQL's matching repository: an upload's rows joined once against the platform users.

No copy of the users is kept (DuckDB's `user_lookup`): the b-tree indexes of migration m002 on
the stored normal forms find exact usernames and emails, the primary key finds ids, and the
server keeps those indexes in step with every write, so there is never anything to sync.

The upload goes in as `unnest` arrays rather than by COPY: a preview may read outside any
transaction, and COPY would need a temporary table that outlives its statement, which a
connection pooler in transaction mode (PgBouncer) does not promise.
"""

from __future__ import annotations

import re

import polars as pl

from core.store.postgres.base import Repository
from core.store.sql_rules import UNLOCK_BATCH_ROW, UNLOCK_HELD

# What `sync_index` answers: the port's word for "nothing had to be done" (see DuckDB's
# user_index), true here whether or not a rebuild was asked for.
FRESH = "fresh"

# Every (row, user) pair where a filled field of the row matches the user. Three index lookups
# in a UNION ALL, one per field, rather than one join with OR across the three columns: an OR
# join cannot use any of the indexes and would read every user. The upload is materialised
# once (it is read three times) and the per-row judgement is done in polars afterwards
# (core.batches.judging), as on DuckDB.
_MATCH_SQL = f"""
WITH u AS MATERIALIZED (SELECT * FROM {{upload}}),
hits AS (
    SELECT u.row, p.id AS user_id, 1 AS field, p.active
    FROM u JOIN platform_users p ON p.id = u.id_num
    WHERE u.id_num IS NOT NULL
    UNION ALL
    SELECT u.row, p.id, 2, p.active
    FROM u JOIN platform_users p ON p.username_norm = u.username_norm
    WHERE u.username_norm IS NOT NULL
    UNION ALL
    SELECT u.row, p.id, 4, p.active
    FROM u JOIN platform_users p ON p.email_norm = u.email_norm
    WHERE u.email_norm IS NOT NULL
)
SELECT h.row, h.user_id, h.field, h.active,
       bu.user_id IS NOT NULL AS in_batch, {UNLOCK_HELD} AS unlocked
FROM hits h
-- A member revoked is not in the batch any more: adding it again revives it.
LEFT JOIN batch_users bu ON bu.batch_id = %s AND bu.user_id = h.user_id
    AND bu.status <> 'revoked'
LEFT JOIN unlocks x ON x.quest_id = %s AND x.user_id = h.user_id
-- An unlock a pending revoke is about to delete is not held: the add goes through (its revoke
-- hands the unlock to this batch if it publishes first, else this batch unlocks it itself).
{UNLOCK_BATCH_ROW}
"""

# Usernames starting with the text, shortest first, then in byte order (`~<~`, the order of
# text_pattern_ops, as DuckDB compares strings). One index range per username length, each
# stopping after `limit` rows, instead of sorting every match: "a" starts about a million of
# 10M usernames. The distinct lengths are found by skipping through the index (a probe each).
# `^@` (starts_with) gives the b-tree the same range as `LIKE 'text%'` would, needs no escaping,
# and, unlike LIKE, is no operator of the trigram index: with LIKE the planner took the
# trigram index for common prefixes (it guesses ~100 rows), reading every "alex.ali…" user.
_STARTING_SQL = """
WITH RECURSIVE lengths(n) AS (
    SELECT min(length(username_norm)) FROM platform_users
    WHERE length(username_norm) >= %(length)s
    UNION ALL
    SELECT (SELECT min(length(p.username_norm)) FROM platform_users p
            WHERE length(p.username_norm) > lengths.n)
    FROM lengths WHERE lengths.n IS NOT NULL
)
SELECT s.username, s.username_norm FROM lengths, LATERAL (
    SELECT username, username_norm FROM platform_users
    WHERE length(username_norm) = lengths.n AND username_norm ^@ %(text)s
    ORDER BY username_norm USING ~<~ LIMIT %(limit)s
) s
ORDER BY lengths.n, s.username_norm USING ~<~
LIMIT %(limit)s
"""

# Usernames containing the text elsewhere than at the start, for a text with a trigram (three
# letters or digits in a row: pg_trgm splits words at other characters): every one is found
# through the trigram index, then sorted. (Reading the (length, username) index in order and
# filtering would stop early when the text is common, but read all 10M entries when it is
# rare, which is when this runs.)
_CONTAINING_SQL = """
WITH found AS MATERIALIZED (
    SELECT username, username_norm FROM platform_users
    WHERE username_norm LIKE %(inside)s AND NOT username_norm ^@ %(text)s
)
SELECT username FROM found
ORDER BY length(username_norm), username_norm USING ~<~
LIMIT %(limit)s
"""

# The same for a text without a trigram ("zz", "a.b"): the trigram index would return
# every user to recheck (18 s at 10M users). `strpos(…) > 1` ("found, not at the start") is no
# operator of that index, so the (length, username) index is read in order, alone, until
# `limit` are found: at once for a common text, the whole index (about 2 s at 10M users) for
# one nobody's username contains.
_CONTAINING_IN_ORDER_SQL = """
SELECT username FROM platform_users
WHERE strpos(username_norm, %(text)s) > 1
ORDER BY length(username_norm), username_norm USING ~<~
LIMIT %(limit)s
"""

# Three letters or digits in a row: a text with them gives the trigram index something to find.
_TRIGRAM = re.compile(r"[^\W_]{3}")


def like_escaped(text: str) -> str:
    """`text` with LIKE's wildcards and escape character escaped, so it matches only itself."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class PgMatching(Repository):
    """The SQL behind `core.store.ports.matching.MatchingRepository`."""

    def sync_index(self, rebuild: bool = False) -> str:
        """Return "fresh": PostgreSQL's own indexes are the lookup, kept current by every write.

        There is no derived copy of the users to append to or rebuild, so even `rebuild=True`
        (asked for after usernames changed outside the importer) has nothing to do.
        """
        return FRESH

    def match(self, keys: pl.DataFrame, quest_id: int, batch_id: int | None) -> pl.DataFrame:
        """Return every (row, user_id, field, active, in_batch, unlocked) hit of the keys' rows."""
        relation, params = self.unnest(keys, ["row", "id_num", "username_norm", "email_norm"])
        # The four arrays (up to 10,000 values each) as binary parameters (`%b`): half the time
        # of text ones, which psycopg quotes value by value.
        binary = relation.replace("%s", "%b")
        found = self.frame(
            _MATCH_SQL.format(upload=binary),
            [*params, batch_id, quest_id],
        )
        # The row numbers go back in the keys' own type (DuckDB keeps the registered frame's).
        return found.with_columns(pl.col("row").cast(keys["row"].dtype))

    def usernames(self, user_ids: pl.Series) -> pl.DataFrame:
        """Return (user_id, username) of the given users."""
        return self.frame(
            "SELECT id AS user_id, username FROM platform_users WHERE id = ANY(%s::bigint[])",
            [user_ids.unique().drop_nulls().to_list()],
        )

    def suggest_usernames(self, text: str, limit: int) -> list[str]:
        """Return up to `limit` usernames whose normal form starts with, then contains, `text`.

        `text` is already in normal form and not empty. Shortest first within each kind (so an
        exact match, the shortest of the prefix matches, comes first), then in byte order.
        """
        params = {"length": len(text), "text": text, "limit": limit}
        found = [username for username, _ in self.rows(_STARTING_SQL, params)]
        if len(found) < limit:
            # Reached only when few usernames start with the text.
            sql = _CONTAINING_SQL if _TRIGRAM.search(text) else _CONTAINING_IN_ORDER_SQL
            more = {"inside": f"%{like_escaped(text)}%", "limit": limit - len(found)}
            found += [username for (username,) in self.rows(sql, {**params, **more})]
        return found
