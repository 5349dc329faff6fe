"""The batch list's charts: unlocks per week by badge, and batches by status."""

from __future__ import annotations

import altair as alt
import polars as pl

from core import words
from core.batches import rules
from core.history.charts import OTHER_BADGES

# Status colours as the list's words suggest them: waiting blue, running orange, done green,
# done with errors red, drafts grey.
_STATUS_COLOURS = {
    rules.DRAFT: "#9e9e9e",
    rules.UNPUBLISHED: "#4c78a8",
    rules.IN_PROGRESS: "#f58518",
    rules.PUBLISHED: "#54a24b",
    rules.PARTIALLY_PUBLISHED: "#e45756",
}
_BADGE_COLOURS = [
    "#6c3fd1", "#4c78a8", "#f58518", "#54a24b", "#e45756",
    "#72b7b2", "#eeca3b", "#b279a2", "#ff9da6", "#9d755d",
]  # fmt: skip
_OTHER_COLOUR = "#c7c7c7"


def weekly_unlocks(weekly: pl.DataFrame) -> alt.Chart:
    """Stacked bars of unlocks per week, one colour per badge, the biggest badges first."""
    order = (
        weekly.group_by("badge")
        .agg(pl.col("unlocks").sum())
        .sort(pl.col("badge") == OTHER_BADGES, -pl.col("unlocks"), "badge")["badge"]
        .to_list()
    )
    colours = [
        _OTHER_COLOUR if badge == OTHER_BADGES else _BADGE_COLOURS[i % len(_BADGE_COLOURS)]
        for i, badge in enumerate(order)
    ]
    rank = {badge: i for i, badge in enumerate(order)}
    data = weekly.with_columns(
        pl.col("badge").replace_strict(rank, return_dtype=pl.Int32).alias("rank")
    )
    return (
        alt.Chart(data.to_pandas(), title="Unlocks per week, by badge")
        .mark_bar()
        .encode(
            x=alt.X("week:T", title="Week (starting Monday)", axis=alt.Axis(format="%Y-%m-%d")),
            y=alt.Y("unlocks:Q", title="Unlocks", axis=alt.Axis(format=",d", tickMinStep=1)),
            color=alt.Color(
                "badge:N",
                title=words.BADGE,
                scale=alt.Scale(domain=order, range=colours),
                sort=order,
            ),
            order=alt.Order("rank:Q", sort="ascending"),
            tooltip=[
                alt.Tooltip("iso_week:N", title="Week"),
                alt.Tooltip("badge:N", title=words.BADGE),
                alt.Tooltip("unlocks:Q", title="Unlocks", format=","),
            ],
        )
    )


def batches_by_status(by_status: pl.DataFrame) -> alt.Chart:
    """Horizontal bars: how many filtered batches have each status, in lifecycle order."""
    return (
        alt.Chart(by_status.to_pandas(), title="Batches by status")
        .mark_bar()
        .encode(
            x=alt.X("batches:Q", title="Batches", axis=alt.Axis(format=",d", tickMinStep=1)),
            y=alt.Y("label:N", title=None, sort=by_status["label"].to_list()),
            color=alt.Color(
                "label:N",
                legend=None,
                scale=alt.Scale(
                    domain=by_status["label"].to_list(),
                    range=[_STATUS_COLOURS[s] for s in by_status["status"]],
                ),
            ),
            tooltip=[
                alt.Tooltip("label:N", title=words.STATUS),
                alt.Tooltip("batches:Q", title="Batches", format=","),
            ],
        )
    )
