"""AppTest: the Users page (filters from the URL, chips, count, grid, Add to batch) and a user's
page (held and revoked quests, batches; a bad id)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core import words
from core.access.roles import Account, Role
from core.batches import add_file, drafts, read_model, rules
from core.publishing import actions, revoking, unlocking
from core.segments import segment
from core.upload.user_list import from_values
from pages.ui import formatting
from pages.web import runtime
from tests.support.apptest import app_as, app_cursor, app_query, make_demo_store

USERS = "pages/screens/users.py"
USER = "pages/screens/user.py"
ADMIN = Account("admin", Role.ADMIN)
DEMO_USERS = 6000  # more than a batch holds: "Add to batch" of them all offers a split


@pytest.fixture(scope="module", autouse=True)
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A demo data file with more users than a batch holds, served by this module's app."""
    path = make_demo_store(tmp_path_factory.mktemp("users") / "demo.duckdb", users=DEMO_USERS)
    mp = pytest.MonkeyPatch()
    mp.setenv("BATCH_UNLOCK_DB", str(path))
    yield path
    runtime.close_all()  # the next module opens its own data file
    mp.undo()


def users_grid(at: AppTest):
    """The Users page's grid (the one with a quests_held column)."""
    return next(d for d in at.dataframe if "quests_held" in d.value.columns)


def count_caption(at: AppTest) -> str:
    return next(c.value for c in at.caption if "matching user" in c.value)


def chip_labels(at: AppTest) -> list[str]:
    return [b.label for b in at.button if b.key and b.key.startswith("chip_")]


def held_and_lacking() -> tuple[int, int]:
    """Two usable quests: one that some users hold, another some of those do not hold."""
    rows = app_query(
        "SELECT a.quest_id, b.id FROM quests b, "
        "(SELECT quest_id, count(*) n FROM unlocks GROUP BY quest_id) a "
        "JOIN quests q ON q.id = a.quest_id JOIN badges bb ON bb.id = q.badge_id "
        "WHERE NOT q.archived AND NOT bb.archived AND b.id <> a.quest_id AND NOT b.archived "
        "ORDER BY a.n DESC, b.id LIMIT 1"
    )
    return rows[0]


def test_the_filters_come_from_the_url_with_chips_a_count_and_the_rows_they_match() -> None:
    holds, lacks = held_and_lacking()
    at = app_as("analyst", USERS, active="yes", holds=str(holds), lacks=str(lacks)).run()
    assert not at.exception
    expected = app_query(
        "SELECT count(*) FROM platform_users p WHERE active "
        "AND EXISTS (SELECT 1 FROM unlocks u WHERE u.user_id = p.id AND u.quest_id = ?) "
        "AND NOT EXISTS (SELECT 1 FROM unlocks u WHERE u.user_id = p.id AND u.quest_id = ?)",
        [holds, lacks],
    )[0][0]
    assert expected > 0
    assert count_caption(at) == words.count(expected, "matching user")
    labels = chip_labels(at)
    assert words.ACTIVE in labels
    assert any(label.startswith(f"{words.HOLDS}: ") and "›" in label for label in labels)
    assert any(label.startswith(f"{words.LACKS}: ") for label in labels)
    rows = users_grid(at).value
    assert set(rows["active"]) == {words.ACTIVE}
    assert (rows["quests_held"] >= 1).all()
    assert at.selectbox(key=next(s.key for s in at.selectbox if s.label == words.ACTIVE)).value


def test_removing_a_chip_takes_only_that_filter_out_of_the_url() -> None:
    holds, _ = held_and_lacking()
    at = app_as("analyst", USERS, active="no", holds=str(holds)).run()
    at.button(key="chip_active").click().run()
    assert not at.exception
    assert "active" not in at.query_params
    assert at.query_params["holds"] == str(holds)


def test_a_bad_value_in_a_link_is_left_out_with_a_note_and_the_rest_applies() -> None:
    at = app_as("analyst", USERS, registered="yesterday", active="yes").run()
    assert not at.exception
    assert any("registered=yesterday" in w.value for w in at.warning)
    assert words.ACTIVE in chip_labels(at)
    # The address bar holds the cleaned filter: a link copied from it carries no bad value.
    assert at.query_params == {"active": "yes"}


