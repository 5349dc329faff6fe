"""AppTest: the Webhooks page (admins): adding one shows its secret once, the list, a test event,
removing (confirmed in a popover), the recent deliveries; other roles get a refusal at its URL."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.concurrency import run_in_threadpool
from streamlit.testing.v1 import AppTest

from core import words
from core.access.roles import Account, Role
from core.webhooks import registry
from tests.support.apptest import app_as, app_cursor, serve_demo_store

PAGE = "pages/screens/webhooks.py"
ADMIN = Account("admin", Role.ADMIN)


@pytest.fixture(scope="module", autouse=True)
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A demo data file that the app of this module's tests serves."""
    yield from serve_demo_store(tmp_path_factory.mktemp("webhooks"))


def add_through_the_form(at: AppTest, url: str) -> AppTest:
    next(t for t in at.text_input if t.label == words.WEBHOOK_URL).input(url)
    next(b for b in at.button if b.label == words.ADD_WEBHOOK).click()
    return at.run()


def test_only_admins_get_the_webhooks_page() -> None:
    for username, listed in (("admin", True), ("dev", False), ("analyst", False)):
        at = app_as(username).run()
        assert ("webhooks" in at.session_state["pages"]) is listed
        # Other roles find a refusal at the page's URL, not "Page not found".
        assert ("webhooks_refused" in at.session_state["pages"]) is not listed
    refusal = app_as("dev").run().session_state["pages"]["webhooks_refused"]
    assert (refusal.url_path, refusal.title) == ("webhooks", words.WEBHOOKS_PAGE)


def test_an_admin_adds_a_webhook_and_sees_its_secret_once() -> None:
    at = add_through_the_form(app_as("admin", PAGE).run(), "https://hooks.example/badges *x*")
    assert "spaces" in at.error[0].value  # refused in words, nothing added
    at = add_through_the_form(at, "https://hooks.example/badges")
    assert not at.exception
    (secret,) = [c.value for c in at.code]
    assert secret.startswith(registry.SECRET_PREFIX)
    assert any(words.SECRET_SHOWN_ONCE in c.value for c in at.caption)
    assert any("https://hooks.example/badges" in t.value for t in at.text)
    again = at.run()
    assert not again.code  # never shown again
    hooks = registry.list_webhooks(app_cursor(), ADMIN)
    assert [h.url for h in hooks] == ["https://hooks.example/badges"]


def test_a_test_event_shows_under_the_recent_deliveries_and_removing_cancels_it() -> None:
    # Its own webhook: this test must not depend on another having run first (or on this worker).
    _, hook = registry.add_webhook(app_cursor(), ADMIN, "https://hooks.example/test-event")
    at = app_as("admin", PAGE).run()
    at.button(key=f"test_webhook_{hook.id}").click()
    at = at.run()
    assert not at.exception
    at = at.run()  # the list is read at the start of the run
    table = next(d for d in at.dataframe if "Last answer" in d.value.columns).value
    assert table["Event"].to_list()[0] == "webhook.test"
    assert table[words.STATUS].to_list()[0] == words.DELIVERY_PENDING
    at.button(key=f"confirm_remove_{hook.id}").click()  # inside the Remove popover
    at = at.run()
    assert not at.exception
    assert hook.id not in [h.id for h in registry.list_webhooks(app_cursor(), ADMIN)]
    table = next(d for d in at.dataframe if "Last answer" in d.value.columns).value
    assert table[words.STATUS].to_list()[0] == words.DELIVERY_CANCELLED


def test_the_served_app_posts_deliveries_beside_its_publisher_and_stops_both(
    tmp_path: Path,
) -> None:
    from app import create_app
    from core.config import Settings
    from core.publishing import actions
    from core.webhooks import events
    from pages.web import runtime
    from pages.web.lifespan import lifespan
    from tests.support.asgi import run_apart
    from tests.support.publish import make_batch
    from tests.support.store import sql_view
    from tests.support.webhook_receiver import listening

    settings = Settings(database=tmp_path / "served.duckdb", demo=False, run_worker=True)
    web = create_app(settings)

    def publish_and_wait(found) -> None:
        uow = sql_view(runtime.unit_of_work())
        uow.execute("INSERT INTO badges (name) VALUES ('Explorer')")
        uow.execute("INSERT INTO quests (badge_id, name) VALUES (1, 'Visit 10 pages')")
        uow.execute(
            "INSERT INTO platform_users (id, username, email, username_norm, email_norm) "
            "VALUES (1, 'ann', 'ann@example.com', 'ann', 'ann@example.com')"
        )
        secret, _ = registry.add_webhook(uow, ADMIN, found.url, [events.FINISHED])
        found.secret = secret
        actions.publish(uow, ADMIN, make_batch(uow, [1]))
        runtime.worker().wake()
        for _ in range(500):
            if found.delivered():
                return
            time.sleep(0.02)

    async def serve(found) -> tuple[bool, bool]:
        async with lifespan(web):
            rt = runtime.current()
            assert rt.worker is not None and rt.dispatcher is not None
            await run_in_threadpool(publish_and_wait, found)
            dispatcher = rt.dispatcher
        return dispatcher.running, bool(found.delivered())

    try:
        with listening() as found:
            still_running, delivered = run_apart(serve(found))
        assert delivered and not still_running
        (got,) = found.delivered()
        assert got.payload["batch"]["status"] == words.PUBLISHED
    finally:
        runtime.close_all()
