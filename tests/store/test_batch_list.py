"""The batch history: filters, date operators in the viewer's time zone, sorting, paging, drafts,
shareable URLs, chips, CSV export and chart data."""

from __future__ import annotations

import io
from datetime import UTC as UTC_ZONE
from datetime import date, datetime

import duckdb
import polars as pl
import pytest

from core.access.roles import Account, Role
from core.batches import rules
from core.errors import InputError, PermissionDenied
from core.history.charts import (
    OTHER_BADGES,
    WEEKS_SHOWN,
    batches_by_status,
    unlocks_by_week,
    unlocks_over_time,
)
from core.history.chips import filter_chips
from core.history.export import export_batches
from core.history.listing import all_batches, list_batches
from core.history.view import BatchFilter
from tests.support.batch_list import (
    ANSWER,
    EXPLORER,
    MENTOR,
    VISIT_10,
    VISIT_100,
    add_batch,
    add_unlocks,
)
from tests.support.world import admin, analyst, dev

UTC = "UTC"
PARIS = "Europe/Paris"


def names(
    cur: duckdb.DuckDBPyConnection,
    flt: BatchFilter | None = None,
    viewer: Account = admin,
    tz: str = UTC,
) -> list[str]:
    """The names on the page the filter asks for, in order."""
    return list_batches(cur, viewer, flt or BatchFilter(), tz).rows["name"].to_list()