def test_an_unknown_quest_and_someone_elses_draft_in_a_link_are_dropped_with_a_note() -> None:
    quest = app_query("SELECT id FROM quests WHERE NOT archived ORDER BY id LIMIT 1")[0][0]
    unknown = app_query("SELECT max(id) + 1000 FROM quests")[0][0]
    admins = drafts.create_draft(app_cursor(), ADMIN, "Admin's own draft", quest)
    at = app_as("dev", USERS, active="yes", lacks=str(unknown), in_batch=str(admins)).run()
    assert not at.exception
    notes = " ".join(w.value for w in at.warning)
    assert str(unknown) in notes and str(admins) in notes
    # The rest applies, and the list is there (not replaced by an error about the batch).
    assert at.query_params == {"active": "yes"}
    assert chip_labels(at) == [words.ACTIVE, words.CLEAR_ALL]
    assert set(users_grid(at).value["active"]) == {words.ACTIVE}
    assert not at.error
    # The next run reads the rewritten link: no note any more.
    assert not at.run().warning


def test_the_grid_is_sorted_as_the_url_says_with_an_arrow_on_that_header() -> None:
    at = app_as("analyst", USERS, sort="quests_held").run()
    grid = users_grid(at)
    held = list(grid.value["quests_held"])
    assert held == sorted(held, reverse=True)  # most first: the column's natural order
    headers = {f: c.get("label") for f, c in json.loads(grid.proto.columns).items()}
    assert headers["quests_held"] == f"{words.QUESTS_HELD} ▼"
    assert headers["id"] == words.USER_ID


def test_a_text_search_goes_into_the_url_and_narrows_the_list() -> None:
    name = app_query("SELECT username FROM platform_users ORDER BY id LIMIT 1")[0][0]
    at = app_as("analyst", USERS).run()
    box = next(t for t in at.text_input if t.label == words.USER_TEXT)
    box.input(name.upper())
    next(b for b in at.button if b.label == words.SEARCH).click().run()
    assert not at.exception
    assert at.query_params["q"] == name.upper()
    assert name in list(users_grid(at).value["username"])


def test_an_analyst_may_export_but_has_no_add_to_batch() -> None:
    analyst = app_as("analyst", USERS).run()
    assert words.ADD_TO_BATCH not in [b.label for b in analyst.button]
    exports = [d.proto.label for d in analyst.get("download_button")]
    assert words.EXPORT_FOR_UPLOAD in exports and words.EXPORT_ALL_COLUMNS in exports
    admin = app_as("admin", USERS).run()
    assert words.ADD_TO_BATCH in [b.label for b in admin.button]


