"""AppTest: the batch page says exactly what happened (history in sentences, the users list sorted
as a whole, empty cells empty, how users move), and Publish asks first, naming what it does."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core import words
from core.access.roles import Account, Role
from core.batches import add_file, add_one, drafts, members, read_model
from core.publishing import actions, queue
from core.upload import intake
from pages.ui import formatting
from tests.support.apptest import (
    app_as,
    fresh_quest_and_users,
    serve_demo_store,
)
from tests.support.apptest import (
    app_cursor as cursor,
)
from tests.support.apptest import (
    app_query as query,
)

NEW = "pages/screens/new_batch.py"
DETAIL = "pages/screens/batch_detail.py"
DEV = Account("dev", Role.DEV)
CODES = re.compile(r"not_found|already_unlocked|already_in_batch|\(csv\)|user\(s\)")


@pytest.fixture(scope="module", autouse=True)
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A demo data file that the app of this module's tests serves."""
    yield from serve_demo_store(tmp_path_factory.mktemp("detail"))


def published_batch(name: str, n: int) -> tuple[int, list[int]]:
    """A batch of `n` users, uploaded as a file (with 2 unknown IDs), published and finished."""
    quest, users = fresh_quest_and_users(n)
    draft = drafts.create_draft(cursor(), DEV, name, quest)
    text = "ID\n" + "\n".join(map(str, users)) + "\n999999991\n999999992\n"
    add_file.add_upload(cursor(), DEV, draft, intake.read_upload(text.encode(), "people.csv"))

    def publish(c) -> None:  # done here, not by the app's own publisher, so it is finished now
        c.execute(
            "UPDATE batch_users SET status = 'published', processed_at = current_timestamp "
            "WHERE batch_id = ?",
            [draft],
        )
        c.execute("UPDATE batches SET status = 'published' WHERE id = ?", [draft])
        c.batches.refresh_counts([draft])

    cursor().transaction(publish)
    return draft, users


def grid(at: AppTest, column: str):
    """The data grid whose columns include `column`."""
    return next(d for d in at.dataframe if column in d.value.columns)


def test_the_history_reads_as_sentences_with_counts_in_words_and_local_times() -> None:
    batch_id, _users = published_batch("History in words", 3)
    at = app_as("admin", DETAIL, id=str(batch_id)).run()
    assert not at.exception

    history = grid(at, "What happened")
    assert list(history.value.columns) == ["When", "Who", "What happened"]
    said = list(history.value["What happened"])
    assert "3 users added from “people.csv” via CSV upload; 2 not found." in said
    assert said[-1].startswith("Created “History in words” for ")
    assert not any(CODES.search(s) for s in said)
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", w) for w in history.value["When"])
    assert set(history.value["Who"]) == {"dev"}  # the person; the method is "Added via"


def test_the_users_list_says_added_via_and_shows_empty_cells_empty() -> None:
    batch_id, _users = published_batch("Empty cells", 2)
    at = app_as("admin", DETAIL, id=str(batch_id)).run()
    assert not at.exception

    table = grid(at, "added_via")
    headers = [c.get("label") for c in json.loads(table.proto.columns).values()]
    assert "Added via" in headers and "Added by" not in headers
    assert set(table.value["added_via"]) == {"CSV upload"}
    assert table.value["reason"].isna().all()  # published: no reason
    assert table.proto.placeholder == ""  # a null shows as an empty cell, not a grey "None"
    # User IDs are names, drawn as written: the grid drew some numbers as 112.9999999999.
    assert table.value["user_id"].map(type).eq(str).all()
    assert json.loads(table.proto.columns)["user_id"]["type_config"]["type"] == "text"
    assert grid(at, "What happened").proto.placeholder == ""


def test_the_users_list_is_sorted_as_a_whole_before_it_is_paged() -> None:
    batch_id, users = published_batch("Sorted as a whole", 300)
    at = app_as("admin", DETAIL, id=str(batch_id), usort="user_id", udesc="1").run()
    assert not at.exception

    table = grid(at, "added_via")
    shown = [int(u) for u in table.value["user_id"]]
    assert len(shown) == 250  # the first page of two
    assert shown[0] == max(users)  # the biggest User ID of all 300, not of a page
    assert shown == sorted(shown, reverse=True)
    columns = json.loads(table.proto.columns)
    assert columns["user_id"]["label"] == f"{words.USER_ID} ▼"  # the arrow on the sorted header
    assert any("sort the whole list" in c.value for c in at.caption)


def test_a_sort_that_is_not_a_column_is_refused_in_words() -> None:
    batch_id, _users = published_batch("Bad sort link", 1)
    at = app_as("admin", DETAIL, id=str(batch_id), usort="password").run()
    assert not at.exception
    assert any("Sort by one of" in e.value for e in at.error)


def test_the_counters_say_that_a_chunk_of_users_is_committed_at_once() -> None:
    batch_id, _users = published_batch("Chunk note", 1)
    at = app_as("admin", DETAIL, id=str(batch_id)).run()
    note = next(c.value for c in at.caption if "a chunk of up to" in c.value)
    assert "each chunk is committed at once" in note
    assert f"seen “{words.IN_PROGRESS}” here" in note


def draft_with_users(name: str, n: int) -> int:
    quest, users = fresh_quest_and_users(n)
    draft = drafts.create_draft(cursor(), DEV, name, quest)
    for u in users:
        add_one.add_single(cursor(), DEV, draft, "id", str(u))
    return draft


