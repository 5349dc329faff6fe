"""Errors whose message is written for the person who caused them: what went wrong, what to do."""

from __future__ import annotations


class BatchUnlockError(Exception):
    """Base class: the message is shown to the user as it is."""


class InputError(BatchUnlockError):
    """The user's input cannot be used; the message says how to fix it."""


class OverLimit(InputError):
    """An upload passes one of the bounds every list is read within (size, rows, columns, cells)."""


class PermissionDenied(BatchUnlockError):
    """The account's role does not allow this action."""


class NotFound(BatchUnlockError):
    """A batch, badge, quest, user or account does not exist."""


class StoreError(BatchUnlockError):
    """The data file cannot be opened or used."""


class GaveUp(StoreError):
    """A write met a conflict on its last attempt too (core.store.retry): wait and try again."""


class DatabaseLocked(StoreError):
    """Another process holds the data file."""


class SchemaTooNew(StoreError):
    """The data file was written by a newer version of Batch Unlock."""


class StoreUnavailable(StoreError):
    """The data file cannot be written or read right now (disk full, permissions, damage).

    `reason` is a short phrase for status lines ("the data file cannot be written (disk full or
    permissions?)"); the message says what happened and what to do.
    """

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class DuplicateKey(StoreError):
    """A write broke a unique key (e.g. two accounts with one email created at the same moment)."""


class NotAuthenticated(BatchUnlockError):
    """No credentials, or credentials that no longer work (an API token unknown, expired or revoked)."""


class TooManyRequests(BatchUnlockError):
    """Too many requests in a short time; `retry_after` says how many seconds to wait."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
