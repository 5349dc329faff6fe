"""The Users page's SQL on PostgreSQL: a UserFilter's WHERE clause (its page: users_page_sql.py).

The same rules as core/store/duckdb/users_search_sql.py. The text is made of constant fragments
only; every value the user typed travels as a named parameter. Each filter is written so one of
m007's (or older) indexes serves it, without an OR across columns the planner could not split:
ids by the primary key, dates and the active flag by their (column, id) indexes, holds as a semi
join over unlocks (quest_id, user_id), lacks as an anti join per quest over the same index (or
one over the primary key for many quests), "not in batch" as one over batch_users' primary key,
text by the two trigram indexes (a BitmapOr), quests held by m008's stored column and index;
beside text, holds and lacks by m013's list of each user's quests (its GIN index for holds).
The counts are users_count.py's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.store.sql_rules import escape_like

if TYPE_CHECKING:
    from core.segments.user_filter import UserFilter


# Up to this many "does not hold" quests get an anti join each (more: one over all of them).
EACH_LACKS = 4


def where_sql(f: UserFilter, tz: str) -> tuple[str, dict[str, object]]:
    """Return the WHERE clause (constant text, over platform_users `p`) and its parameters."""
    clauses, params = conditions(f, tz)
    return ("WHERE " + "\n  AND ".join(clauses)) if clauses else "", params


def conditions(
    f: UserFilter, tz: str, holds: bool = True, joins: bool = True
) -> tuple[list[str], dict[str, object]]:
    """The filter's conditions over platform_users `p`: without "holds" when `holds` is False,
    without any that reads another table (holds, lacks, batches) when `joins` is False (beside
    text, holds and lacks read the row's own list of quests, so they stay)."""
    clauses: list[str] = []
    params: dict[str, object] = {}
    if f.ids:
        clauses.append("p.id = ANY(%(ids)s::bigint[])")
        params["ids"] = list(f.ids)
    if f.active is not None:
        clauses.append("p.active = %(active)s")
        params["active"] = f.active
    for column, condition in (("registered_at", f.registered), ("last_active_at", f.last_active)):
        if condition is None:
            continue
        start, end = condition.bounds(tz)
        # Instants from the viewer's local midnights, computed in Python: no per-row conversion.
        # NULL (never set) fails both comparisons, so it matches no date condition.
        if start is not None:
            clauses.append(f"p.{column} >= %({column}_from)s")
            params[f"{column}_from"] = start
        if end is not None:
            clauses.append(f"p.{column} < %({column}_to)s")
            params[f"{column}_to"] = end
    listed = bool(f.text)  # beside text, "holds" and "does not hold" read m013's list
    if f.holds and holds and listed:
        # Its GIN index gives a bitmap the trigram index's is combined with (a BitmapAnd), so
        # only the users both name: reading every holder, or every candidate of a common
        # text, for the other condition took 1.2 s at 10M (smith + active + holds 2).
        clauses.append("p.quests && %(holds)s::int[]")
        params["holds"] = list(f.holds)
    elif f.holds and holds and joins:
        clauses.append(
            "p.id IN (SELECT x.user_id FROM unlocks x WHERE x.quest_id = ANY(%(holds)s::int[]))"
        )
        params["holds"] = list(f.holds)
    if f.lacks and listed:
        # Checked on the rows the text's candidates bring anyway (no index: most users lack).
        clauses.append("NOT p.quests && %(lacks)s::int[]")
        params["lacks"] = list(f.lacks)
    if joins:
        clauses += join_conditions(f, "p.id", params, lacks=not listed)
    if f.text:
        # Last, so the cheaper conditions pass fewer rows to it. LIKE escapes with a backslash by
        # default; each column's trigram index serves its side of the OR (a BitmapOr).
        clauses.append(text_clause())
        params["text"] = text_pattern(f)
    return clauses, params


def join_conditions(
    f: UserFilter, user: str, params: dict[str, object], lacks: bool = True
) -> list[str]:
    """f's "does not hold" (unless `lacks` is False) and batch conditions over the User ID `user`
    (`p.id`, or a holder's `x.user_id`), their values added to `params`: each reads another
    table by its index."""
    clauses = []
    quests = f.lacks if lacks else ()
    if 0 < len(quests) <= EACH_LACKS:
        # One anti join per quest, each an equality: it reads that quest's holders in user_id
        # order (unlocks (quest_id, user_id)), where `= ANY` could only filter the whole primary
        # key (all unlocks) or sort the holders first (holds 3 or 7, lacks 1 at 10M: the count's
        # scans of 1M unlocks each, 0.4 s).
        for i, quest in enumerate(quests):
            clauses.append(
                "NOT EXISTS (SELECT 1 FROM unlocks l "
                f"WHERE l.user_id = {user} AND l.quest_id = %(lacks_{i})s::int)"
            )
            params[f"lacks_{i}"] = quest
    elif quests:
        clauses.append(
            "NOT EXISTS (SELECT 1 FROM unlocks l "
            f"WHERE l.user_id = {user} AND l.quest_id = ANY(%(lacks)s::int[]))"
        )
        params["lacks"] = list(quests)
    if f.in_batch is not None:
        status = ""
        if f.in_batch_status is not None:
            status = " AND m.status = %(in_status)s"
            params["in_status"] = f.in_batch_status
        clauses.append(
            f"{user} IN (SELECT m.user_id FROM batch_users m "
            f"WHERE m.batch_id = %(in_batch)s{status})"
        )
        params["in_batch"] = f.in_batch
    if f.not_in_batch is not None:
        clauses.append(
            "NOT EXISTS (SELECT 1 FROM batch_users n "
            f"WHERE n.batch_id = %(not_in_batch)s AND n.user_id = {user})"
        )
        params["not_in_batch"] = f.not_in_batch
    return clauses


def text_pattern(f: UserFilter) -> str:
    """The LIKE pattern of f's text: contains it, wildcards and the escape character literal."""
    return f"%{escape_like(f.text_norm)}%"


def text_clause() -> str:
    """The text filter over `p` (its parameter `%(text)s`: the LIKE pattern)."""
    return "(p.username_norm LIKE %(text)s OR p.email_norm LIKE %(text)s)"
