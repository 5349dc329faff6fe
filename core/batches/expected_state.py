"""The state a write expects a batch to be in, and the refusal when it changed meanwhile.

A page passes the `version` of the batch it showed. Every change a person makes to a batch adds 1
to it in the change's own transaction (`bump`), so two tabs on one batch cannot both act on what
they saw: the second write finds another version, changes nothing and says who changed the batch
and when (from the audit log, written in the same transactions). The publisher's progress does
not count as a change: no write a page offers depends on it, and each write checks the status too.
A change that would do nothing writes nothing, not even the version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from core.audit import Action
from core.errors import InputError
from core.store.ports import UnitOfWork

# What each audited change did to the batch, in words for "This batch was … by dev at 10:42".
# Keyed by every action that changes one batch (core.audit.BATCH_ACTIONS; a test checks every one).
CHANGED_BY = {
    Action.BATCH_CREATED: "created",
    Action.DRAFT_RENAMED: "renamed",
    Action.DRAFT_QUEST_CHANGED: "moved to another badge quest",
    Action.DRAFT_DELETED: "deleted",
    Action.USERS_ADDED: "given more users",
    Action.USER_REMOVED: "left by some of its users",
    Action.BATCH_PUBLISHED: "published",
    Action.ERRORS_RETRIED: "queued again to retry its errors",
    Action.BATCH_CANCELLED: "taken out of the queue (back to a draft)",
    Action.BATCH_PAUSED: "paused",
    Action.BATCH_RESUMED: "resumed",
    Action.REVOKE_REQUESTED: "revoked",
}


@dataclass(frozen=True)
class Change:
    """The latest change to a batch: who made it, when, and what it was (an audit action)."""

    actor: str
    action: str
    happened_at: datetime


class Stale(InputError):
    """The batch changed after the page showed it (or was deleted); nothing was written."""

    def __init__(self, batch_id: int, change: Change | None, deleted: bool = False) -> None:
        self.batch_id = batch_id
        self.change = change
        self.deleted = deleted
        super().__init__(self.message())

    def message(self, tz: str = "UTC") -> str:
        """Say what happened to the batch, with the time in the zone `tz`, and what to do next."""
        if self.change is None:
            what = "deleted" if self.deleted else "changed"
            happened = f"was {what} after this page showed it"
        else:
            what = CHANGED_BY.get(self.change.action, "changed")
            happened = (
                f"was {what} by {self.change.actor} at {_when(self.change.happened_at, tz)}, "
                "after this page showed it"
            )
        if self.deleted:
            return (
                f"This batch {happened}, so nothing was changed. "
                "Open the batch list to see the batches that exist."
            )
        return (
            f"This batch {happened}, so nothing was changed. "
            "Reload the page to see it as it is now, then try again."
        )


def _when(moment: datetime, tz: str) -> str:
    local = moment.astimezone(ZoneInfo(tz))
    today = datetime.now(UTC).astimezone(ZoneInfo(tz)).date()
    text = local.strftime("%H:%M") if local.date() == today else local.strftime("%Y-%m-%d %H:%M")
    return f"{text} UTC" if tz == "UTC" else text


def _latest_change(uow: UnitOfWork, batch_id: int) -> Change | None:
    """Return the newest audited change to a batch, or None when none was recorded."""
    newest = uow.audit.entries(batch_id, 1)
    if newest.is_empty():
        return None
    return Change(newest["actor"][0], newest["action"][0], newest["happened_at"][0])


def check(uow: UnitOfWork, batch_id: int, version: int, expected: int | None) -> None:
    """Raise Stale unless the batch is at the version the caller expects (None: no expectation)."""
    if expected is not None and version != expected:
        raise Stale(batch_id, _latest_change(uow, batch_id))


def gone(uow: UnitOfWork, batch_id: int, expected: int | None) -> Stale | None:
    """For a batch that does not exist: the refusal to raise if the caller saw it (it was deleted)."""
    if expected is None:
        return None
    return Stale(batch_id, _latest_change(uow, batch_id), deleted=True)


def bump(uow: UnitOfWork, batch_id: int) -> None:
    """Mark the batch as changed: one more version, and "Last updated" now."""
    uow.batches.bump_version(batch_id)
