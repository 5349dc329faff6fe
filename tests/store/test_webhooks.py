"""Webhooks on each store (issue 17): events written to the outbox in the change's transaction,
signed posts to a receiver on 127.0.0.1, retries with back-off, a restart between attempts, a
dispatcher that died mid-post, two dispatchers at once, removal, and the admins' refusals."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from core.access.roles import Account, Role
from core.audit import Action, entries
from core.cli.summary import batch_summary
from core.errors import DuplicateKey, InputError, NotFound, PermissionDenied
from core.publishing import actions, worker, worker_thread
from core.publishing.revoking import RevokeTarget, revoke
from core.webhooks import delivery, dispatcher, events, registry, signing
from tests.support.publish import make_batch
from tests.support.webhook_receiver import Receiver, listening

ADMIN = Account("ada", Role.ADMIN)
DEV = Account("dan", Role.DEV)
QUICK = delivery.Backoff(first=0.05, cap=0.2, attempts=4)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook receiver on 127.0.0.1 that checks signatures."""
    with listening() as found:
        yield found


def add(cur, found: Receiver, names: list[str] | None = None) -> registry.Webhook:
    """Register the receiver's URL (as an admin); it checks posts with the secret handed back."""
    secret, webhook = registry.add_webhook(cur, ADMIN, found.url, names)
    found.secret = secret
    return webhook


def deliver_all(cur, now: datetime | None = None) -> list[delivery.Attempt]:
    """Post everything due by `now` (the outbox's clock; the signatures use the real one)."""
    done, batch = [], delivery.deliver_due(cur, now=now)
    while batch:
        done += batch
        batch = delivery.deliver_due(cur, now=now)
    return done


def test_a_published_batch_tells_the_receiver_of_its_publish_and_finish_signed(
    batch_world, receiver
) -> None:
    add(batch_world, receiver)
    batch = make_batch(batch_world, [1, 2, 3])
    actions.publish(batch_world, ADMIN, batch)
    worker.run_until_empty(batch_world)
    deliver_all(batch_world)
    got = receiver.delivered()
    assert [r.payload["event"] for r in got] == [events.PUBLISHED, events.FINISHED]
    assert all(r.signed for r in receiver.received)
    assert {r.headers[signing.EVENT_HEADER] for r in got} == {events.PUBLISHED, events.FINISHED}
    finished = got[1].payload
    # The batch as `batch show --json` prints it, with the counts at the moment it finished.
    assert finished["batch"] == batch_summary(batch_world, batch)
    assert finished["batch"]["status"] == "Published"
    assert finished["batch"]["counts"]["Published"] == 3
    assert got[0].payload["batch"]["status"] == "Unpublished"
    assert got[0].payload["id"] != finished["id"]
    assert datetime.fromisoformat(finished["created_at"]).tzinfo is not None


def test_a_webhook_is_told_only_of_the_events_it_subscribed_to(batch_world, receiver) -> None:
    add(batch_world, receiver, [events.FINISHED])
    batch = make_batch(batch_world, [1, 2])
    actions.publish(batch_world, ADMIN, batch)
    worker.run_until_empty(batch_world)
    deliver_all(batch_world)
    assert [r.payload["event"] for r in receiver.delivered()] == [events.FINISHED]


def test_a_partly_failed_batch_finishes_partially_published_with_its_error_count(
    batch_world, receiver
) -> None:
    add(batch_world, receiver, [events.FINISHED])
    batch = make_batch(batch_world, [1, 7, 10])  # 7 holds quest 1 already, 10 is inactive
    actions.publish(batch_world, ADMIN, batch)
    worker.run_until_empty(batch_world)
    deliver_all(batch_world)
    (got,) = receiver.delivered()
    assert got.payload["batch"]["status"] == "Partially published"
    assert got.payload["batch"]["counts"]["Error"] == 1


