"""The batch list's charts (unlocks per week or month by badge net of revokes, with the
revokes; batches by status) and the Badges chart.

Each is a Vega-Lite spec and the frame it draws, for `st.vega_lite_chart`. They were Altair
charts: Altair validates every chart against the Vega-Lite JSON schema as it is sent, which
with its conversion to pandas took a quarter of a list page's run (py-spy, 100,000 batches).
The specs are checked against that schema once, by the tests (tests/unit/test_batch_charts.py).
"""

from __future__ import annotations

from typing import Any

import polars as pl

from core import words
from core.batches import rules
from core.history.charts import OTHER_BADGES, Timeline
from core.history.terms import PAUSED

# Status colours as the list's words suggest them: waiting blue, running orange, done green,
# done with errors red, drafts grey; undone violet to brown, paused (a brake) yellow.
_STATUS_COLOURS = {
    rules.DRAFT: "#9e9e9e",
    rules.UNPUBLISHED: "#4c78a8",
    rules.IN_PROGRESS: "#f58518",
    rules.PUBLISHED: "#54a24b",
    rules.PARTIALLY_PUBLISHED: "#e45756",
    rules.REVOKING: "#b279a2",
    rules.REVOKED: "#9d755d",
    rules.PARTIALLY_REVOKED: "#ff9da6",
    PAUSED: "#eeca3b",
}
_BADGE_COLOURS = [
    "#6c3fd1", "#4c78a8", "#f58518", "#54a24b", "#e45756",
    "#72b7b2", "#eeca3b", "#b279a2", "#ff9da6", "#9d755d",
]  # fmt: skip
_OTHER_COLOUR = "#c7c7c7"
_REVOKED_COLOUR = "#222222"  # the revokes' line: dark, over bars of any badge colour


Spec = dict[str, Any]


def _field(name: str, kind: str, title: str | None, **more: object) -> dict[str, object]:
    return {"field": name, "type": kind, "title": title, **more}


# Each period's words: the chart's title, the x axis' title and date format, the tooltip's name.
_PERIODS = {
    "week": ("Unlocks per week", "Week (starting Monday)", "%Y-%m-%d", "Week"),
    "month": ("Unlocks per month", "Month", "%Y-%m", "Month"),
}


# At most this many labelled weeks on the axis (more overlap at the chart's width).
_WEEK_TICKS = 8


