"""Badges and their badge quests: listing with unlock counts, adding, archiving, importing."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import polars as pl

from core import audit
from core.access.roles import Account, Permission, require
from core.errors import InputError, NotFound
from core.store import frame, in_transaction, unregister


@dataclass(frozen=True)
class Quest:
    """A badge quest, with its badge's name."""

    id: int
    badge_id: int
    badge: str
    name: str
    archived: bool


_UNLOCK_COUNTS = """LEFT JOIN (SELECT quest_id, count(*) AS unlocks FROM unlocks GROUP BY quest_id) u
               ON u.quest_id = q.id"""


def quests(
    cur: duckdb.DuckDBPyConnection, include_archived: bool = True, with_unlocks: bool = True
) -> pl.DataFrame:
    """Return every badge quest with its badge (and how many users hold it), badge by badge."""
    # Counting reads every unlock (millions): dropdowns and trees ask for the names only.
    unlocks = "coalesce(u.unlocks, 0)::BIGINT" if with_unlocks else "0::BIGINT"
    return frame(
        cur,
        f"""
        SELECT q.id, b.id AS badge_id, b.name AS badge, q.name AS quest,
               (q.archived OR b.archived) AS archived, {unlocks} AS unlocks
        FROM quests q JOIN badges b ON b.id = q.badge_id
        {_UNLOCK_COUNTS if with_unlocks else ""}
        WHERE $all OR NOT (q.archived OR b.archived)
        ORDER BY lower(b.name), lower(q.name), q.id
        """,
        params={"all": include_archived},
    )


def quest(cur: duckdb.DuckDBPyConnection, quest_id: int) -> Quest:
    """Return one badge quest, or raise NotFound."""
    row = cur.execute(
        "SELECT q.id, b.id, b.name, q.name, q.archived OR b.archived "
        "FROM quests q JOIN badges b ON b.id = q.badge_id WHERE q.id = ?",
        [quest_id],
    ).fetchall()
    row = row[0] if row else None
    if row is None:
        raise NotFound(
            f"There is no badge quest with id {quest_id}. List them with `python -m core quests`."
        )
    return Quest(*row)


def badge_tree(
    cur: duckdb.DuckDBPyConnection, include_archived: bool = False
) -> dict[str, list[Quest]]:
    """Return {badge name: [quests]} in display order, for dropdowns."""
    tree: dict[str, list[Quest]] = {}
    for row in quests(cur, include_archived, with_unlocks=False).iter_rows(named=True):
        tree.setdefault(row["badge"], []).append(
            Quest(row["id"], row["badge_id"], row["badge"], row["quest"], row["archived"])
        )
    return tree


