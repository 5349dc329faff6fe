"""AppTest: login, navigation per role, and the Badges page."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from core import words
from tests.support.apptest import app_as, page_path, serve_demo_store


@pytest.fixture(scope="module", autouse=True)
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A demo data file that the app of this module's tests serves."""
    yield from serve_demo_store(tmp_path_factory.mktemp("shell"))


def test_a_visitor_without_a_session_is_asked_to_log_in() -> None:
    at = app_as(None).run()
    assert not at.exception
    assert "not logged in" in at.warning[0].value
    assert at.link_button[0].proto.url == "/login"
    assert not at.dataframe


def test_an_identity_without_a_back_office_account_cannot_get_in() -> None:
    at = app_as("stranger").run()
    assert "not logged in" in at.warning[0].value


@pytest.mark.parametrize(
    ("username", "can_create"), [("admin", True), ("dev", True), ("analyst", False)]
)
def test_each_role_gets_only_the_pages_it_may_use(username: str, can_create: bool) -> None:
    at = app_as(username).run()
    assert not at.exception
    pages = at.session_state["pages"]
    assert {"badges", "batch_list", "batch_detail"} <= set(pages)
    assert ("new_batch" in pages) is can_create


def test_the_badges_page_lists_every_quest_with_its_unlocks() -> None:
    at = app_as("analyst").run()
    assert at.title[0].value == words.BADGES
    # The breadcrumb: Manage › Gamification link to their pages, the page itself is plain text.
    assert [link.proto.label for link in at.get("page_link")][:2] == ["Manage", "Gamification"]
    assert [c.value for c in at.caption[:3]] == ["›", "›", "Badges"]
    table = at.dataframe[0].value
    assert {"Badge", "Quest", "State", "Users unlocked"} <= set(table.columns)
    assert table["Users unlocked"].sum() > 0
    assert "Archived" in set(table["State"])


def test_the_three_dots_menu_offers_batch_unlock_to_everyone_and_catalogue_edits_to_admins() -> (
    None
):
    analyst = app_as("analyst").run()
    assert analyst.menu_button[0].label == words.MORE_MENU
    assert analyst.menu_button[0].options == [words.BATCH_UNLOCK]
    admin = app_as("admin").run()
    assert admin.menu_button[0].options[0] == words.BATCH_UNLOCK
    assert "Add badge" in admin.menu_button[0].options


def test_batch_unlock_in_the_menu_opens_the_batch_list() -> None:
    at = app_as("analyst").run()
    at.menu_button[0].click(words.BATCH_UNLOCK).run()
    assert not at.exception
    assert at.title[0].value == words.BATCH_UNLOCK


def test_searching_badges_filters_the_table_and_lives_in_the_url() -> None:
    at = app_as("analyst", q="streak").run()
    assert at.text_input(key="q").value == "streak"
    assert set(at.dataframe[0].value["Badge"]) == {"Streak"}


def test_an_analyst_cannot_reach_the_new_batch_page_by_url() -> None:
    at = app_as("analyst").run()
    with pytest.raises(Exception):  # noqa: B017 - AppTest raises its own error for unknown pages
        at.switch_page(page_path("pages/screens/new_batch.py")).run()


def test_tables_offer_no_download_of_their_own_as_it_would_keep_formulas() -> None:
    # Every list has an Export button whose CSV neutralises formulas (core.csv_safe); the data
    # grid's built-in "Download as CSV" would write batch names and usernames as they are.
    config = tomllib.loads(
        (Path(__file__).resolve().parents[2] / ".streamlit/config.toml").read_text()
    )
    assert config["client"]["disableDataExport"] is True


def test_create_app_serves_the_store_and_publisher_its_settings_name(tmp_path: Path) -> None:
    from app import create_app
    from core.config import Settings
    from pages.web import runtime
    from pages.web.lifespan import lifespan
    from tests.support.asgi import run_apart

    data = tmp_path / "elsewhere.duckdb"
    settings = Settings(database=data, demo=False, run_worker=False)
    web = create_app(settings)

    async def start_and_stop() -> tuple[Settings, object]:
        async with lifespan(web):
            return runtime.current().settings, runtime.worker()

    try:
        assert run_apart(start_and_stop()) == (settings, None)  # no publisher in this process
        assert data.exists()  # opened at start, empty: not the default file, no demo asked
    finally:
        runtime.close_all()  # the next test's runs use the environment's data file again
    assert runtime.current().settings != settings
