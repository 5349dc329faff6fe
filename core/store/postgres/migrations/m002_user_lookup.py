"""Indexes for matching uploads and suggesting usernames among millions of users.

DuckDB needs a hashed copy of the users (its m002); PostgreSQL's indexes do the same work and
the server keeps them current on every write, so nothing is ever rebuilt:
- b-tree indexes on the stored normal forms for an upload's exact matches, one lookup per
  uploaded value (`text_pattern_ops` serves `=` as well as "starts with");
- each carrying the user's id and active flag (INCLUDE), like (id) INCLUDE (active) beside the
  primary key: a match then reads the index alone, not a table page per user (index-only scans
  once autovacuum has marked the pages all-visible);
- (length, username) in byte order for "starts with" suggestions, shortest first: one short
  index range per length instead of sorting every username that starts with "a"; it carries
  the username as typed, so each range is read in order from the index alone (without it the
  planner would rather fetch and sort every match of a length, 100,000 rows for "a" at 10M);
- a trigram index for "contains" (pg_trgm is a trusted extension: a database owner may create it).
"""

VERSION = 2

STATEMENTS = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX platform_users_username_norm ON platform_users "
    "(username_norm text_pattern_ops) INCLUDE (id, active)",
    "CREATE INDEX platform_users_email_norm ON platform_users (email_norm) INCLUDE (id, active)",
    "CREATE UNIQUE INDEX platform_users_id_active ON platform_users (id) INCLUDE (active)",
    "CREATE INDEX platform_users_username_length ON platform_users "
    "(length(username_norm), username_norm text_pattern_ops) INCLUDE (username)",
    "CREATE INDEX platform_users_username_trgm ON platform_users "
    "USING gin (username_norm gin_trgm_ops)",
]
