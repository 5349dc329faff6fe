"""PostgreSQL's catalog repository: badges and their badge quests."""

from __future__ import annotations

from typing import Any

import polars as pl

from core.store.postgres.base import Repository


def _same(left: str, right: str) -> str:
    """SQL: two catalog names are one name when they differ only in case (core.catalog.names)."""
    return f"lower({left}) = lower({right})"


# Names sort in code point order, as DuckDB sorts them, whatever the database's collation.
_BY_NAME = 'COLLATE "C"'

_UNLOCK_COUNTS = """LEFT JOIN (SELECT quest_id, count(*) AS unlocks FROM unlocks GROUP BY quest_id) u
               ON u.quest_id = q.id"""

_QUEST_COLUMNS = ("id", "badge_id", "badge", "quest", "archived", "unlocks")


def _quests_sql(with_unlocks: bool) -> str:
    """SQL: every quest with its badge (all, or those not archived when %(all)s is false)."""
    # Counting reads every unlock (millions): dropdowns and trees ask for the names only.
    unlocks = "coalesce(u.unlocks, 0)::BIGINT" if with_unlocks else "0::BIGINT"
    return f"""
        SELECT q.id, b.id AS badge_id, b.name AS badge, q.name AS quest,
               (q.archived OR b.archived) AS archived, {unlocks} AS unlocks
        FROM quests q JOIN badges b ON b.id = q.badge_id
        {_UNLOCK_COUNTS if with_unlocks else ""}
        WHERE %(all)s OR NOT (q.archived OR b.archived)
        ORDER BY lower(b.name) {_BY_NAME}, lower(q.name) {_BY_NAME}, q.id
        """


class PgCatalog(Repository):
    """The SQL behind `core.store.ports.catalog.CatalogRepository`."""

    def quests(self, include_archived: bool, with_unlocks: bool) -> pl.DataFrame:
        """Every quest with its badge (and how many users hold it), badge by badge."""
        return self.frame(_quests_sql(with_unlocks), {"all": include_archived})

    def quest_rows(self, include_archived: bool, with_unlocks: bool) -> list[dict[str, Any]]:
        """The rows of `quests` as dicts (read without polars or pyarrow)."""
        found = self.rows(_quests_sql(with_unlocks), {"all": include_archived})
        return [dict(zip(_QUEST_COLUMNS, row, strict=True)) for row in found]

    def quest(self, quest_id: int) -> dict[str, Any] | None:
        """One quest (id, badge_id, badge, name, archived), or None."""
        found = self.rows(
            "SELECT q.id, b.id, b.name, q.name, q.archived OR b.archived "
            "FROM quests q JOIN badges b ON b.id = q.badge_id WHERE q.id = %s",
            [quest_id],
        )
        keys = ("id", "badge_id", "badge", "name", "archived")
        return dict(zip(keys, found[0], strict=True)) if found else None

    def badges(self) -> pl.DataFrame:
        """Every badge with whether it is archived and how many quests it has."""
        return self.frame(
            f"""SELECT b.id, b.name, b.archived, count(q.id)::INTEGER AS quests
                FROM badges b LEFT JOIN quests q ON q.badge_id = b.id
                GROUP BY b.id, b.name, b.archived ORDER BY lower(b.name) {_BY_NAME}"""
        )

    def badge_name(self, badge_id: int) -> str | None:
        """The name of a badge, or None."""
        return self.scalar("SELECT name FROM badges WHERE id = %s", [badge_id])

    def has_badge(self, name: str) -> bool:
        """Tell whether a badge has this name (ignoring case)."""
        return bool(self.rows(f"SELECT 1 FROM badges WHERE {_same('name', '%s')} LIMIT 1", [name]))

    def has_quest(self, badge_id: int, name: str) -> bool:
        """Tell whether the badge has a quest of this name (ignoring case)."""
        return bool(
            self.rows(
                f"SELECT 1 FROM quests WHERE badge_id = %s AND {_same('name', '%s')} LIMIT 1",
                [badge_id, name],
            )
        )

    def add_badge(self, name: str, quest_names: list[str]) -> int:
        """Insert a badge and its quests; return the badge id."""
        badge_id = self.scalar("INSERT INTO badges (name) VALUES (%s) RETURNING id", [name])
        if quest_names:
            # One statement for all the quests, their ids in the order given.
            self.rows(
                "INSERT INTO quests (badge_id, name) "
                "SELECT %s, t.name FROM unnest(%s::text[]) WITH ORDINALITY AS t(name, pos) "
                "ORDER BY t.pos",
                [badge_id, list(quest_names)],
            )
        return badge_id

    def add_quest(self, badge_id: int, name: str) -> int:
        """Insert a quest of a badge; return its id."""
        return self.scalar(
            "INSERT INTO quests (badge_id, name) VALUES (%s, %s) RETURNING id", [badge_id, name]
        )

    def set_quest_archived(self, quest_id: int, archived: bool) -> None:
        """Archive or restore a quest."""
        self.rows("UPDATE quests SET archived = %s WHERE id = %s", [archived, quest_id])

    def set_badge_archived(self, badge_id: int, archived: bool) -> None:
        """Archive or restore a badge."""
        self.rows("UPDATE badges SET archived = %s WHERE id = %s", [archived, badge_id])

    def add_missing(self, pairs: pl.DataFrame) -> tuple[int, int]:
        """Insert the badges and quests of (badge, quest) pairs that do not exist yet."""
        relation, params = self.unnest(pairs, ["badge", "quest"])
        badges = self.rows(
            f"""INSERT INTO badges (name)
                SELECT DISTINCT t.badge FROM {relation}
                WHERE NOT EXISTS (SELECT 1 FROM badges b WHERE {_same("b.name", "t.badge")})
                RETURNING id""",
            params,
        )
        quests = self.rows(
            f"""INSERT INTO quests (badge_id, name)
                SELECT DISTINCT b.id, t.quest FROM {relation}
                JOIN badges b ON {_same("b.name", "t.badge")}
                WHERE NOT EXISTS (SELECT 1 FROM quests q
                                  WHERE q.badge_id = b.id AND {_same("q.name", "t.quest")})
                RETURNING id""",
            params,
        )
        return len(badges), len(quests)