def _week_ticks(mondays: pl.Series) -> list[dict[str, object]]:
    """Every k-th of the chart's weeks (their Mondays, as Vega-Lite's UTC dates), ≤ _WEEK_TICKS."""
    days = mondays.unique().sort().to_list()
    step = -(-len(days) // _WEEK_TICKS) or 1
    return [
        {"year": day.year, "month": day.month, "date": day.day, "utc": True} for day in days[::step]
    ]


def unlocks_over_time(timeline: Timeline) -> tuple[pl.DataFrame, Spec]:
    """Stacked bars of unlocks per week (or month) net of revokes, one colour per badge, the
    biggest badges first; the period's revokes as a line of their own ("Revoked") when any.

    `timeline` is core.history.charts.unlocks_over_time's (unlocks net, revokes).
    """
    frame = timeline.frame
    title, axis_title, axis_format, name = _PERIODS[timeline.period]
    order = (
        frame.group_by("badge")
        .agg((pl.col("unlocks") + pl.col("revokes")).sum().alias("done"))
        .sort(pl.col("badge") == OTHER_BADGES, -pl.col("done"), "badge")["badge"]
        .to_list()
    )
    colours = [
        _OTHER_COLOUR if badge == OTHER_BADGES else _BADGE_COLOURS[i % len(_BADGE_COLOURS)]
        for i, badge in enumerate(order)
    ]
    revoked = bool(frame.height) and int(frame["revokes"].sum()) > 0
    # One colour scale for both layers, so the legend lists the badges and then "Revoked".
    scale = {
        "domain": [*order, words.REVOKED] if revoked else order,
        "range": [*colours, _REVOKED_COLOUR] if revoked else colours,
    }
    rank = {badge: i for i, badge in enumerate(order)}
    if timeline.period == "week":  # the tooltip names the week as the axis does, by its Monday
        frame = frame.with_columns(
            pl.format("{} (from {})", "label", pl.col("start").dt.strftime("%Y-%m-%d"))
        )
    data = frame.with_columns(
        pl.col("badge").replace_strict(rank, return_dtype=pl.Int32).alias("rank"),
        # A timestamp, not a date: Vega-Lite reads Arrow timestamps as instants (ms).
        pl.col("start").cast(pl.Datetime("ms")),
    )
    start = _field("start", "temporal", axis_title, axis={"format": axis_format})
    # A period's first day is sent as midnight UTC: read in UTC, not in the browser's zone,
    # which west of UTC would put a month's 1st in the month before.
    if timeline.period == "month":
        start["timeUnit"] = "utcyearmonth"  # and a bar as wide as its month
    else:
        # Vega's own week ticks fall on Sundays: label the bars' Mondays instead.
        start["scale"] = {"type": "utc"}
        start["axis"]["values"] = _week_ticks(frame["start"])
    bars: Spec = {
        "mark": {"type": "bar"},
        "encoding": {
            "x": start,
            "y": _field(
                "unlocks",
                "quantitative",
                "Unlocks, net of revokes",
                axis={"format": ",d", "tickMinStep": 1},
            ),
            "color": _field("badge", "nominal", words.BADGE, scale=scale, sort=order),
            "order": {"field": "rank", "type": "quantitative", "sort": "ascending"},
            "tooltip": [
                _field("label", "nominal", name),
                _field("badge", "nominal", words.BADGE),
                _field("unlocks", "quantitative", "Unlocks, net of revokes", format=","),
                _field("revokes", "quantitative", f"Revoked that {timeline.period}", format=","),
            ],
        },
    }
    # The period's revokes of every badge together (summed over its rows by Vega-Lite).
    # A month's bar spans its month: its revokes' point goes to the bar's middle, not its 1st.
    line_x = {**start, "bandPosition": 0.5} if timeline.period == "month" else start
    revokes: Spec = {
        "mark": {"type": "line", "point": True, "strokeDash": [4, 2]},
        "encoding": {
            "x": line_x,
            "y": _field("revokes", "quantitative", "Unlocks, net of revokes", aggregate="sum"),
            # The bars' colour scale, shared (the layers' default), gives "Revoked" its colour.
            "color": {"datum": words.REVOKED, "type": "nominal", "title": words.BADGE},
            "tooltip": [
                _field("label", "nominal", name),
                _field("revokes", "quantitative", words.REVOKED, aggregate="sum", format=","),
            ],
        },
    }
    spec: Spec = {
        "title": f"{title}, by badge, net of revokes",
        "layer": [bars, revokes] if revoked else [bars],
    }
    return data, spec


def batches_by_status(by_status: pl.DataFrame) -> tuple[pl.DataFrame, Spec]:
    """Horizontal bars: how many filtered batches have each status, in lifecycle order."""
    labels = by_status["label"].to_list()
    spec: Spec = {
        "title": "Batches by status",
        "mark": {"type": "bar"},
        "encoding": {
            "x": _field(
                "batches", "quantitative", "Batches", axis={"format": ",d", "tickMinStep": 1}
            ),
            "y": _field("label", "nominal", None, sort=labels),
            "color": _field(
                "label",
                "nominal",
                None,
                legend=None,
                scale={
                    "domain": labels,
                    "range": [_STATUS_COLOURS[s] for s in by_status["status"]],
                },
            ),
            "tooltip": [
                _field("label", "nominal", words.STATUS),
                _field("batches", "quantitative", "Batches", format=","),
            ],
        },
    }
    return by_status, spec


def unlocks_per_badge(per_badge: pl.DataFrame) -> tuple[pl.DataFrame, Spec]:
    """The Badges page's bars: users unlocked per badge, most first (columns badge, unlocks)."""
    spec: Spec = {
        "title": "Unlocks per badge",
        "mark": {"type": "bar"},
        "encoding": {
            "x": _field("unlocks", "quantitative", "Users unlocked", axis={"format": ",d"}),
            "y": _field("badge", "nominal", None, sort="-x"),
            "tooltip": [
                _field("badge", "nominal", words.BADGE),
                _field("unlocks", "quantitative", "Users unlocked", format=","),
            ],
        },
    }
    return per_badge, spec
