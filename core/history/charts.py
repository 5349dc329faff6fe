"""The batch list's charts: unlocks per week by badge, and batches by status, for the list's view."""

from __future__ import annotations

import polars as pl

from core.access.roles import Account
from core.batches import rules
from core.history.listing import reader_scope
from core.history.terms import STATUS_CODES
from core.history.view import BatchFilter
from core.store.ports import UnitOfWork

OTHER_BADGES = "Other badges"


def unlocks_by_week(
    uow: UnitOfWork, viewer: Account, flt: BatchFilter, tz: str, top_badges: int | None = 8
) -> pl.DataFrame:
    """Return unlocks of the filtered batches per ISO week (in tz) and badge.

    Columns: week (the week's Monday), iso_week ('2026-W14'), badge, unlocks; by week, then
    badge. Beyond the `top_badges` with the most unlocks, badges add up as "Other badges" (a
    chart has that many distinct colours; None keeps every badge).
    """
    weekly = uow.history.weekly_unlocks(flt, reader_scope(viewer, tz), tz, OTHER_BADGES)
    totals = weekly.group_by("badge").agg(pl.col("unlocks").sum()).sort(["unlocks", "badge"])
    if top_badges is not None and totals.height > top_badges:
        kept = totals.filter(pl.col("badge") != OTHER_BADGES).tail(top_badges)["badge"]
        weekly = (
            weekly.with_columns(
                pl.when(pl.col("badge").is_in(kept.implode()))
                .then(pl.col("badge"))
                .otherwise(pl.lit(OTHER_BADGES))
                .alias("badge")
            )
            .group_by("week", "iso_week", "badge")
            .agg(pl.col("unlocks").sum())
        )
    return weekly.sort("week", pl.col("badge") == OTHER_BADGES, "badge").select(
        "week", "iso_week", "badge", "unlocks"
    )


def batches_by_status(uow: UnitOfWork, viewer: Account, flt: BatchFilter, tz: str) -> pl.DataFrame:
    """Return how many filtered batches have each status: columns status, label, batches.

    The spec's four statuses always appear (0 included) so the chart's axis stays put; "Draft"
    appears only when some draft matches.
    """
    counts = uow.history.status_counts(flt, reader_scope(viewer, tz), tz)
    codes = [c for c in STATUS_CODES if c != rules.DRAFT or counts.get(c)]
    return pl.DataFrame(
        {
            "status": codes,
            "label": [rules.status_label(c) for c in codes],
            "batches": [counts.get(c, 0) for c in codes],
        },
        schema={"status": pl.String, "label": pl.String, "batches": pl.Int64},
    )
