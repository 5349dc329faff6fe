"""The batch history: the filtered, sorted, paged list, its CSV export and its charts.

Every query reads `batches` and its n_* counters (kept by core.batches.rules), never the batch
users, so a page of 100,000 batches costs a scan of one small table. The filter's SQL is built
from constant fragments only; every value the user typed travels as a parameter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import duckdb
import polars as pl

from core import csv_safe, words
from core.access.roles import Account, Permission, require
from core.batches import rules
from core.history.batch_filters import STATUS_CODES, BatchFilter, check_tz
from core.store import frame as query

# Status sort follows the lifecycle (draft first); running batches by how far they are.
_STATUS_RANK = (
    "CASE b.status "
    + " ".join(f"WHEN '{code}' THEN {rank}" for rank, code in enumerate(STATUS_CODES))
    + " END"
)
_SORT_SQL = {
    "name": ["lower(b.name)"],
    "badge": ["lower(g.name)"],
    "quest": ["lower(q.name)"],
    "users": ["b.n_users"],
    "status": [_STATUS_RANK, rules.PROGRESS_SQL],
    "created_at": ["b.created_at"],
    "updated_at": ["b.updated_at"],
    "created_by": ["lower(b.created_by)"],
}
_NAMES = """LEFT JOIN quests q ON q.id = b.quest_id
    LEFT JOIN badges g ON g.id = q.badge_id"""
_COLUMNS = f"""b.id, b.name, g.name AS badge, g.id AS badge_id, q.name AS quest, b.quest_id,
    b.n_users AS users, b.created_at, b.updated_at, b.created_by, b.status,
    ({rules.PROGRESS_SQL})::INTEGER AS progress,
    b.n_unpublished, b.n_in_progress, b.n_published, b.n_error"""


@dataclass(frozen=True)
class BatchPage:
    """One page of the list, with how many batches match in all."""

    rows: pl.DataFrame
    total: int
    page: int  # The page shown: a page past the end shows the last one.
    page_size: int

    @property
    def pages(self) -> int:
        """Return how many pages the matching batches fill (at least 1)."""
        return max(1, math.ceil(self.total / self.page_size))


def _where(viewer: Account, flt: BatchFilter, tz: str) -> tuple[str, dict[str, object]]:
    """Return the WHERE clause (constant text) and its parameters for a viewer and a filter."""
    require(viewer, Permission.VIEW)
    check_tz(tz)
    # Drafts are private to their creator, except for admins.
    clauses = ["(b.status <> 'draft' OR $see_all OR b.created_by = $viewer)"]
    params: dict[str, object] = {
        "see_all": viewer.can(Permission.SEE_ALL_DRAFTS),
        "viewer": viewer.username,
    }
    if flt.statuses:
        clauses.append("list_contains($statuses, b.status)")
        params["statuses"] = list(flt.statuses)
    if flt.name:
        escaped = _escape_like(flt.name)
        # ESCAPE costs a slower match path; only text with % _ or \\ needs it.
        escape = " ESCAPE '\\'" if escaped != flt.name else ""
        clauses.append(f"b.name ILIKE $name{escape}")
        params["name"] = f"%{escaped}%"
    if flt.quest_ids or flt.badge_ids:
        # One "Badge" filter: a checked badge stands for all its quests, present and future.
        # The quests of the badges come from a tiny subquery, so no join runs per batch row.
        either = []
        if flt.quest_ids:
            either.append("list_contains($quests, b.quest_id)")
            params["quests"] = list(flt.quest_ids)
        if flt.badge_ids:
            either.append(
                "b.quest_id IN (SELECT id FROM quests WHERE list_contains($badges, badge_id))"
            )
            params["badges"] = list(flt.badge_ids)
        clauses.append("(" + " OR ".join(either) + ")")
    for column, condition in (("created_at", flt.created), ("updated_at", flt.updated)):
        if condition is None:
            continue
        start, end = condition.bounds(tz)
        # Instants computed in Python from the viewer's local midnights: no per-row conversion.
        if start is not None:
            clauses.append(f"b.{column} >= ${column}_from")
            params[f"{column}_from"] = start
        if end is not None:
            clauses.append(f"b.{column} < ${column}_to")
            params[f"{column}_to"] = end
    return "WHERE " + "\n  AND ".join(clauses), params


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _sort_sql(flt: BatchFilter) -> tuple[str, str]:
    """Return the sort keys as columns (`... AS _k0`) and the ORDER BY list that uses them."""
    direction = "DESC" if flt.desc else "ASC"
    keys = _SORT_SQL[flt.sort]
    key_columns = ", ".join(f"{key} AS _k{i}" for i, key in enumerate(keys))
    # Ties follow the id in the same direction, so desc is exactly asc reversed.
    order = [f"_k{i} {direction} NULLS LAST" for i in range(len(keys))]
    return key_columns, ", ".join([*order, f"b.id {direction}"])


def _select_all(
    cur: duckdb.DuckDBPyConnection, viewer: Account, flt: BatchFilter, tz: str
) -> pl.DataFrame:
    where, params = _where(viewer, flt, tz)
    key_columns, order = _sort_sql(flt)
    rows = query(
        cur,
        f"""
        SELECT {_COLUMNS}, {key_columns} FROM batches b {_NAMES}
        {where}
        ORDER BY {order}
        """,
        params,
    )
    return _for_display(rows, tz)


def _select_page(
    cur: duckdb.DuckDBPyConnection,
    viewer: Account,
    flt: BatchFilter,
    tz: str,
    limit: int,
    offset: int,
) -> tuple[pl.DataFrame, int]:
    """Return one page of rows and the number of matching batches, from one statement."""
    where, params = _where(viewer, flt, tz)
    key_columns, order = _sort_sql(flt)
    names_for_sort = _NAMES if flt.sort in ("badge", "quest") else ""
    params = {**params, "limit": limit, "offset": offset}
    cut = ""
    if flt.desc and flt.sort in ("created_at", "updated_at"):
        # New batches are appended, so newest-first makes the top-N heap take almost every
        # row; bounding the candidates by the N-th newest value first (a cheap aggregate)
        # leaves the sort only a page's worth of rows. Ties at the bound stay in.
        cut = "WHERE m._k0 >= (SELECT list_min(max(_k0, $limit + $offset)) FROM matching)"
    # The filters run once, over `batches` alone, keeping only ids and sort keys; the count and
    # the page come from that, and only the page's rows are fetched and named.
    rows = query(
        cur,
        f"""
        WITH matching AS MATERIALIZED (
            SELECT b.id, {key_columns} FROM batches b {names_for_sort}
            {where}
        ), page AS (
            SELECT m.* FROM matching m {cut}
            ORDER BY {order.replace("b.id", "m.id")}
            LIMIT $limit OFFSET $offset
        )
        SELECT {_COLUMNS}, c.total, p._k0
        FROM (SELECT count(*) AS total FROM matching) c
        LEFT JOIN page p ON TRUE
        LEFT JOIN batches b ON b.id = p.id
        {_NAMES}
        ORDER BY {order.replace("b.id", "p.id")}
        """,
        params,
    )
    # With no row on the page the count still comes back, on one row of nulls.
    total = int(rows["total"][0])
    return _for_display(rows.filter(pl.col("id").is_not_null()), tz), total


def _for_display(frame: pl.DataFrame, tz: str) -> pl.DataFrame:
    """Add the spec's status word and show times in the viewer's time zone."""
    return frame.with_columns(
        pl.col("created_at").dt.convert_time_zone(tz),
        pl.col("updated_at").dt.convert_time_zone(tz),
        pl.col("status")
        .replace_strict(words.BATCH_STATUS, default=pl.col("status"), return_dtype=pl.String)
        .alias("status_label"),
    ).select(
        "id", "name", "badge", "badge_id", "quest", "quest_id", "users", "created_at",
        "updated_at", "created_by", "status", "status_label", "progress",
        "n_unpublished", "n_in_progress", "n_published", "n_error",
    )  # fmt: skip


def count_batches(
    cur: duckdb.DuckDBPyConnection, viewer: Account, flt: BatchFilter, tz: str
) -> int:
    """Return how many batches the viewer sees with these filters."""
    where, params = _where(viewer, flt, tz)
    return int(query(cur, f"SELECT count(*) AS n FROM batches b {where}", params)["n"][0])


def list_batches(
    cur: duckdb.DuckDBPyConnection, viewer: Account, flt: BatchFilter, tz: str
) -> BatchPage:
    """Return the page `flt.page` of the filtered list, sorted as a whole before paging.

    Columns: id, name, badge, badge_id, quest, quest_id, users, created_at, updated_at (in tz),
    created_by, status (code), status_label (spec word), progress (0-100), and the n_* counts.
    """
    size = flt.page_size
    rows, total = _select_page(cur, viewer, flt, tz, size, (flt.page - 1) * size)
    last_page = max(1, math.ceil(total / size))
    if flt.page > last_page:
        # A link to a page that no longer exists shows the last one, not an empty table.
        rows, total = _select_page(cur, viewer, flt, tz, size, (last_page - 1) * size)
    return BatchPage(rows, total, min(flt.page, last_page), size)


def all_batches(
    cur: duckdb.DuckDBPyConnection, viewer: Account, flt: BatchFilter, tz: str
) -> pl.DataFrame:
    """Return the whole filtered, sorted list (every page), with list_batches' columns."""
    return _select_all(cur, viewer, flt, tz)