def _clean(name: str, what: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise InputError(f"The {what} name is empty. Type a name.")
    if len(name) > 120:
        raise InputError(f"The {what} name is longer than 120 characters. Shorten it.")
    return name


def add_badge(
    cur: duckdb.DuckDBPyConnection, actor: Account, badge: str, quest_names: list[str]
) -> int:
    """Create a badge with its quests (at least one); return the badge id."""
    require(actor, Permission.MANAGE_CATALOG)
    badge = _clean(badge, "badge")
    names = [_clean(q, "quest") for q in quest_names if q and q.strip()]
    if not names:
        raise InputError("A badge needs at least one badge quest. Type a quest name.")
    if len({n.lower() for n in names}) != len(names):
        raise InputError("Two quests of this badge have the same name. Give each its own name.")

    def write(c: duckdb.DuckDBPyConnection) -> int:
        if c.execute("SELECT 1 FROM badges WHERE lower(name) = lower(?)", [badge]).fetchall()[:1]:
            raise InputError(f"A badge named {badge!r} exists already. Add quests to it instead.")
        badge_id = c.execute(
            "INSERT INTO badges (name) VALUES (?) RETURNING id", [badge]
        ).fetchall()[0][0]
        for name in names:
            c.execute("INSERT INTO quests (badge_id, name) VALUES (?, ?)", [badge_id, name])
        audit.record(c, actor, "badge added", detail=f"{badge}: {', '.join(names)}")
        return badge_id

    return in_transaction(cur, write)


def add_quest(cur: duckdb.DuckDBPyConnection, actor: Account, badge_id: int, name: str) -> int:
    """Add a quest to an existing badge; return its id."""
    require(actor, Permission.MANAGE_CATALOG)
    name = _clean(name, "quest")

    def write(c: duckdb.DuckDBPyConnection) -> int:
        badge = c.execute("SELECT name FROM badges WHERE id = ?", [badge_id]).fetchall()
        if not badge:
            raise NotFound(f"There is no badge with id {badge_id}.")
        if c.execute(
            "SELECT 1 FROM quests WHERE badge_id = ? AND lower(name) = lower(?)", [badge_id, name]
        ).fetchall()[:1]:
            raise InputError(f"The badge {badge[0][0]!r} already has a quest named {name!r}.")
        quest_id = c.execute(
            "INSERT INTO quests (badge_id, name) VALUES (?, ?) RETURNING id", [badge_id, name]
        ).fetchall()[0][0]
        audit.record(c, actor, "quest added", detail=f"{badge[0][0]}: {name}")
        return quest_id

    return in_transaction(cur, write)


def set_quest_archived(
    cur: duckdb.DuckDBPyConnection, actor: Account, quest_id: int, archived: bool = True
) -> None:
    """Archive (or restore) a badge quest: archived quests are not offered for new batches."""
    require(actor, Permission.MANAGE_CATALOG)
    q = quest(cur, quest_id)

    def write(c: duckdb.DuckDBPyConnection) -> None:
        c.execute("UPDATE quests SET archived = ? WHERE id = ?", [archived, quest_id])
        action = "quest archived" if archived else "quest restored"
        audit.record(c, actor, action, detail=f"{q.badge}: {q.name}")

    in_transaction(cur, write)


def set_badge_archived(
    cur: duckdb.DuckDBPyConnection, actor: Account, badge_id: int, archived: bool = True
) -> None:
    """Archive (or restore) a badge: none of its quests is offered for new batches while archived."""
    require(actor, Permission.MANAGE_CATALOG)

    def write(c: duckdb.DuckDBPyConnection) -> None:
        found = c.execute("SELECT name FROM badges WHERE id = ?", [badge_id]).fetchall()
        if not found:
            raise NotFound(f"There is no badge with id {badge_id}.")
        c.execute("UPDATE badges SET archived = ? WHERE id = ?", [archived, badge_id])
        action = "badge archived" if archived else "badge restored"
        audit.record(c, actor, action, detail=found[0][0])

    in_transaction(cur, write)


def badges(cur: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Return every badge with whether it is archived and how many quests it has."""
    return frame(
        cur,
        """SELECT b.id, b.name, b.archived, count(q.id)::INTEGER AS quests
           FROM badges b LEFT JOIN quests q ON q.badge_id = b.id
           GROUP BY b.id, b.name, b.archived ORDER BY lower(b.name)""",
    )


def import_badges(
    cur: duckdb.DuckDBPyConnection, actor: Account, table: pl.DataFrame
) -> dict[str, int]:
    """Create the badges and quests of a frame with columns `badge`, `quest` that are missing."""
    require(actor, Permission.MANAGE_CATALOG)
    columns = {c.strip().lower(): c for c in table.columns}
    if "badge" not in columns or "quest" not in columns:
        raise InputError(
            f"The file needs the columns badge and quest; it has: {', '.join(table.columns) or 'none'}."
        )
    pairs = (
        table.select(
            pl.col(columns["badge"]).cast(pl.String).str.strip_chars().alias("badge"),
            pl.col(columns["quest"]).cast(pl.String).str.strip_chars().alias("quest"),
        )
        .filter(pl.col("badge").is_not_null() & (pl.col("badge") != ""))
        .filter(pl.col("quest").is_not_null() & (pl.col("quest") != ""))
        .unique(maintain_order=True)
    )
    if pairs.is_empty():
        raise InputError("The file has no row with both a badge and a quest. Fill both columns.")

    def write(c: duckdb.DuckDBPyConnection) -> dict[str, int]:
        c.register("incoming", pairs)
        try:
            badges_added = c.execute(
                """INSERT INTO badges (name)
                   SELECT DISTINCT i.badge FROM incoming i
                   WHERE NOT EXISTS (SELECT 1 FROM badges b WHERE lower(b.name) = lower(i.badge))
                   RETURNING id"""
            ).fetchall()
            quests_added = c.execute(
                """INSERT INTO quests (badge_id, name)
                   SELECT DISTINCT b.id, i.quest FROM incoming i
                   JOIN badges b ON lower(b.name) = lower(i.badge)
                   WHERE NOT EXISTS (SELECT 1 FROM quests q
                                     WHERE q.badge_id = b.id AND lower(q.name) = lower(i.quest))
                   RETURNING id"""
            ).fetchall()
        finally:
            unregister(c, "incoming")
        result = {"badges_added": len(badges_added), "quests_added": len(quests_added)}
        audit.record(c, actor, "badges imported", detail=str(result))
        return result

    return in_transaction(cur, write)
