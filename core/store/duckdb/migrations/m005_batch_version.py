"""A version number on each batch, so a write from a page that showed an older state is refused.

Every change a person makes to a batch (rename, another quest, users added or removed, publish,
retry) adds 1 in its own transaction, and the page passes the version it showed as the state it
expects (core.batches.expected_state). The publisher's progress leaves it alone: it changes no decision a
page offers.
"""

VERSION = 5

STATEMENTS = [
    "ALTER TABLE batches ADD COLUMN version BIGINT NOT NULL DEFAULT 0",
]