def test_a_receiver_failing_twice_then_answering_gets_the_event_delivered_once(
    batch_world, receiver
) -> None:
    add(batch_world, receiver, [events.PUBLISHED])
    receiver.answers = [500, 503]
    actions.publish(batch_world, ADMIN, make_batch(batch_world, [1]))
    start = datetime.now(UTC)
    (first,) = delivery.deliver_due(batch_world, now=start)
    assert (first.status, first.status_code, first.attempt) == ("pending", 500, 1)
    # Not due again before its back-off (10 s after the first failure).
    assert delivery.deliver_due(batch_world, now=start + timedelta(seconds=9)) == []
    (second,) = delivery.deliver_due(batch_world, now=start + timedelta(seconds=11))
    assert (second.status, second.status_code, second.attempt) == ("pending", 503, 2)
    assert delivery.deliver_due(batch_world, now=start + timedelta(seconds=25)) == []
    (third,) = delivery.deliver_due(batch_world, now=start + timedelta(seconds=32))
    assert (third.status, third.status_code, third.attempt) == ("delivered", 200, 3)
    assert deliver_all(batch_world, now=start + timedelta(days=1)) == []
    assert len(receiver.received) == 3 and len(receiver.delivered()) == 1
    assert len({r.delivery for r in receiver.received}) == 1  # one delivery, posted three times
    (row,) = registry.recent_deliveries(batch_world, ADMIN)
    assert (row.status_word, row.attempts, row.last_result) == ("Delivered", 3, "HTTP 200")
    tries = batch_world.webhooks.attempts(row.id)
    assert tries["status_code"].to_list() == [500, 503, 200]


def test_a_restart_between_attempts_loses_nothing(batch_world, receiver) -> None:
    add(batch_world, receiver, [events.PUBLISHED])
    receiver.answers = [500]
    actions.publish(batch_world, ADMIN, make_batch(batch_world, [1]))
    first = dispatcher.Dispatcher(batch_world, backoff=QUICK, poll=0.02)
    first.start()
    _wait(lambda: len(receiver.received) == 1)
    first.stop()
    assert receiver.delivered() == []
    # Another process (here: a new dispatcher on a unit of work of its own) takes it from the store.
    second = dispatcher.Dispatcher(batch_world.cursor(), backoff=QUICK, poll=0.02)
    second.start()
    try:
        _wait(lambda: len(receiver.delivered()) == 1)
    finally:
        second.stop()
    assert len(receiver.received) == 2
    assert receiver.received[0].delivery == receiver.received[1].delivery


def test_a_dispatcher_that_died_mid_post_leaves_the_delivery_to_the_next_after_its_lease(
    batch_world, receiver
) -> None:
    add(batch_world, receiver, [events.PUBLISHED])
    actions.publish(batch_world, ADMIN, make_batch(batch_world, [1]))
    now = datetime.now(UTC)
    # Claimed, then never posted nor recorded (the process was killed).
    assert len(batch_world.webhooks.claim_due(now, now + delivery.LEASE, "dead", 5)) == 1
    assert delivery.deliver_due(batch_world, now=now + timedelta(seconds=1)) == []
    (done,) = delivery.deliver_due(batch_world, now=now + delivery.LEASE + timedelta(seconds=1))
    assert done.status == "delivered"
    assert len(receiver.delivered()) == 1


def test_two_dispatchers_at_once_post_each_delivery_once(batch_world, receiver) -> None:
    add(batch_world, receiver)
    for n in range(6):
        actions.publish(batch_world, ADMIN, make_batch(batch_world, [n + 1], name=f"b{n}"))
    both = [dispatcher.Dispatcher(batch_world.cursor(), poll=0.02) for _ in range(2)]
    for one in both:
        one.start()
    try:
        _wait(lambda: len(receiver.delivered()) == 6)
        time.sleep(0.2)  # room for a duplicate to show up
    finally:
        for one in both:
            one.stop()
    assert len(receiver.received) == 6
    assert len({r.delivery for r in receiver.received}) == 6


