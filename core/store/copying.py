"""Copying a whole store into an empty one (`copy-store`), whatever the two stores are.

Store-neutral: what is copied, in which order and what must match; each adapter's `tables` moves
a table's rows in bounded chunks of polars frames, totals them, sets its sequences. One transaction
reads the source (a snapshot), one writes the target, checked before commit (a failure: empty).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from core.errors import InputError, StoreUnavailable

if TYPE_CHECKING:
    from core.store.copy_tables import TableStore
    from core.store.ports import UnitOfWork

# Every table that holds data, in copying order (no foreign keys: any order works); SEQUENCES
# maps each sequence to the table whose `id` it hands out.
TABLES = ("platform_users", "badges", "quests", "batches", "batch_users", "unlocks",
          "unlock_counts", "revocations", "revoke_counts", "accounts", "sessions",
          "login_failures", "settings", "audit_log", "api_tokens", "api_idempotency",
          "webhooks", "webhook_deliveries", "webhook_attempts")  # fmt: skip
SCHEMA_TABLE = "schema_version"  # not copied: opening each store brings it to the latest version
SEQUENCES = {"badge_id_seq": "badges", "quest_id_seq": "quests", "batch_id_seq": "batches",
             "audit_id_seq": "audit_log", "api_token_id_seq": "api_tokens",
             "webhook_id_seq": "webhooks", "webhook_delivery_id_seq": "webhook_deliveries"}  # fmt: skip
# Columns whose rows are also counted per value (a status moved to another would keep the totals).
COUNTED_PER_VALUE = {"batches": "status", "batch_users": "status", "accounts": "role"}
CHUNK_ROWS = 50_000

# Column kinds the adapters map their SQL types onto, and the totals checked for each kind.
INT, TEXT, BOOL, TIME = "int", "text", "bool", "time"
CHECKS_BY_KIND = {INT: ("filled", "sum", "max"), TEXT: ("filled", "length"),
                  BOOL: ("filled", "true"), TIME: ("filled", "min", "max")}  # fmt: skip
# What each check is, in the words of a mismatch message.
CHECK_WORDS = {"rows": "row count", "filled": "number of values (not NULL)", "sum": "sum",
               "max": "highest value", "min": "lowest value", "length": "total length",
               "true": "number of true values"}  # fmt: skip


@dataclass(frozen=True)
class Check:
    """One total of a table: an aggregate ("rows", "sum", "length", …) over a column (or none)."""

    aggregate: str
    column: str | None = None

    def words(self, table: str) -> str:
        """The check in a sentence: "the sum of batches.n_users"."""
        what = CHECK_WORDS[self.aggregate]
        return f"the {what} of {table}" + (f".{self.column}" if self.column else "")


class CopyFailed(StoreUnavailable):
    """The copy could not be written or did not match its source; nothing was copied."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "the copy of the store failed")


def tables_of(uow: UnitOfWork) -> TableStore:
    """The copying side of a unit of work's adapter (found by the adapter's package, no driver here)."""
    for cls in type(uow).__mro__:
        for adapter in ("duckdb", "postgres"):
            if cls.__module__.startswith(f"core.store.{adapter}."):
                module = importlib.import_module(f"core.store.{adapter}.tables")
                return module.TABLES_CLASS(uow)
    raise TypeError(f"copy-store knows no adapter for {type(uow).__name__}")


def copy_store(
    source: UnitOfWork,
    target: UnitOfWork,
    source_name: str = "source store",
    target_name: str = "target store",
    chunk_rows: int = CHUNK_ROWS,
) -> dict[str, int]:
    """Copy every table of `source` into the empty `target` in one transaction; return rows per table.

    Refused (InputError) if the schema versions differ or the target holds any row; a failed write
    or totals that differ raise `CopyFailed`, the target rolled back. Names are for messages.
    """
    versions = source.schema_version(), target.schema_version()
    if versions[0] != versions[1]:
        raise InputError(
            f"The {source_name} is at schema version {versions[0]} but the {target_name} at "
            f"version {versions[1]}: run `python -m core --db … init` with this Batch Unlock on "
            "both (it upgrades each to the latest version), then copy again."
        )
    copy = _Copy(tables_of(source), tables_of(target), source_name, target_name, chunk_rows)

    def read(_: UnitOfWork) -> dict[str, int]:
        copy.reader.begin(reading=True)
        copy.read_columns()
        return target.transaction(lambda _: copy.write())

    return source.transaction(read)


