"""The one rule for badge and quest names: as stored, whitespace runs as one space, 1 to 120
characters; two names that differ only in case are one name (the store compares them so too)."""

from __future__ import annotations

from core.errors import InputError

MAX_CATALOG_NAME_LENGTH = 120


def clean_name(name: str | None, what: str) -> str:
    """Return a badge or quest name as stored, or raise InputError saying why it cannot be one.

    `what` is "badge" or "quest", for the message.
    """
    name = " ".join((name or "").split())
    if not name:
        raise InputError(f"The {what} name is empty. Type a name.")
    if len(name) > MAX_CATALOG_NAME_LENGTH:
        raise InputError(
            f"The {what} name is longer than {MAX_CATALOG_NAME_LENGTH} characters. Shorten it."
        )
    return name


def name_key(name: str) -> str:
    """What two badge (or quest) names are compared on: case ignored."""
    return name.lower()