def ask_to_publish(draft: int) -> AppTest:
    at = app_as("dev", NEW, draft=str(draft)).run()
    next(b for b in at.button if b.label == words.PUBLISH).click().run()
    assert not at.exception
    return at


def test_publish_asks_first_naming_the_quest_and_the_users_and_cancel_changes_nothing() -> None:
    draft = draft_with_users("*Not bold*", 3)
    batch = read_model.read(cursor(), draft)
    at = ask_to_publish(draft)

    question = next(m.value for m in at.markdown if m.value.startswith("Unlock "))
    assert question == (
        f"Unlock *{formatting.literal(batch.badge)} › {formatting.literal(batch.quest)}* "
        "for 3 users? This cannot be undone from here."
    )
    counts = {m.label: m.value for m in at.metric}
    assert counts == {
        words.UNPUBLISHED: "3",
        words.IN_PROGRESS: "0",
        words.PUBLISHED: "0",
        words.ERROR: "0",
    }
    assert query("SELECT status FROM batches WHERE id = ?", [draft]) == [("draft",)]

    at.button(key=f"publish_no_{draft}").click().run()
    assert not at.exception
    assert not [m for m in at.markdown if m.value.startswith("Unlock ")]
    assert query("SELECT status, version FROM batches WHERE id = ?", [draft]) == [
        ("draft", batch.version)
    ]


def test_publish_once_confirmed_queues_the_batch_and_names_who_would_fail() -> None:
    draft = draft_with_users("Confirmed", 2)
    leaver = query("SELECT min(user_id) FROM batch_users WHERE batch_id = ?", [draft])[0][0]
    cursor().execute("UPDATE platform_users SET active = FALSE WHERE id = ?", [leaver])
    at = ask_to_publish(draft)
    said = formatting.literal(
        "1 of them would end in “Error” as things stand (1 still deactivated)"
    )
    assert any(said in w.value for w in at.warning)

    at.button(key=f"publish_yes_{draft}").click().run()
    assert not at.exception
    assert query("SELECT status <> 'draft' FROM batches WHERE id = ?", [draft]) == [(True,)]
    assert queue.anything_queued(cursor()) or query(
        "SELECT status FROM batches WHERE id = ?", [draft]
    ) == [("partially_published",)]


def test_the_export_says_added_via_in_words_and_added_by_the_person() -> None:
    batch_id, _users = published_batch("Export words", 1)
    lines = members.members_csv(cursor(), DEV, batch_id).decode("utf-8-sig").splitlines()
    header = lines[0].split(";")
    row = dict(zip(header, lines[1].split(";"), strict=True))
    assert (row[words.ADDED_VIA], row[words.ADDED_BY]) == ("CSV upload", "dev")


def test_the_batch_list_and_the_new_batch_users_show_empty_cells_empty() -> None:
    at = app_as("admin", "pages/screens/batch_list.py", status="draft").run()
    assert not at.exception
    assert grid(at, "progress").proto.placeholder == ""  # a draft has no progress: blank
    draft = draft_with_users("Blank cells", 1)
    at = app_as("dev", NEW, draft=str(draft)).run()
    table = grid(at, "user_id")  # the batch page's users grid, its columns by field
    assert table.proto.placeholder == ""
    labels = [json.loads(table.proto.columns)[f]["label"] for f in table.proto.column_order]
    assert "Added via" in labels and "Added by" not in labels


def test_a_confirmation_left_open_while_another_tab_changed_the_draft_publishes_nothing() -> None:
    draft = draft_with_users("Changed meanwhile", 1)
    at = ask_to_publish(draft)
    other = fresh_quest_and_users(2)[1][1]  # not the draft's own user
    add_one.add_single(cursor(), DEV, draft, "id", str(other))  # another tab adds a user

    at.button(key=f"publish_yes_{draft}").click().run()
    assert not at.exception
    assert query("SELECT status, n_users FROM batches WHERE id = ?", [draft]) == [("draft", 2)]
    assert any("This batch was given more users by dev at" in e.value for e in at.error)
    assert any(s.value == "Users (2 of 5,000)" for s in at.subheader)  # drawn again as it is


def test_a_confirmation_left_open_while_another_tab_published_says_so() -> None:
    draft = draft_with_users("Published meanwhile", 1)
    at = ask_to_publish(draft)
    actions.publish(cursor(), DEV, draft)  # another tab publishes it

    at.button(key=f"publish_yes_{draft}").click().run()
    assert not at.exception
    assert any("This batch was published by dev at" in e.value for e in at.error)
    assert query(
        "SELECT count(*) FROM audit_log WHERE batch_id = ? AND action = ?",
        [draft, "batch published"],
    ) == [(1,)]


def test_the_batch_page_links_back_to_the_list_it_was_opened_from_bad_values_left_out() -> None:
    batch, _users = published_batch("Back with filters", 3)
    back_to = words.BACK_TO.format(page=words.BATCH_UNLOCK)
    at = app_as("analyst", DETAIL, id=str(batch), back="status=published&name=forum&quest=x&page=2")
    at.run()
    assert not at.exception
    back = next(p.proto for p in at.get("page_link") if p.proto.label == back_to)
    assert back.query_string == "status=published&name=forum&page=2"
    alone = app_as("analyst", DETAIL, id=str(batch)).run()
    back = next(p.proto for p in alone.get("page_link") if p.proto.label == back_to)
    assert back.query_string == ""
