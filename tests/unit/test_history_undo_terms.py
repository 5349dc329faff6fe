"""The batch list's words after undo (issue 15): the revoke statuses and the "Paused" filter in
the status parser, the view, its link, its chips, the status cell and the row words."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

import polars as pl
import pytest

from core.batches import rules
from core.cli.batch_list import filter_from_args
from core.errors import InputError
from core.history.chips import filter_chips
from core.history.listing import COLUMNS, for_display
from core.history.screen import status_choices, status_text
from core.history.terms import FILTER_CODES, PAUSED, STATUS_CODES, parse_status
from core.history.url import parse_query_params, to_query_string
from core.history.view import BatchFilter
from core.store.sql_rules import STATUS_RANK
from tests.support.world import analyst


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Paused", "paused"),
        ("PAUSED", "paused"),
        ("paused", "paused"),
        ("Revoked", "revoked"),
        ("revoked", "revoked"),
        ("Partially revoked", "partially_revoked"),
        ("partially-revoked", "partially_revoked"),
        ("PARTIALLY_REVOKED", "partially_revoked"),
        ("Revoking", "revoking"),
        (" revoking ", "revoking"),
    ],
)
def test_the_status_parser_takes_the_undo_words_and_codes_in_any_case(text, code) -> None:
    assert parse_status(text) == code


def test_an_unknown_status_is_refused_naming_the_undo_words_too() -> None:
    with pytest.raises(InputError, match=r"Partially revoked, Paused\.$"):
        parse_status("Stopped")


def test_paused_is_a_filter_beside_the_statuses_not_a_status_the_sort_ranks() -> None:
    assert STATUS_CODES[-3:] == (rules.REVOKING, rules.REVOKED, rules.PARTIALLY_REVOKED)
    assert STATUS_CODES.index(rules.REVOKING) == STATUS_CODES.index(rules.PARTIALLY_PUBLISHED) + 1
    assert FILTER_CODES[:-1] == STATUS_CODES
    assert FILTER_CODES[-1] == PAUSED
    assert "'paused'" not in STATUS_RANK
    assert "WHEN 'partially_revoked' THEN 7" in STATUS_RANK


def test_the_view_keeps_paused_in_its_statuses_and_tells_it_apart() -> None:
    view = BatchFilter(statuses=["Paused", "Revoked", "In Progress"])
    assert view.statuses == ("in_progress", "revoked", "paused")
    assert view.paused
    assert view.batch_statuses == ("in_progress", "revoked")
    assert view.is_filtered
    assert not BatchFilter(statuses=["revoked"]).paused
    assert BatchFilter(statuses=["paused"]).batch_statuses == ()


def test_a_link_asks_for_paused_batches_with_status_paused() -> None:
    view = BatchFilter(statuses=["paused"])
    assert to_query_string(view) == "status=paused"
    assert parse_query_params({"status": "paused"}) == (view, [])
    assert parse_query_params({"status": "Partially revoked"}) == (
        BatchFilter(statuses=["partially_revoked"]),
        [],
    )


def test_the_paused_chip_says_status_paused_and_removes_only_itself() -> None:
    view = BatchFilter(statuses=["paused", "revoking"], page=3)
    chips = filter_chips(None, view)  # statuses alone need no store
    assert [(c.key, c.label) for c in chips] == [
        ("status:revoking", "Status: Revoking"),
        ("status:paused", "Status: Paused"),
    ]
    assert chips[1].without == BatchFilter(statuses=["revoking"])


def test_every_role_may_filter_on_the_undo_statuses_and_paused_last() -> None:
    choices = status_choices(analyst)
    assert choices[-4:] == [
        ("revoking", "Revoking"),
        ("revoked", "Revoked"),
        ("partially_revoked", "Partially revoked"),
        ("paused", "Paused"),
    ]


@pytest.mark.parametrize(
    ("status", "progress", "place", "paused", "text"),
    [
        (rules.IN_PROGRESS, 40, None, True, "In Progress (40%) · Paused"),
        (rules.IN_PROGRESS, 40, None, False, "In Progress (40%)"),
        (rules.REVOKING, 60, None, False, "Revoking (60%)"),
        (rules.REVOKING, 60, None, True, "Revoking (60%) · Paused"),
        (rules.REVOKED, 100, None, False, "Revoked"),
        (rules.PARTIALLY_REVOKED, 100, None, False, "Partially revoked"),
        (rules.UNPUBLISHED, 0, 2, False, "Unpublished · 2nd in the queue"),
    ],
)
def test_the_status_cell_says_the_percentage_and_the_pause(
    status, progress, place, paused, text
) -> None:
    assert status_text(status, progress, place, paused) == text


def test_row_words_add_the_pause_but_no_percentage() -> None:
    at = datetime(2026, 3, 1, tzinfo=UTC)
    statuses = [rules.IN_PROGRESS, rules.IN_PROGRESS, rules.REVOKING, rules.PARTIALLY_REVOKED]
    n = len(statuses)
    rows = pl.DataFrame(
        {
            **{c: [0] * n for c in COLUMNS if c.startswith("n_") or c in ("id", "users")},
            **{c: ["x"] * n for c in ("name", "badge", "quest", "created_by")},
            "badge_id": [1] * n,
            "quest_id": [1] * n,
            "created_at": [at] * n,
            "updated_at": [at] * n,
            "status": statuses,
            "progress": [40, 40, 60, 100],
            "paused": [True, False, True, False],
        }
    )
    labels = for_display(rows, "UTC")["status_label"].to_list()
    assert labels == [
        "In Progress · Paused",
        "In Progress",
        "Revoking · Paused",
        "Partially revoked",
    ]


def test_batch_list_reads_status_paused_from_its_options() -> None:
    args = argparse.Namespace(
        status=["Paused", "revoked"], name="", quest=[], badge=[], created=None, updated=None,
        sort=None,
    )  # fmt: skip
    assert filter_from_args(args) == BatchFilter(statuses=["revoked", "paused"])
