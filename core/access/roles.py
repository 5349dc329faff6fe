"""Back-office roles and what each may do; every core write calls `require`."""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from enum import StrEnum

from core.errors import PermissionDenied


class Role(StrEnum):
    """A back-office role. Platform users have none and cannot log in."""

    ADMIN = "admin"
    DEV = "dev"
    ANALYST = "analyst"


class Permission(StrEnum):
    """An action that some roles may take."""

    VIEW = "view batches, badges and exports"
    EDIT_BATCHES = "create, edit and publish batches"
    MANAGE_CATALOG = "add badges and quests, or archive them"
    MANAGE_ACCOUNTS = "manage back-office accounts"
    SEE_ALL_DRAFTS = "see every draft"
    SET_PUBLISH_RATE = "change the publishing rate"
    SEE_SERVER_METRICS = "see the server's metrics"
    PAUSE_PUBLISHER = "pause or resume the publisher"
    MANAGE_WEBHOOKS = "register and remove webhooks"


GRANTS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.DEV: frozenset({Permission.VIEW, Permission.EDIT_BATCHES}),
    Role.ANALYST: frozenset({Permission.VIEW}),
}


@dataclass(frozen=True)
class Account:
    """Who is acting: a logged-in back-office account, or the command line."""

    username: str
    role: Role
    # Set when the account acts through an API token (issue 17): the token's name, for the audit
    # log, and whether the token was created read-only (then only VIEW is granted).
    via_token: str | None = None
    read_only: bool = False

    def can(self, permission: Permission) -> bool:
        """Tell whether this account's role (narrowed by a read-only token) grants `permission`."""
        if self.read_only and permission is not Permission.VIEW:
            return False
        return permission in GRANTS[self.role]


def require(account: Account | None, permission: Permission) -> Account:
    """Return the account if its role grants `permission`; raise PermissionDenied otherwise."""
    if account is None:
        raise PermissionDenied("You are not logged in. Log in, then try again.")
    if account.read_only and permission in GRANTS[account.role] and not account.can(permission):
        raise PermissionDenied(
            f"The API token “{account.via_token}” is read-only: it may not {permission.value}. "
            "Use a token made without --read-only for that."
        )
    if not account.can(permission):
        raise PermissionDenied(
            f"Your role ({account.role.value}) may not {permission.value}. "
            "Ask an admin if you need this."
        )
    return account


def command_line_account() -> Account:
    """The account a dev acts as from `python -m core`: whoever can open the data file is trusted."""
    try:
        user = getpass.getuser()
    except Exception:  # No login name in some containers.
        user = "unknown"
    return Account(f"cli:{user}", Role.ADMIN)
