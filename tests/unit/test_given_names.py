"""The rule for names a person gives (core/access/names.py): token names and API file names."""

from __future__ import annotations

import pytest

from core.access.names import unprintable


@pytest.mark.parametrize(
    "text",
    ["a\u202eb", "a\u202ab", "a\u2066b", "a\u2069b", "a\u200eb", "a\u200fb", "a\tb", "a\x00"],
)
def test_a_control_character_or_bidi_mark_makes_a_name_unprintable(text: str) -> None:
    assert unprintable(text)


@pytest.mark.parametrize("text", ["list.csv", "Liste März (2).xlsx", "名簿.csv", "a b"])
def test_letters_digits_spaces_and_punctuation_are_printable(text: str) -> None:
    assert not unprintable(text)
