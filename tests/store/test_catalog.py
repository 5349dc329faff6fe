"""Badges and badge quests: listing with unlock counts, adding, archiving and importing."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

from core.catalog import badge_tree, editing
from core.errors import InputError, NotFound, PermissionDenied
from tests.support.world import admin, analyst, dev


def test_quests_list_each_badge_quest_with_how_many_users_hold_it(
    small_world: duckdb.DuckDBPyConnection,
) -> None:
    small_world.execute("INSERT INTO unlocks (user_id, quest_id) VALUES (1, 1), (2, 1), (1, 3)")
    rows = badge_tree.quests(small_world).select("badge", "quest", "unlocks").rows()
    assert rows == [
        ("Explorer", "Visit 10 pages", 2),
        ("Explorer", "Visit 100 pages", 0),
        ("Mentor", "Answer a question", 1),
    ]


def test_an_admin_adds_a_badge_with_its_quests(cur: duckdb.DuckDBPyConnection) -> None:
    badge_id = editing.add_badge(cur, admin, "  Streak ", ["7 days", "", "30 days"])
    tree = badge_tree.badge_tree(cur)
    assert list(tree) == ["Streak"]
    assert [q.name for q in tree["Streak"]] == ["30 days", "7 days"]
    assert all(q.badge_id == badge_id for q in tree["Streak"])
    assert cur.execute("SELECT action FROM audit_log").fetchall() == [("badge added",)]


@pytest.mark.parametrize(
    ("badge", "quests", "message"),
    [
        ("", ["q"], "badge name is empty"),
        ("Explorer", ["q"], "exists already"),
        ("New", [], "at least one badge quest"),
        ("New", ["Same", "same"], "same name"),
    ],
)
def test_a_bad_badge_is_refused_with_the_reason(
    small_world: duckdb.DuckDBPyConnection, badge: str, quests: list[str], message: str
) -> None:
    with pytest.raises(InputError, match=message):
        editing.add_badge(small_world, admin, badge, quests)


def test_devs_and_analysts_cannot_change_the_catalogue(
    small_world: duckdb.DuckDBPyConnection,
) -> None:
    for actor in (dev, analyst):
        with pytest.raises(PermissionDenied):
            editing.add_badge(small_world, actor, "New", ["q"])
        with pytest.raises(PermissionDenied):
            editing.set_quest_archived(small_world, actor, 1)


def test_a_quest_is_added_to_an_existing_badge_once(small_world: duckdb.DuckDBPyConnection) -> None:
    editing.add_quest(small_world, admin, 2, "Answer 10 questions")
    with pytest.raises(InputError, match="already has a quest"):
        editing.add_quest(small_world, admin, 2, "answer 10 QUESTIONS")
    with pytest.raises(NotFound):
        editing.add_quest(small_world, admin, 99, "x")


def test_an_archived_quest_is_not_offered_for_new_batches(
    small_world: duckdb.DuckDBPyConnection,
) -> None:
    editing.set_quest_archived(small_world, admin, 2)
    offered = [q.id for quests in badge_tree.badge_tree(small_world).values() for q in quests]
    assert offered == [1, 3]
    assert badge_tree.quest(small_world, 2).archived
    editing.set_quest_archived(small_world, admin, 2, archived=False)
    assert not badge_tree.quest(small_world, 2).archived


def test_an_archived_badge_archives_its_quests_for_listing(
    small_world: duckdb.DuckDBPyConnection,
) -> None:
    small_world.execute("UPDATE badges SET archived = TRUE WHERE id = 2")
    assert badge_tree.quest(small_world, 3).archived
    assert "Mentor" not in badge_tree.badge_tree(small_world)


def test_an_unknown_quest_says_how_to_list_them(cur: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(NotFound, match="python -m core quests"):
        badge_tree.quest(cur, 42)


def test_importing_badges_creates_only_what_is_missing(
    small_world: duckdb.DuckDBPyConnection,
) -> None:
    frame = pl.DataFrame(
        {
            "Badge": ["Explorer", "explorer", "Streak", "Streak", " ", "Streak"],
            "Quest": ["Visit 10 pages", "Visit 1,000 pages", "7 days", "7 days", "x", None],
        }
    )
    assert editing.import_badges(small_world, admin, frame) == {
        "badges_added": 1,
        "quests_added": 2,
    }
    assert editing.import_badges(small_world, admin, frame) == {
        "badges_added": 0,
        "quests_added": 0,
    }


def test_importing_badges_needs_both_columns(cur: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(InputError, match="needs the columns badge and quest"):
        editing.import_badges(cur, admin, pl.DataFrame({"name": ["x"]}))
    with pytest.raises(InputError, match="no row with both"):
        editing.import_badges(cur, admin, pl.DataFrame({"badge": ["x"], "quest": [""]}))


def test_an_admin_archives_and_restores_a_whole_badge(
    small_world: duckdb.DuckDBPyConnection,
) -> None:
    editing.set_badge_archived(small_world, admin, 1)
    assert list(badge_tree.badge_tree(small_world)) == ["Mentor"]
    assert badge_tree.badges(small_world).filter(pl.col("name") == "Explorer")["archived"].item()
    editing.set_badge_archived(small_world, admin, 1, archived=False)
    assert list(badge_tree.badge_tree(small_world)) == ["Explorer", "Mentor"]
    with pytest.raises(PermissionDenied):
        editing.set_badge_archived(small_world, dev, 1)
    with pytest.raises(NotFound):
        editing.set_badge_archived(small_world, admin, 42)
