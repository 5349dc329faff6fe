"""The API's JSON read back as the local commands' printers read their rows (for `--url`).

The API answers the command line's own `--json` objects (core/api/shapes.py), with moments as ISO
text and a few keys beside them that only the text output needs; these helpers undo the first and
leave out the second, so `--url` prints what local mode prints.
"""

from __future__ import annotations

from datetime import UTC, datetime

from core import words

# The keys of `batch show --json` (core/cli/summary.py): the API's batch object has more.
SHOW_KEYS = ("id", "name", "badge", "quest", "status", "progress", "paused", "users", "counts")
STATUS_CODES = {word: code for code, word in words.BATCH_STATUS.items()}
PAUSED_SUFFIX = f" · {words.PAUSED}"


def day_filter(given: list[str] | None) -> str | None:
    """A day filter's OP and DAY as the API's one value (">2026-10-01")."""
    return None if not given else f"{given[0]}{given[1]}"


def shown(batch: dict) -> dict:
    """The batch object as `batch show --json` prints it (without the API's extra keys)."""
    return {key: batch[key] for key in SHOW_KEYS}


def status_code(word: str) -> str:
    """The status code of a status word ("In Progress · Paused" → "in_progress")."""
    word = word.removesuffix(PAUSED_SUFFIX)
    return STATUS_CODES.get(word, word)


def moment(text: str | None) -> datetime | None:
    """An ISO 8601 moment from the JSON as a datetime (naive means UTC)."""
    if text is None:
        return None
    when = datetime.fromisoformat(text)
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def timed(row: dict, keys: tuple[str, ...]) -> dict:
    """The row with its moments as datetimes."""
    return {**row, **{key: moment(row.get(key)) for key in keys}}


def in_zone(row: dict, keys: tuple[str, ...], tz: str) -> dict:
    """The row with its moments in the zone, as ISO text (as local mode prints them)."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(tz)
    zoned = dict(row)
    for key in keys:
        when = moment(row.get(key))
        zoned[key] = None if when is None else when.astimezone(zone).isoformat()
    return zoned
