"""`worker`: run the publisher in this process (when the app, which runs its own, is stopped)."""

from __future__ import annotations

import argparse
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import TYPE_CHECKING

from core import words
from core.errors import InputError, StoreUnavailable
from core.publishing import batch_report, publish_rate, throttle

if TYPE_CHECKING:
    from core.publishing import unlocking, worker
    from core.store.ports import UnitOfWork

# Progress lines per batch at most this often (a finished batch is always reported).
PRINT_EVERY = 0.5


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `worker` command."""
    p = subparsers.add_parser(
        "worker",
        help="publish queued batches (the app runs the same worker itself)",
        description=(
            "Unlock the badge quest for the users of queued batches, in publishing order, "
            "printing progress. Runs until Ctrl-C unless --once is given. On PostgreSQL run as "
            "many as you like beside the apps (each takes batches no other worker holds); a "
            "DuckDB data file cannot be shared with a running app: stop the app first (it "
            "publishes by itself). Without --once, a store that fails (a database restarting) "
            "is tried again, waiting longer each time."
        ),
    )
    p.add_argument("--once", action="store_true", help="stop when the queue is empty (exit 0)")
    p.add_argument(
        "--rate",
        metavar="N",
        help="at most N unlocks per second, 0 for unlimited "
        f"(default: the stored setting {publish_rate.RATE_SETTING!r}, unlimited if unset)",
    )
    p.add_argument(
        "--chunk",
        type=int,
        metavar="N",
        help="exactly N users per transaction when unthrottled (default: from "
        f"{throttle.DEFAULT_CHUNK:,}, growing up to {throttle.MAX_CHUNK:,} while chunks are quick)",
    )
    p.set_defaults(handler=cmd_worker)


def cmd_worker(args: argparse.Namespace, uow: UnitOfWork) -> int:
    """Run the publisher until stopped (or until the queue is empty with --once)."""
    from core.publishing import worker

    if args.chunk is not None and args.chunk < 1:
        raise InputError("--chunk must be at least 1.")
    chunk_size = args.chunk or throttle.DEFAULT_CHUNK
    override = args.rate is not None
    try:
        fixed = publish_rate.parse_rate(args.rate) if override else None
    except ValueError:
        raise InputError(
            "--rate must be a number of unlocks per second (0 for unlimited)."
        ) from None

    def rate() -> float | None:
        if override:
            return fixed
        try:
            return publish_rate.get_rate(uow)
        except ValueError:
            return None  # A garbled setting must not stop publishing.

    shown = rate()
    print(
        f"Publishing worker started ({_rate_text(shown)}"
        f"{'' if override else ', from the stored setting'}). "
        + ("It stops when the queue is empty." if args.once else "Press Ctrl-C to stop."),
        flush=True,
    )
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, _stopper(stop))
    last_print: dict[int, float] = {}

    def on_chunk(chunk: unlocking.ChunkReport) -> None:
        now = time.monotonic()
        for batch_id in sorted(set(chunk.batch_ids) | set(chunk.finished)):
            if batch_id not in chunk.finished and now - last_print.get(batch_id, 0) < PRINT_EVERY:
                continue
            last_print[batch_id] = now
            print(_progress_line(batch_report.batch_summary(uow, batch_id)), flush=True)

    def publish() -> worker.RunReport:
        return worker.run(
            uow,
            stop,
            rate,
            chunk_size,
            until_empty=args.once,
            on_chunk=on_chunk,
            max_chunk=args.chunk,  # a given --chunk is a fixed size
        )

    try:
        report = publish() if args.once else _with_store_retries(publish, stop)
    except KeyboardInterrupt:
        print("Stopped: the chunk in flight was rolled back and will run again.", flush=True)
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
    print(
        f"{'Queue empty' if args.once and not stop.is_set() else 'Stopped'}: processed "
        f"{words.count(report.processed, 'user')} ({report.published:,} published, {report.errors:,} "
        f"in error) in {report.seconds:.1f} s.",
        flush=True,
    )
    return 0


def _with_store_retries(
    publish: Callable[[], worker.RunReport], stop: threading.Event
) -> worker.RunReport:
    """Run `publish` again after a store failure, waiting longer each time (as the app's thread)."""
    from core.publishing import worker
    from core.publishing.worker_thread import Worker

    delay, total, started = Worker.RETRY_AFTER, worker.RunReport(), time.perf_counter()
    while True:
        try:
            report = publish()
        except StoreUnavailable as exc:
            print(f"{exc} Trying again in {delay:.0f} s.", flush=True)
            if stop.wait(delay):
                break
            delay = min(delay * 2, Worker.RETRY_MAX)
            continue
        for name in ("processed", "published", "errors", "already_held", "chunks"):
            setattr(total, name, getattr(total, name) + getattr(report, name))
        total.finished.extend(report.finished)
        if stop.is_set():
            break
    total.seconds = time.perf_counter() - started
    return total


def _stopper(stop: threading.Event) -> Callable[[int, FrameType | None], None]:
    def handle(signum: int, frame: FrameType | None) -> None:
        stop.set()

    return handle


def _rate_text(rate: float | None) -> str:
    return "rate: unlimited" if rate is None else f"rate: at most {rate:g} unlocks per second"


def _progress_line(summary: dict) -> str:
    counts = summary["counts"]
    done = counts[words.PUBLISHED] + counts[words.ERROR]
    status = summary["status"]
    if status == words.IN_PROGRESS:
        status = f"{status} {summary['progress']}%"
    line = f"batch {summary['id']} “{summary['name']}”: {status} ({done:,} of {summary['users']:,})"
    if counts[words.ERROR]:
        line += f", {counts[words.ERROR]:,} in {words.ERROR}"
    return line
