"""The batch history in words: every audit action the app writes reads as a sentence, with
counts in words and no internal code (not_found, already_unlocked, csv)."""

from __future__ import annotations

import pytest

from core import audit, words
from core.audit import Action
from core.history import audit_sentences, audit_text


def test_the_action_names_the_writers_use_are_the_ones_the_sentences_know() -> None:
    written = {
        Action.BATCH_CREATED,
        Action.DRAFT_RENAMED,
        Action.DRAFT_QUEST_CHANGED,
        Action.DRAFT_DELETED,
        Action.USERS_ADDED,
        Action.USER_REMOVED,
        Action.BATCH_PUBLISHED,
        Action.ERRORS_RETRIED,
        Action.BATCH_CANCELLED,
        Action.BATCH_PAUSED,
        Action.BATCH_RESUMED,
        Action.REVOKE_REQUESTED,
    }
    assert written == set(audit.BATCH_ACTIONS)
    assert set(tuple(audit.Action)) == set(audit_sentences._BUILDERS)


@pytest.mark.parametrize(
    ("action", "detail", "said"),
    [
        ("batch created", "demo data", "Created the batch."),
        ("batch published", "demo data", "Published."),
        # Details of an older version, or unreadable: the action's words, codes in words.
        ("users added", "weird 2 not_found", "Users added: weird 2 not found."),
        ("something new", "", "Something new."),
        ("draft renamed", "", "Draft renamed."),
    ],
)
def test_a_detail_it_cannot_read_still_reads_in_words(action, detail, said) -> None:
    assert audit_sentences.sentence(action, detail) == said


def test_counts_are_pluralised_and_grouped() -> None:
    assert audit_text.row_counts("1 not_found, 1200 already_in_batch") == (
        "1 not found, 1,200 already in this batch"
    )
    assert words.count(1, "user") == "1 user"
    assert words.count(5000, "user") == "5,000 users"
