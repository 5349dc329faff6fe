"""The batch history after undo (issue 15), on both stores: the revoke statuses and "Paused" in
the Status filter, its link, chips, counts, rows, export and `batch list`, and the weekly chart's
unlocks net of revokes with the revokes as their own series.

Batches, counters, pauses and the publisher's per-quarter-hour counts are written directly in
the store's tables: the list reads only those, whatever wrote them.
"""

from __future__ import annotations

import argparse
import io
from datetime import UTC, date, datetime

import polars as pl
import pytest

from core.batches import rules
from core.cli import batch_list as cli_batch_list
from core.history.charts import batches_by_status, unlocks_by_week
from core.history.chips import filter_chips
from core.history.export import export_batches
from core.history.listing import all_batches, list_batches
from core.history.screen import batch_table, view_from_url
from core.history.url import parse_query_params, to_query_string
from core.history.view import BatchFilter
from tests.support.batch_list import ANSWER, VISIT_10, VISIT_100, add_batch
from tests.support.world import admin, analyst

UTC_NAME = "UTC"


def undo_batch(
    cur,
    name: str,
    status: str,
    published: int = 0,
    error: int = 0,
    unpublished: int = 0,
    revoking: int = 0,
    revoked: int = 0,
    paused: bool = False,
    quest_id: int = VISIT_10,
    created_at: str = "2026-03-10 12:00:00+00",
) -> int:
    """Insert a batch with these users' counts and status, paused or not; return its id."""
    counts = {"unpublished": unpublished, "in_progress": 0, "published": published, "error": error}
    batch = add_batch(cur, name, quest_id, status, counts=counts, created_at=created_at)
    # add_batch counts the spec's four; the revoke counters add to the batch's users.
    cur.execute(
        "UPDATE batches SET n_revoking = ?, n_revoked = ?, "
        "n_users = n_users + ? + ?, paused_at = ?, paused_by = ? WHERE id = ?",
        [
            revoking,
            revoked,
            revoking,
            revoked,
            datetime(2026, 3, 11, 8, 0, tzinfo=UTC) if paused else None,
            "ada" if paused else None,
            batch,
        ],
    )
    return batch


@pytest.fixture
def undone(small_world):
    """One batch of each undo state beside a running and a published one."""
    cur = small_world
    undo_batch(cur, "running", rules.IN_PROGRESS, published=4, unpublished=6)
    undo_batch(cur, "held", rules.IN_PROGRESS, published=4, unpublished=6, paused=True)
    undo_batch(cur, "taking back", rules.REVOKING, published=4, revoking=4, revoked=6)
    undo_batch(cur, "held back", rules.REVOKING, revoking=2, revoked=3, paused=True)
    undo_batch(cur, "all gone", rules.REVOKED, error=1, revoked=9)
    undo_batch(cur, "some gone", rules.PARTIALLY_REVOKED, published=7, revoked=3)
    undo_batch(cur, "done", rules.PUBLISHED, published=10)
    return cur


def names(cur, flt: BatchFilter) -> list[str]:
    """The names of the batches the view's filters list, by name."""
    view = flt.changed(sort="name", desc=False)
    return list_batches(cur, admin, view, UTC_NAME).rows["name"].to_list()


# -- the Status filter --------------------------------------------------------------------------


def test_a_revoked_batch_is_listed_under_revoked_and_a_partly_revoked_one_apart(undone) -> None:
    assert names(undone, BatchFilter(statuses=["Revoked"])) == ["all gone"]
    assert names(undone, BatchFilter(statuses=["partially revoked"])) == ["some gone"]
    assert names(undone, BatchFilter(statuses=["REVOKING"])) == ["held back", "taking back"]


def test_a_paused_batch_is_listed_under_paused_and_under_its_own_status(undone) -> None:
    assert names(undone, BatchFilter(statuses=["Paused"])) == ["held", "held back"]
    assert names(undone, BatchFilter(statuses=["In Progress"])) == ["held", "running"]
    # Statuses match any of them: "Paused" adds the paused revoking batch to "In Progress".
    both = BatchFilter(statuses=["paused", "in_progress"])
    assert names(undone, both) == ["held", "held back", "running"]


def test_paused_or_a_finished_status_matches_either(undone) -> None:
    flt = BatchFilter(statuses=["paused", "published"])
    assert names(undone, flt) == ["done", "held", "held back"]


