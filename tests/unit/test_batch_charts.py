"""The charts' Vega-Lite specs: valid against Vega-Lite's schema, with the data they name."""

from __future__ import annotations

from datetime import date, timedelta

import altair as alt
import polars as pl
import pytest

from core.history.charts import OTHER_BADGES, Timeline
from pages.ui import batch_charts

WEEKLY = pl.DataFrame(
    {
        "start": [date(2026, 11, 23), date(2026, 11, 23), date(2026, 11, 30)],
        "label": ["2026-W48", "2026-W48", "2026-W49"],
        "badge": ["Bug hunter", OTHER_BADGES, "Bug hunter"],
        "unlocks": [5, 2, -3],  # net of revokes: more revoked than unlocked in W49
        "revokes": [0, 1, 10],
    }
)
NO_REVOKES = WEEKLY.with_columns(revokes=pl.lit(0, pl.Int64))
MONTHLY = WEEKLY.with_columns(
    start=pl.Series([date(2026, 11, 1), date(2026, 11, 1), date(2026, 12, 1)]),
    label=pl.Series(["2026-11", "2026-11", "2026-12"]),
)
BY_STATUS = pl.DataFrame(
    {
        "status": ["unpublished", "in_progress", "published", "partially_published"],
        "label": ["Unpublished", "In Progress", "Published", "Partially published"],
        "batches": [1, 0, 9, 2],
    }
)
PER_BADGE = pl.DataFrame({"badge": ["Bug hunter", "Team player"], "unlocks": [12, 3]})


@pytest.mark.parametrize(
    "chart",
    [
        lambda: batch_charts.unlocks_over_time(Timeline("week", WEEKLY)),
        lambda: batch_charts.unlocks_over_time(Timeline("month", MONTHLY)),
        lambda: batch_charts.batches_by_status(BY_STATUS),
        lambda: batch_charts.unlocks_per_badge(PER_BADGE),
    ],
    ids=["weekly", "monthly", "by status", "per badge"],
)
def test_each_chart_is_valid_vega_lite_over_columns_its_data_has(chart):
    data, spec = chart()
    # Altair checks a chart against the Vega-Lite schema; st.vega_lite_chart adds the data.
    kind = alt.LayerChart if "layer" in spec else alt.Chart
    kind.from_dict({**spec, "data": {"name": "rows"}})
    fields: set[str] = set()
    for unit in spec.get("layer", [spec]):
        encoding = unit["encoding"]
        fields |= {c["field"] for c in encoding.values() if isinstance(c, dict) and "field" in c}
        fields |= {t["field"] for t in encoding.get("tooltip", [])}
    assert fields <= set(data.columns)


def test_the_weekly_chart_puts_other_badges_last_and_sends_weeks_as_instants():
    data, spec = batch_charts.unlocks_over_time(Timeline("week", NO_REVOKES))
    bars = spec["layer"][0]["encoding"]
    assert bars["color"]["sort"] == ["Bug hunter", OTHER_BADGES]
    assert bars["color"]["scale"]["range"][-1] == batch_charts._OTHER_COLOUR
    assert data.schema["start"] == pl.Datetime("ms")


def test_the_weekly_chart_draws_net_unlocks_and_the_revokes_as_their_own_series():
    data, spec = batch_charts.unlocks_over_time(Timeline("week", WEEKLY))
    alt.LayerChart.from_dict({**spec, "data": {"name": "rows"}})
    bars, revokes = spec["layer"]
    assert bars["encoding"]["y"]["field"] == "unlocks"  # net of revokes, as the frame has it
    assert revokes["encoding"]["y"] == {
        "field": "revokes",
        "type": "quantitative",
        "title": bars["encoding"]["y"]["title"],
        "aggregate": "sum",  # every badge's revokes of the week together
    }
    assert revokes["encoding"]["color"]["datum"] == "Revoked"
    scale = bars["encoding"]["color"]["scale"]
    assert scale["domain"] == ["Bug hunter", OTHER_BADGES, "Revoked"]
    assert scale["range"][-1] == batch_charts._REVOKED_COLOUR
    assert data["unlocks"].to_list() == [5, 2, -3]


