"""The batch history in words: every audit action the app writes reads as a sentence, with
counts in words and no internal code (not_found, already_unlocked, csv)."""

from __future__ import annotations

import re

import duckdb
import polars as pl
import pytest

from core import audit
from core.access import accounts
from core.batches import add_file, add_one, cli_fill, drafts, membership, quest_change
from core.catalog import badge_tree, editing
from core.history import audit_sentences
from core.platform_users import directory
from core.publishing import actions, publish_rate, retry, worker
from tests.support.batches import VISIT_10, VISIT_100, upload

CODES = re.compile(
    r"\b(not_found|mismatch|duplicate|already_in_batch|already_unlocked|inactive)\b"
    r"|\((csv|cli|single)\)|user\(s\)|\{'"
)


def history(cur: duckdb.DuckDBPyConnection, batch_id: int | None = None) -> list[str]:
    """The sentences of the log, oldest first, as the history shows them."""
    log = audit.entries(cur, batch_id)
    return [
        audit_sentences.sentence(a, d)
        for a, d in zip(reversed(log["action"]), reversed(log["detail"]), strict=True)
    ]


def assert_words(sentences: list[str]) -> None:
    for text in sentences:
        assert not CODES.search(text), text
        assert text.endswith("."), text


@pytest.mark.slow
def test_an_upload_reads_with_its_counts_in_words(batch_world, draft, accounts) -> None:
    dev = accounts["dev"]
    file = upload(
        "ID;Username;Registered email\n1;;\n2;;\n999;;\n998;;\n997;;\n3;user9;\n;;user1@example.com\n",
        "spring.csv",
    )
    add_file.add_upload(batch_world, dev, draft, file)

    assert history(batch_world, draft)[-1] == (
        "2 users added from “spring.csv” via CSV upload; 3 not found, 1 user not found, 1 merged."
    )


@pytest.mark.slow
def test_every_batch_action_reads_as_a_sentence(batch_world, draft, accounts) -> None:
    dev, admin = accounts["dev"], accounts["admin"]
    cur = batch_world
    add_file.add_upload(cur, dev, draft, upload("ID\n1\n7\n10\n11\n", "a.csv"))
    add_one.add_single(cur, dev, draft, "id", "2")
    add_one.add_single(cur, dev, draft, "username", "user3")
    membership.remove_users(cur, dev, draft, [3])
    add_one.add_single(cur, dev, draft, "id", "3")
    add_one.add_single(cur, dev, draft, "id", "4")
    membership.remove_users(cur, dev, draft, [3, 4])
    drafts.rename_draft(cur, dev, draft, "Spring onboarding 2")
    cur.execute("INSERT INTO unlocks (user_id, quest_id, batch_id) VALUES (2, 2, 1)")
    quest_change.change_draft_quest(cur, dev, draft, VISIT_100)
    actions.publish(cur, dev, draft)
    cur.execute("UPDATE platform_users SET active = FALSE WHERE id = 11")
    worker.run_until_empty(cur)
    cur.execute("UPDATE platform_users SET active = TRUE WHERE id = 11")
    retry.retry_errors(cur, admin, draft)
    empty = drafts.create_draft(cur, dev, "Nobody", VISIT_10)
    actions.publish(cur, dev, empty)
    gone = drafts.create_draft(cur, dev, "Short lived", VISIT_10)
    add_one.add_single(cur, dev, gone, "id", "5")
    drafts.delete_draft(cur, dev, gone)

    said = history(cur, draft)
    assert said == [
        "Created “Spring onboarding” for Explorer › Visit 10 pages.",
        "2 users added from “a.csv” via CSV upload; 1 already unlocked, 1 deactivated.",
        "Added User ID 2 (found by User ID) via Single.",
        "Added User ID 3 (found by username) via Single.",
        "Removed User ID 3 from the draft.",
        "Added User ID 3 (found by User ID) via Single.",
        "Added User ID 4 (found by User ID) via Single.",
        "Removed 2 users from the draft (User ID 3, 4).",
        "Renamed “Spring onboarding” to “Spring onboarding 2”.",
        "Moved to the badge quest Explorer › Visit 100 pages; 1 user who already held it was "
        "removed (User ID 2).",
        "Published: 2 users queued to be unlocked.",
        "Retried errors: 1 user in “Error” queued again.",
    ]
    assert history(cur, empty)[-1] == "Published with no users, so “Published” at once."
    assert history(cur, gone)[-1] == "Deleted the draft “Short lived” with 1 user."
    assert_words(said + history(cur, empty) + history(cur, gone))


