"""Drafts and batch users: create, rename, delete, add from files or one by one, remove, roles."""

from __future__ import annotations

import pytest

from core import words
from core.batches import (
    names,
    rules,
)
from core.errors import InputError


def test_the_page_and_the_store_clean_a_name_by_one_rule() -> None:
    assert names.normalize_name(" a  b\u00a0c\t") == "a b c" == names.clean_name("a  b\u00a0c")
    with pytest.raises(InputError, match="has no name"):
        names.clean_name(" \u00a0\t")


def test_the_batch_limit_lives_in_the_rules_not_in_the_words() -> None:
    assert rules.MAX_USERS_PER_BATCH == 5000
    assert not hasattr(words, "MAX_USERS_PER_BATCH")
