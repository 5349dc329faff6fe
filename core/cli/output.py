"""Printing command results: JSON for scripts, aligned text for people."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot print {type(value).__name__} as JSON")


def print_json(data: Any) -> None:
    """Print data as JSON (dates in ISO 8601)."""
    print(json.dumps(data, default=_default, ensure_ascii=False, indent=2))


def print_table(rows: list[dict], columns: list[str]) -> None:
    """Print rows as a plain aligned table."""
    widths = {c: max([len(c)] + [len(str(r.get(c, ""))) for r in rows]) for c in columns}
    print("  ".join(c.ljust(widths[c]) for c in columns))
    for row in rows:
        print("  ".join(str(row.get(c, "")).ljust(widths[c]) for c in columns))


def utc_text(moment: datetime) -> str:
    """Return a moment as people read it in the CLI: "2026-12-01 20:30 UTC" (naive means UTC)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return f"{moment:%Y-%m-%d %H:%M} UTC"
