"""User text is text: names, usernames, emails, a file's header and links show as written.

Unit tests of `formatting.literal`, then every page run through AppTest over a store whose badge,
quest, batches, drafts, username and email are made of markdown, HTML, KaTeX, Streamlit's
directives and URLs; every element that renders markdown must carry that text escaped. Also: to
an account that may not see a draft, its link says only that no such batch is visible.
"""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from core.access.roles import Account, Role
from core.batches import cli_fill, drafts, read_model
from core.catalog import badge_tree, editing
from core.history import url
from core.platform_users import directory
from core.publishing import actions, worker
from core.upload import intake
from pages.ui.formatting import literal
from tests.support.apptest import app_as, serve_demo_store
from tests.support.markup import markup_left
from tests.support.store import sql_view

LIST = "pages/screens/batch_list.py"
NEW = "pages/screens/new_batch.py"
DETAIL = "pages/screens/batch_detail.py"
BADGES = "pages/screens/badges.py"

# Bold, a link, Streamlit's colour and icon directives, HTML, KaTeX, italics, strikethrough, an
# entity and an email: each renders as something else than its text unless shown literally.
MARKUP = (
    "**b** [x](https://evil.example/q) :red[r] <b>b</b> $x^2$ _i_ ~~s~~ :material/lock: "
    "&lt;i&gt; bob@evil.example"
)
BADGE = f"Badge {MARKUP}"
QUEST = f"Quest {MARKUP}"
BATCH = f"Batch {MARKUP}"
DEV_DRAFT = f"Draft {MARKUP}"
ADMIN_DRAFT = f"Hidden {MARKUP}"
USERNAME = f"evil {MARKUP} https://evil.example/u www.evil.example/w"
EMAIL = "**e**[x](https://evil.example/e)@evil.example"
NEWCOMER = f"evil two {MARKUP}"  # a user in no batch yet
URL_NAME = "[x](https://evil.example/n)"  # a crafted ?name= link
ADMIN = Account("admin", Role.ADMIN)
DEV = Account("dev", Role.DEV)


# --- the pages, through AppTest ---------------------------------------------------------------


def cursor():
    """The app's own cursor on the served store (one connection per process)."""
    from pages.web import runtime

    return sql_view(runtime.unit_of_work())


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, int]]:
    """A demo store plus a badge, quest, published batch, drafts and a user made of markup."""
    served = serve_demo_store(tmp_path_factory.mktemp("literal"))
    next(served)
    cur = cursor()
    badge_id = editing.add_badge(cur, ADMIN, BADGE, [QUEST])
    quest_id = badge_tree.badge_tree(cur)[BADGE][0].id
    report = directory.import_users(
        cur,
        ADMIN,
        pl.DataFrame(
            {
                "id": ["990001", "990002"],
                "username": [USERNAME, NEWCOMER],
                "email": [EMAIL, "two@evil.example"],
            }
        ),
    )
    assert report.rejected == []
    published = cli_fill.create_batch(cur, ADMIN, BATCH, quest_id, user_ids=["990001"]).batch_id
    actions.publish(cur, ADMIN, published)
    worker.run_until_empty(cur)
    ids = {
        "badge": badge_id,
        "quest": quest_id,
        "published": published,
        "dev_draft": drafts.create_draft(cur, DEV, DEV_DRAFT, quest_id),
        "admin_draft": drafts.create_draft(cur, ADMIN, ADMIN_DRAFT, quest_id),
    }
    yield ids
    next(served, None)


def _sub_proto(proto: object) -> object:
    try:
        kind = proto.WhichOneof("type")  # a block, or an element of a kind AppTest does not know
    except (AttributeError, ValueError):
        return proto
    return getattr(proto, kind) if kind else proto


# Element kinds whose text Streamlit shows as it is (never markdown).
_PLAIN_KINDS = {"text", "code", "json", "exception", "arrow_data_frame", "dataframe", "badge"}


def markdown_texts(at: AppTest) -> list[str]:
    """Every string of the page that the browser renders as markdown: bodies, labels, help
    texts, radio options, pill and segment options (not selectbox options or table cells)."""
    found: list[str] = []

    def visit(node: object) -> None:
        kind = getattr(node, "type", "")
        proto = _sub_proto(getattr(node, "proto", None))
        fields = getattr(getattr(proto, "DESCRIPTOR", None), "fields_by_name", {})
        for name in ("body", "label", "help", "text"):
            if name in fields and kind not in _PLAIN_KINDS:
                value = getattr(proto, name)
                if isinstance(value, str) and value:
                    found.append(value)
        if kind == "radio":
            found.extend(proto.options)
        if kind == "button_group":
            found.extend(option.content for option in proto.options)
        for child in getattr(node, "children", {}).values():
            visit(child)

    visit(at._tree)
    return found


