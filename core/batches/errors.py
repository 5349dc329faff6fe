"""The refusals of a change to a batch or its users, each with a message for the admin."""

from __future__ import annotations

from core.errors import InputError, NotFound, PermissionDenied


class BatchNotVisible(NotFound, PermissionDenied):
    """No batch with this id that the actor may see (none at all, or someone else's draft)."""


class UserNotFound(InputError):
    """No platform user has the given User ID or username."""


class AlreadyInBatch(InputError):
    """The user is in this batch already."""


class AlreadyUnlocked(InputError):
    """The user holds the batch's badge quest already."""


class UserInactive(InputError):
    """The user exists but is deactivated."""


class BatchFull(InputError):
    """Adding would put more users in the batch than it may hold (rules.MAX_USERS_PER_BATCH)."""


class NotEditable(InputError):
    """The batch's status does not allow this change."""


class RemovalsChanged(InputError):
    """The users a quest change would remove are not the ones the admin confirmed."""
