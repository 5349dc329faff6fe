"""The `user_lookup` index: hash keys of every user's normal forms, kept in step with the users.

Matching an upload and suggesting usernames read it instead of platform_users (see migration
m002): integer hash keys of the normal username and email, each hit confirmed by a second,
independent hash so a collision cannot match, and a prefix key of the username for suggestions.
It is derived data: `sync_index` brings it up to date, cheaply when nothing changed.
"""

from __future__ import annotations

import itertools

from core import audit  # the module, not its names: core.audit imports the port, which loads this
from core.store.duckdb.base import Repository

_PROBE = "batch-unlock hash probe"  # DuckDB's hash() could change between versions
_ROWS_PER_SORT = 1_000_000


def check_sql(column: str) -> str:
    """SQL for the confirming hash of a key: the text behind a fixed prefix, hashed.

    It does not follow from hash(text), unlike hash(text, salt), which combines hash(text).
    """
    return f"hash('~' || {column})"


def _prefix_key_sql(column: str) -> str:
    """SQL for the first 8 bytes of a string as a big-endian integer (zero-padded)."""
    return f"('0x' || rpad(hex(encode({column})[1:8]), 16, '0'))::UBIGINT"


_LOOKUP_ROWS = f"""
    SELECT id,
           hash(username_norm) AS username_key,
           {check_sql("username_norm")} AS username_check,
           hash(email_norm) AS email_key,
           {check_sql("email_norm")} AS email_check,
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


class UserIndex(Repository):
    """Keeping `user_lookup` in step with platform_users, and the suggestions read from it."""

    def sync_index(self, rebuild: bool = False) -> str:
        """Bring user_lookup up to date with platform_users; return what was done.

        Cheap when nothing changed (a count, a max and one audit lookup). New users are appended;
        after an import (or deletions) the changed users are found and replaced; a missing or
        foreign state rebuilds everything. Code that changes usernames or emails of existing
        users without writing a "users imported" audit entry must pass rebuild=True.
        """
        if not rebuild and self._state() == self._signature():
            return "fresh"
        return self._uow.transaction(lambda _: self._sync(rebuild))

    def _sync(self, rebuild: bool) -> str:
        now = self._signature()
        was = self._state()
        if not rebuild and was == now:
            return "fresh"  # another session did it meanwhile
        if rebuild or was is None or was[3] != now[3]:
            self.rows("DELETE FROM user_lookup")
            self._insert_sorted("")
            done = "rebuilt"
        else:
            n_was, max_was, mark_was, _ = was
            appended = self.scalar("SELECT count(*) FROM platform_users WHERE id > ?", [max_was])
            if mark_was == now[2] and n_was + appended == now[0]:
                self._insert_sorted("id > $since", {"since": max_was})
                done = "appended"
            else:
                self._replace_changed()
                done = "updated"
        self.rows(
            """UPDATE user_lookup_state SET n_users = ?, max_id = ?, import_mark = ?,
                   hash_probe = ?, synced_at = current_timestamp""",
            list(now),
        )
        return done

    def _signature(self) -> tuple[int, int, int, int]:
        """What the index must have been built from: users, their max id, the last import, hash()."""
        n_users, max_id = self.rows("SELECT count(*), coalesce(max(id), 0) FROM platform_users")[0]
        # An import may change usernames or emails without changing the number of users.
        mark, probe = self.rows(
            "SELECT coalesce(max(id), 0), hash($probe) FROM audit_log WHERE action = $action",
            {"probe": _PROBE, "action": str(audit.Action.USERS_IMPORTED)},
        )[0]
        return n_users, max_id, mark, probe

    def _state(self) -> tuple[int, int, int, int] | None:
        found = self.rows("SELECT n_users, max_id, import_mark, hash_probe FROM user_lookup_state")
        return tuple(found[0]) if found else None

    def _replace_changed(self) -> None:
        """Drop lookup rows of deleted or changed users, then add rows for users without one."""
        self.rows(
            """DELETE FROM user_lookup l WHERE NOT EXISTS (
                   SELECT 1 FROM platform_users p WHERE p.id = l.id
                     AND hash(p.username_norm) = l.username_key
                     AND hash(p.email_norm) = l.email_key)"""
        )
        self._insert_sorted(
            "id IN (SELECT p.id FROM platform_users p ANTI JOIN user_lookup l ON l.id = p.id)"
        )

    def _insert_sorted(self, where: str, params: dict | None = None) -> None:
        """Add lookup rows for the users `where` selects, in prefix_key order.

        Sorting 10M rows at once peaks near 2 GB, so the users are taken one username range
        (about a million users, bounds from a sample) at a time; byte order of the names is
        prefix_key order.
        """
        params = dict(params or {})
        where = f"({where})" if where else "TRUE"
        n = self.scalar(f"SELECT count(*) FROM platform_users WHERE {where}", params)
        parts = -(-n // _ROWS_PER_SORT)
        cuts: list[str] = []
        if parts > 1:
            cuts = self.scalar(
                f"""SELECT list_distinct(quantile_disc(username_norm, $q)) FROM (
                        SELECT username_norm FROM platform_users WHERE {where}
                        USING SAMPLE 100000 ROWS)""",
                {**params, "q": [i / parts for i in range(1, parts)]},
            )
        for lo, hi in itertools.pairwise([None, *sorted(cuts), None]):
            self.rows(
                f"""INSERT INTO user_lookup {_LOOKUP_ROWS}
                    WHERE {where} AND ($lo IS NULL OR username_norm >= $lo)
                      AND ($hi IS NULL OR username_norm < $hi)
                    ORDER BY prefix_key""",
                {**params, "lo": lo, "hi": hi},
            )

    def suggest_usernames(self, text: str, limit: int) -> list[str]:
        """Return up to `limit` usernames whose normal form starts with, then contains, `text`.

        `text` is already in normal form and not empty. Shortest first within each kind (so an
        exact match, the shortest of the prefix matches, comes first), then alphabetically.
        """
        lo, hi = prefix_key_range(text)
        found = self.rows(
            """SELECT id, username_norm FROM user_lookup
               WHERE prefix_key BETWEEN $lo AND $hi AND starts_with(username_norm, $t)
               ORDER BY name_length, username_norm LIMIT $n""",
            {"lo": lo, "hi": hi, "t": text, "n": limit},
        )
        if len(found) < limit:
            # Needs every username: the slow part at 10M users, reached only by rare text.
            found += self.rows(
                """SELECT id, username_norm FROM user_lookup
                   WHERE contains(username_norm, $t) AND NOT starts_with(username_norm, $t)
                   ORDER BY name_length, username_norm LIMIT $n""",
                {"t": text, "n": limit - len(found)},
            )
        if not found:
            return []
        # Display names from the users themselves, which also drops any stale lookup row.
        # One "?" per id found (at most `limit` of them), never text.
        placeholders = ", ".join("?" for _ in found)
        current = {
            user_id: (username, norm)
            for user_id, username, norm in self.rows(
                "SELECT id, username, username_norm FROM platform_users "
                f"WHERE id IN ({placeholders})",
                [user_id for user_id, _ in found],
            )
        }
        return [
            current[user_id][0]
            for user_id, norm in found
            if user_id in current and current[user_id][1] == norm
        ]
