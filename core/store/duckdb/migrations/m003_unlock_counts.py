"""Unlocks counted per batch, quest and UTC quarter hour, for the batch list's weekly chart.

Counting unlocks by week from the unlocks themselves reads every one of them (4.8 million at
100,000 batches: 0.1-0.7 s per chart). These counts hold one row per batch and quarter hour in
which it unlocked anything, a few rows a batch; every time zone offset is a multiple of 15
minutes, so local weeks in any zone are sums of quarter hours. The publisher adds to them in the
transaction that inserts the unlocks (core.publishing.unlock_counts); this migration counts the unlocks
already stored.
"""

VERSION = 3

STATEMENTS = [
    """CREATE TABLE unlock_counts (
        batch_id BIGINT NOT NULL,
        quest_id INTEGER NOT NULL,
        quarter BIGINT NOT NULL,  -- epoch_us(unlocked_at) // 900000000
        unlocks BIGINT NOT NULL,
        PRIMARY KEY (batch_id, quest_id, quarter)
    )""",
    """INSERT INTO unlock_counts
       SELECT batch_id, quest_id, epoch_us(unlocked_at) // 900000000, count(*)
       FROM unlocks WHERE batch_id IS NOT NULL
       GROUP BY ALL""",
]