def test_the_publisher_and_the_dispatcher_side_by_side_tell_every_batch_once(
    batch_world, receiver
) -> None:
    add(batch_world, receiver)
    publisher = worker_thread.Worker(batch_world, rate=0, chunk_size=2)
    posting = dispatcher.Dispatcher(batch_world, poll=0.02)
    publisher.start()
    posting.start()
    try:
        for n in range(5):
            batch = make_batch(batch_world, [2 * n + 1, 2 * n + 2, 11], name=f"b{n}")
            actions.publish(batch_world, ADMIN, batch)
            publisher.wake()
        _wait(lambda: len(receiver.delivered()) == 10)
        time.sleep(0.2)  # room for a duplicate to show up
    finally:
        publisher.stop()
        posting.stop()
    got = [(r.payload["batch"]["name"], r.payload["event"]) for r in receiver.received]
    assert sorted(got) == sorted(
        (f"b{n}", event) for n in range(5) for event in (events.PUBLISHED, events.FINISHED)
    )


def test_a_rolled_back_change_tells_no_webhook(batch_world, receiver) -> None:
    add(batch_world, receiver)
    batch = make_batch(batch_world, [1])

    def fail(u) -> None:
        assert events.enqueue(u, events.PUBLISHED, batch) == 1
        raise InputError("changed my mind")

    with pytest.raises(InputError):
        batch_world.transaction(fail)
    assert registry.recent_deliveries(batch_world, ADMIN) == []


def test_an_ended_revoke_tells_the_receiver_with_the_counts(batch_world, receiver) -> None:
    batch = make_batch(batch_world, [1, 2, 3])
    actions.publish(batch_world, ADMIN, batch)
    worker.run_until_empty(batch_world)
    add(batch_world, receiver, [events.REVOKED])
    revoke(batch_world, ADMIN, batch, RevokeTarget(user_ids=(1, 2)), "wrong list")
    worker.run_until_empty(batch_world)
    deliver_all(batch_world)
    (got,) = receiver.delivered()
    assert got.payload["event"] == events.REVOKED
    assert got.payload["batch"]["status"] == "Partially revoked"
    assert got.payload["batch"]["counts"]["Revoked"] == 2


def test_a_receiver_that_never_answers_well_is_given_up_after_the_last_attempt(
    batch_world, receiver
) -> None:
    add(batch_world, receiver, [events.PUBLISHED])
    receiver.answers = [500] * 10
    actions.publish(batch_world, ADMIN, make_batch(batch_world, [1]))
    start = datetime.now(UTC)
    results = [
        delivery.deliver_due(batch_world, now=start + timedelta(hours=n), backoff=QUICK)
        for n in range(6)
    ]
    assert [r[0].status for r in results if r] == ["pending", "pending", "pending", "failed"]
    (row,) = registry.recent_deliveries(batch_world, ADMIN)
    assert (row.status_word, row.attempts, row.last_result) == ("Failed", 4, "HTTP 500")


def test_an_unreachable_url_is_an_attempt_with_the_error_in_words(batch_world) -> None:
    # A port nobody listens on: bound, then closed at once.
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    registry.add_webhook(batch_world, ADMIN, f"http://127.0.0.1:{port}/x", [events.PUBLISHED])
    actions.publish(batch_world, ADMIN, make_batch(batch_world, [1]))
    (done,) = delivery.deliver_due(batch_world)
    assert (done.status, done.status_code) == ("pending", None)
    assert "refused" in done.error.lower()
    (row,) = registry.recent_deliveries(batch_world, ADMIN)
    assert row.last_result == done.error


def test_a_redirect_is_not_followed_and_counts_as_a_failed_attempt(batch_world, receiver) -> None:
    add(batch_world, receiver, [events.PUBLISHED])
    receiver.answers = [302]
    actions.publish(batch_world, ADMIN, make_batch(batch_world, [1]))
    (done,) = delivery.deliver_due(batch_world)
    assert (done.status, done.status_code) == ("pending", 302)
    assert "redirects are not followed" in done.error
    assert len(receiver.received) == 1


