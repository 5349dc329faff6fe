"""The file names of the Users page's exports: the day and the filter's numbers, never typed text."""

from __future__ import annotations

import re
from datetime import date, datetime

from core.history.dates import DateFilter
from core.history.terms import check_tz
from core.segments.user_filter import UserFilter

EXPORT_KINDS = ("template", "all")  # export_template's file, export_all's
_SLUG_LENGTH = 80  # a file name's filter part, so names stay short in a downloads folder
_DATE_WORDS = {">": "after", "<": "before", "=": "on"}


def _dated(what: str, d: DateFilter | None) -> list[str]:
    return [f"{what}-{_DATE_WORDS[d.op]}-{d.day.isoformat()}"] if d else []


def export_name(f: UserFilter, kind: str, today: date | None = None, tz: str = "UTC") -> str:
    """Return a file name for an export, e.g. "users-active-holds-3-2026-12-01.csv".

    The filter's choices, quests, batches and dates go in it, cut to a length (never typed text
    or User IDs, which may hold anything a file system refuses, or be long); the day at the end
    is today in the viewer's time zone `tz` (unless `today` is given). `kind` is "template"
    (the upload file) or "all" (every column).
    """
    if kind not in EXPORT_KINDS:
        raise ValueError(f"kind must be one of {EXPORT_KINDS}")
    parts = ["users"] + (["all-columns"] if kind == "all" else [])
    slug = []
    if f.active is not None:
        slug.append("active" if f.active else "deactivated")
    slug += _dated("registered", f.registered) + _dated("last-active", f.last_active)
    slug += [f"holds-{'-'.join(map(str, f.holds))}"] if f.holds else []
    slug += [f"lacks-{'-'.join(map(str, f.lacks))}"] if f.lacks else []
    if f.in_batch is not None:
        slug.append(f"{f.in_batch_status or 'in'}-batch-{f.in_batch}".replace("_", "-"))
    if f.not_in_batch is not None:
        slug.append(f"not-in-batch-{f.not_in_batch}")
    kept: list[str] = []
    for piece in slug:
        room = _SLUG_LENGTH - len("-".join(kept)) - (1 if kept else 0)
        if len(piece) > room:
            # A list of quests is cut at a dash, not mid-number; a date goes whole or not at all.
            cut = re.sub(r"-[^-]*$", "", piece[:room])
            piece = cut if piece.startswith(("holds-", "lacks-")) and "-" in cut else ""
        kept += [piece] if piece else []
    text = "-".join(kept)
    day = (today or datetime.now(check_tz(tz)).date()).isoformat()
    return "-".join([*parts, *([text] if text else []), day]) + ".csv"