def test_a_pause_left_on_a_batch_that_no_longer_runs_is_not_paused(small_world) -> None:
    undo_batch(small_world, "finished", rules.PUBLISHED, published=3, paused=True)
    assert names(small_world, BatchFilter(statuses=["paused"])) == []
    row = list_batches(small_world, admin, BatchFilter(), UTC_NAME).rows.row(0, named=True)
    assert (row["paused"], row["status_label"]) == (False, "Published")


def test_a_link_with_status_paused_filters_the_list_and_keeps_it_in_the_link(undone) -> None:
    view, notes = view_from_url({"status": "paused"}, analyst)
    assert notes == []
    assert view == BatchFilter(statuses=["paused"])
    assert to_query_string(view) == "status=paused"
    rows = list_batches(undone, analyst, view, UTC_NAME).rows
    assert sorted(rows["name"].to_list()) == ["held", "held back"]
    words_link, _ = parse_query_params({"status": ["Paused,Revoked"]})
    assert names(undone, words_link) == ["all gone", "held", "held back"]


def test_the_paused_filter_is_a_chip_that_says_paused(undone) -> None:
    flt = BatchFilter(statuses=["revoked", "paused"])
    chips = filter_chips(undone, flt)
    assert [c.label for c in chips] == ["Status: Revoked", "Status: Paused"]
    assert chips[1].without == flt.changed(statuses=["revoked"])
    assert names(undone, chips[1].without) == ["all gone"]


# -- what the rows say --------------------------------------------------------------------------


def test_rows_word_a_paused_batch_and_follow_the_progress_rule_with_revokes(undone) -> None:
    rows = list_batches(undone, admin, BatchFilter(sort="name"), UTC_NAME).rows
    got = {
        r["name"]: (r["status_label"], r["progress"], r["paused"], r["n_revoking"], r["n_revoked"])
        for r in rows.iter_rows(named=True)
    }
    assert got == {
        "all gone": ("Revoked", 100, False, 0, 9),
        "done": ("Published", 100, False, 0, 0),
        "held": ("In Progress · Paused", 40, True, 0, 0),
        "held back": ("Revoking · Paused", 60, True, 2, 3),
        "running": ("In Progress", 40, False, 0, 0),
        "some gone": ("Partially revoked", 100, False, 0, 3),
        "taking back": ("Revoking", 60, False, 4, 6),
    }
    for r in rows.iter_rows(named=True):
        assert r["progress"] == rules.progress(
            r["users"], r["n_published"], r["n_error"], r["status"], r["n_revoking"], r["n_revoked"]
        )


def test_the_list_table_shows_the_percentage_and_the_pause_in_the_status_cell(undone) -> None:
    table = batch_table(undone, admin, BatchFilter(sort="name"), UTC_NAME)
    texts = dict(zip(table.page.rows["name"], table.page.rows["status_text"], strict=True))
    assert texts["held"] == "In Progress (40%) · Paused"
    assert texts["held back"] == "Revoking (60%) · Paused"
    assert texts["taking back"] == "Revoking (60%)"
    assert texts["all gone"] == "Revoked"
    assert table.running  # revoking batches move: the page polls


def test_a_page_of_only_revoking_batches_still_polls(small_world) -> None:
    undo_batch(small_world, "taking back", rules.REVOKING, published=1, revoking=1)
    assert batch_table(small_world, admin, BatchFilter(), UTC_NAME).running
    undo_batch(small_world, "all gone", rules.REVOKED, revoked=2)
    flt = BatchFilter(statuses=["revoked"])
    assert not batch_table(small_world, admin, flt, UTC_NAME).running


def test_sorting_by_status_puts_the_revoke_statuses_after_the_spec_ones(undone) -> None:
    rows = all_batches(undone, admin, BatchFilter(sort="status"), UTC_NAME)
    assert rows["status"].unique(maintain_order=True).to_list() == [
        rules.IN_PROGRESS,
        rules.PUBLISHED,
        rules.REVOKING,
        rules.REVOKED,
        rules.PARTIALLY_REVOKED,
    ]


# -- counts and the status chart ----------------------------------------------------------------


