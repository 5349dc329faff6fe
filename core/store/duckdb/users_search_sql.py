"""The Users page's SQL on DuckDB: a UserFilter's WHERE clause, its sort keys, and the page's columns.

The text is made of constant fragments only; every value the user typed (text, ids, days, quest
and batch ids) travels as a named parameter. The filter value is the domain's
(core.segments.user_filter), read field by field as history_sql reads BatchFilter.

DuckDB runs each filter as a columnar scan or a semi/anti join over `unlocks` and `batch_users`
(hash joins: DuckDB never uses its ART indexes for joins), so a filter costs about one scan of
the columns it reads, whatever mix is set.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from core.store.sql_rules import escape_like

if TYPE_CHECKING:
    from core.segments.user_filter import UserFilter


# Sort keys over a platform_users row `p`. Usernames and emails sort by their normal form
# (trimmed, lower-cased), by code point as PostgreSQL's COLLATE "C" does. A date never set sorts
# as the oldest: first A-Z, last newest-first, so descending is exactly ascending reversed (ties
# follow the id the same way). Quests held is the stored count (m008), kept by every write of
# unlocks: counting every user's unlocks for the sort cost ~1 s at 10M users.
_SORT_KEYS = {
    "id": None,
    "username": "p.username_norm",
    "email": "p.email_norm",
    "registered_at": "p.registered_at",
    "last_active_at": "p.last_active_at",
    "quests_held": "p.quests_held",
}

_USER_COLUMNS = (
    "p.id, p.username, p.email, p.active, p.registered_at, p.last_active_at, p.quests_held"
)


def where_sql(f: UserFilter, tz: str, lacks_held: bool = False) -> tuple[str, dict[str, object]]:
    """Return the WHERE clause (constant text, over platform_users `p`) and its parameters.

    With `lacks_held`, f.lacks keeps the users holding ANY of those quests instead (for
    count_sql's subtraction).
    """
    clauses: list[str] = []
    params: dict[str, object] = {}
    if f.text:
        text = f.text_norm
        escaped = escape_like(text)
        # ESCAPE costs a slower match path; only text with % _ or \\ needs it.
        escape = " ESCAPE '\\'" if escaped != text else ""
        clauses.append(f"(p.username_norm LIKE $text{escape} OR p.email_norm LIKE $text{escape})")
        params["text"] = f"%{escaped}%"
    if f.ids:
        clauses.append("p.id IN (SELECT unnest($ids::BIGINT[]))")
        params["ids"] = list(f.ids)
    if f.active is not None:
        clauses.append("p.active = $active")
        params["active"] = f.active
    for column, condition in (("registered_at", f.registered), ("last_active_at", f.last_active)):
        if condition is None:
            continue
        start, end = condition.bounds(tz)
        # Instants from the viewer's local midnights, computed in Python: no per-row conversion.
        # NULL (never set) fails both comparisons, so it matches no date condition.
        if start is not None:
            clauses.append(f"p.{column} >= ${column}_from")
            params[f"{column}_from"] = start
        if end is not None:
            clauses.append(f"p.{column} < ${column}_to")
            params[f"{column}_to"] = end
    if f.holds:
        # A semi join: one scan of unlocks' two key columns, whatever the number of quests.
        clauses.append(
            "p.id IN (SELECT user_id FROM unlocks WHERE list_contains($holds, quest_id))"
        )
        params["holds"] = list(f.holds)
    if f.lacks and lacks_held:
        clauses.append(
            "p.id IN (SELECT user_id FROM unlocks WHERE list_contains($lacks, quest_id))"
        )
        params["lacks"] = list(f.lacks)
    elif f.lacks:
        clauses.append(
            "NOT EXISTS (SELECT 1 FROM unlocks x "
            "WHERE x.user_id = p.id AND list_contains($lacks, x.quest_id))"
        )
        params["lacks"] = list(f.lacks)
    if f.in_batch is not None:
        status = ""
        if f.in_batch_status is not None:
            status = " AND status = $in_status"
            params["in_status"] = f.in_batch_status
        clauses.append(
            f"p.id IN (SELECT user_id FROM batch_users WHERE batch_id = $in_batch{status})"
        )
        params["in_batch"] = f.in_batch
    if f.not_in_batch is not None:
        clauses.append(
            "NOT EXISTS (SELECT 1 FROM batch_users n "
            "WHERE n.batch_id = $not_in_batch AND n.user_id = p.id)"
        )
        params["not_in_batch"] = f.not_in_batch
    return ("WHERE " + "\n  AND ".join(clauses)) if clauses else "", params


def _order(f: UserFilter, alias: str) -> tuple[str, str]:
    """The sort key as a column (`… AS _k`, or empty) and the ORDER BY list over `alias`."""
    direction = "DESC" if f.desc else "ASC"
    key = _SORT_KEYS[f.sort]
    if key is None:
        return "", f"{alias}.id {direction}"
    nulls = "NULLS LAST" if f.desc else "NULLS FIRST"
    # Inside the query that names `_k` it is the select list's alias, outside a column of `alias`.
    sort_key = "_k" if alias == "p" else f"{alias}._k"
    return f", {key} AS _k", f"{sort_key} {direction} {nulls}, {alias}.id {direction}"


def page_sql(f: UserFilter, tz: str, *, with_batch: bool) -> tuple[str, dict[str, object]]:
    """The matching users from `$offset`, `$limit` of them, sorted, with the page's columns.

    The filters and the sort run over platform_users alone (DuckDB fetches the other columns
    for the page's rows only).
    """
    where, params = where_sql(f, tz)
    key, order = _order(f, "p")
    batch_columns, batch_join = _batch_parts(f, params, with_batch)
    _, outer_order = _order(f, "g")
    page = f"""page AS (
            SELECT {_USER_COLUMNS}{key} FROM platform_users p
            {where}
            ORDER BY {order}
            LIMIT $limit OFFSET $offset
        )"""
    if f.holds or f.lacks or f.in_batch is not None or f.not_in_batch is not None:
        # Beside a join, DuckDB reads every matching row's strings before the Top-N (0.4 s for
        # 250k rows at 10M users): sort the ids and keys alone, then read the page's rows.
        page = f"""keys AS (
            SELECT p.id{key} FROM platform_users p
            {where}
            ORDER BY {order}
            LIMIT $limit OFFSET $offset
        ), page AS (
            SELECT {_USER_COLUMNS}{", k._k" if key else ""}
            FROM keys k JOIN platform_users p ON p.id = k.id
        )"""
    sql = f"""
        WITH {page}
        SELECT g.id, g.username, g.email, g.active, g.registered_at, g.last_active_at,
               g.quests_held::BIGINT AS quests_held, {batch_columns}
        FROM page g
        {batch_join}
        ORDER BY {outer_order}
    """
    return sql, params


def filtered_once_sql(f: UserFilter, tz: str, *, with_batch: bool) -> tuple[str, dict[str, object]]:
    """The page and the count (column `total`) from one run of the filters, for costly filters.

    "Contains" reads every username and email (~0.4 s at 10M users): run once, the matching ids
    and sort keys are kept, then counted and sorted, and only the page's rows are fetched (as
    the batch list does). A page with no row still comes back as one row of nulls.
    """
    where, params = where_sql(f, tz)
    key, _ = _order(f, "p")
    _, order = _order(f, "m")
    _, outer_order = _order(f, "g")
    batch_columns, batch_join = _batch_parts(f, params, with_batch)
    sql = f"""
        WITH matching AS MATERIALIZED (
            SELECT p.id{key} FROM platform_users p
            {where}
        ), page AS (
            SELECT m.* FROM matching m ORDER BY {order} LIMIT $limit OFFSET $offset
        )
        SELECT c.total, p.id, p.username, p.email, p.active, p.registered_at, p.last_active_at,
               p.quests_held::BIGINT AS quests_held, {batch_columns}
        FROM (SELECT count(*) AS total FROM matching) c
        LEFT JOIN page g ON TRUE
        LEFT JOIN platform_users p ON p.id = g.id
        {batch_join}
        ORDER BY {outer_order}
    """
    return sql, params


def _batch_parts(f: UserFilter, params: dict[str, object], with_batch: bool) -> tuple[str, str]:
    """The page's batch_status / batch_error columns and the join that gives them (over `g`)."""
    if not with_batch:
        return "NULL::VARCHAR AS batch_status, NULL::VARCHAR AS batch_error", ""
    params["page_batch"] = f.in_batch
    return (
        "m.status AS batch_status, m.error_reason AS batch_error",
        "LEFT JOIN batch_users m ON m.batch_id = $page_batch AND m.user_id = g.id",
    )


def count_sql(f: UserFilter, tz: str, up_to: int | None = None) -> tuple[str, dict[str, object]]:
    """How many users match; with `up_to`, counted up to `up_to + 1` only (bounded work).

    "Holds none of" is counted exactly as the users matching the other filters less those of
    them holding any: DuckDB's semi join is two to three times faster than its anti join here
    (10M users, a quest held by 900k: ~130 ms against ~300, and >1 s beside another filter).
    """
    if not f.lacks:
        where, params = where_sql(f, tz)
        if up_to is None:
            return f"SELECT count(*) FROM platform_users p {where}", params
        sql = f"SELECT count(*) FROM (SELECT 1 FROM platform_users p {where} LIMIT $cap)"
        return sql, {**params, "cap": up_to + 1}
    # The subtraction beats even a bounded anti join (which must probe until the bound).
    where, params = where_sql(replace(f, lacks=()), tz)
    held, held_params = where_sql(f, tz, lacks_held=True)
    sql = (
        f"SELECT (SELECT count(*) FROM platform_users p {where})"
        f" - (SELECT count(*) FROM platform_users p {held})"
    )
    if up_to is not None:
        return f"SELECT least(({sql}), $cap)", {**params, **held_params, "cap": up_to + 1}
    return sql, {**params, **held_params}


def ids_sql(f: UserFilter, tz: str) -> tuple[str, dict[str, object]]:
    """The first `$limit` matching User IDs in id order."""
    where, params = where_sql(f, tz)
    return f"SELECT p.id FROM platform_users p {where} ORDER BY p.id LIMIT $limit", params
