"""What the publisher thread reports to the pages: running, its counters, and a stall in words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class WorkerStatus:
    """What the background worker is doing, for a status line in the app."""

    running: bool
    rate: float | None
    processed: int
    chunks: int
    last_chunk_at: datetime | None
    last_error: str | None
    # Set while publishing cannot go on: since when, and why in plain words.
    stalled_since: datetime | None = None
    stall_reason: str | None = None

    @property
    def stalled(self) -> bool:
        """Tell whether publishing is stalled (chunks keep failing)."""
        return self.stalled_since is not None

    def stall_message(self, since: str) -> str | None:
        """Return the sentence a page shows while publishing is stalled (None if it is not).

        `since` is `stalled_since` as the viewer reads it (their time zone and format).
        """
        if self.stalled_since is None:
            return None
        return (
            f"Publishing is stalled since {since}: {self.stall_reason or 'the last chunk failed'}."
            " It resumes by itself when this is fixed."
        )
