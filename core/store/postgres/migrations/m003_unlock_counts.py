"""Unlocks counted per batch, quest and UTC quarter hour, for the batch list's weekly chart (as DuckDB's m003)."""

VERSION = 3

STATEMENTS = [
    """CREATE TABLE unlock_counts (
        batch_id BIGINT NOT NULL,
        quest_id INTEGER NOT NULL,
        quarter BIGINT NOT NULL,  -- microseconds since the epoch // 900000000
        unlocks BIGINT NOT NULL,
        PRIMARY KEY (batch_id, quest_id, quarter)
    )""",
    """INSERT INTO unlock_counts
       SELECT batch_id, quest_id,
              floor(extract(epoch FROM unlocked_at) * 1000000 / 900000000)::BIGINT, count(*)
       FROM unlocks WHERE batch_id IS NOT NULL
       GROUP BY 1, 2, 3""",
]
