"""The batch status rule with undo's counters: the spec's four unchanged, then revoking's."""

from __future__ import annotations

import pytest

from core.batches import rules


@pytest.mark.parametrize(
    ("counts", "status"),
    [
        ((3, 0, 0, 0), rules.UNPUBLISHED),
        ((3, 1, 0, 0), rules.IN_PROGRESS),
        ((3, 0, 1, 0), rules.IN_PROGRESS),
        ((3, 0, 3, 0), rules.PUBLISHED),
        ((3, 0, 2, 1), rules.PARTIALLY_PUBLISHED),
        ((0, 0, 0, 0), rules.PUBLISHED),
    ],
)
def test_a_batch_never_revoked_keeps_the_specs_four_statuses(counts, status) -> None:
    assert rules.derive_status(*counts) == status
    assert rules.derive_status(*counts, n_revoking=0, n_revoked=0) == status


def test_a_batch_with_a_user_waiting_to_be_revoked_is_revoking() -> None:
    assert rules.derive_status(3, 0, 2, 0, n_revoking=1) == rules.REVOKING
    assert rules.derive_status(3, 0, 0, 1, n_revoking=1, n_revoked=1) == rules.REVOKING


def test_a_batch_with_no_published_user_left_is_revoked() -> None:
    assert rules.derive_status(3, 0, 0, 0, n_revoked=3) == rules.REVOKED
    # Errors never held the quest: every unlock of the batch is revoked.
    assert rules.derive_status(3, 0, 0, 1, n_revoked=2) == rules.REVOKED


def test_a_batch_with_some_published_users_left_is_partially_revoked() -> None:
    assert rules.derive_status(3, 0, 2, 0, n_revoked=1) == rules.PARTIALLY_REVOKED


def test_a_revoked_user_added_again_queues_the_batch() -> None:
    # One revoked user revived (unpublished): the batch waits for the publisher again.
    assert rules.derive_status(3, 0, 2, 0, n_revoked=0) == rules.IN_PROGRESS
    assert rules.derive_status(3, 0, 0, 0, n_revoked=2) == rules.IN_PROGRESS
    assert rules.derive_status(1, 0, 0, 0, n_revoked=0) == rules.UNPUBLISHED


def test_progress_while_revoking_counts_the_users_asked_to_be_revoked() -> None:
    assert rules.progress(10, 6, 0, rules.REVOKING, n_revoking=3, n_revoked=1) == 25
    assert rules.progress(10, 0, 0, rules.REVOKING, n_revoking=0, n_revoked=0) == 0


def test_a_new_revoke_starts_at_0_percent_whatever_earlier_revokes_did() -> None:
    # 1 Published and 2 Revoked before; the last one asked for: nothing done yet.
    assert rules.progress(3, 0, 0, rules.REVOKING, n_revoking=1, n_revoked=2, revoked_before=2) == 0
    assert rules.status_label(rules.REVOKING, 0) == "Revoking (0%)"
    # Two of four asked for since are done; the two revoked before count for nothing.
    progress = rules.progress(6, 0, 0, rules.REVOKING, n_revoking=2, n_revoked=4, revoked_before=2)
    assert progress == 50
    # Once all asked for are done it reads 100, as a first revoke would.
    assert (
        rules.progress(3, 0, 0, rules.REVOKING, n_revoking=0, n_revoked=3, revoked_before=2) == 100
    )


def test_progress_counts_revoked_users_as_processed() -> None:
    assert rules.progress(4, 2, 1, rules.IN_PROGRESS, n_revoked=0) == 75
    assert rules.progress(4, 1, 0, rules.IN_PROGRESS, n_revoked=2) == 75
    assert rules.progress(0, 0, 0, rules.REVOKED) == 100


def test_the_status_label_says_how_far_and_whether_paused() -> None:
    assert rules.status_label(rules.IN_PROGRESS, 40) == "In Progress (40%)"
    assert rules.status_label(rules.IN_PROGRESS, 40, paused=True) == "In Progress (40%) · Paused"
    assert rules.status_label(rules.REVOKING, 60) == "Revoking (60%)"
    assert rules.status_label(rules.PARTIALLY_REVOKED) == "Partially revoked"
    assert rules.status_label(rules.PUBLISHED, 100) == "Published"


def test_every_batch_status_has_a_word() -> None:
    codes = (rules.DRAFT, *rules.PENDING_STATUSES, *rules.FINISHED_STATUSES, rules.REVOKING)
    for code in codes:
        assert rules.status_label(code)
