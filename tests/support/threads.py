"""Running jobs in threads released at the same instant, for the concurrency tests."""

from __future__ import annotations

import threading
from collections.abc import Callable


def together(*jobs: Callable[[], object]) -> list[object]:
    """Run the jobs in threads released at the same instant; return each result or exception."""
    start = threading.Barrier(len(jobs))
    results: list[object] = [None] * len(jobs)

    def run(i: int, job: Callable[[], object]) -> None:
        start.wait()
        try:
            results[i] = job()
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results
