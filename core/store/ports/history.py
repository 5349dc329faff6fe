"""The history repository's port: the batch list: filtered pages, counts, charts and exports."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # domain values; imported lazily so the port never pulls the domain in
    import polars as pl

    from core.batches.visibility import DraftScope
    from core.history.view import BatchFilter


class HistoryRepository(Protocol):
    """What domain code may ask the store about the batch list.

    Each read takes the view (filters and sort), the drafts the viewer sees and the viewer's
    time zone (date filters are local calendar days). The view's status filter may hold the
    code "paused" (core.history.terms.PAUSED): it matches the running batches that are paused.
    Row frames have the columns id, name, badge, badge_id, quest, quest_id, users, created_at,
    updated_at (UTC), created_by, status, progress (0-100, core.batches.rules.progress), paused
    (Boolean: a running batch the publisher leaves alone) and n_unpublished, n_in_progress,
    n_published, n_error, n_revoking, n_revoked.
    """

    def page(
        self, view: BatchFilter, scope: DraftScope, tz: str, limit: int, offset: int
    ) -> tuple[pl.DataFrame, int]:
        """Return `limit` sorted rows from `offset` (times in UTC) and how many rows match."""
        ...

    def every_row(self, view: BatchFilter, scope: DraftScope, tz: str) -> pl.DataFrame:
        """Return every matching row, sorted as the view asks (times in UTC)."""
        ...

    def status_counts(self, view: BatchFilter, scope: DraftScope, tz: str) -> dict[str, int]:
        """Return how many matching batches have each status (statuses with none left out).

        "paused" counts the paused ones, which are also counted under their own status.
        """
        ...

    def weekly_unlocks(
        self, view: BatchFilter, scope: DraftScope, tz: str, no_badge: str
    ) -> pl.DataFrame:
        """Return unlocks and revokes of the matching batches per week (in tz) and badge name.

        Columns: week (the Monday), iso_week ('2026-W14'), badge (`no_badge` if none), unlocks
        (every unlock made, revoked or not) and revokes (unlocks taken back that week).
        """
        ...

    def monthly_unlocks(
        self, view: BatchFilter, scope: DraftScope, tz: str, no_badge: str
    ) -> pl.DataFrame:
        """Return weekly_unlocks' sums per calendar month (in tz): columns month (its 1st),
        badge, unlocks, revokes."""
        ...

    def badge_names(self, badge_ids: list[int]) -> dict[int, str]:
        """Return the names of these badges, by id (unknown ids left out)."""
        ...

    def quest_names(self, quest_ids: list[int]) -> dict[int, tuple[str, str]]:
        """Return (badge name, quest name) of these quests, by id (unknown ids left out)."""
        ...