@pytest.mark.slow
def test_the_command_lines_adds_say_via_the_command_line(batch_world, accounts) -> None:
    made = cli_fill.create_batch(
        batch_world, accounts["dev"], "From the shell", VISIT_10, [upload("ID\n1\n")], ["2"]
    )
    assert history(batch_world, made.batch_id)[1:] == [
        "1 user added from “users.csv” via the command line.",
        "Added User ID 2 (found by User ID) via the command line.",
    ]


@pytest.mark.slow
def test_the_actions_outside_batches_read_as_sentences(small_world, accounts) -> None:
    cur, admin = small_world, accounts["admin"]
    publish_rate.set_rate(cur, admin, 5)
    publish_rate.set_rate(cur, admin, None)
    editing.add_badge(cur, admin, "Helper", ["Answer once", "Answer twice"])
    helper = next(q for q in badge_tree.quests(cur).iter_rows(named=True) if q["badge"] == "Helper")
    editing.add_quest(cur, admin, helper["badge_id"], "Answer thrice")
    editing.set_quest_archived(cur, admin, helper["id"])
    editing.set_quest_archived(cur, admin, helper["id"], archived=False)
    editing.set_badge_archived(cur, admin, helper["badge_id"])
    editing.set_badge_archived(cur, admin, helper["badge_id"], archived=False)
    editing.import_badges(cur, admin, pl.DataFrame({"badge": ["New"], "quest": ["First"]}))
    people = pl.DataFrame(
        {
            "id": ["50", "1", "x"],
            "username": ["neo", "user1", ""],
            "email": ["neo@e.x", "u1@e.x", ""],
        }
    )
    directory.import_users(cur, admin, people)

    said = history(cur)
    assert said == [
        "Set the publishing rate to 5 unlocks per second.",
        "Set the publishing rate to unlimited.",
        "Added the badge Helper with 2 quests: Answer once, Answer twice.",
        "Added the badge quest Helper › Answer thrice.",
        f"Archived the badge quest Helper › {helper['quest']}.",
        f"Restored the badge quest Helper › {helper['quest']}.",
        "Archived the badge Helper.",
        "Restored the badge Helper.",
        "Imported badges: 1 badge and 1 quest added.",
        "Imported platform users: 1 added, 1 updated, 1 row rejected.",
    ]
    assert_words(said)


def test_the_first_admin_and_a_cleared_email_read_as_sentences(cur) -> None:
    accounts.create_first_admin(cur, "root", "a-long-password-1", "root@example.com")
    cleared = (
        "The account bob shared its email x@example.com with the older account al, which "
        "keeps it. Set another email for bob if it uses single sign-on."
    )
    assert history(cur)[-1] == "Created the first admin account, root."
    assert audit_sentences.sentence(audit.Action.ACCOUNT_EMAIL_CLEARED, cleared) == cleared


def test_user_text_in_a_sentence_is_kept_as_written(batch_world, accounts) -> None:
    name = "**Bold** [x](http://e.x) `code`"
    draft = drafts.create_draft(batch_world, accounts["dev"], name, VISIT_10)
    assert history(batch_world, draft) == [f"Created “{name}” for Explorer › Visit 10 pages."]