def test_a_monthly_timeline_is_titled_and_labelled_by_month():
    data, spec = batch_charts.unlocks_over_time(Timeline("month", MONTHLY))
    assert spec["title"] == "Unlocks per month, by badge, net of revokes"
    bars, revokes = spec["layer"]
    assert bars["encoding"]["x"]["title"] == "Month"
    assert bars["encoding"]["x"]["axis"]["format"] == "%Y-%m"
    assert bars["encoding"]["x"]["timeUnit"] == "utcyearmonth"  # a bar as wide as its month
    assert bars["encoding"]["tooltip"][0] == {"field": "label", "type": "nominal", "title": "Month"}
    assert bars["encoding"]["tooltip"][3]["title"] == "Revoked that month"
    assert revokes["encoding"]["tooltip"][0]["title"] == "Month"
    assert revokes["encoding"]["x"]["bandPosition"] == 0.5  # a month's point mid-bar
    assert data["label"].to_list() == ["2026-11", "2026-11", "2026-12"]


def test_without_revokes_the_weekly_chart_has_no_revoked_series():
    _data, spec = batch_charts.unlocks_over_time(Timeline("week", NO_REVOKES))
    assert len(spec["layer"]) == 1
    assert "Revoked" not in spec["layer"][0]["encoding"]["color"]["scale"]["domain"]


def test_the_weekly_axis_labels_the_bars_mondays_read_in_utc():
    # Vega's own week ticks fall on Sundays, and a zone west of UTC read a Monday sent as
    # midnight UTC as the Sunday before.
    mondays = [date(2026, 8, 3) + timedelta(weeks=n) for n in range(20)]
    frame = pl.DataFrame(
        {
            "start": mondays,
            "label": [f"W{n}" for n in range(20)],
            "badge": ["Bug hunter"] * 20,
            "unlocks": [1] * 20,
            "revokes": [0] * 20,
        }
    )
    _data, spec = batch_charts.unlocks_over_time(Timeline("week", frame))
    x = spec["layer"][0]["encoding"]["x"]
    assert x["scale"] == {"type": "utc"}
    ticks = x["axis"]["values"]
    assert len(ticks) <= batch_charts._WEEK_TICKS
    assert [date(t["year"], t["month"], t["date"]) for t in ticks] == mondays[::3]
    assert all(t["utc"] for t in ticks)


def test_a_few_weeks_are_each_labelled():
    data, spec = batch_charts.unlocks_over_time(Timeline("week", WEEKLY))
    # The tooltip names a week as the axis does too, by its Monday.
    assert data["label"].to_list()[0] == "2026-W48 (from 2026-11-23)"
    ticks = spec["layer"][0]["encoding"]["x"]["axis"]["values"]
    assert [(t["month"], t["date"]) for t in ticks] == [(11, 23), (11, 30)]


def test_the_new_statuses_and_paused_have_colours_of_their_own():
    statuses = ["revoking", "revoked", "partially_revoked", "paused"]
    undo = pl.DataFrame(
        {"status": statuses, "label": ["a", "b", "c", "d"], "batches": [1, 2, 3, 4]}
    )
    _data, spec = batch_charts.batches_by_status(pl.concat([BY_STATUS, undo]))
    colours = spec["encoding"]["color"]["scale"]["range"]
    assert len(set(colours)) == len(colours) == 8


def test_statuses_keep_their_lifecycle_order_and_colours():
    _data, spec = batch_charts.batches_by_status(BY_STATUS)
    assert spec["encoding"]["y"]["sort"] == BY_STATUS["label"].to_list()
    assert spec["encoding"]["color"]["scale"]["range"][2] == "#54a24b"  # Published: green


def test_the_schema_check_refuses_a_spec_vega_lite_would_not_draw():
    _data, spec = batch_charts.batches_by_status(BY_STATUS)
    broken = {**spec, "encoding": {**spec["encoding"], "x": {"field": "batches", "type": "size"}}}
    with pytest.raises(Exception, match="size"):
        alt.Chart.from_dict({**broken, "data": {"name": "rows"}})
