"""Login failures per (typed username, client address), and account emails unique in any case (as DuckDB's m004)."""

VERSION = 4

STATEMENTS = [
    """CREATE TABLE login_failures (
        name_key TEXT NOT NULL,
        address TEXT NOT NULL,
        failures INTEGER NOT NULL DEFAULT 0,
        blocks INTEGER NOT NULL DEFAULT 0,
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
                    first_value(username) OVER (PARTITION BY lower(trim(email))
                                                ORDER BY created_at, username) AS keeper,
                    row_number() OVER (PARTITION BY lower(trim(email))
                                       ORDER BY created_at, username) AS rn
             FROM accounts WHERE trim(email) <> '') AS shared
       WHERE rn > 1""",
    """UPDATE accounts a SET email = CASE WHEN s.rn = 1 THEN s.email END
       FROM (SELECT username, nullif(trim(email), '') AS email,
                    row_number() OVER (PARTITION BY lower(trim(email))
                                       ORDER BY created_at, username) AS rn
             FROM accounts) AS s
       WHERE a.username = s.username""",
    "ALTER TABLE accounts DROP COLUMN failed_attempts, DROP COLUMN locked_until",
    "CREATE UNIQUE INDEX accounts_email_unique ON accounts (lower(email))",
]