# -- export ------------------------------------------------------------------------------------


def export_batches(
    cur: duckdb.DuckDBPyConnection,
    viewer: Account,
    flt: BatchFilter,
    tz: str,
    separator: str = words.TEMPLATE_SEPARATOR,
) -> bytes:
    """Return the whole filtered list as CSV bytes for spreadsheets, formulas neutralised.

    Times are written in tz with their offset; the separator is the template's (;) by default.
    """
    rows = all_batches(cur, viewer, flt, tz)
    table = rows.select(
        pl.col("id").alias("ID"),
        pl.col("name").alias(words.TITLE),
        pl.col("badge").alias(words.BADGE),
        pl.col("quest").alias(words.QUEST),
        pl.col("users").alias(words.USERS),
        pl.col("created_at").dt.strftime("%Y-%m-%d %H:%M:%S%:z").alias(words.CREATED_AT),
        pl.col("updated_at").dt.strftime("%Y-%m-%d %H:%M:%S%:z").alias(words.LAST_UPDATED),
        pl.col("created_by").alias(words.CREATED_BY),
        pl.col("status_label").alias(words.STATUS),
        pl.col("progress").alias("Progress (%)"),
        pl.col("n_unpublished").alias(words.UNPUBLISHED),
        pl.col("n_in_progress").alias(words.IN_PROGRESS),
        pl.col("n_published").alias(words.PUBLISHED),
        pl.col("n_error").alias(words.ERROR),
    )
    return csv_safe.to_csv_bytes(table, separator, bom=True)  # Excel then reads UTF-8 right


