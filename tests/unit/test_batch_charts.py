"""The charts' Vega-Lite specs: valid against Vega-Lite's schema, with the data they name."""

from __future__ import annotations

from datetime import date

import altair as alt
import polars as pl
import pytest

from core.history.charts import OTHER_BADGES
from pages.ui import batch_charts

WEEKLY = pl.DataFrame(
    {
        "week": [date(2026, 11, 23), date(2026, 11, 23), date(2026, 11, 30)],
        "iso_week": ["2026-W48", "2026-W48", "2026-W49"],
        "badge": ["Bug hunter", OTHER_BADGES, "Bug hunter"],
        "unlocks": [5, 2, 7],
    }
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
        lambda: batch_charts.weekly_unlocks(WEEKLY),
        lambda: batch_charts.batches_by_status(BY_STATUS),
        lambda: batch_charts.unlocks_per_badge(PER_BADGE),
    ],
    ids=["weekly", "by status", "per badge"],
)
def test_each_chart_is_valid_vega_lite_over_columns_its_data_has(chart):
    data, spec = chart()
    # Altair checks a chart against the Vega-Lite schema; st.vega_lite_chart adds the data.
    alt.Chart.from_dict({**spec, "data": {"name": "rows"}})
    encoding = spec["encoding"]
    fields = {c["field"] for c in encoding.values() if isinstance(c, dict)}
    fields |= {t["field"] for t in encoding.get("tooltip", [])}
    assert fields <= set(data.columns)


def test_the_weekly_chart_puts_other_badges_last_and_sends_weeks_as_instants():
    data, spec = batch_charts.weekly_unlocks(WEEKLY)
    assert spec["encoding"]["color"]["sort"] == ["Bug hunter", OTHER_BADGES]
    assert spec["encoding"]["color"]["scale"]["range"][-1] == batch_charts._OTHER_COLOUR
    assert data.schema["week"] == pl.Datetime("ms")


def test_statuses_keep_their_lifecycle_order_and_colours():
    _data, spec = batch_charts.batches_by_status(BY_STATUS)
    assert spec["encoding"]["y"]["sort"] == BY_STATUS["label"].to_list()
    assert spec["encoding"]["color"]["scale"]["range"][2] == "#54a24b"  # Published: green


def test_the_schema_check_refuses_a_spec_vega_lite_would_not_draw():
    _data, spec = batch_charts.batches_by_status(BY_STATUS)
    broken = {**spec, "encoding": {**spec["encoding"], "x": {"field": "batches", "type": "size"}}}
    with pytest.raises(Exception, match="size"):
        alt.Chart.from_dict({**broken, "data": {"name": "rows"}})