def test_removing_a_webhook_cancels_what_it_was_still_owed_and_stops_new_events(
    batch_world, receiver
) -> None:
    webhook = add(batch_world, receiver)
    actions.publish(batch_world, ADMIN, make_batch(batch_world, [1]))
    removed, cancelled = registry.remove_webhook(batch_world, ADMIN, webhook.id)
    assert (removed.url, cancelled) == (receiver.url, 1)
    actions.publish(batch_world, ADMIN, make_batch(batch_world, [2], name="later"))
    assert deliver_all(batch_world) == []
    assert [d.status_word for d in registry.recent_deliveries(batch_world, ADMIN)] == ["Cancelled"]
    assert registry.list_webhooks(batch_world, ADMIN) == []
    with pytest.raises(NotFound, match="removed"):
        registry.remove_webhook(batch_world, ADMIN, webhook.id)
    actions_logged = entries(batch_world)["action"].to_list()
    assert Action.WEBHOOK_ADDED in actions_logged and Action.WEBHOOK_REMOVED in actions_logged


def test_a_test_event_goes_to_that_webhook_alone(batch_world, receiver) -> None:
    webhook = add(batch_world, receiver)
    other_secret, other = registry.add_webhook(batch_world, ADMIN, receiver.url + "/other")
    registry.send_test(batch_world, ADMIN, webhook.id)
    deliver_all(batch_world)
    (got,) = receiver.delivered()
    assert got.payload["event"] == events.TEST
    assert got.payload["webhook"] == {"id": webhook.id, "url": receiver.url}
    assert other_secret != receiver.secret and other.id != webhook.id


def test_only_admins_manage_webhooks_and_the_url_must_be_an_http_url(batch_world, receiver) -> None:
    with pytest.raises(PermissionDenied):
        registry.add_webhook(batch_world, DEV, receiver.url)
    with pytest.raises(PermissionDenied):
        registry.list_webhooks(batch_world, Account("ada", Role.ADMIN, "ci", read_only=True))
    for bad in ("", "ftp://x.example/h", "https://", "javascript:alert(1)", "http://a b/"):
        with pytest.raises(InputError):
            registry.add_webhook(batch_world, ADMIN, bad)
    with pytest.raises(InputError, match="not a webhook event"):
        registry.add_webhook(batch_world, ADMIN, receiver.url, ["batch.exploded"])
    add(batch_world, receiver)
    with pytest.raises(InputError, match="registered already"):
        registry.add_webhook(batch_world, ADMIN, receiver.url)
    (listed,) = registry.list_webhooks(batch_world, ADMIN)
    assert (listed.url, listed.events, listed.created_by) == (receiver.url, events.EVENTS, "ada")


def test_finished_deliveries_are_purged_after_their_time(batch_world, receiver) -> None:
    add(batch_world, receiver, [events.PUBLISHED])
    actions.publish(batch_world, ADMIN, make_batch(batch_world, [1]))
    deliver_all(batch_world)
    assert batch_world.webhooks.purge(datetime.now(UTC) - timedelta(days=1)) == 0
    assert batch_world.webhooks.purge(datetime.now(UTC) + timedelta(seconds=1)) == 1
    assert registry.recent_deliveries(batch_world, ADMIN) == []


def _wait(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.02)


