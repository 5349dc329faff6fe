"""The publisher-wide pause as the command line words it: `worker pause`/`worker resume` (their
parsers and handlers are in cmd_worker.py, which owns `worker`) and a running worker's notices."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from core import words

if TYPE_CHECKING:
    from core.publishing.worker import RunReport
    from core.store.ports import UnitOfWork


def paused_line(uow: UnitOfWork) -> str | None:
    """Say that the publisher is paused, by whom and since when; None when it is not."""
    from core.publishing import publisher_pause  # on demand: the CLI's import budget

    return publisher_pause.paused_line(uow)


def print_ended(uow: UnitOfWork, report: RunReport, drained: bool) -> None:
    """Print how a worker run ended; `drained`: --once found nothing more to take."""
    revoked = report.revoked + report.kept  # users now "Revoked" (the kept ones too)
    # --once ends on a paused publisher as on an empty queue: say which, and how to go on.
    paused = paused_line(uow) if drained else None
    if paused:
        head = "Stopped, as the publisher is paused"
    else:
        head = "Queue empty" if drained else "Stopped"
    print(
        f"{head}: processed {words.count(report.processed, 'user')} ({report.published:,} "
        f"published, {report.errors:,} in error{f', {revoked:,} revoked' if revoked else ''}) "
        f"in {report.seconds:.1f} s.",
        flush=True,
    )
    if paused:
        print(paused, flush=True)


class PauseWatch:
    """What a running `worker` says about a publisher-wide pause: once when it starts holding
    the worker up (or at start), once when work goes on again."""

    # While idle, whether the publisher is paused is asked at most this often (an idle worker
    # with only paused batches left polls the queue every few hundredths of a second).
    CHECK_EVERY = 1.0

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.said = paused_line(uow)
        self.checked = time.monotonic()
        if self.said:
            print(self.said, flush=True)

    def idle(self) -> None:
        """Nothing was taken: say so once if it is because the publisher is paused."""
        now = time.monotonic()
        if now - self.checked < self.CHECK_EVERY:
            return
        self.checked = now
        line = paused_line(self.uow)
        if line and not self.said:
            print(line, flush=True)
        elif self.said and not line:
            print(RESUMED, flush=True)
        self.said = line

    def worked(self) -> None:
        """A chunk was done: if a pause was said, it is over."""
        if self.said:
            self.said = None
            print(RESUMED, flush=True)


RESUMED = "The publisher was resumed."