def test_past_the_count_bound_the_page_says_more_than_and_offers_no_export(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(segment, "MAX_EXPORT_ROWS", 1000)  # the demo's 6,000 users are over it
    at = app_as("analyst", USERS).run()
    assert not at.exception
    assert count_caption(at) == "More than 1,000 matching users"
    exports = [d.proto for d in at.get("download_button")]
    assert exports and all(d.disabled for d in exports)
    assert {d.help for d in exports} == {segment.export_refusal()}


def open_add(at: AppTest) -> AppTest:
    at.button(key="users_add").click().run()
    assert not at.exception
    return at


def test_add_to_a_new_draft_reports_what_was_added_and_links_the_batch() -> None:
    quest = app_query("SELECT q.id FROM quests q WHERE NOT archived ORDER BY id DESC LIMIT 1")[0][0]
    ids = [
        r[0]
        for r in app_query(
            "SELECT id FROM platform_users p WHERE active AND NOT EXISTS "
            "(SELECT 1 FROM unlocks WHERE user_id = p.id AND quest_id = ?) ORDER BY id LIMIT 3",
            [quest],
        )
    ]
    deactivated = app_query("SELECT id FROM platform_users WHERE NOT active LIMIT 1")[0][0]
    at = app_as("dev", USERS, ids=",".join(map(str, [*ids, deactivated])))
    at = open_add(at.run())
    at.session_state["users_add_quest"] = quest  # what the quest dropdown's click records
    at.text_input(key="users_add_name").input("From the users page").run()
    at.button(key="users_add_new").click().run()
    assert not at.exception
    made = app_query("SELECT id, n_users, status FROM batches WHERE name = 'From the users page'")
    assert len(made) == 1 and made[0][1] == 3 and made[0][2] == rules.DRAFT
    report = " ".join(c.value for c in at.caption)
    # The deactivated user is counted and reported, not added.
    assert (
        formatting.literal("3 users added to the batch. 1 row not added: 1 deactivated.") in report
    )
    links = [link.proto.label for link in at.get("page_link")]
    assert any("From the users page" in label for label in links)
    via = app_query("SELECT DISTINCT added_via FROM batch_users WHERE batch_id = ?", [made[0][0]])
    assert via == [("users",)]


ADDABLE = (  # per usable quest, the users an upload of everyone would add: active, not holding it
    "SELECT q.id, (SELECT count(*) FROM platform_users p WHERE p.active AND NOT EXISTS "
    "(SELECT 1 FROM unlocks u WHERE u.user_id = p.id AND u.quest_id = q.id)) AS addable "
    "FROM quests q JOIN badges b ON b.id = q.badge_id WHERE NOT q.archived AND NOT b.archived"
)


def test_more_users_than_a_batch_holds_are_refused_whole_with_an_offer_to_split() -> None:
    quest, addable = app_query(f"SELECT * FROM ({ADDABLE}) ORDER BY addable DESC, id LIMIT 1")[0]
    assert addable > rules.MAX_USERS_PER_BATCH, "the demo store must hold more than a batch"
    before = app_query("SELECT count(*) FROM batches")[0][0]
    at = open_add(app_as("admin", USERS).run())
    at.session_state["users_add_quest"] = quest
    at.text_input(key="users_add_name").input("Everyone").run()
    at.button(key="users_add_new").click().run()
    assert not at.exception
    refusal = " ".join(e.value for e in at.error)
    said = f"{addable:,} of the matching users can be added; a batch holds at most 5,000."
    assert formatting.literal(said) in refusal
    assert app_query("SELECT count(*) FROM batches")[0][0] == before  # nothing made
    drafts = -(-addable // rules.MAX_USERS_PER_BATCH)
    split = at.button(key="users_add_split")
    assert split.label == words.SPLIT_INTO_DRAFTS.format(n=drafts)
    split.click().run()
    assert not at.exception
    names = [r[0] for r in app_query("SELECT name FROM batches WHERE name LIKE 'Everyone (%'")]
    assert sorted(names) == sorted(f"Everyone ({i} of {drafts})" for i in range(1, drafts + 1))


def test_adding_to_an_existing_batch_found_by_id_goes_through_the_upload_rules() -> None:
    batch_id = app_query("SELECT id FROM batches WHERE status = 'published' ORDER BY id LIMIT 1")[
        0
    ][0]
    inside = app_query("SELECT count(*) FROM batch_users WHERE batch_id = ?", [batch_id])[0][0]
    at = open_add(app_as("admin", USERS, in_batch=str(batch_id)).run())
    at.radio(key="users_add_target").set_value("existing").run()
    at.text_input(key="users_add_find").input(str(batch_id)).run()
    assert not at.exception
    at.button(key="users_add_existing").click().run()
    assert not at.exception
    report = " ".join(c.value for c in at.caption)
    # Every one of them is in it already: counted and reported, none added twice.
    said = (
        f"0 users added to the batch. {inside:,} rows not added: {inside:,} already in this batch."
    )
    assert formatting.literal(said) in report
    assert app_query("SELECT count(*) FROM batch_users WHERE batch_id = ?", [batch_id]) == [
        (inside,)
    ]


def test_adding_to_a_batch_too_small_for_them_offers_new_drafts_for_its_quest() -> None:
    # The Published batch with the least room for everyone its quest could add.
    batch_id, quest, inside = app_query(
        f"SELECT b.id, b.quest_id, b.n_users FROM batches b JOIN ({ADDABLE}) a "
        "ON a.id = b.quest_id WHERE b.status = 'published' ORDER BY b.n_users + a.addable DESC "
        "LIMIT 1"
    )[0]
    at = open_add(app_as("admin", USERS).run())  # no filter: every user
    at.radio(key="users_add_target").set_value("existing").run()
    at.text_input(key="users_add_find").input(str(batch_id)).run()
    at.button(key="users_add_existing").click().run()
    assert not at.exception
    assert f"batch {batch_id} has room for" in " ".join(e.value for e in at.error)
    split = at.button(key="users_add_split")
    assert split.disabled  # the new drafts' name first
    at.text_input(key="users_add_split_name").input("Overflow").run()
    at.button(key="users_add_split").click().run()
    assert not at.exception
    made = app_query("SELECT name, quest_id, status FROM batches WHERE name LIKE 'Overflow%'")
    assert made and {(q, s) for _, q, s in made} == {(quest, rules.DRAFT)}
    n = len(made)
    expected = ["Overflow"] if n == 1 else [f"Overflow ({i} of {n})" for i in range(1, n + 1)]
    assert sorted(m[0] for m in made) == sorted(expected)
    # The batch itself took no one: the add was refused whole.
    assert app_query("SELECT count(*) FROM batch_users WHERE batch_id = ?", [batch_id]) == [
        (inside,)
    ]


def back_link() -> str:
    return words.BACK_TO.format(page=words.USERS_PAGE)


def revoked_from(user_id: int, reason: str) -> tuple[int, int]:
    """Unlock a quest the user lacks through a real batch, then revoke it; (batch, quest)."""
    quest = app_query(
        "SELECT q.id FROM quests q JOIN badges b ON b.id = q.badge_id "
        "WHERE NOT q.archived AND NOT b.archived AND q.id NOT IN "
        "(SELECT quest_id FROM unlocks WHERE user_id = ?) ORDER BY q.id LIMIT 1",
        [user_id],
    )[0][0]
    batch_id = drafts.create_draft(app_cursor(), ADMIN, "Revoked for the user page", quest)
    add_file.add_upload(app_cursor(), ADMIN, batch_id, from_values(ids=[str(user_id)]))
    actions.publish(app_cursor(), ADMIN, batch_id)
    run_until(batch_id, rules.FINISHED_STATUSES)
    revoking.revoke(
        app_cursor(), ADMIN, batch_id, revoking.RevokeTarget(user_ids=(user_id,)), reason
    )
    run_until(batch_id, (rules.REVOKED,))
    return batch_id, quest


def run_until(batch_id: int, statuses: tuple[str, ...]) -> None:
    """Run the real publisher's chunks until the batch is in one of `statuses`."""
    for _ in range(50):
        if read_model.read(app_cursor(), batch_id).status in statuses:
            return
        unlocking.process_once(runtime.unit_of_work())
    raise AssertionError(f"batch {batch_id} never reached {statuses}")


def test_a_users_page_shows_what_they_hold_what_was_revoked_and_their_batches() -> None:
    user_id, held_batch = app_query(
        "SELECT u.user_id, min(u.batch_id) FROM unlocks u JOIN platform_users p "
        "ON p.id = u.user_id WHERE p.active AND u.batch_id IS NOT NULL "
        "GROUP BY u.user_id ORDER BY u.user_id LIMIT 1"
    )[0]
    revoked_batch, _quest = revoked_from(user_id, "Sent to the wrong team")
    username = app_query("SELECT username FROM platform_users WHERE id = ?", [user_id])[0][0]
    held = app_query("SELECT count(*) FROM unlocks WHERE user_id = ?", [user_id])[0][0]

    at = app_as("analyst", USER, id=str(user_id)).run()
    assert not at.exception
    assert at.title[0].value == formatting.literal(username)
    headings = [h.value for h in at.subheader]
    assert f"{words.HELD_QUESTS} ({held:,})" in headings
    assert f"{words.REVOKED_QUESTS} (1)" in headings
    tables = [d.value for d in at.dataframe]
    batch = words.BATCH_COLUMN
    held_table = next(t for t in tables if words.REVOKED_AT not in t.columns and batch in t)
    assert any(cell.startswith(f"{held_batch} · ") for cell in held_table[batch])
    revoked_table = next(t for t in tables if words.REVOKED_AT in t.columns)
    row = revoked_table.iloc[0]
    assert row[words.REASON] == "Sent to the wrong team" and row[words.REVOKED_BY] == "admin"
    assert row[batch].startswith(f"{revoked_batch} · ")
    batches = next(t for t in tables if words.STATUS_IN_THE_BATCH in t.columns)
    mine = batches[batches[batch].str.startswith(f"{revoked_batch} · ")].iloc[0]
    assert mine[words.STATUS_IN_THE_BATCH] == words.REVOKED
    assert back_link() in [p.proto.label for p in at.get("page_link")]


def test_a_bad_or_unknown_user_id_says_so_and_what_to_do() -> None:
    unknown = app_as("analyst", USER, id="999999999999").run()
    assert not unknown.exception
    assert "There is no user with ID 999999999999" in unknown.error[0].value
    assert back_link() in [p.proto.label for p in unknown.get("page_link")]
    bad = app_as("analyst", USER, id="12ab").run()
    assert not bad.exception
    assert "There is no user with ID 12ab" in bad.error[0].value
    missing = app_as("analyst", USER).run()
    assert missing.error[0].value == words.NO_USER_ID_IN_LINK


def test_the_user_page_links_back_to_the_list_it_was_opened_from_bad_values_left_out() -> None:
    at = app_as(
        "analyst", USER, id="1", back="q=emma&holds=3&active=maybe&sort=username:desc&page=2"
    ).run()
    assert not at.exception
    back = next(p.proto for p in at.get("page_link") if p.proto.label == back_link())
    assert back.query_string == "q=emma&holds=3&sort=username%3Adesc&page=2"
    alone = app_as("analyst", USER, id="1").run()
    back = next(p.proto for p in alone.get("page_link") if p.proto.label == back_link())
    assert back.query_string == ""
