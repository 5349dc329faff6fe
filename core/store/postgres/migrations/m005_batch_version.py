"""A version number on each batch, so a write from a page that showed an older state is refused (as DuckDB's m005).

With it, the batch list's indexes (core/store/postgres/history_sql.py): one per sort column, each
ending in the id (the list's tie-break), so the first page of any sort is read off an index in
order and the scan stops after a page (a backward scan serves the other direction). Their
expressions are the list's sort keys written out as they stood at this version (a migration never
changes); tests/store/test_pg_history.py checks that the planner still uses them.
"""

VERSION = 5

STATEMENTS = [
    "ALTER TABLE batches ADD COLUMN version BIGINT NOT NULL DEFAULT 0",
    # The default order (newest first), and the created/updated date filters.
    "CREATE INDEX batches_created ON batches (created_at DESC, id DESC)",
    "CREATE INDEX batches_updated ON batches (updated_at, id)",
    # Status filters; with the creator, the count of what a dev sees reads the index alone.
    "CREATE INDEX batches_status ON batches (status, created_by)",
    # The "Badge" filter (quests), and the loose scan of the quests in use (sort by badge/quest).
    "CREATE INDEX batches_quest ON batches (quest_id, id)",
    # Sorts: title, creator (lower-case, by code point as DuckDB), users, status then progress.
    # The title's index also holds the title: a "contains" filter then reads the stored
    # lower-case titles off the index alone (about 3x faster than lower() on every row; the
    # planner only considers it with `name` itself in the index). Wider (status, creator),
    # the index costs more than a scan to the planner and is never chosen.
    'CREATE INDEX batches_name_order ON batches ((lower(name) COLLATE "C"), id) INCLUDE (name)',
    'CREATE INDEX batches_creator_order ON batches ((lower(created_by) COLLATE "C"), id)',
    "CREATE INDEX batches_users_order ON batches (n_users, id)",
    """CREATE INDEX batches_status_order ON batches (
        (CASE status WHEN 'draft' THEN 0 WHEN 'unpublished' THEN 1 WHEN 'in_progress' THEN 2
                     WHEN 'published' THEN 3 WHEN 'partially_published' THEN 4 END),
        (CASE WHEN n_users = 0
              THEN CASE WHEN status IN ('published', 'partially_published') THEN 100 ELSE 0 END
              ELSE (100 * (n_published + n_error)) / n_users END),
        id)""",
    # The title filter ("contains", any case): trigrams of the lower-case title (pg_trgm, m002).
    "CREATE INDEX batches_name_trgm ON batches USING gin (lower(name) gin_trgm_ops)",
]
