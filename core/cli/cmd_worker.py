"""`worker`: run the publisher in this process (when the app, which runs its own, is stopped), and
post the webhooks' deliveries beside it."""

from __future__ import annotations

import argparse
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import TYPE_CHECKING

from core import words
from core.access.roles import command_line_account
from core.cli import worker_pause
from core.cli.summary import batch_summary
from core.errors import InputError, StoreUnavailable
from core.publishing import publish_rate, throttle

if TYPE_CHECKING:
    from core.publishing import unlocking, worker
    from core.store.ports import UnitOfWork

# Progress lines per batch at most this often (a finished batch is always reported).
PRINT_EVERY = 0.5


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `worker` command."""
    p = subparsers.add_parser(
        "worker",
        help="publish queued batches and do requested revokes (the app runs the same worker "
        "itself); `worker pause`/`worker resume`: the whole publisher",
        description=(
            "Unlock the badge quest for the users of queued batches, in publishing order, "
            "printing progress. Runs until Ctrl-C unless --once is given. On PostgreSQL run as "
            "many as you like beside the apps (each takes batches no other worker holds); a "
            "DuckDB data file cannot be shared with a running app: stop the app first (it "
            "publishes by itself). Without --once, a store that fails (a database restarting) "
            "is tried again, waiting longer each time. Revokes asked for with `batch revoke` "
            "go first, in the same crash-safe chunks. `worker pause` and `worker resume` "
            "stop and restart every worker at once (admins). It posts the webhooks' "
            "deliveries too (with --once: those due when the queue is empty)."
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
    _register_pause(p)


# Said when a running app holds the DuckDB file (the CLI cannot open it beside the app).
_WHEN_LOCKED = (
    "While the app runs, an admin pauses and resumes the publisher in the app (Publisher box)."
)


def _register_pause(worker: argparse.ArgumentParser) -> None:
    """Add `pause` and `resume` under `worker`."""
    commands = worker.add_subparsers(
        dest="worker_command",
        metavar="[pause|resume]",
        required=False,
        title="the whole publisher (admins)",
    )
    pause = commands.add_parser(
        "pause",
        help="stop every worker (and the app's) from taking chunks until `worker resume`",
        description=(
            "Pause the whole publisher: every worker finishes the chunk it is in and takes no "
            "more (publishing and revoking) until `python -m core worker resume`; nothing is "
            "lost and the queue keeps its order. The pause is stored, so it survives restarts. "
            "On PostgreSQL this works beside running workers and apps."
        ),
    )
    pause.set_defaults(handler=cmd_pause, when_locked=_WHEN_LOCKED)
    resume = commands.add_parser(
        "resume",
        help="let the publisher take chunks again after `worker pause`",
        description="Resume the publisher: the workers go on with the queue where it stopped.",
    )
    resume.set_defaults(handler=cmd_resume, when_locked=_WHEN_LOCKED)


def cmd_pause(args: argparse.Namespace, uow: UnitOfWork) -> int:
    """Pause the publisher and say so."""
    from core.publishing import publisher_pause

    print(publisher_pause.pause_publisher(uow, command_line_account()))
    return 0


def cmd_resume(args: argparse.Namespace, uow: UnitOfWork) -> int:
    """Resume the publisher and say so."""
    from core.publishing import publisher_pause

    print(publisher_pause.resume_publisher(uow, command_line_account()))
    return 0


def cmd_worker(args: argparse.Namespace, uow: UnitOfWork) -> int:
    """Run the publisher until stopped (or until the queue is empty with --once)."""
    from core.publishing import worker
    from core.webhooks.dispatcher import Dispatcher

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
    watch = worker_pause.PauseWatch(uow)  # says when a publisher-wide pause holds it up
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, _stopper(stop))
    last_print: dict[int, float] = {}

    def on_chunk(chunk: unlocking.ChunkReport) -> None:
        now = time.monotonic()
        for batch_id in sorted(set(chunk.batch_ids) | set(chunk.finished)):
            if batch_id not in chunk.finished and now - last_print.get(batch_id, 0) < PRINT_EVERY:
                continue
            last_print[batch_id] = now
            print(_progress_line(batch_summary(uow, batch_id)), flush=True)
        watch.worked()

    def publish() -> worker.RunReport:
        return worker.run(
            uow,
            stop,
            rate,
            chunk_size,
            until_empty=args.once,
            on_chunk=on_chunk,
            max_chunk=args.chunk,  # a given --chunk is a fixed size
            on_idle=watch.idle,
        )

    webhooks = Dispatcher(uow)  # the webhooks' deliveries go out beside, as in the app
    webhooks.start()
    try:
        report = publish() if args.once else _with_store_retries(publish, stop)
    except KeyboardInterrupt:
        print("Stopped: the chunk in flight was rolled back and will run again.", flush=True)
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
        webhooks.stop()
    worker_pause.print_ended(uow, report, drained=args.once and not stop.is_set())
    if args.once and (said := webhooks.drain(uow)):
        print(said, flush=True)
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
        for name in _COUNTS:
            setattr(total, name, getattr(total, name) + getattr(report, name))
        total.finished.extend(report.finished)
        if stop.is_set():
            break
    total.seconds = time.perf_counter() - started
    return total


# What RunReport adds up, summed over the runs between store failures.
_COUNTS = ("processed", "published", "errors", "already_held", "revoked", "kept", "chunks")


def _stopper(stop: threading.Event) -> Callable[[int, FrameType | None], None]:
    def handle(signum: int, frame: FrameType | None) -> None:
        stop.set()

    return handle


def _rate_text(rate: float | None) -> str:
    return "rate: unlimited" if rate is None else f"rate: at most {rate:g} unlocks per second"


def _progress_line(summary: dict) -> str:
    counts = summary["counts"]
    revoking, revoked = counts[words.REVOKING], counts[words.REVOKED]
    if revoking or summary["status"] in (words.REVOKED, words.PARTIALLY_REVOKED):
        return _revoke_line(summary, revoked, revoking + revoked)
    done = counts[words.PUBLISHED] + counts[words.ERROR]
    status = summary["status"]
    if status == words.IN_PROGRESS:
        status = f"{status} {summary['progress']}%"
    line = f"batch {summary['id']} “{summary['name']}”: {status} ({done:,} of {summary['users']:,})"
    if counts[words.ERROR]:
        line += f", {counts[words.ERROR]:,} in {words.ERROR}"
    return line


def _revoke_line(summary: dict, revoked: int, asked: int) -> str:
    status = summary["status"]
    if status == words.REVOKING:
        status = f"{status} {summary['progress']}%"
    return f"batch {summary['id']} “{summary['name']}”: {status} ({revoked:,} of {asked:,} revoked)"
