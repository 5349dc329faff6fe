"""The Users page's page of rows on PostgreSQL: sort keys, the page's columns, its plans.

Sort keys are written as the indexes are, so the first page is read in order and stops after a
page of rows; the WHERE clause is users_search_sql.py's. Statements are constant text; values
travel as parameters.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.store.postgres.users_search_sql import where_sql

if TYPE_CHECKING:
    from core.segments.user_filter import UserFilter

# Sort keys over a platform_users row `p`, and the ordering operators (ascending, descending)
# that read them in byte order, as DuckDB sorts text: usernames and emails by their normal form
# through m002's / m007's text_pattern_ops indexes. Dates never set sort as the oldest
# (NULLS FIRST ascending, LAST descending): m007's indexes hold them in that order.
_SORT_KEYS = {
    "id": None,
    "username": ("p.username_norm", "USING ~<~", "USING ~>~"),
    "email": ("p.email_norm", "USING ~<~", "USING ~>~"),
    "registered_at": ("p.registered_at", "ASC NULLS FIRST", "DESC NULLS LAST"),
    "last_active_at": ("p.last_active_at", "ASC NULLS FIRST", "DESC NULLS LAST"),
    # m008's stored count, kept by every write of unlocks; its index (quests_held, id) is read
    # backwards for "most first" (was: every user's unlocks counted, 8 s at 10M).
    "quests_held": ("p.quests_held", "ASC", "DESC"),
}

# Users read in id order by the page's "window" plan before it gives up on that order.
PAGE_WINDOW = 20_000

_USER_COLUMNS = (
    "p.id, p.username, p.email, p.active, p.registered_at, p.last_active_at, p.quests_held"
)


def _order(f: UserFilter, alias: str, fenced: bool = False) -> tuple[str, str]:
    """The sort key as a column (`, … AS _k`, or empty) and the ORDER BY list over `alias`."""
    direction = "DESC" if f.desc else "ASC"
    key = _SORT_KEYS[f.sort]
    if key is None:
        return "", f"{alias}.id {direction}"
    expression, up, down = key
    # Inside the query that names `_k` the key is written out (an index matches the expression);
    # outside (or over the fenced matches), it is the column `_k` of `alias`.
    sort_key = expression if alias == "p" and not fenced else f"{alias}._k"
    return f", {expression} AS _k", f"{sort_key} {down if f.desc else up}, {alias}.id {direction}"


def page_sql(
    f: UserFilter,
    tz: str,
    *,
    with_count: bool,
    with_batch: bool,
    few: bool = False,
    plan: str = "walk",
) -> tuple[str, dict[str, object]]:
    """The matching users from `%(offset)s`, `%(limit)s` of them, sorted, with the page's columns.

    With `with_count`, the column `total` holds how many match (a subquery of the same statement,
    planned on its own) and a page with no row still comes back as one row of nulls. Quests held
    come from the stored column (m008).
    In id order, `plan` "window" pages the first PAGE_WINDOW users only (the answer when the
    page comes back full) and "scan" takes the matching ids off the filters' indexes.
    """
    where, params = where_sql(f, tz)
    key, order = _order(f, "p")
    _, outer_order = _order(f, "g")
    batch_columns = "NULL::text AS batch_status, NULL::text AS batch_error"
    batch_join = ""
    if with_batch:
        batch_columns = "m.status AS batch_status, m.error_reason AS batch_error"
        batch_join = "LEFT JOIN batch_users m ON m.batch_id = %(page_batch)s AND m.user_id = g.id"
        params["page_batch"] = f.in_batch
    page = f"""(
            SELECT {_USER_COLUMNS}{key} FROM platform_users p
            {where}
            ORDER BY {order}
            LIMIT %(limit)s OFFSET %(offset)s
        ) g"""
    if few:
        # Few matches (the caller counted them): the filters' own indexes find them and a
        # sort orders them. Left to itself the planner may walk the sort's index instead,
        # expecting a match every so often; when the matches sit together elsewhere (dates
        # rise with the User ID) it reads millions of entries. The fence keeps them apart.
        _, fenced_order = _order(f, "p", fenced=True)
        page = f"""(
            WITH matching AS MATERIALIZED (
                SELECT {_USER_COLUMNS}{key} FROM platform_users p
                {where}
            )
            SELECT * FROM matching p ORDER BY {fenced_order} LIMIT %(limit)s OFFSET %(offset)s
        ) g"""
    direction = "DESC" if f.desc else "ASC"
    if plan == "window" and f.sort == "id":
        # The page from the first `%(window)s` users in id order only (their rows read off the
        # primary key, then filtered): the whole answer when it comes back full.
        page = f"""(
            SELECT * FROM (
                SELECT * FROM platform_users p ORDER BY p.id {direction} LIMIT %(window)s
            ) p
            {where}
            ORDER BY {order}
            LIMIT %(limit)s OFFSET %(offset)s
        ) g"""
        params["window"] = PAGE_WINDOW
    elif plan == "scan" and f.sort == "id":
        # Many matches far from the first ids: the filters' indexes give the matching ids
        # (index only), the smallest (or largest) are kept, then their rows are read. `+ 0`
        # keeps the planner off the primary key's order, which would read the non-matching
        # users before them.
        page = f"""(
            SELECT {_USER_COLUMNS} FROM platform_users p JOIN (
                SELECT p.id FROM platform_users p
                {where}
                ORDER BY p.id + 0 {direction}
                LIMIT %(limit)s OFFSET %(offset)s
            ) t ON t.id = p.id
        ) g"""
    source = f"(SELECT count(*) AS total FROM platform_users p {where}) c LEFT JOIN {page} ON TRUE"
    if not with_count:
        source = page
    total = "c.total, " if with_count else ""
    sql = f"""
        SELECT {total}g.id, g.username, g.email, g.active, g.registered_at, g.last_active_at,
               g.quests_held::bigint AS quests_held, {batch_columns}
        FROM {source}
        {batch_join}
        ORDER BY {outer_order}
    """
    return sql, params


def ids_sql(f: UserFilter, tz: str) -> tuple[str, dict[str, object]]:
    """The first `%(limit)s` matching User IDs in id order."""
    where, params = where_sql(f, tz)
    return f"SELECT p.id FROM platform_users p {where} ORDER BY p.id LIMIT %(limit)s", params
