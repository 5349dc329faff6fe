"""The operator's brake: pausing the whole publisher (admins only), and resuming it.

The pause is the setting `publisher_paused`, JSON {"by": ..., "at": iso time} ("" or absent: not
paused). While it is set, `core.publishing.unlocking.process_once` takes no chunk at all, in every
process (each chunk reads it in its own transaction); a chunk in flight finishes first.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from core.access.roles import Account, Permission, require
from core.audit import Action, record
from core.errors import InputError
from core.store.ports import UnitOfWork

SETTING = "publisher_paused"
# Who and when, for a pause whose setting cannot be read (it still brakes: safer than not).
_UNREADABLE = ("someone", datetime(1970, 1, 1, tzinfo=UTC))
# Announced on resume: not a batch id, just "look at the queue again" to idle workers.
_ANY_BATCH = 0


@dataclass(frozen=True)
class PublisherPause:
    """Who paused the publisher, and when."""

    by: str
    at: datetime

    def sentence(self) -> str:
        """Say that the publisher is paused, by whom and since when (UTC)."""
        return (
            f"The publisher is paused (by {self.by} since {self.at:%Y-%m-%d %H:%M} UTC): "
            "no batch is published or revoked until an admin resumes it."
        )


def publisher_pause(uow: UnitOfWork) -> PublisherPause | None:
    """Return who paused the publisher and when, or None when it is running."""
    raw = uow.settings.get(SETTING, "") or ""
    if not raw.strip():
        return None
    try:
        data = json.loads(raw)
        at = datetime.fromisoformat(data["at"])
        return PublisherPause(str(data["by"]), at if at.tzinfo else at.replace(tzinfo=UTC))
    except (ValueError, KeyError, TypeError):
        return PublisherPause(*_UNREADABLE)


def is_paused(uow: UnitOfWork) -> bool:
    """Tell whether the publisher is paused (the one read every chunk makes)."""
    return bool((uow.settings.get(SETTING, "") or "").strip())


def pause_publisher(uow: UnitOfWork, actor: Account) -> str:
    """Pause the whole publisher (admins only); return the confirmation sentence."""
    require(actor, Permission.PAUSE_PUBLISHER)

    def write(u: UnitOfWork) -> str:
        if (current := publisher_pause(u)) is not None:
            raise InputError(
                f"The publisher is paused already (by {current.by} since "
                f"{current.at:%Y-%m-%d %H:%M} UTC). Resume it to go on publishing."
            )
        now = datetime.now(UTC)
        u.settings.put(SETTING, json.dumps({"by": actor.username, "at": now.isoformat()}))
        record(u, actor, Action.PUBLISHER_PAUSED)
        return (
            "The publisher is paused: it finishes the chunk it is in, then publishes and "
            "revokes nothing until an admin resumes it. Batches keep their place in the queue."
        )

    return uow.transaction(write)


def resume_publisher(uow: UnitOfWork, actor: Account) -> str:
    """Resume the whole publisher (admins only); return the confirmation sentence."""
    require(actor, Permission.PAUSE_PUBLISHER)

    def write(u: UnitOfWork) -> str:
        if publisher_pause(u) is None:
            raise InputError("The publisher is not paused, so there is nothing to resume.")
        u.settings.put(SETTING, "")
        # Idle workers in other processes (PostgreSQL) look at the queue again at commit.
        u.publishing.announce_queued(_ANY_BATCH)
        record(u, actor, Action.PUBLISHER_RESUMED)
        return (
            "The publisher is running again: queued batches go on where they stopped, "
            "in their order."
        )

    return uow.transaction(write)


def paused_line(uow: UnitOfWork) -> str | None:
    """Say that the publisher is paused, by whom and since when (the CLI's and the API's words)."""
    pause = publisher_pause(uow)
    if pause is None:
        return None
    at = pause.at.astimezone(UTC) if pause.at.tzinfo is not None else pause.at
    return (
        f"The publisher is paused (by {pause.by} at {at:%Y-%m-%d %H:%M} UTC): nothing is "
        "published or revoked until `python -m core worker resume`."
    )
