"""Webhooks across processes (issue 17), on each store: `worker --once` publishes a batch and posts
its event to a receiver on 127.0.0.1 that fails twice; each retry is another process on the same
store, and the event is delivered once, signed, with nothing lost in between."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.webhooks import events, signing
from tests.support.pg_store import open_pg_store
from tests.support.publish import make_batch, run_cli
from tests.support.store import open_store
from tests.support.webhook_receiver import Receiver, listening


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook receiver on 127.0.0.1 that checks signatures."""
    with listening() as found:
        yield found


@pytest.fixture
def store(store_kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A closed store (a DuckDB file or a PostgreSQL URL): quest 1, users 1-3, draft 1 of them."""
    if store_kind == "postgres":
        location = request.getfixturevalue("pg_url")
        uow = open_pg_store(location, size=2)
    else:
        location = str(tmp_path / "store.duckdb")
        uow = open_store(location)
    uow.execute("INSERT INTO badges (name) VALUES ('Explorer')")
    uow.execute("INSERT INTO quests (badge_id, name) VALUES (1, 'Visit 10 pages')")
    for i in (1, 2, 3):
        uow.execute(
            "INSERT INTO platform_users (id, username, email, username_norm, email_norm) "
            "VALUES (?, ?, ?, ?, ?)",
            [i, f"user{i}", f"user{i}@example.com", f"user{i}", f"user{i}@example.com"],
        )
    make_batch(uow, [1, 2, 3], name="Spring onboarding")
    uow.close()
    yield location


def cli(store: str, *args: str) -> str:
    done = run_cli(Path(store) if "://" not in store else store, *args)  # type: ignore[arg-type]
    assert done.returncode == 0, done.stderr
    return done.stdout


def make_due_now(store: str, store_kind: str) -> None:
    """Move the outbox's clock on: the pending delivery is due at once (its back-off is 10 s+)."""
    uow = open_pg_store(store, size=1) if store_kind == "postgres" else open_store(store)
    uow.execute(
        "UPDATE webhook_deliveries SET next_attempt_at = ? WHERE status = 'pending'",
        [datetime.now(UTC)],
    )
    uow.close()


def deliveries(store: str) -> list[dict]:
    return json.loads(cli(store, "webhook", "deliveries", "--json"))


@pytest.mark.postgres
def test_a_receiver_failing_twice_gets_the_event_once_across_worker_restarts(
    store: str, store_kind: str, receiver: Receiver
) -> None:
    added = json.loads(
        cli(store, "webhook", "add", receiver.url, "--event", events.FINISHED, "--json")
    )
    receiver.secret = added["secret"]
    receiver.answers = [500, 502]
    cli(store, "batch", "publish", "1")
    first = cli(store, "worker", "--once")
    assert "1 to try again later" in first
    (pending,) = deliveries(store)
    assert (pending["status"], pending["attempts"], pending["last_status_code"]) == (
        "Pending",
        1,
        500,
    )
    assert pending["next_attempt_at"] is not None
    # Not due yet: a new worker process leaves it alone.
    cli(store, "worker", "--once")
    assert len(receiver.received) == 1
    make_due_now(store, store_kind)
    cli(store, "worker", "--once")
    make_due_now(store, store_kind)
    last = cli(store, "worker", "--once")
    assert "Webhooks: 1 delivery made." in last
    (done,) = deliveries(store)
    assert (done["status"], done["attempts"], done["last_status_code"]) == ("Delivered", 3, 200)
    assert [r.answered for r in receiver.received] == [500, 502, 200]
    assert all(r.signed for r in receiver.received)
    assert {r.delivery for r in receiver.received} == {str(done["id"])}
    (got,) = receiver.delivered()
    assert got.headers[signing.EVENT_HEADER] == events.FINISHED
    assert got.payload["batch"]["status"] == "Published"
    assert got.payload["batch"]["counts"]["Published"] == 3
    # The same batch as `batch show --json` prints it.
    assert got.payload["batch"] == json.loads(cli(store, "batch", "show", "1", "--json"))
