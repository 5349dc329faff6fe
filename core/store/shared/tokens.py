"""The tokens repository's SQL, once for both stores: API tokens (issue 17), stored hashed.

Mixed into each adapter's class (`core/store/duckdb/tokens.py`, `core/store/postgres/tokens.py`)
before its `Repository`, whose `sql`, `rows` and `scalar` it runs on.
"""

from __future__ import annotations

from datetime import datetime

from core.store.ports.tokens import TokenRecord

_COLUMNS = (
    "t.id, t.name, t.username, t.read_only, t.created_at, t.expires_at, t.last_used_at, "
    "t.revoked_at, t.prefix"
)


class SharedTokens:
    """The SQL behind `core.store.ports.tokens.TokensRepository`."""

    def lock_account(self, username: str) -> bool:
        """Lock an account's row until the transaction ends; tell whether the account exists."""
        # A write that changes nothing: a second transaction writing the row conflicts.
        found = self.rows(
            self.sql("UPDATE accounts SET role = role WHERE username = ? RETURNING username"),
            [username],
        )
        return bool(found)

    def live_named(self, username: str, name: str, now: datetime) -> bool:
        """Tell whether the account has a token of this name neither revoked nor expired at `now`."""
        return bool(
            self.rows(
                self.sql(
                    "SELECT 1 FROM api_tokens WHERE username = ? AND name = ? "
                    "AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)"
                ),
                [username, name, now],
            )
        )

    def insert(
        self,
        token_hash: str,
        prefix: str,
        username: str,
        name: str,
        read_only: bool,
        created_at: datetime,
        expires_at: datetime | None,
    ) -> int:
        """Store a new token (inside the caller's transaction); return its id."""
        return self.scalar(
            self.sql(
                "INSERT INTO api_tokens (token_hash, prefix, username, name, read_only, "
                "created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id"
            ),
            [token_hash, prefix, username, name, read_only, created_at, expires_at],
        )

    def get(self, token_id: int) -> TokenRecord | None:
        """One token by id, or None."""
        found = self.rows(
            self.sql(f"SELECT {_COLUMNS} FROM api_tokens t WHERE t.id = ?"), [token_id]
        )
        return TokenRecord(*found[0]) if found else None

    def of_account(self, username: str) -> list[TokenRecord]:
        """Every token of an account (revoked and expired ones too), newest first."""
        found = self.rows(
            self.sql(
                f"SELECT {_COLUMNS} FROM api_tokens t WHERE t.username = ? ORDER BY t.id DESC"
            ),
            [username],
        )
        return [TokenRecord(*row) for row in found]

    def by_hash(self, token_hash: str) -> tuple[TokenRecord, str | None] | None:
        """The token with this hash and its account's role now (None if the account is gone)."""
        found = self.rows(
            self.sql(
                f"SELECT {_COLUMNS}, a.role FROM api_tokens t "
                "LEFT JOIN accounts a ON a.username = t.username WHERE t.token_hash = ?"
            ),
            [token_hash],
        )
        return (TokenRecord(*found[0][:-1]), found[0][-1]) if found else None

    def mark_revoked(self, token_id: int, now: datetime) -> None:
        """Set a token's revoked time (inside the caller's transaction)."""
        self.rows(
            self.sql("UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL"),
            [now, token_id],
        )

    def touch(self, token_id: int, now: datetime, unless_since: datetime) -> None:
        """Set a token's last use to `now` unless it was used at or after `unless_since`."""
        self.rows(
            self.sql(
                "UPDATE api_tokens SET last_used_at = ? WHERE id = ? "
                "AND (last_used_at IS NULL OR last_used_at < ?)"
            ),
            [now, token_id, unless_since],
        )