@pytest.fixture
def history(small_world: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Five batches across statuses, quests, names and March 2026 dates (UTC)."""
    cur = small_world
    add_batch(
        cur,
        "Spring onboarding",
        VISIT_10,
        "published",
        created_at="2026-03-01 09:00:00+00",
        updated_at="2026-03-02 09:00:00+00",
        users=40,
    )
    add_batch(
        cur,
        "Hackathon winners",
        VISIT_100,
        "in_progress",
        created_at="2026-03-05 09:00:00+00",
        updated_at="2026-03-06 09:00:00+00",
        users=8,
    )
    add_batch(
        cur,
        "Community week",
        ANSWER,
        "partially_published",
        created_at="2026-03-10 09:00:00+00",
        updated_at="2026-03-20 09:00:00+00",
        users=25,
    )
    add_batch(
        cur,
        "spring cleanup",
        ANSWER,
        "unpublished",
        created_at="2026-03-15 09:00:00+00",
        updated_at="2026-03-15 09:00:00+00",
        users=3,
    )
    add_batch(
        cur,
        "Beta testers",
        VISIT_100,
        "published",
        created_at="2026-03-20 09:00:00+00",
        updated_at="2026-03-21 09:00:00+00",
        users=100,
    )
    return cur


# -- each filter --------------------------------------------------------------------------------


def test_without_filters_the_list_shows_every_batch_newest_first(history) -> None:
    assert names(history) == [
        "Beta testers",
        "spring cleanup",
        "Community week",
        "Hackathon winners",
        "Spring onboarding",
    ]


def test_the_status_filter_keeps_only_that_status(history) -> None:
    assert names(history, BatchFilter(statuses=["published"])) == [
        "Beta testers",
        "Spring onboarding",
    ]


def test_several_statuses_match_a_batch_with_any_of_them(history) -> None:
    flt = BatchFilter(statuses=["in_progress", "partially_published"])
    assert names(history, flt) == ["Community week", "Hackathon winners"]


def test_the_name_filter_matches_part_of_the_name_whatever_the_case(history) -> None:
    assert names(history, BatchFilter(name="SPRING")) == ["spring cleanup", "Spring onboarding"]
    assert names(history, BatchFilter(name="  week ")) == ["Community week"]


def test_percent_and_underscore_in_the_name_filter_match_only_themselves(small_world) -> None:
    add_batch(small_world, "50% off_week")
    add_batch(small_world, "500 offXweek")
    assert names(small_world, BatchFilter(name="50%")) == ["50% off_week"]
    assert names(small_world, BatchFilter(name="off_week")) == ["50% off_week"]
    assert names(small_world, BatchFilter(name="\\")) == []


def test_sql_typed_into_the_name_filter_is_only_searched_for(history) -> None:
    assert names(history, BatchFilter(name="'; DROP TABLE batches; --")) == []
    assert list_batches(history, admin, BatchFilter(), UTC).total == 5


def test_the_quest_filter_keeps_batches_of_the_checked_quests(history) -> None:
    assert names(history, BatchFilter(quest_ids=[VISIT_100])) == [
        "Beta testers",
        "Hackathon winners",
    ]
    assert len(names(history, BatchFilter(quest_ids=[VISIT_100, ANSWER]))) == 4


def test_checking_a_badge_means_all_its_quests_even_ones_added_later(history) -> None:
    assert names(history, BatchFilter(badge_ids=[EXPLORER])) == [
        "Beta testers",
        "Hackathon winners",
        "Spring onboarding",
    ]
    history.execute("INSERT INTO quests (badge_id, name) VALUES (1, 'Visit 1000 pages')")
    add_batch(history, "Power users", 4, created_at="2026-03-25 09:00:00+00")
    assert names(history, BatchFilter(badge_ids=[EXPLORER]))[0] == "Power users"


def test_a_badge_and_a_quest_of_another_badge_match_either(history) -> None:
    flt = BatchFilter(badge_ids=[MENTOR], quest_ids=[VISIT_10])
    assert names(history, flt) == ["spring cleanup", "Community week", "Spring onboarding"]


# -- date operators -----------------------------------------------------------------------------


def test_after_means_after_the_day_ends(history) -> None:
    flt = BatchFilter(created=(">", date(2026, 3, 10)))
    assert names(history, flt) == ["Beta testers", "spring cleanup"]


def test_before_means_before_the_day_starts(history) -> None:
    flt = BatchFilter(created=("<", date(2026, 3, 10)))
    assert names(history, flt) == ["Hackathon winners", "Spring onboarding"]


def test_equal_means_any_time_during_that_day(small_world) -> None:
    add_batch(small_world, "midnight", created_at="2026-03-10 00:00:00+00")
    add_batch(small_world, "last second", created_at="2026-03-10 23:59:59.999999+00")
    add_batch(small_world, "next day", created_at="2026-03-11 00:00:00+00")
    add_batch(small_world, "day before", created_at="2026-03-09 23:59:59+00")
    flt = BatchFilter(created=("=", date(2026, 3, 10)), sort="created_at", desc=False)
    assert names(small_world, flt) == ["midnight", "last second"]


def test_equal_is_the_calendar_day_in_the_viewers_time_zone(small_world) -> None:
    add_batch(small_world, "late in London", created_at="2026-03-01 23:30:00+00")
    on_first = BatchFilter(created="=2026-03-01")
    on_second = BatchFilter(created="=2026-03-02")
    assert names(small_world, on_first, tz=UTC) == ["late in London"]
    assert names(small_world, on_second, tz=UTC) == []
    # 23:30 UTC is 00:30 the next morning in Paris.
    assert names(small_world, on_first, tz=PARIS) == []
    assert names(small_world, on_second, tz=PARIS) == ["late in London"]


def test_after_and_before_use_the_viewers_midnight(small_world) -> None:
    add_batch(small_world, "late in London", created_at="2026-03-01 23:30:00+00")
    assert names(small_world, BatchFilter(created=">2026-03-01"), tz=PARIS) == ["late in London"]
    assert names(small_world, BatchFilter(created=">2026-03-01"), tz=UTC) == []
    assert names(small_world, BatchFilter(created="<2026-03-02"), tz=UTC) == ["late in London"]
    assert names(small_world, BatchFilter(created="<2026-03-02"), tz=PARIS) == []


def test_a_day_when_clocks_change_counts_all_its_hours(small_world) -> None:
    # 29 March 2026 in Paris lasts 23 hours: from 23:00 UTC on the 28th to 22:00 UTC on the 29th.
    add_batch(small_world, "first minute", created_at="2026-03-28 23:00:00+00")
    add_batch(small_world, "last minute", created_at="2026-03-29 21:59:00+00")
    add_batch(small_world, "next day", created_at="2026-03-29 22:00:00+00")
    flt = BatchFilter(created="=2026-03-29", sort="created_at", desc=False)
    assert names(small_world, flt, tz=PARIS) == ["first minute", "last minute"]


def test_the_last_updated_filter_uses_the_same_operators(history) -> None:
    assert names(history, BatchFilter(updated="=2026-03-20")) == ["Community week"]
    assert names(history, BatchFilter(updated=">2026-03-20")) == ["Beta testers"]
    assert names(history, BatchFilter(updated="<2026-03-03")) == ["Spring onboarding"]


def test_an_unknown_time_zone_is_refused(history) -> None:
    with pytest.raises(InputError, match="not a time zone name"):
        list_batches(history, admin, BatchFilter(), "Mars/Olympus")


# -- combinations -------------------------------------------------------------------------------


def test_filters_combine_so_a_batch_must_match_each_one(history) -> None:
    flt = BatchFilter(statuses=["published", "unpublished"], name="spring")
    assert names(history, flt) == ["spring cleanup", "Spring onboarding"]
    flt = BatchFilter(statuses=["published", "unpublished"], name="spring", badge_ids=[MENTOR])
    assert names(history, flt) == ["spring cleanup"]
    flt = BatchFilter(name="spring", created="<2026-03-15", updated=">2026-03-01")
    assert names(history, flt) == ["Spring onboarding"]
    flt = BatchFilter(statuses=["published"], quest_ids=[ANSWER])
    assert names(history, flt) == []


# -- sorting and paging -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "ascending"),
    [
        (
            "name",
            [
                "Beta testers",
                "Community week",
                "Hackathon winners",
                "spring cleanup",
                "Spring onboarding",
            ],
        ),
        (
            "users",
            [
                "spring cleanup",
                "Hackathon winners",
                "Community week",
                "Spring onboarding",
                "Beta testers",
            ],
        ),
        (
            "created_at",
            [
                "Spring onboarding",
                "Hackathon winners",
                "Community week",
                "spring cleanup",
                "Beta testers",
            ],
        ),
        (
            "updated_at",
            [
                "Spring onboarding",
                "Hackathon winners",
                "spring cleanup",
                "Community week",
                "Beta testers",
            ],
        ),
        (
            "status",
            [
                "spring cleanup",
                "Hackathon winners",
                "Spring onboarding",
                "Beta testers",
                "Community week",
            ],
        ),
    ],
)
def test_each_column_sorts_both_ways(history, column: str, ascending: list[str]) -> None:
    assert names(history, BatchFilter(sort=column, desc=False)) == ascending
    assert names(history, BatchFilter(sort=column, desc=True)) == ascending[::-1]


def test_sorting_by_title_ignores_case(small_world) -> None:
    for name in ("banana", "Apple", "cherry"):
        add_batch(small_world, name)
    assert names(small_world, BatchFilter(sort="name")) == ["Apple", "banana", "cherry"]


def test_sorting_by_creator_ignores_case(small_world) -> None:
    for name, creator in (("one", "mia"), ("two", "Ben"), ("three", "ada")):
        add_batch(small_world, name, created_by=creator)
    assert names(small_world, BatchFilter(sort="created_by")) == ["three", "two", "one"]
    assert names(small_world, BatchFilter(sort="created_by", desc=True)) == ["one", "two", "three"]


def test_sorting_by_badge_and_quest_uses_their_names(history) -> None:
    by_badge = list_batches(history, admin, BatchFilter(sort="badge"), UTC).rows
    assert by_badge["badge"].to_list() == ["Explorer"] * 3 + ["Mentor"] * 2
    by_quest = list_batches(history, admin, BatchFilter(sort="quest"), UTC).rows
    assert by_quest["quest"].to_list() == [
        "Answer a question",
        "Answer a question",
        "Visit 10 pages",
        "Visit 100 pages",
        "Visit 100 pages",
    ]


def test_sorting_by_status_puts_running_batches_in_order_of_progress(small_world) -> None:
    add_batch(
        small_world,
        "70%",
        status="in_progress",
        counts={"unpublished": 3, "in_progress": 0, "published": 7, "error": 0},
    )
    add_batch(
        small_world,
        "20%",
        status="in_progress",
        counts={"unpublished": 8, "in_progress": 0, "published": 2, "error": 0},
    )
    add_batch(small_world, "draft", status="draft")
    assert names(small_world, BatchFilter(sort="status")) == ["draft", "20%", "70%"]


def test_sorting_applies_to_the_whole_list_before_paging(small_world) -> None:
    for i, name in enumerate(["g", "c", "a", "f", "b", "e", "d"]):
        add_batch(small_world, name, created_at=f"2026-03-{10 + i} 12:00:00+00")
    pages = [names(small_world, BatchFilter(sort="name", page=p, page_size=3)) for p in (1, 2, 3)]
    assert pages == [["a", "b", "c"], ["d", "e", "f"], ["g"]]


def test_equal_sort_values_keep_a_stable_order_by_id_across_pages(small_world) -> None:
    # Many batches created at the same instant: the newest-first page boundary falls in a tie.
    ids = [add_batch(small_world, f"b{i}", created_at="2026-03-10 12:00:00+00") for i in range(7)]
    add_batch(small_world, "older", created_at="2026-03-01 12:00:00+00")
    seen = []
    for page in (1, 2, 3):
        rows = list_batches(small_world, admin, BatchFilter(page=page, page_size=3), UTC).rows
        seen += rows["id"].to_list()
    assert seen == [*sorted(ids, reverse=True), ids[-1] + 1]


def test_the_total_counts_every_matching_batch_not_just_the_page(history) -> None:
    page = list_batches(history, admin, BatchFilter(page_size=2), UTC)
    assert (page.total, page.pages, page.rows.height) == (5, 3, 2)


def test_a_page_past_the_end_shows_the_last_page(history) -> None:
    page = list_batches(history, admin, BatchFilter(page=9, page_size=2), UTC)
    assert (page.page, page.rows["name"].to_list()) == (3, ["Spring onboarding"])


def test_no_match_gives_an_empty_first_page_and_a_zero_total(history) -> None:
    page = list_batches(history, admin, BatchFilter(name="nothing like it", page=4), UTC)
    assert (page.rows.height, page.total, page.page, page.pages) == (0, 0, 1, 1)
    assert "status_label" in page.rows.columns


def test_all_batches_returns_every_page_in_the_same_order(history) -> None:
    flt = BatchFilter(sort="users", desc=True, page_size=2)
    assert all_batches(history, admin, flt, UTC)["name"].to_list() == [
        "Beta testers",
        "Spring onboarding",
        "Community week",
        "Hackathon winners",
        "spring cleanup",
    ]


# -- drafts -------------------------------------------------------------------------------------


@pytest.fixture
def drafts(small_world: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    add_batch(small_world, "Ada's draft", status="draft", created_by=admin.username)
    add_batch(small_world, "Dan's draft", status="draft", created_by=dev.username)
    add_batch(small_world, "Published", status="published", created_by=dev.username)
    return small_world


def test_a_dev_sees_their_own_drafts_but_not_others(drafts) -> None:
    assert sorted(names(drafts, viewer=dev)) == ["Dan's draft", "Published"]
    other_dev = Account("dora", Role.DEV)
    assert names(drafts, viewer=other_dev) == ["Published"]


def test_an_admin_sees_every_draft(drafts) -> None:
    assert sorted(names(drafts, viewer=admin)) == ["Ada's draft", "Dan's draft", "Published"]


def test_an_analyst_sees_no_draft_even_when_filtering_for_drafts(drafts) -> None:
    assert names(drafts, viewer=analyst) == ["Published"]
    assert names(drafts, BatchFilter(statuses=["draft"]), viewer=analyst) == []
    assert batches_by_status(drafts, analyst, BatchFilter(), UTC)["status"].to_list() == [
        "unpublished",
        "in_progress",
        "published",
        "partially_published",
    ]


def test_nobody_logged_in_sees_nothing(history) -> None:
    with pytest.raises(PermissionDenied):
        list_batches(history, None, BatchFilter(), UTC)


# -- what each row carries ----------------------------------------------------------------------


def test_rows_carry_the_spec_status_word_and_progress_apart(small_world) -> None:
    add_batch(
        small_world,
        "running",
        status="in_progress",
        counts={"unpublished": 6, "in_progress": 1, "published": 2, "error": 1},
    )
    add_batch(small_world, "empty", status="published", users=0)
    add_batch(small_world, "draft", status="draft", users=0)
    rows = list_batches(small_world, admin, BatchFilter(sort="name"), UTC).rows
    assert rows.select("name", "status", "status_label", "progress", "users").rows() == [
        ("draft", "draft", "Draft", 0, 0),
        ("empty", "published", "Published", 100, 0),
        ("running", "in_progress", "In Progress", 30, 10),
    ]
    running = rows.row(2, named=True)
    assert (
        running["n_unpublished"],
        running["n_in_progress"],
        running["n_published"],
        running["n_error"],
    ) == (6, 1, 2, 1)
    assert (running["badge"], running["quest"], running["quest_id"]) == (
        "Explorer",
        "Visit 10 pages",
        VISIT_10,
    )


@pytest.mark.parametrize(
    "status", ["unpublished", "in_progress", "published", "partially_published"]
)
@pytest.mark.parametrize(
    ("users", "published", "error"),
    [(0, 0, 0), (3, 1, 0), (3, 1, 1), (7, 6, 1), (7, 7, 0), (9, 0, 9)],
)
def test_the_list_shows_the_progress_the_batch_rules_give(
    small_world, status: str, users: int, published: int, error: int
) -> None:
    counts = {
        "unpublished": users - published - error,
        "in_progress": 0,
        "published": published,
        "error": error,
    }
    add_batch(small_world, "b", status=status, counts=counts)
    row = list_batches(small_world, admin, BatchFilter(), UTC).rows.row(0, named=True)
    assert row["progress"] == rules.progress(users, published, error, status)


def test_times_are_shown_in_the_viewers_time_zone(small_world) -> None:
    add_batch(small_world, "b", created_at="2026-03-01 23:30:00+00")
    created = list_batches(small_world, admin, BatchFilter(), PARIS).rows["created_at"][0]
    assert created.isoformat() == "2026-03-02T00:30:00+01:00"
    assert created == datetime(2026, 3, 1, 23, 30, tzinfo=UTC_ZONE)


# -- chips --------------------------------------------------------------------------------------


def test_each_active_filter_is_a_chip_in_the_spec_words(small_world) -> None:
    flt = BatchFilter(
        statuses=["published", "in_progress"],
        name="spring",
        badge_ids=[MENTOR],
        quest_ids=[VISIT_100],
        created=">2026-10-01",
        updated="=2026-10-02",
    )
    assert [c.label for c in filter_chips(small_world, flt)] == [
        "Status: In Progress",
        "Status: Published",
        "Batch name: spring",
        "Badge: Mentor",
        "Quest: Explorer › Visit 100 pages",
        "Created at: > After 2026-10-01",
        "Last updated: = Equal 2026-10-02",
    ]


def test_removing_a_chip_removes_only_that_filter_and_goes_back_to_page_one(small_world) -> None:
    flt = BatchFilter(statuses=["published", "in_progress"], name="spring", sort="name", page=3)
    chips = {c.key: c for c in filter_chips(small_world, flt)}
    assert chips["status:published"].without == BatchFilter(
        statuses=["in_progress"], name="spring", sort="name"
    )
    assert chips["name"].without == BatchFilter(statuses=["published", "in_progress"], sort="name")


def test_clearing_removes_every_filter_but_keeps_the_sort(small_world) -> None:
    flt = BatchFilter(statuses=["published"], name="x", created="<2026-01-01", sort="users")
    assert flt.cleared() == BatchFilter(sort="users")
    assert not flt.cleared().is_filtered
    assert filter_chips(small_world, flt.cleared()) == []


# -- export -------------------------------------------------------------------------------------


def read_export(data: bytes) -> pl.DataFrame:
    """Read an export back as a spreadsheet would, every cell as text."""
    return pl.read_csv(io.BytesIO(data), separator=";", infer_schema=False)


def test_the_export_has_every_filtered_row_in_the_list_order(history) -> None:
    flt = BatchFilter(statuses=["published", "in_progress"], sort="name", page=2, page_size=1)
    table = read_export(export_batches(history, admin, flt, UTC))
    assert table["Title"].to_list() == ["Beta testers", "Hackathon winners", "Spring onboarding"]
    assert table.columns[:10] == [
        "ID",
        "Title",
        "Badge",
        "Quest",
        "Users",
        "Created at",
        "Last updated",
        "Created by",
        "Status",
        "Progress (%)",
    ]
    assert table.row(1, named=True)["Status"] == "In Progress"


def test_the_export_writes_times_in_the_viewers_time_zone(small_world) -> None:
    add_batch(small_world, "b", created_at="2026-03-01 23:30:00+00")
    table = read_export(export_batches(small_world, admin, BatchFilter(), PARIS))
    assert table["Created at"][0] == "2026-03-02 00:30:00+01:00"


def test_the_export_neutralises_anything_a_spreadsheet_would_run(small_world) -> None:
    dangerous = ['=HYPERLINK("http://x")', "+1+1", "-2", "@SUM(A1)", "\tTab", "\rReturn"]
    for name in dangerous:
        add_batch(small_world, name, created_by="=cmd|' /C calc'!A0")
    add_batch(small_world, "Plain - name")
    table = read_export(export_batches(small_world, admin, BatchFilter(sort="name"), UTC))
    titles = set(table["Title"].to_list())
    assert titles == {"'" + n for n in dangerous} | {"Plain - name"}
    assert set(table["Created by"].to_list()) == {"'=cmd|' /C calc'!A0", "ada"}


# -- charts -------------------------------------------------------------------------------------


def test_unlocks_are_counted_per_iso_week_and_badge_for_the_filtered_batches(history) -> None:
    add_unlocks(history, 1, VISIT_10, ["2026-03-02 10:00:00+00", "2026-03-08 20:00:00+00"], 1)
    add_unlocks(history, 2, VISIT_100, ["2026-03-09 10:00:00+00"], 100)
    add_unlocks(history, 3, ANSWER, ["2026-03-03 10:00:00+00"], 200)
    chart = unlocks_by_week(history, admin, BatchFilter(), UTC)
    # (week, ISO week, badge, unlocks net of revokes, revokes): none revoked here.
    assert chart.rows() == [
        (date(2026, 3, 2), "2026-W10", "Explorer", 2, 0),
        (date(2026, 3, 2), "2026-W10", "Mentor", 1, 0),
        (date(2026, 3, 9), "2026-W11", "Explorer", 1, 0),
    ]
    mentor_only = unlocks_by_week(history, admin, BatchFilter(badge_ids=[MENTOR]), UTC)
    assert mentor_only.rows() == [(date(2026, 3, 2), "2026-W10", "Mentor", 1, 0)]


def test_badges_beyond_the_top_ones_add_up_as_other_badges(history) -> None:
    add_unlocks(history, 1, VISIT_10, ["2026-03-02 10:00:00+00", "2026-03-03 10:00:00+00"], 1)
    add_unlocks(history, 3, ANSWER, ["2026-03-03 10:00:00+00"], 200)
    chart = unlocks_by_week(history, admin, BatchFilter(), UTC, top_badges=1)
    assert chart.rows() == [
        (date(2026, 3, 2), "2026-W10", "Explorer", 2, 0),
        (date(2026, 3, 2), "2026-W10", OTHER_BADGES, 1, 0),
    ]
    assert unlocks_by_week(history, admin, BatchFilter(), UTC, top_badges=None).height == 2


def test_unlock_weeks_start_on_monday_in_the_viewers_time_zone(history) -> None:
    # Sunday 23:30 UTC is already Monday in Paris.
    add_unlocks(history, 1, VISIT_10, ["2026-03-08 23:30:00+00"], 1)
    assert unlocks_by_week(history, admin, BatchFilter(), UTC)["iso_week"].to_list() == ["2026-W10"]
    assert unlocks_by_week(history, admin, BatchFilter(), PARIS)["iso_week"].to_list() == [
        "2026-W11"
    ]


def test_a_year_of_weeks_or_less_is_charted_per_week(history) -> None:
    # The first Monday and the one WEEKS_SHOWN - 1 weeks later: WEEKS_SHOWN weeks spanned.
    add_unlocks(history, 1, VISIT_10, ["2025-03-03 10:00:00+00", "2026-02-23 10:00:00+00"], 1)
    timeline = unlocks_over_time(history, admin, BatchFilter(), UTC)
    assert (timeline.period, timeline.frame["label"].to_list()) == (
        "week",
        ["2025-W10", "2026-W09"],
    )
    assert timeline.frame.columns == ["start", "label", "badge", "unlocks", "revokes"]
    assert WEEKS_SHOWN == 52


def test_more_than_a_year_of_weeks_is_charted_per_calendar_month_in_the_viewers_zone(
    history,
) -> None:
    # 53 weeks spanned. 31 March 22:30 UTC is already April in Paris (UTC+2 then).
    add_unlocks(history, 1, VISIT_10, ["2025-03-03 10:00:00+00", "2026-03-02 10:00:00+00"], 1)
    add_unlocks(history, 2, VISIT_100, ["2026-03-31 22:30:00+00"], 100)
    add_unlocks(history, 3, ANSWER, ["2026-03-03 10:00:00+00"], 200)
    utc = unlocks_over_time(history, admin, BatchFilter(), UTC)
    assert utc.period == "month"
    # (the month's 1st, its label, badge, unlocks net of revokes, revokes)
    assert utc.frame.rows() == [
        (date(2025, 3, 1), "2025-03", "Explorer", 1, 0),
        (date(2026, 3, 1), "2026-03", "Explorer", 2, 0),
        (date(2026, 3, 1), "2026-03", "Mentor", 1, 0),
    ]
    paris = unlocks_over_time(history, admin, BatchFilter(), PARIS)
    assert paris.frame.select("label", "badge", "unlocks").rows() == [
        ("2025-03", "Explorer", 1),
        ("2026-03", "Explorer", 1),
        ("2026-03", "Mentor", 1),
        ("2026-04", "Explorer", 1),
    ]
    one_badge = unlocks_over_time(history, admin, BatchFilter(), UTC, top_badges=1)
    assert set(one_badge.frame["badge"]) == {"Explorer", OTHER_BADGES}
    mentor = unlocks_over_time(history, admin, BatchFilter(badge_ids=[MENTOR]), UTC)
    assert (mentor.period, mentor.frame["label"].to_list()) == ("week", ["2026-W10"])


def test_batches_by_status_follows_the_filters_and_keeps_every_spec_status(history) -> None:
    chart = batches_by_status(history, admin, BatchFilter(name="spring"), UTC)
    assert chart.rows() == [
        ("unpublished", "Unpublished", 1),
        ("in_progress", "In Progress", 0),
        ("published", "Published", 1),
        ("partially_published", "Partially published", 0),
    ]
    add_batch(history, "a draft", status="draft")
    assert batches_by_status(history, admin, BatchFilter(), UTC).row(0) == ("draft", "Draft", 1)
