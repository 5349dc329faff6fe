"""Who sees a draft: its creator, and accounts that see every draft (admins). The one home of
this rule: pages, the list, publishing and the store's SQL predicate all ask here."""

from __future__ import annotations

from dataclasses import dataclass

from core.access.roles import Account, Permission
from core.batches.rules import DRAFT


@dataclass(frozen=True)
class DraftScope:
    """The drafts one account sees: its own (`viewer`), or every draft (`all_drafts`)."""

    viewer: str
    all_drafts: bool

    def sees(self, status: str, created_by: str) -> bool:
        """Tell whether a batch with this status and creator is visible; non-drafts always are."""
        return status != DRAFT or self.all_drafts or created_by == self.viewer


def draft_scope(actor: Account) -> DraftScope:
    """Return the drafts `actor` sees (the store turns it into one SQL predicate)."""
    return DraftScope(actor.username, actor.can(Permission.SEE_ALL_DRAFTS))


def sees_any_drafts(actor: Account) -> bool:
    """Tell whether `actor` can see drafts at all: creators (who edit batches) and admins."""
    return actor.can(Permission.EDIT_BATCHES) or actor.can(Permission.SEE_ALL_DRAFTS)