def test_status_counts_count_a_paused_batch_under_its_status_and_under_paused(undone) -> None:
    chart = batches_by_status(undone, admin, BatchFilter(), UTC_NAME)
    assert chart.rows() == [
        ("unpublished", "Unpublished", 0),
        ("in_progress", "In Progress", 2),
        ("published", "Published", 1),
        ("partially_published", "Partially published", 0),
        ("revoking", "Revoking", 2),
        ("revoked", "Revoked", 1),
        ("partially_revoked", "Partially revoked", 1),
        ("paused", "Paused", 2),
    ]
    only_paused = batches_by_status(undone, admin, BatchFilter(statuses=["paused"]), UTC_NAME)
    assert dict(zip(only_paused["status"], only_paused["batches"], strict=True)) == {
        "unpublished": 0,
        "in_progress": 1,
        "published": 0,
        "partially_published": 0,
        "revoking": 1,
        "paused": 2,
    }


def test_a_store_never_revoked_charts_the_spec_statuses_alone(small_world) -> None:
    undo_batch(small_world, "done", rules.PUBLISHED, published=3)
    chart = batches_by_status(small_world, admin, BatchFilter(), UTC_NAME)
    assert chart["status"].to_list() == [
        "unpublished",
        "in_progress",
        "published",
        "partially_published",
    ]


# -- the weekly chart ---------------------------------------------------------------------------


def quarter(at: str) -> int:
    """The UTC quarter hour of an instant, as unlock_counts and revoke_counts key it."""
    return int(datetime.fromisoformat(at).timestamp()) // 900


def count(cur, table: str, batch: int, quest: int, at: str, n: int) -> None:
    """Add `n` unlocks (or revokes) of a batch at an instant, as the publisher counts them."""
    cur.execute(f"INSERT INTO {table} VALUES (?, ?, ?, ?)", [batch, quest, quarter(at), n])


@pytest.fixture
def revoked_weeks(small_world):
    """A batch of Explorer unlocked in two weeks and partly revoked in the second and third;
    a Mentor batch never revoked; a Visit-100 batch wholly revoked in the week it unlocked."""
    cur = small_world
    explorer = undo_batch(cur, "explorer", rules.PARTIALLY_REVOKED, published=5, revoked=7)
    mentor = undo_batch(cur, "mentor", rules.PUBLISHED, published=4, quest_id=ANSWER)
    visits = undo_batch(cur, "visits", rules.REVOKED, revoked=2, quest_id=VISIT_100)
    count(cur, "unlock_counts", explorer, VISIT_10, "2026-03-02T10:00:00+00:00", 10)
    count(cur, "unlock_counts", explorer, VISIT_10, "2026-03-03T10:00:00+00:00", 1)
    count(cur, "unlock_counts", explorer, VISIT_10, "2026-03-10T10:00:00+00:00", 1)
    count(cur, "revoke_counts", explorer, VISIT_10, "2026-03-11T10:00:00+00:00", 3)
    count(cur, "revoke_counts", explorer, VISIT_10, "2026-03-11T10:15:00+00:00", 1)
    count(cur, "revoke_counts", explorer, VISIT_10, "2026-03-17T10:00:00+00:00", 3)
    count(cur, "unlock_counts", mentor, ANSWER, "2026-03-10T10:00:00+00:00", 4)
    count(cur, "unlock_counts", visits, VISIT_100, "2026-03-16T09:00:00+00:00", 2)
    count(cur, "revoke_counts", visits, VISIT_100, "2026-03-16T11:00:00+00:00", 2)
    return cur


def test_the_weekly_chart_nets_revokes_out_of_unlocks_and_shows_them_apart(revoked_weeks) -> None:
    chart = unlocks_by_week(revoked_weeks, admin, BatchFilter(), UTC_NAME)
    # (week, ISO week, badge, unlocks less revokes that week, revokes that week)
    assert chart.rows() == [
        (date(2026, 3, 2), "2026-W10", "Explorer", 11, 0),
        (date(2026, 3, 9), "2026-W11", "Explorer", -3, 4),  # 1 unlocked, 4 revoked
        (date(2026, 3, 9), "2026-W11", "Mentor", 4, 0),
        (date(2026, 3, 16), "2026-W12", "Explorer", -3, 5),  # 2 unlocked, 3 + 2 revoked
    ]
    # Over all weeks, what the batches still hold: 14 + 4 unlocked, 9 of them revoked.
    assert chart["unlocks"].sum() == 14 + 4 - 9
    assert chart["revokes"].sum() == 9