@dataclass
class _Copy:
    """One copy under way: both sides, the stores' names for messages, each table's columns."""

    reader: TableStore
    writer: TableStore
    source_name: str
    target_name: str
    chunk_rows: int
    columns: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    def read_columns(self) -> None:
        """Each table's columns, the same in both stores (else refused: the schemas differ)."""
        for side, name in ((self.reader, self.source_name), (self.writer, self.target_name)):
            unknown = side.table_names() - set(TABLES) - {SCHEMA_TABLE} - side.derived
            missing = set(TABLES) - side.table_names()
            if unknown or missing:
                what = "has tables copy-store does not know" if unknown else "lacks tables"
                raise InputError(
                    f"The {name} {what} ({', '.join(sorted(unknown or missing))}): it is not a "
                    "Batch Unlock store of this version. Nothing was copied."
                )
        for table in TABLES:
            theirs, ours = self.reader.columns(table), self.writer.columns(table)
            if set(theirs) != set(ours):
                differ = ", ".join(sorted(f"{n} {kind}" for n, kind in set(theirs) ^ set(ours)))
                raise InputError(
                    f"The table {table} has other columns in the {self.source_name} than in the "
                    f"{self.target_name} ({differ}). Nothing was copied."
                )
            self.columns[table] = theirs

    def write(self) -> dict[str, int]:
        """The target's transaction: refuse rows already there, load, check, finish, set sequences."""
        self.writer.begin(reading=False)
        self.refuse_rows(self.writer.row_counts(TABLES))
        for table in TABLES:
            names = [name for name, _ in self.columns[table]]
            # Closed at once on a failure, so the source's rollback finds no half-read result.
            with contextlib.closing(self.reader.chunks(table, names, self.chunk_rows)) as frames:
                for frame in frames:
                    self.writer.load(table, frame)
        copied, highest = self.check()
        self.writer.finish()
        # Last: neither store takes back values drawn from a sequence when it rolls back.
        used = self.reader.sequence_positions()
        self.writer.advance_sequences(
            {seq: max(used.get(seq, 0), highest[table]) for seq, table in SEQUENCES.items()}
        )
        return copied

    def refuse_rows(self, counts: dict[str, int]) -> None:
        """Refuse a target that holds any row, naming the tables that do."""
        full = [(table, n) for table, n in counts.items() if n]
        if not full:
            return
        table, n = full[0]
        others = f" (and {len(full) - 1} more tables have rows)" if len(full) > 1 else ""
        raise InputError(
            f"The {self.target_name} is not empty: its table {table} has {n:,} rows{others}. "
            "copy-store copies only into an empty store, so nothing was copied. Point --to at a "
            "new data file or at an empty PostgreSQL database (`createdb NAME`), or empty this "
            "one first."
        )

    def check(self) -> tuple[dict[str, int], dict[str, int]]:
        """Compare counts and totals of every table on both sides; return rows and highest ids."""
        copied, highest = {}, {}
        for table in TABLES:
            checks = [Check("rows")] + [
                Check(aggregate, name)
                for name, kind in self.columns[table]
                for aggregate in CHECKS_BY_KIND[kind]
            ]
            theirs = [_plain(v) for v in self.reader.totals(table, checks)]
            ours = [_plain(v) for v in self.writer.totals(table, checks)]
            for check, a, b in zip(checks, theirs, ours, strict=True):
                if a != b:
                    self.mismatch(check.words(table), a, b)
            if column := COUNTED_PER_VALUE.get(table):
                a, b = (
                    self.reader.value_counts(table, column),
                    self.writer.value_counts(table, column),
                )
                if a != b:
                    self.mismatch(f"the rows per {column} of {table}", a, b)
            copied[table] = theirs[0]
            if table in SEQUENCES.values():
                highest[table] = theirs[checks.index(Check("max", "id"))] or 0
        return copied, highest

    def mismatch(self, what: str, theirs: object, ours: object) -> None:
        """Refuse to commit a copy that differs from its source."""
        raise CopyFailed(
            f"The copy did not match its source: {what} is {theirs} in the {self.source_name} but "
            f"{ours} in the {self.target_name}. Nothing was copied (the {self.target_name} was left "
            "as it was). Please report this with both stores' locations."
        )


def _plain(value: object) -> object:
    """A total as both stores can compare it: whole numbers as int, times as UTC instants."""
    if isinstance(value, Decimal):
        return int(value)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC)
    return value
