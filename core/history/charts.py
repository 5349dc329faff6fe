"""The batch list's charts: unlocks per week by badge (net of revokes, and the revokes), and
batches by status, for the list's view."""

from __future__ import annotations

import polars as pl

from core.access.roles import Account
from core.batches import rules
from core.history.listing import reader_scope
from core.history.terms import FILTER_CODES, FILTER_WORDS, PAUSED
from core.history.view import BatchFilter
from core.store.ports import UnitOfWork

OTHER_BADGES = "Other badges"
# Statuses the status chart shows only when some batch matches: drafts (not everyone sees
# them), undo's statuses (so a deployment that never revokes sees the spec's four alone) and
# "Paused" (a filter over the running ones, whose batches are also counted under their status).
_SHOWN_WHEN_ANY = (
    rules.DRAFT,
    rules.REVOKING,
    rules.REVOKED,
    rules.PARTIALLY_REVOKED,
    PAUSED,
)


def unlocks_by_week(
    uow: UnitOfWork, viewer: Account, flt: BatchFilter, tz: str, top_badges: int | None = 8
) -> pl.DataFrame:
    """Return unlocks of the filtered batches per ISO week (in tz) and badge, net of revokes.

    Columns: week (the week's Monday), iso_week ('2026-W14'), badge, unlocks (made that week
    less revoked that week: negative when more were revoked), revokes (revoked that week); by
    week, then badge. Beyond the `top_badges` with the most unlocks and revokes, badges add up
    as "Other badges" (a chart has that many distinct colours; None keeps every badge).
    """
    weekly = uow.history.weekly_unlocks(flt, reader_scope(viewer, tz), tz, OTHER_BADGES)
    # Ranked by all they did, so a badge whose unlocks were mostly revoked keeps its colour.
    totals = (
        weekly.group_by("badge")
        .agg((pl.col("unlocks") + pl.col("revokes")).sum().alias("done"))
        .sort(["done", "badge"])
    )
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
            .agg(pl.col("unlocks").sum(), pl.col("revokes").sum())
        )
    return weekly.sort("week", pl.col("badge") == OTHER_BADGES, "badge").select(
        "week",
        "iso_week",
        "badge",
        (pl.col("unlocks") - pl.col("revokes")).alias("unlocks"),
        "revokes",
    )


def batches_by_status(uow: UnitOfWork, viewer: Account, flt: BatchFilter, tz: str) -> pl.DataFrame:
    """Return how many filtered batches have each status: columns status, label, batches.

    The spec's four statuses always appear (0 included) so the chart's axis stays put; "Draft",
    the revoke statuses and "Paused" (last) appear only when some batch matches. A paused batch
    counts under its status and under "Paused".
    """
    counts = uow.history.status_counts(flt, reader_scope(viewer, tz), tz)
    codes = [c for c in FILTER_CODES if c not in _SHOWN_WHEN_ANY or counts.get(c)]
    return pl.DataFrame(
        {
            "status": codes,
            "label": [FILTER_WORDS[c] for c in codes],
            "batches": [counts.get(c, 0) for c in codes],
        },
        schema={"status": pl.String, "label": pl.String, "batches": pl.Int64},
    )