# -- charts ------------------------------------------------------------------------------------


OTHER_BADGES = "Other badges"


def unlocks_by_week(
    cur: duckdb.DuckDBPyConnection,
    viewer: Account,
    flt: BatchFilter,
    tz: str,
    top_badges: int | None = 8,
) -> pl.DataFrame:
    """Return unlocks of the filtered batches per ISO week (in tz) and badge.

    Columns: week (the week's Monday), iso_week ('2026-W14'), badge, unlocks; by week, then
    badge. Beyond the `top_badges` with the most unlocks, badges add up as "Other badges" (a
    chart has that many distinct colours; None keeps every badge).
    """
    where, params = _where(viewer, flt, tz)
    picked = ""
    if flt.is_filtered:
        # Unfiltered, every batch's unlocks count: drafts never unlock, so there's no need to
        # check visibility batch by batch.
        picked = f"WHERE c.batch_id IN (SELECT b.id FROM batches b {where})"
    else:
        params = {}
    # unlock_counts holds a few rows per batch (per UTC quarter hour with unlocks), kept by the
    # publisher; only the buckets, not the millions of unlocks, are converted to local weeks.
    weekly = query(
        cur,
        f"""
        WITH buckets AS (
            SELECT c.quest_id, c.quarter, sum(c.unlocks) AS n
            FROM unlock_counts c {picked}
            GROUP BY ALL
        ), weeks AS (
            SELECT date_trunc('week', timezone($tz, make_timestamptz(quarter * 900000000)))
                       AS monday, quest_id, n
            FROM buckets
        )
        SELECT monday::DATE AS week, strftime(monday, '%G-W%V') AS iso_week,
               coalesce(g.name, $other) AS badge, sum(n)::BIGINT AS unlocks
        FROM weeks w LEFT JOIN quests q ON q.id = w.quest_id LEFT JOIN badges g ON g.id = q.badge_id
        GROUP BY ALL
        """,
        {**params, "tz": tz, "other": OTHER_BADGES},
    )
    totals = weekly.group_by("badge").agg(pl.col("unlocks").sum()).sort(["unlocks", "badge"])
    if top_badges is not None and totals.height > top_badges:
        kept = totals.filter(pl.col("badge") != OTHER_BADGES).tail(top_badges)["badge"]
        weekly = (
            weekly.with_columns(
                pl.when(pl.col("badge").is_in(kept.implode()))
                .then(pl.col("badge"))
                .otherwise(pl.lit(OTHER_BADGES))
                .alias("badge")
            )
            .group_by("week", "iso_week", "badge")
            .agg(pl.col("unlocks").sum())
        )
    return weekly.sort("week", pl.col("badge") == OTHER_BADGES, "badge").select(
        "week", "iso_week", "badge", "unlocks"
    )


def batches_by_status(
    cur: duckdb.DuckDBPyConnection, viewer: Account, flt: BatchFilter, tz: str
) -> pl.DataFrame:
    """Return how many filtered batches have each status: columns status, label, batches.

    The spec's four statuses always appear (0 included) so the chart's axis stays put; "Draft"
    appears only when some draft matches.
    """
    where, params = _where(viewer, flt, tz)
    found = query(
        cur, f"SELECT b.status, count(*) AS n FROM batches b {where} GROUP BY ALL", params
    )
    counts = dict(zip(found["status"], found["n"], strict=True))
    codes = [c for c in STATUS_CODES if c != rules.DRAFT or counts.get(c)]
    return pl.DataFrame(
        {
            "status": codes,
            "label": [words.BATCH_STATUS[c] for c in codes],
            "batches": [int(counts.get(c, 0)) for c in codes],
        },
        schema={"status": pl.String, "label": pl.String, "batches": pl.Int64},
    )
