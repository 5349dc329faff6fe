"""Login failures per (typed username, client address), and account emails unique in any case.

Failures move out of `accounts` (whose `failed_attempts` / `locked_until` let five guesses by
anyone lock an account for everyone) into `login_failures`, one row per typed name and client
address, shared by every process that opens the store (core.access.throttle).

Emails become unique ignoring case, because single sign-on maps an email to exactly one account.
A file that already holds two accounts with one email keeps it on the oldest account (then the
first username) and clears it on the others; each clearing is written to the audit log so an
admin can see whose email to set again. DuckDB refuses to build an index in a transaction that
has updated the table, so the table is rebuilt (same rows) and indexed in this one transaction.
"""

VERSION = 4

STATEMENTS = [
    # name_key: sha256 of the typed username, known or not (so an unknown name is throttled like
    # a real one, and a password typed into the username box is never stored as typed).
    """CREATE TABLE login_failures (
        name_key VARCHAR NOT NULL,
        address VARCHAR NOT NULL,
        failures INTEGER NOT NULL DEFAULT 0,   -- attempts counted since the last block
        blocks INTEGER NOT NULL DEFAULT 0,     -- how often this pair was blocked: the window grows
        blocked_until TIMESTAMPTZ,
        last_failure_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (name_key, address)
    )""",
    """INSERT INTO audit_log (actor, action, detail)
       SELECT 'upgrade', 'account email cleared',
              'The account ' || username || ' shared its email ' || email || ' with the older '
              || 'account ' || keeper || ', which keeps it. Set another email for '
              || username || ' if it uses single sign-on.'
       FROM (SELECT username, trim(email) AS email,
                    first(username) OVER (PARTITION BY lower(trim(email))
                                          ORDER BY created_at, username) AS keeper,
                    row_number() OVER (PARTITION BY lower(trim(email))
                                       ORDER BY created_at, username) AS rn
             FROM accounts WHERE trim(email) <> '')
       WHERE rn > 1""",
    """CREATE TABLE accounts_m004 (
        username VARCHAR PRIMARY KEY,
        password_hash VARCHAR NOT NULL,
        role VARCHAR NOT NULL,
        email VARCHAR,
        created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
    )""",
    """INSERT INTO accounts_m004 (username, password_hash, role, email, created_at)
       SELECT username, password_hash, role,
              CASE WHEN coalesce(trim(email), '') = '' THEN NULL
                   WHEN row_number() OVER (PARTITION BY lower(trim(email))
                                           ORDER BY created_at, username) = 1 THEN trim(email)
              END,
              created_at
       FROM accounts""",
    "DROP TABLE accounts",
    "ALTER TABLE accounts_m004 RENAME TO accounts",
    "CREATE UNIQUE INDEX accounts_email_unique ON accounts (lower(email))",
]
