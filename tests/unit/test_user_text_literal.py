"""User text is text: names, usernames, emails, a file's header and links show as written.

Unit tests of `formatting.literal`, then every page run through AppTest over a store whose badge,
quest, batches, drafts, username and email are made of markdown, HTML, KaTeX, Streamlit's
directives and URLs; every element that renders markdown must carry that text escaped. Also: to
an account that may not see a draft, its link says only that no such batch is visible.
"""

from __future__ import annotations

import re

import pytest

from core.access.roles import Account, Role
from core.batches import add_one, drafts, read_model
from core.batches.errors import BatchNotVisible
from core.errors import NotFound, PermissionDenied
from pages.ui import formatting
from pages.ui.formatting import literal
from tests.support.markup import ESCAPE, markup_left

# Bold, a link, Streamlit's colour and icon directives, HTML, KaTeX, italics, strikethrough, an
# entity and an email: each renders as something else than its text unless shown literally.
MARKUP = (
    "**b** [x](https://evil.example/q) :red[r] <b>b</b> $x^2$ _i_ ~~s~~ :material/lock: "
    "&lt;i&gt; bob@evil.example"
)
USERNAME = f"evil {MARKUP} https://evil.example/u www.evil.example/w"
EMAIL = "**e**[x](https://evil.example/e)@evil.example"
URL_NAME = "[x](https://evil.example/n)"  # a crafted ?name= link


def reads_as(shown: str) -> str:
    """Return the text a `literal` string reads as on screen: escapes resolved, joiners gone."""
    return ESCAPE.sub(r"\1", shown).replace("\u2060", "")


# --- the helper -------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [MARKUP, USERNAME, EMAIL, URL_NAME, "# Title", "1. first", "> q"])
def test_literal_text_leaves_no_markup_or_link_and_reads_exactly_as_written(text: str) -> None:
    shown = literal(text)
    assert markup_left(shown) == []
    assert reads_as(shown) == text


def test_the_markup_check_catches_what_escaping_alone_let_through() -> None:
    # Escaping without breaking URLs (the code before this fix) still left live links.
    escaped_only = re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~$:])", r"\\\1", MARKUP)
    assert "https://" in markup_left(escaped_only)
    assert "bob@evil.example" in markup_left(escaped_only)
    assert "**b**" in markup_left(MARKUP)


def test_line_breaks_and_indents_cannot_start_a_heading_or_a_code_block() -> None:
    assert literal("Name\n===\n\n    indented") == "Name === indented"


def test_plain_words_pass_through_unchanged_so_labels_read_the_same() -> None:
    for text in ("Status: Published", "Badge: Explorer › First quest", "Clear all", "dev"):
        assert literal(text) == text


def test_the_former_name_md_is_the_same_helper() -> None:
    assert formatting.md is literal


# --- someone else's draft (point 8) -----------------------------------------------------------


def test_someone_elses_draft_reads_as_no_batch_at_all_and_names_nothing(
    batch_world, accounts
) -> None:
    draft = drafts.create_draft(batch_world, accounts["dev"], "Secret plans", 1)
    other = Account("deb", Role.DEV)
    with pytest.raises(BatchNotVisible) as hidden:
        read_model.get_batch(batch_world, draft, other)
    message = str(hidden.value)
    assert message == (
        f"No batch {draft} is visible to you. Check the link, or find the batch in the "
        "“Batch unlock” list."
    )
    assert "Secret" not in message and accounts["dev"].username not in message
    with pytest.raises(BatchNotVisible) as missing:
        read_model.get_batch(batch_world, draft + 1000, other)
    assert str(missing.value) == message.replace(str(draft), str(draft + 1000))
    # Either way it is both "not found" and "not allowed", as callers catch it.
    assert isinstance(hidden.value, NotFound) and isinstance(hidden.value, PermissionDenied)
    with pytest.raises(BatchNotVisible, match=r"so you cannot add users to it\."):
        add_one.add_single(batch_world, other, draft, "id", "1")
    assert read_model.get_batch(batch_world, draft, accounts["admin"]).name == "Secret plans"
