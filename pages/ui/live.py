"""What live pages poll, read once per process for all the tabs that poll it.

A batch's page reruns its live parts every second while the batch is queued or running, in every
tab that shows it (the list every two seconds): twenty tabs on one running batch asked the store
the same four questions forty times a second. A timer's rerun now takes the answer another tab got less than
`SHARED_FOR_S` ago; only the first asks the store. Full runs (opening the page, after one's own
change) always read afresh, so a person never sees their own change late. Only plain reads are
shared here; who may see what is still checked on every run (`read_model.get_batch`).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from streamlit.runtime.scriptrunner import get_script_run_ctx

from core.access.roles import Account
from core.batches import read_model
from core.batches.read_model import Batch
from core.batches.visibility import draft_scope
from core.history import screen, url
from core.history.screen import ListTable
from core.history.view import BatchFilter
from core.publishing import batch_report, publish_rate, queue
from core.store.ports import UnitOfWork

T = TypeVar("T")

SHARED_FOR_S = 0.5  # half the detail page's poll: each tick sees a read at most this old
LIST_SHARED_FOR_S = 1.0  # half the list's poll
MAX_ENTRIES = 1000  # batches watched at once, and then some

_lock = threading.Lock()
_answers: OrderedDict[Hashable, tuple[float, object]] = OrderedDict()


def is_timer_run() -> bool:
    """Tell whether this run is a fragment's own rerun (its timer), not a full run of the page."""
    ctx = get_script_run_ctx()
    return bool(ctx is not None and ctx.fragment_ids_this_run)


def shared(key: Hashable, compute: Callable[[], T], max_age: float = SHARED_FOR_S) -> T:
    """Return `compute()`, or what it returned for `key` less than `max_age` seconds ago."""
    now = time.monotonic()
    with _lock:
        found = _answers.get(key)
        if found is not None and now - found[0] < max_age:
            _answers.move_to_end(key)
            return found[1]  # type: ignore[return-value]
    value = compute()  # outside the lock: another key's tab need not wait for this read
    with _lock:
        _answers[key] = (now, value)  # stamped with when the read began: never looks newer
        _answers.move_to_end(key)
        while len(_answers) > MAX_ENTRIES:
            _answers.popitem(last=False)
    return value


def forget() -> None:
    """Drop every shared answer (tests; a store that was swapped)."""
    with _lock:
        _answers.clear()


def _polled(key: Hashable, compute: Callable[[], T], max_age: float = SHARED_FOR_S) -> T:
    """Share `compute()` between tabs in timer runs; read afresh in full runs."""
    return shared(key, compute, max_age) if is_timer_run() else compute()


def batch(uow: UnitOfWork, batch_id: int, actor: Account) -> Batch:
    """The batch as `read_model.get_batch` returns it (visibility checked for `actor` now)."""
    return read_model.get_batch(
        uow,
        batch_id,
        actor,
        reader=lambda u, i: _polled(("batch", i), lambda: read_model.read(u, i)),
    )


def queue_position(uow: UnitOfWork, batch_id: int) -> int | None:
    """The batch's place in the publishing queue (`queue.position`)."""
    return _polled(("queue", batch_id), lambda: queue.position(uow, batch_id))


def rate(uow: UnitOfWork) -> float | None:
    """The publishing throttle (`publish_rate.get_rate`)."""
    return _polled(("rate",), lambda: publish_rate.get_rate(uow))


def error_reasons(uow: UnitOfWork, batch_id: int) -> list[tuple[str, int]]:
    """The batch's error reasons with their counts (`batch_report.error_reasons`)."""
    return _polled(("errors", batch_id), lambda: batch_report.error_reasons(uow, batch_id))


def seen_by(viewer: Account) -> str:
    """Who sees the same batches as `viewer`: every admin alike, else each account apart (its
    own drafts); a key for answers that only the batches seen change."""
    scope = draft_scope(viewer)
    # Two forms no username can make equal, whatever it is.
    return "all drafts" if scope.all_drafts else f"the drafts of {scope.viewer}"


def list_table(uow: UnitOfWork, viewer: Account, view: BatchFilter, tz: str) -> ListTable:
    """The list's page for a view (`screen.batch_table`), shared by tabs that see the same rows.

    Viewers who see the same drafts (every admin; each dev their own) and ask for the same view
    in the same time zone get the same rows, so only they share an answer.
    """
    key = ("list", url.to_query_string(view), tz, seen_by(viewer))
    return _polled(key, lambda: screen.batch_table(uow, viewer, view, tz), LIST_SHARED_FOR_S)