def _at_once(store, adds: list) -> list[object]:
    """Run each add (given a unit of work of its own) in a thread of its own, started together;
    return what each returned or raised."""
    gate = threading.Barrier(len(adds))
    results: list[object] = [None] * len(adds)

    def run(n: int, uow) -> None:
        gate.wait(5)
        try:
            results[n] = adds[n](uow)
        except Exception as exc:
            results[n] = exc

    threads = [threading.Thread(target=run, args=(n, store.cursor())) for n in range(len(adds))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def test_two_adds_of_one_url_at_once_register_it_once_and_refuse_the_other_in_words(
    batch_world,
) -> None:
    for n in range(6):  # several rounds: each a fresh race
        url = f"https://hooks.example/race/{n}"
        results = _at_once(
            batch_world, [lambda u, url=url: registry.add_webhook(u, ADMIN, url)] * 2
        )
        refused = [r for r in results if isinstance(r, Exception)]
        assert len(refused) == 1, results
        assert isinstance(refused[0], InputError)
        assert str(refused[0]).startswith(f"“{url}” is registered already (webhook ")
    hooks = registry.list_webhooks(batch_world, ADMIN)
    assert len(hooks) == len({h.url for h in hooks}) == 6


def test_an_add_at_the_same_moment_as_another_of_its_url_breaks_a_unique_key(
    batch_world,
) -> None:
    url = "https://hooks.example/held"
    inserted, release = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def hold(u) -> None:
        u.webhooks.add(url, events.PUBLISHED, "s1", "ada", registry.MAX_WEBHOOKS)
        inserted.set()
        release.wait(10)

    def first() -> None:
        try:
            outcome["held"] = batch_world.cursor().transaction(hold, attempts=1)
        except Exception as exc:
            outcome["held"] = exc

    def second() -> None:
        try:
            outcome["registry"] = registry.add_webhook(batch_world.cursor(), ADMIN, url)
        except Exception as exc:
            outcome["registry"] = exc

    holder = threading.Thread(target=first)
    holder.start()
    assert inserted.wait(10)
    adder = threading.Thread(target=second)
    adder.start()
    adder.join(1)  # DuckDB: it commits first; PostgreSQL: it waits for the held insert
    release.set()
    holder.join(10)
    adder.join(10)
    held, added = outcome["held"], outcome["registry"]
    # Whichever commits second is refused: by the key itself, or in words by the registry.
    if isinstance(held, Exception):
        assert isinstance(held, DuplicateKey) and not isinstance(added, Exception)
    else:
        assert isinstance(added, InputError) and "is registered already" in str(added)
    (live,) = registry.list_webhooks(batch_world, ADMIN)
    assert live.url == url


def test_two_adds_at_once_cannot_pass_the_most_webhooks_there_may_be(batch_world) -> None:
    for n in range(registry.MAX_WEBHOOKS - 1):
        registry.add_webhook(batch_world, ADMIN, f"https://hooks.example/{n}")
    results = _at_once(
        batch_world,
        [
            lambda u, n=n: registry.add_webhook(u, ADMIN, f"https://hooks.example/last/{n}")
            for n in (1, 2)
        ],
    )
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(refused) == 1, results
    assert "the most there may be" in str(refused[0])
    assert len(registry.list_webhooks(batch_world, ADMIN)) == registry.MAX_WEBHOOKS
    # A removed webhook frees its place (and its URL) for another.
    registry.remove_webhook(batch_world, ADMIN, 1)
    again = registry.add_webhook(batch_world, ADMIN, "https://hooks.example/0")[1]
    assert again.id > registry.MAX_WEBHOOKS


def test_the_audit_keeps_no_credential_of_the_url_and_the_list_masks_its_password(
    batch_world,
) -> None:
    url = "https://bot:s3cret@hooks.example:8443/in?token=t0k3n#frag"
    _, webhook = registry.add_webhook(batch_world, ADMIN, url, [events.PUBLISHED])
    masked = f"https://bot:{registry.MASK}@hooks.example:8443/in?token=t0k3n#frag"
    assert webhook.url == masked
    assert [h.url for h in registry.list_webhooks(batch_world, ADMIN)] == [masked]
    registry.send_test(batch_world, ADMIN, webhook.id)
    assert [d.url for d in registry.recent_deliveries(batch_world, ADMIN)] == [masked]
    registry.remove_webhook(batch_world, ADMIN, webhook.id)
    details = entries(batch_world).filter(
        pl.col("action").is_in([Action.WEBHOOK_ADDED, Action.WEBHOOK_REMOVED])
    )["detail"]
    assert sorted(details.to_list()) == [
        f"{webhook.id} https://hooks.example:8443/in",
        f"{webhook.id} https://hooks.example:8443/in ({events.PUBLISHED})",
    ]
    assert not any("s3cret" in d or "t0k3n" in d for d in details.to_list())
