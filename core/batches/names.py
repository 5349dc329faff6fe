"""A batch's name: the form it is stored in, and what a name may be. The one home of this rule."""

from __future__ import annotations

from core import words
from core.errors import InputError

MAX_NAME_LENGTH = 120


def normalize_name(name: str | None) -> str:
    """Return a name as it is stored: inner runs of whitespace (tabs, no-break spaces) as one space.

    The page compares what is typed with the stored name through this same rule, so a name that
    only differs in whitespace is not a change (and is never written again and again).
    """
    return " ".join((name or "").split())


def clean_name(name: str | None) -> str:
    """Return the name to store, or raise InputError saying why it cannot be one."""
    name = normalize_name(name)
    if not name:
        raise InputError(f"The batch has no name. Type a name in the “{words.NAME}” field.")
    if len(name) > MAX_NAME_LENGTH:
        raise InputError(f"The batch name is longer than {MAX_NAME_LENGTH} characters. Shorten it.")
    return name