def test_the_weekly_revokes_follow_the_lists_filters(revoked_weeks) -> None:
    revoked_only = BatchFilter(statuses=["revoked"])
    assert unlocks_by_week(revoked_weeks, admin, revoked_only, UTC_NAME).rows() == [
        (date(2026, 3, 16), "2026-W12", "Explorer", 0, 2),
    ]
    mentor = BatchFilter(quest_ids=[ANSWER])
    assert unlocks_by_week(revoked_weeks, admin, mentor, UTC_NAME)["revokes"].to_list() == [0]


def test_badges_beyond_the_top_ones_add_their_revokes_to_other_badges(revoked_weeks) -> None:
    chart = unlocks_by_week(revoked_weeks, admin, BatchFilter(), UTC_NAME, top_badges=1)
    assert set(chart["badge"]) == {"Explorer", "Other badges"}
    assert chart["revokes"].sum() == 9
    assert chart.filter(pl.col("badge") == "Other badges")["unlocks"].sum() == 4


def test_revokes_fall_in_the_viewers_week_a_quarter_hour_off_the_hour(small_world) -> None:
    batch = undo_batch(small_world, "kathmandu", rules.REVOKED, revoked=5)
    # Asia/Kathmandu is UTC+5:45: its Monday 6 April 2026 starts on Sunday 18:15 UTC.
    count(small_world, "revoke_counts", batch, VISIT_10, "2026-04-05T18:00:00+00:00", 2)
    count(small_world, "revoke_counts", batch, VISIT_10, "2026-04-05T18:15:00+00:00", 3)
    chart = unlocks_by_week(small_world, admin, BatchFilter(), "Asia/Kathmandu")
    assert chart.select("iso_week", "unlocks", "revokes").rows() == [
        ("2026-W14", -2, 2),
        ("2026-W15", -3, 3),
    ]
    assert unlocks_by_week(small_world, admin, BatchFilter(), UTC_NAME)["revokes"].to_list() == [5]


# -- export and the command line ----------------------------------------------------------------


def read_export(data: bytes) -> pl.DataFrame:
    """Read an export back as a spreadsheet would, every cell as text."""
    return pl.read_csv(io.BytesIO(data), separator=";", infer_schema=False)


def test_the_export_words_the_new_statuses_and_counts_the_revokes(undone) -> None:
    table = read_export(export_batches(undone, admin, BatchFilter(sort="name"), UTC_NAME))
    got = table.select("Title", "Status", "Progress (%)", "Revoking", "Revoked").rows()
    assert got == [
        ("all gone", "Revoked", "100", "0", "9"),
        ("done", "Published", "100", "0", "0"),
        ("held", "In Progress · Paused", "40", "0", "0"),
        ("held back", "Revoking · Paused", "60", "2", "3"),
        ("running", "In Progress", "40", "0", "0"),
        ("some gone", "Partially revoked", "100", "0", "3"),
        ("taking back", "Revoking", "60", "4", "6"),
    ]


def test_the_export_of_the_paused_filter_neutralises_formulas(small_world) -> None:
    undo_batch(small_world, "=HYPERLINK(\"http://x\")", rules.IN_PROGRESS, published=1,
               unpublished=1, paused=True)  # fmt: skip
    undo_batch(small_world, "+1+1", rules.REVOKED, revoked=1)
    flt = BatchFilter(statuses=["paused"])
    table = read_export(export_batches(small_world, admin, flt, UTC_NAME))
    assert table.select("Title", "Status").rows() == [
        ('\'=HYPERLINK("http://x")', "In Progress · Paused")
    ]


def test_batch_list_takes_status_paused_and_words_the_pause(undone, capsys) -> None:
    args = argparse.Namespace(
        status=["paused"], name="", quest=[], badge=[], created=None, updated=None,
        sort="name", tz="UTC", json=False,
    )  # fmt: skip
    assert cli_batch_list.run(args, undone) == 0
    out = capsys.readouterr().out
    assert "In Progress (40%) · Paused" in out
    assert "Revoking (60%) · Paused" in out
    assert "running" not in out
    assert out.rstrip().endswith("2 batches")
