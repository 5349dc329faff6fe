"""The batch list's charts: unlocks per week (or month) by badge, net of revokes, and the
revokes; and batches by status, for the list's view."""

from __future__ import annotations

from dataclasses import dataclass

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


# Beyond a year of weeks the chart counts calendar months: a bar per week per badge over years
# is too thin to read, and the big store's 1,421 weekly bars (3 years, 9 badges) were 88 of the
# list run's 108 KB, which Vega drew again on every full run (bench/README.md, session 15).
WEEKS_SHOWN = 52


@dataclass(frozen=True)
class Timeline:
    """The unlocks chart's data: per week, or per calendar month over a longer span."""

    period: str  # "week" or "month"
    # start (the week's Monday, or the month's 1st), label ('2026-W14' or '2026-03'), badge,
    # unlocks (net of revokes), revokes; by start, then badge, "Other badges" last
    frame: pl.DataFrame


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
    return _net_of_revokes(
        _top_badges(weekly, ["week", "iso_week"], top_badges), ["week", "iso_week"]
    )


def unlocks_over_time(
    uow: UnitOfWork, viewer: Account, flt: BatchFilter, tz: str, top_badges: int | None = 8
) -> Timeline:
    """Return the chart's unlocks: unlocks_by_week's, or per calendar month (in tz) when the
    weeks with unlocks or revokes span more than WEEKS_SHOWN weeks."""
    weekly = unlocks_by_week(uow, viewer, flt, tz, top_badges)
    if weekly.is_empty() or _weeks_spanned(weekly["week"]) <= WEEKS_SHOWN:
        return Timeline("week", weekly.rename({"week": "start", "iso_week": "label"}))
    monthly = uow.history.monthly_unlocks(flt, reader_scope(viewer, tz), tz, OTHER_BADGES)
    monthly = _top_badges(monthly, ["month"], top_badges)
    frame = _net_of_revokes(monthly, ["month"]).rename({"month": "start"})
    label = pl.col("start").dt.strftime("%Y-%m").alias("label")
    return Timeline("month", frame.select("start", label, pl.exclude("start")))


def _weeks_spanned(mondays: pl.Series) -> int:
    """How many weeks from the first Monday's to the last's, both counted."""
    return (mondays.max() - mondays.min()).days // 7 + 1  # type: ignore[operator]


def _top_badges(frame: pl.DataFrame, keys: list[str], top_badges: int | None) -> pl.DataFrame:
    """Badges beyond the `top_badges` with the most unlocks and revokes, as "Other badges"."""
    # Ranked by all they did, so a badge whose unlocks were mostly revoked keeps its colour.
    totals = (
        frame.group_by("badge")
        .agg((pl.col("unlocks") + pl.col("revokes")).sum().alias("done"))
        .sort(["done", "badge"])
    )
    if top_badges is None or totals.height <= top_badges:
        return frame
    kept = totals.filter(pl.col("badge") != OTHER_BADGES).tail(top_badges)["badge"]
    return (
        frame.with_columns(
            pl.when(pl.col("badge").is_in(kept.implode()))
            .then(pl.col("badge"))
            .otherwise(pl.lit(OTHER_BADGES))
            .alias("badge")
        )
        .group_by(*keys, "badge")
        .agg(pl.col("unlocks").sum(), pl.col("revokes").sum())
    )


def _net_of_revokes(frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Unlocks less the period's revokes, sorted by period, then badge ("Other badges" last)."""
    net = (pl.col("unlocks") - pl.col("revokes")).alias("unlocks")
    return frame.sort(keys[0], pl.col("badge") == OTHER_BADGES, "badge").select(
        *keys, "badge", net, "revokes"
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
