"""Unlocks counted per batch, quest and UTC quarter hour (table unlock_counts, migration m003).

The weekly chart of the batch list sums these few rows instead of reading every unlock. Whoever
inserts unlocks for a batch adds them here in the same transaction: the publisher does, through
`add`; bulk loaders (the demo, benchmarks) call `rebuild` once at the end.
"""

from __future__ import annotations

import duckdb

QUARTER_US = 900_000_000  # 15 minutes in microseconds: every UTC offset is a multiple of it


def add(cur: duckdb.DuckDBPyConnection, relation: str) -> None:
    """Count in unlocks just inserted, read from `relation` (batch_id, quest_id, unlocked_at).

    `relation` is a table or registered view name chosen by the caller, never user text.
    """
    cur.execute(
        f"""INSERT INTO unlock_counts
            SELECT batch_id, quest_id, epoch_us(unlocked_at) // {QUARTER_US}, count(*)
            FROM {relation} WHERE batch_id IS NOT NULL
            GROUP BY ALL
            ON CONFLICT DO UPDATE SET unlocks = unlocks + excluded.unlocks"""
    )


def rebuild(cur: duckdb.DuckDBPyConnection) -> None:
    """Count every stored unlock again (after a bulk load that bypassed `add`)."""
    cur.execute("DELETE FROM unlock_counts")
    add(cur, "unlocks")
