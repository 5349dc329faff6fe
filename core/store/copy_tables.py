"""What a store adapter's `tables` module offers `core/store/copying.py` for `copy-store`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import polars as pl

    from core.store.copying import Check


class TableStore(Protocol):
    """What an adapter's `tables` module offers for copying (in its unit of work's transaction)."""

    derived: frozenset[str]  # tables rebuilt from the others by `finish`, never copied

    def begin(self, reading: bool) -> None:
        """Prepare the open transaction for a long copy (reading: the source, else the target)."""

    def table_names(self) -> set[str]:
        """The names of the store's tables."""

    def columns(self, table: str) -> list[tuple[str, str]]:
        """A table's (column, kind) in the table's order; kind is INT, TEXT, BOOL or TIME."""

    def row_counts(self, tables: tuple[str, ...]) -> dict[str, int]:
        """How many rows each table holds (one statement)."""

    def chunks(self, table: str, columns: list[str], size: int) -> Iterator[pl.DataFrame]:
        """The table's rows, `size` at a time, as frames of `columns`."""

    def load(self, table: str, frame: pl.DataFrame) -> None:
        """Insert a frame's rows into the table (its columns by name)."""

    def totals(self, table: str, checks: list[Check]) -> list[object]:
        """Each check's value over the table, in order (one statement)."""

    def value_counts(self, table: str, column: str) -> dict[object, int]:
        """How many rows hold each value of a column."""

    def sequence_positions(self) -> dict[str, int]:
        """The last value each sequence handed out (0 for one never used)."""

    def advance_sequences(self, positions: dict[str, int]) -> None:
        """Make each sequence's next value greater than the position given."""

    def finish(self) -> None:
        """Rebuild derived data after loading (and whatever else the store wants then)."""
