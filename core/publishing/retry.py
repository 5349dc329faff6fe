"""Retry errors: who in "Error" can be unlocked now, who would fail again and why, and the retry."""

from __future__ import annotations

from dataclasses import dataclass

from core import words
from core.access.roles import Account, Permission, require
from core.audit import Action, record
from core.batches import expected_state, rules
from core.batches.guard import read_expected
from core.batches.read_model import Batch
from core.errors import InputError
from core.publishing import failure_rule
from core.store.ports import UnitOfWork

_ERROR = ("error",)  # the user status a retry takes back
# A finished batch whose users in "Error" may be retried; a revoke does not end that.
RETRYABLE_STATUSES = (rules.PARTIALLY_PUBLISHED, rules.PARTIALLY_REVOKED, rules.REVOKED)


def offers_retry(batch: Batch) -> bool:
    """Return whether "Retry errors" applies: a finished batch with users in "Error"."""
    return batch.status in RETRYABLE_STATUSES and batch.n_error > 0


@dataclass(frozen=True)
class RetryPlan:
    """What "Retry errors" would do now: who can be retried, who would fail again and why."""

    retryable: tuple[int, ...]  # User IDs whose error has gone away (e.g. reactivated)
    failing: dict[str, int]  # why the others would fail again (a failure_rule code) → how many

    @property
    def n_failing(self) -> int:
        """Return how many users in "Error" would fail again if retried now."""
        return sum(self.failing.values())

    @property
    def message(self) -> str:
        """Say how many errors can be retried and how many are permanent as things stand."""
        n = len(self.retryable)
        can = f"{n:,} user{'s' if n != 1 else ''} in “{words.ERROR}” can be retried"
        if not self.failing:
            return can + "."
        text = (
            f"{words.count(self.n_failing, 'user')} in “{words.ERROR}” "
            f"would fail again as things stand ({failure_rule.counted(self.failing)}), so "
            f"{'it is' if self.n_failing == 1 else 'they are'} not retried; {can}."
        )
        if not n:
            text += (
                " Once the users are active again on the platform (or the badge quest is "
                "restored), retry."
            )
        return text


def queued_again(n: int) -> str:
    """Say how many users in Error a retry queued again (the CLI and the API say it alike)."""
    verb = "was" if n == 1 else "were"
    return f"{words.count(n, 'user')} in “{words.ERROR}” {verb} queued again."


def retry_plan(uow: UnitOfWork, batch_id: int) -> RetryPlan:
    """Tell which users in "Error" a retry would queue, and why the others would fail again.

    The publisher's own rule (core.publishing.failure_rule), applied as things stand.
    """
    rows = uow.publishing.failures(batch_id, _ERROR)
    failing: dict[str, int] = {}
    for _user, code in rows:
        if code is not None:
            failing[code] = failing.get(code, 0) + 1
    ordered = dict(sorted(failing.items(), key=lambda kv: (-kv[1], kv[0])))
    return RetryPlan(tuple(u for u, code in rows if code is None), ordered)


def retry_errors(
    uow: UnitOfWork,
    actor: Account,
    batch_id: int,
    expected: int | None = None,
    only_retryable: bool = False,
) -> int:
    """Requeue the users in "Error" of a finished batch (see offers_retry); return how many.

    With `only_retryable`, the users who would fail again as things stand (see retry_plan) stay
    in "Error"; when nobody is left to retry, nothing is written, not even "Last updated".
    `expected` is the batch's version as the caller showed it (see core.batches.expected_state).
    """
    require(actor, Permission.EDIT_BATCHES)

    def write(u: UnitOfWork) -> int:
        batch = read_expected(u, batch_id, expected)
        if not offers_retry(batch):
            word = words.BATCH_STATUS.get(batch.status, batch.status)
            raise InputError(
                f"“{batch.name}” is “{word}” with no users in “Error” to retry: only a "
                "finished batch with users in “Error” has errors to retry."
                if batch.status in RETRYABLE_STATUSES
                else f"“{batch.name}” is “{word}”; only a finished batch with users in “Error” "
                "has errors to retry."
            )
        chosen = list(retry_plan(u, batch_id).retryable) if only_retryable else None
        if chosen == []:
            return 0  # a retry that changes nothing writes nothing
        n = u.publishing.requeue_errors(batch_id, chosen)
        expected_state.bump(u, batch_id)
        u.batches.requeue(batch_id)
        u.publishing.announce_queued(batch_id)  # wakes workers in other processes at commit
        u.batches.refresh_counts([batch_id])
        record(u, actor, Action.ERRORS_RETRIED, batch_id, f"{n} user(s) requeued")
        return n

    return uow.transaction(write)