def assert_literal_everywhere(at: AppTest, *expected: str) -> list[str]:
    """Fail on markup left in any markdown string; each expected text must be shown, escaped."""
    assert not at.exception, at.exception
    texts = markdown_texts(at)
    leaks = {text: markup_left(text) for text in texts if "evil" in text and markup_left(text)}
    assert leaks == {}
    for text in expected:
        assert any(literal(text) in shown for shown in texts), f"{text!r} is not shown"
    return texts


def test_the_batch_list_shows_chips_from_the_url_and_the_badge_tree_literally(world) -> None:
    query = {"name": URL_NAME, "badge": str(world["badge"]), "created": MARKUP}
    view, _notes = url.parse_query_params({k: [v] for k, v in query.items()})
    at = app_as("dev", LIST, **query)
    # The badge tree draws its checkboxes only while open, as when the user opens it.
    at.session_state[f"tree_{url.to_query_string(view) or 'all'}_popover"] = True
    at.run()
    texts = assert_literal_everywhere(at, URL_NAME, BADGE, QUEST, MARKUP)
    assert any(t.startswith("The link's created=") for t in texts)  # the URL's note, escaped
    assert f"Batch name: {literal(URL_NAME)}" in texts


def test_new_batch_shows_drafts_and_the_quest_picker_literally(world) -> None:
    at = app_as("dev", NEW)
    # The picker draws its quests only while open, as when the user opens it.
    at.session_state["quest_None_popover"] = True  # a new batch's picker: no draft id yet
    at.run()
    assert_literal_everywhere(at, DEV_DRAFT, BADGE, QUEST)
    assert literal(QUEST) in [b.label for b in at.button]  # the picker's quest, escaped
    assert ADMIN_DRAFT not in " ".join(markdown_texts(at))  # a dev sees their own drafts only


def test_a_drafts_single_suggestions_and_messages_show_usernames_literally(world) -> None:
    draft = world["dev_draft"]
    at = app_as("dev", NEW, draft=str(draft)).run()
    assert_literal_everywhere(at, BADGE, QUEST)
    at.radio(key=f"add_{draft}_type").set_value("Single").run()
    at.radio(key=f"add_{draft}_by").set_value("Username").run()
    at.text_input(key=f"add_{draft}_value_username").input("evil").run()
    assert_literal_everywhere(at, USERNAME.lower())  # the suggestions, as pills
    # Added: the confirmation quotes the username. (A refusal reruns only the form, which
    # AppTest cannot do; the browser test sees one.)
    at.text_input(key=f"add_{draft}_value_username").input(NEWCOMER).run()
    at.button(key=f"add_{draft}_add").click().run()
    assert at.success
    assert_literal_everywhere(at, NEWCOMER.lower())


def test_the_detail_page_shows_the_batch_its_badge_and_quest_literally(world) -> None:
    at = app_as("analyst", DETAIL, id=str(world["published"])).run()
    assert_literal_everywhere(at, BATCH, BADGE, QUEST)
    assert at.title[0].value == literal(BATCH)


def test_the_badges_page_has_no_markup_from_names(world) -> None:
    assert_literal_everywhere(app_as("admin", BADGES, q="evil").run())


@pytest.mark.parametrize(
    ("role", "page", "param"), [("dev", NEW, "draft"), ("analyst", DETAIL, "id")]
)
def test_a_link_to_someone_elses_draft_says_only_that_no_such_batch_is_visible(
    world, role: str, page: str, param: str
) -> None:
    draft = world["admin_draft"]
    at = app_as(role, page, **{param: str(draft)}).run()
    assert not at.exception
    assert [e.value for e in at.error] == [literal(read_model.not_visible(draft))]
    shown = " ".join(markdown_texts(at))
    assert "Hidden" not in shown and "admin" not in shown  # neither its name nor its owner


def show_ignored_columns(header: str) -> None:
    """An AppTest script: the upload preview of a file whose header holds markup."""
    from core.batches import matching
    from core.upload import intake
    from pages.ui import add_users
    from pages.web import runtime

    upload = intake.read_upload(f"ID;{header}\n1;x\n".encode(), "users.csv")
    add_users.show_preview(matching.preview(runtime.unit_of_work(), upload, 1), key="t")


def test_the_ignored_columns_caption_shows_a_files_header_literally(world) -> None:
    header = "[x](https://evil.example/h) **h**"
    assert header in intake.read_upload(f"ID;{header}\n1;x\n".encode()).ignored_columns
    at = AppTest.from_function(show_ignored_columns, args=(header,), default_timeout=30).run()
    texts = assert_literal_everywhere(at, header)
    assert any(t.startswith("Ignored columns: ") for t in texts)
