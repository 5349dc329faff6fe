"""Undo's state machine (issue 15): every cancel, pause, resume and revoke transition and refusal,
who may do each, and the sentences people read, on a small in-memory store."""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import polars as pl
import pytest

from core import audit, words
from core.access.roles import GRANTS, Account, Permission, Role
from core.audit import Action
from core.batches import expected_state, members, rules
from core.batches.expected_state import Stale
from core.batches.read_model import Batch
from core.errors import InputError, PermissionDenied
from core.history import audit_sentences
from core.publishing import publisher_pause, undo, unlocking, worker
from core.publishing.revoking import (
    KEPT,
    NOT_IN_BATCH,
    NOT_UNLOCKED,
    REVOKE,
    RevokePreview,
    RevokeTarget,
    clean_reason,
    preview_revoke,
    revoke,
)

ADMIN = Account("ada", Role.ADMIN)
DEV = Account("dan", Role.DEV)
OTHER_DEV = Account("dora", Role.DEV)
ANALYST = Account("ann", Role.ANALYST)
QUEST = 1


# --- a store small enough to read: the ports undo uses, with the store's rules -----------------


class _Repo:
    def __init__(self, store: FakeStore) -> None:
        self.s = store


class _Batches(_Repo):
    def read(self, batch_id: int) -> dict[str, Any] | None:
        row = self.s.batches.get(batch_id)
        if row is None:
            return None
        return {**row, "badge": "Learner", "quest": "Finish a course", "quest_archived": False}

    def bump_version(self, batch_id: int) -> None:
        self.s.batches[batch_id]["version"] += 1

    def set_paused(self, batch_id: int, by: str | None) -> None:
        row = self.s.batches[batch_id]
        row["paused_at"] = None if by is None else datetime.now(UTC)
        row["paused_by"] = by

    def cancel_to_draft(self, batch_id: int) -> None:
        self.s.batches[batch_id].update(status=rules.DRAFT, queued_at=None)

    def requeue(self, batch_id: int) -> None:
        self.s.batches[batch_id].update(status=rules.UNPUBLISHED, queued_at=datetime.now(UTC))

    def refresh_counts(self, batch_ids: list[int]) -> None:
        for batch_id in batch_ids:
            row = self.s.batches[batch_id]
            got = [st for (b, _u), st in self.s.members.items() if b == batch_id]
            n = {k: got.count(k) for k in words.USER_STATUS}
            row.update(
                n_users=len(got),
                n_unpublished=n["unpublished"],
                n_in_progress=n["in_progress"],
                n_published=n["published"],
                n_error=n["error"],
                n_revoking=n["revoking"],
                n_revoked=n["revoked"],
            )
            if row["status"] != rules.DRAFT:
                row["status"] = rules.derive_status(
                    len(got), n["in_progress"], n["published"], n["error"], n["revoking"],
                    n["revoked"],
                )  # fmt: skip


class _Publishing(_Repo):
    def revoke_categories(self, batch_id: int, user_ids: list[int] | None) -> pl.DataFrame:
        members = {u: st for (b, u), st in self.s.members.items() if b == batch_id}
        wanted = sorted(members) if user_ids is None else user_ids
        rows = []
        for user in wanted:
            status = members.get(user)
            others = sorted(
                b
                for (b, u), st in self.s.members.items()
                if u == user and b != batch_id and st == rules.PUBLISHED
            )
            owner = self.s.unlocks.get(user)
            if status is None:
                rows.append((user, NOT_IN_BATCH, None, None))
            elif status != rules.PUBLISHED:
                rows.append((user, NOT_UNLOCKED, status, None))
            elif owner == batch_id and not others:
                rows.append((user, REVOKE, status, None))
            else:
                rows.append((user, KEPT, status, owner if owner != batch_id else others[0]))
        return pl.DataFrame(
            rows,
            schema={
                "user_id": pl.Int64,
                "category": pl.String,
                "status": pl.String,
                "other_batch": pl.Int64,
            },
            orient="row",
        )

    def request_revoke(self, batch_id: int, user_ids: list[int], reason: str, by: str) -> int:
        done = 0
        for user in user_ids:
            if self.s.members.get((batch_id, user)) == rules.PUBLISHED:
                self.s.members[(batch_id, user)] = rules.USER_REVOKING
                self.s.reasons[(batch_id, user)] = (reason, by)
                done += 1
        return done

    def announce_queued(self, batch_id: int) -> None:
        self.s.announced.append(batch_id)

    def has_revoke_work(self) -> bool:
        return any(
            b["status"] == rules.REVOKING and b["paused_at"] is None
            for b in self.s.batches.values()
        )


class _Matching(_Repo):
    def usernames(self, user_ids: pl.Series) -> pl.DataFrame:
        known = user_ids.filter(user_ids < 90)  # the platform's users are 1 to 89
        return pl.DataFrame({"user_id": known, "username": [f"user{u}" for u in known]})


class _Audit(_Repo):
    def append(
        self, actor: str, action: str, batch_id: int | None, detail: str, via: str | None = None
    ) -> None:
        self.s.log.append((datetime.now(UTC), actor, str(action), batch_id, detail))

    def entries(self, batch_id: int | None, limit: int) -> pl.DataFrame:
        rows = [e for e in reversed(self.s.log) if batch_id is None or e[3] == batch_id][:limit]
        return pl.DataFrame(
            rows,
            schema=["happened_at", "actor", "action", "batch_id", "detail"],
            orient="row",
        ).with_columns(via=pl.lit(None, pl.String))


class _Settings(_Repo):
    def get(self, key: str, default: str | None = None) -> str | None:
        return self.s.settings.get(key, default)

    def put(self, key: str, value: str) -> None:
        self.s.settings[key] = value


class FakeStore:
    """The batches, members, unlocks, settings and audit log undo reads and writes, in dicts."""

    def __init__(self) -> None:
        self.batches: dict[int, dict[str, Any]] = {}
        self.members: dict[tuple[int, int], str] = {}
        self.unlocks: dict[int, int] = {}  # user -> the batch its unlock of QUEST is credited to
        self.reasons: dict[tuple[int, int], tuple[str, str]] = {}
        self.settings: dict[str, str] = {}
        self.log: list[tuple] = []
        self.announced: list[int] = []
        self.batches_repo, self.publishing = _Batches(self), _Publishing(self)
        self.audit, self.settings_repo = _Audit(self), _Settings(self)
        self.in_transaction = False

    def transaction(self, work: Callable[[Any], Any]) -> Any:
        """All or nothing: a refusal leaves every dict as it was."""
        saved = copy.deepcopy(
            (self.batches, self.members, self.unlocks, self.reasons, self.settings, self.log)
        )
        self.in_transaction = True
        try:
            return work(_View(self))
        except BaseException:
            (self.batches, self.members, self.unlocks, self.reasons, self.settings, self.log) = (
                saved
            )
            raise
        finally:
            self.in_transaction = False

    def add_batch(
        self, status: str, users: dict[int, str] | None = None, created_by: str = "dan"
    ) -> int:
        batch_id = len(self.batches) + 1
        now = datetime.now(UTC)
        self.batches[batch_id] = dict(
            id=batch_id, name=f"Batch {batch_id}", quest_id=QUEST, status=status,
            created_by=created_by, created_at=now, updated_at=now, queued_at=now, n_users=0,
            n_unpublished=0, n_in_progress=0, n_published=0, n_error=0, version=1,
            paused_at=None, paused_by=None, n_revoking=0, n_revoked=0,
        )  # fmt: skip
        for user, st in (users or {}).items():
            self.members[(batch_id, user)] = st
            if st == rules.PUBLISHED:
                self.unlocks.setdefault(user, batch_id)
        _Batches(self).refresh_counts([batch_id])
        self.batches[batch_id]["status"] = status  # as given: a test may set any status
        return batch_id

    def batch(self, batch_id: int) -> dict[str, Any]:
        return self.batches[batch_id]

    def actions(self) -> list[str]:
        return [e[2] for e in self.log]


class _NoWebhooks:
    """No webhook is registered: publishing and revoking tell nobody."""

    def subscribed(self, event: str) -> bool:
        return False


class _View:
    """The store as a UnitOfWork: repositories under the port's names."""

    def __init__(self, store: FakeStore) -> None:
        self.batches = store.batches_repo
        self.publishing = store.publishing
        self.audit = store.audit
        self.settings = store.settings_repo
        self.matching = _Matching(store)
        self.webhooks = _NoWebhooks()
        self._store = store

    @property
    def in_transaction(self) -> bool:
        return self._store.in_transaction

    def transaction(self, work: Callable[[Any], Any]) -> Any:
        if self._store.in_transaction:
            return work(self)
        return self._store.transaction(work)


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


def uow(store: FakeStore) -> Any:
    return _View(store)


def read(store: FakeStore, batch_id: int) -> Batch:
    return Batch(**_Batches(store).read(batch_id))


def published(n: int) -> dict[int, str]:
    return {u: rules.PUBLISHED for u in range(1, n + 1)}


# --- cancel ------------------------------------------------------------------------------------


def test_cancelling_a_queued_batch_makes_it_a_draft_again_out_of_the_queue(store):
    batch = store.add_batch(rules.UNPUBLISHED, {1: "unpublished", 2: "unpublished"})

    outcome = undo.cancel(uow(store), DEV, batch, expected=1)

    assert store.batch(batch)["status"] == rules.DRAFT
    assert store.batch(batch)["queued_at"] is None
    assert store.members == {(batch, 1): "unpublished", (batch, 2): "unpublished"}
    assert store.batch(batch)["version"] == 2
    assert store.log[-1][1:] == ("dan", Action.BATCH_CANCELLED, batch, "“Batch 1” with 2 user(s)")
    assert (outcome.status, outcome.batch_id) == (rules.DRAFT, batch)
    assert "draft again" in outcome.message and "2 users" in outcome.message


def test_cancelling_a_batch_in_progress_is_refused_and_says_to_pause_it(store):
    batch = store.add_batch(rules.IN_PROGRESS, {1: "published", 2: "unpublished"})

    with pytest.raises(InputError) as refused:
        undo.cancel(uow(store), ADMIN, batch)

    text = str(refused.value)
    assert "has started" in text and "already unlocked" in text and words.PAUSE in text
    assert store.batch(batch)["status"] == rules.IN_PROGRESS and store.log == []


@pytest.mark.parametrize(
    ("status", "said"),
    [
        (rules.DRAFT, "nothing to cancel"),
        (rules.PUBLISHED, words.REVOKE),
        (rules.PARTIALLY_PUBLISHED, words.REVOKE),
        (rules.REVOKING, words.PAUSE),
        (rules.REVOKED, "nothing to cancel"),
    ],
)
def test_only_a_queued_batch_can_be_cancelled(store, status, said):
    batch = store.add_batch(status, {1: "published"})

    with pytest.raises(InputError, match=said):
        undo.cancel(uow(store), ADMIN, batch)
    assert store.batch(batch)["version"] == 1


def test_a_dev_may_cancel_only_their_own_queued_batch_and_an_admin_anyones(store):
    theirs = store.add_batch(rules.UNPUBLISHED, {1: "unpublished"}, created_by="dora")

    with pytest.raises(PermissionDenied, match="dora"):
        undo.cancel(uow(store), DEV, theirs)
    assert store.batch(theirs)["status"] == rules.UNPUBLISHED

    undo.cancel(uow(store), OTHER_DEV, theirs)
    again = store.add_batch(rules.UNPUBLISHED, {1: "unpublished"}, created_by="dora")
    undo.cancel(uow(store), ADMIN, again)
    assert store.batch(theirs)["status"] == store.batch(again)["status"] == rules.DRAFT


def test_an_analyst_may_cancel_pause_resume_or_revoke_nothing(store):
    batch = store.add_batch(rules.IN_PROGRESS, {1: "published", 2: "unpublished"})
    for act in (undo.cancel, undo.pause, undo.resume):
        with pytest.raises(PermissionDenied, match="analyst"):
            act(uow(store), ANALYST, batch)
    with pytest.raises(PermissionDenied):
        revoke(uow(store), ANALYST, batch, RevokeTarget(all_users=True), "wrong badge")
    with pytest.raises(PermissionDenied):
        preview_revoke(uow(store), ANALYST, batch, RevokeTarget(all_users=True))
    assert store.log == []


def test_a_cancel_on_an_older_view_of_the_batch_is_refused_as_stale(store):
    batch = store.add_batch(rules.UNPUBLISHED, {1: "unpublished"})
    store.log.append((datetime.now(UTC), "ada", Action.BATCH_PUBLISHED, batch, ""))
    store.batch(batch)["version"] = 3

    with pytest.raises(Stale, match="published by ada"):
        undo.cancel(uow(store), DEV, batch, expected=2)
    assert store.batch(batch)["status"] == rules.UNPUBLISHED


# --- pause and resume --------------------------------------------------------------------------


def test_pausing_a_running_batch_keeps_its_status_and_shows_paused_in_its_label(store):
    batch = store.add_batch(rules.IN_PROGRESS, {1: "published", 2: "unpublished"})

    outcome = undo.pause(uow(store), DEV, batch)

    paused = read(store, batch)
    assert paused.status == outcome.status == rules.IN_PROGRESS
    assert paused.is_paused and paused.paused_by == "dan"
    assert paused.status_label == f"{words.IN_PROGRESS} (50%) · {words.PAUSED}"
    assert store.log[-1][2:] == (Action.BATCH_PAUSED, batch, "at 50%: 1 user(s) waiting")
    assert paused.version == 2
    assert "keeps its place in the queue" in outcome.message


def test_a_revoking_batch_can_be_paused_too(store):
    batch = store.add_batch(rules.REVOKING, {1: "revoking", 2: "revoked"})

    undo.pause(uow(store), ADMIN, batch)

    assert read(store, batch).status_label == f"{words.REVOKING} (50%) · {words.PAUSED}"


def test_pausing_a_paused_batch_is_refused_and_says_to_resume_it(store):
    batch = store.add_batch(rules.IN_PROGRESS, {1: "published", 2: "unpublished"})
    undo.pause(uow(store), DEV, batch)

    with pytest.raises(InputError, match=f"paused already.*{words.RESUME}"):
        undo.pause(uow(store), ADMIN, batch)
    assert store.actions() == [Action.BATCH_PAUSED]


@pytest.mark.parametrize(
    ("status", "said"),
    [
        (rules.PUBLISHED, "finished with it"),
        (rules.PARTIALLY_PUBLISHED, "finished with it"),
        (rules.REVOKED, "finished with it"),
        (rules.DRAFT, "not being published"),
        (rules.UNPUBLISHED, words.CANCEL_PUBLISHING),
    ],
)
def test_a_batch_that_is_not_running_cannot_be_paused(store, status, said):
    batch = store.add_batch(status, {1: "published"})

    with pytest.raises(InputError, match=said):
        undo.pause(uow(store), ADMIN, batch)
    assert store.batch(batch)["paused_at"] is None and store.log == []


def test_resuming_a_running_batch_is_refused(store):
    batch = store.add_batch(rules.IN_PROGRESS, {1: "published", 2: "unpublished"})

    with pytest.raises(InputError, match="not paused"):
        undo.resume(uow(store), DEV, batch)
    assert store.log == [] and store.announced == []


def test_resuming_a_paused_batch_clears_the_pause_and_wakes_the_workers(store):
    batch = store.add_batch(rules.IN_PROGRESS, {1: "published", 2: "unpublished"})
    undo.pause(uow(store), DEV, batch)

    outcome = undo.resume(uow(store), OTHER_DEV, batch)

    assert not read(store, batch).is_paused and store.batch(batch)["paused_by"] is None
    assert store.announced == [batch]
    assert store.actions() == [Action.BATCH_PAUSED, Action.BATCH_RESUMED]
    assert store.batch(batch)["version"] == 3
    assert "running again" in outcome.message and "publisher itself" not in outcome.message


def test_resuming_a_batch_while_the_publisher_is_paused_says_so(store):
    batch = store.add_batch(rules.IN_PROGRESS, {1: "published", 2: "unpublished"})
    undo.pause(uow(store), DEV, batch)
    publisher_pause.pause_publisher(uow(store), ADMIN)

    outcome = undo.resume(uow(store), DEV, batch)

    assert "publisher itself is paused" in outcome.message


def test_a_pause_mark_left_on_a_finished_batch_does_not_count_as_paused(store):
    batch = store.add_batch(rules.PUBLISHED, {1: "published"})
    store.batch(batch)["paused_at"] = datetime.now(UTC)

    assert not read(store, batch).is_paused
    assert read(store, batch).status_label == words.PUBLISHED


def test_the_undo_questions_say_what_will_happen(store):
    queued = read(store, store.add_batch(rules.UNPUBLISHED, {u: "unpublished" for u in (1, 2, 3)}))
    running = read(store, store.add_batch(rules.IN_PROGRESS, {1: "published", 2: "unpublished"}))

    assert undo.undo_question(queued, "cancel") == (
        "Cancel publishing “Batch 1”? It leaves the queue and goes back to a draft with its "
        "3 users; nobody has been unlocked yet."
    )
    assert undo.undo_question(running, "pause") == (
        "Pause “Batch 2”? The publisher finishes the chunk it is in, then unlocks no more of its "
        "users until you resume it (1 user still waiting). It keeps its place in the queue."
    )
    assert "1 user still waiting" in undo.undo_question(running, "resume")
    with pytest.raises(ValueError):
        undo.undo_question(running, "delete")


# --- the publisher-wide pause ------------------------------------------------------------------


def test_only_an_admin_may_pause_or_resume_the_publisher(store):
    assert {r for r, grants in GRANTS.items() if Permission.PAUSE_PUBLISHER in grants} == {
        Role.ADMIN
    }
    for who in (DEV, ANALYST):
        with pytest.raises(PermissionDenied, match="pause or resume the publisher"):
            publisher_pause.pause_publisher(uow(store), who)
        with pytest.raises(PermissionDenied):
            publisher_pause.resume_publisher(uow(store), who)
    assert publisher_pause.publisher_pause(uow(store)) is None


def test_pausing_the_publisher_records_who_and_when_and_resuming_clears_it(store):
    before = datetime.now(UTC)
    publisher_pause.pause_publisher(uow(store), ADMIN)

    pause = publisher_pause.publisher_pause(uow(store))
    assert pause is not None and pause.by == "ada" and pause.at >= before
    with pytest.raises(InputError, match="paused already"):
        publisher_pause.pause_publisher(uow(store), ADMIN)

    publisher_pause.resume_publisher(uow(store), ADMIN)
    assert publisher_pause.publisher_pause(uow(store)) is None
    assert store.settings[publisher_pause.SETTING] == ""
    assert len(store.announced) == 1  # idle workers in other processes look again
    with pytest.raises(InputError, match="not paused"):
        publisher_pause.resume_publisher(uow(store), ADMIN)
    assert [(e[2], e[3]) for e in store.log] == [
        (Action.PUBLISHER_PAUSED, None),
        (Action.PUBLISHER_RESUMED, None),
    ]


def test_an_unreadable_pause_setting_still_brakes(store):
    store.settings[publisher_pause.SETTING] = "{not json"

    assert publisher_pause.publisher_pause(uow(store)) is not None
    assert publisher_pause.is_paused(uow(store))


def test_a_paused_publisher_takes_no_chunk_at_all(store):
    store.settings[publisher_pause.SETTING] = json.dumps({"by": "ada", "at": "2026-12-01T10:00"})
    view = uow(store)

    def untouchable(*_args: object) -> None:
        raise AssertionError("a paused publisher asked for a chunk")

    view.publishing.next_chunk = untouchable
    view.publishing.next_revoke_chunk = untouchable

    report = unlocking.process_once(view, 10)

    assert report.paused_publisher and report.empty and report.processed == 0


def test_a_worker_run_until_empty_stops_when_only_the_paused_publisher_is_left(store):
    store.settings[publisher_pause.SETTING] = json.dumps({"by": "ada", "at": "2026-12-01T10:00"})
    view = uow(store)
    view.publishing.has_queue = lambda: True  # a batch is queued, but the brake is on
    view.publishing.listen = _no_listen

    done = threading.Event()
    result: list[worker.RunReport] = []
    thread = threading.Thread(
        target=lambda: (result.append(worker.run_until_empty(view)), done.set())
    )
    thread.start()
    assert done.wait(5), "the worker kept waiting for a paused publisher"
    assert result[0].processed == 0


def _no_listen(wake: threading.Event) -> Any:
    import contextlib

    class Waiter:
        def wait(self, timeout: float) -> bool:
            return wake.wait(timeout)

    return contextlib.nullcontext(Waiter())


def test_a_revoke_chunk_goes_before_a_publish_chunk(store):
    view = uow(store)
    store.add_batch(rules.REVOKING, {1: "revoking"})
    chunk = pl.DataFrame({"batch_id": [1], "user_id": [1], "quest_id": [QUEST]})
    calls: list[str] = []
    view.publishing.next_revoke_chunk = lambda limit: calls.append("revoke") or chunk
    view.publishing.next_chunk = lambda limit: calls.append("publish")
    view.publishing.record_revoke_chunk = lambda c: pl.DataFrame(
        {"batch_id": [1], "quest_id": [QUEST], "revoked_at": [datetime.now(UTC)]}
    )
    view.publishing.count_revokes = lambda revokes: calls.append("counted")
    view.publishing.finished_among = lambda ids: tuple(ids)

    report = unlocking.process_once(view, 10)

    assert calls == ["revoke", "counted"]
    assert (report.processed, report.revoked, report.kept, report.finished) == (1, 1, 0, (1,))


# --- revoke ------------------------------------------------------------------------------------


def test_revoking_asks_the_publisher_to_revoke_and_records_who_how_many_and_why(store):
    batch = store.add_batch(rules.PUBLISHED, published(3))

    outcome = revoke(uow(store), DEV, batch, RevokeTarget(user_ids=(1, 2)), "  wrong badge ")

    assert store.members[(batch, 1)] == store.members[(batch, 2)] == rules.USER_REVOKING
    assert store.members[(batch, 3)] == rules.PUBLISHED
    assert store.reasons[(batch, 1)] == ("wrong badge", "dan")
    assert store.batch(batch)["status"] == rules.REVOKING
    assert store.log[-1][1:] == ("dan", Action.REVOKE_REQUESTED, batch, "2 user(s): wrong badge")
    assert (outcome.requested, outcome.kept, outcome.status) == (2, 0, rules.REVOKING)
    assert store.batch(batch)["version"] == 2 and store.announced == [batch]
    assert "from 2 users" in outcome.message


def test_a_user_who_holds_the_quest_from_another_batch_keeps_it_and_is_said_so(store):
    first = store.add_batch(rules.PUBLISHED, published(3))
    store.add_batch(rules.PUBLISHED, {2: rules.PUBLISHED})  # user 2 twice

    preview = preview_revoke(uow(store), ADMIN, first, RevokeTarget(all_users=True))

    assert preview.counts == {REVOKE: 2, NOT_IN_BATCH: 0, NOT_UNLOCKED: 0, KEPT: 1}
    assert preview.user_ids == (1, 2, 3)
    assert preview.question == (
        "Revoke Learner › Finish a course from 2 users? "
        "1 also holds it from another batch and keeps it."
    )
    kept = preview.details.filter(pl.col("user_id") == 2).row(0, named=True)
    assert kept["category"] == KEPT and "batch 2" in kept["message"]
    outcome = revoke(uow(store), ADMIN, first, RevokeTarget(all_users=True), "mistake")
    assert (outcome.requested, outcome.kept) == (3, 1)


def test_the_revoke_question_counts_in_words_and_leaves_out_nobody_kept():
    def question(revoked: int, kept: int) -> str:
        counts = {REVOKE: revoked, NOT_IN_BATCH: 0, NOT_UNLOCKED: 0, KEPT: kept}
        return RevokePreview(
            1, "B", "Learner › Finish a course", counts, pl.DataFrame(), ()
        ).question

    assert question(4911, 89) == (
        "Revoke Learner › Finish a course from 4,911 users? "
        "89 also hold it from other batches and keep it."
    )
    assert question(1, 0) == "Revoke Learner › Finish a course from 1 user?"


def test_a_revoke_question_with_nobody_to_take_the_quest_from_asks_to_mark_them_revoked():
    def question(kept: int) -> str:
        counts = {REVOKE: 0, NOT_IN_BATCH: 3, NOT_UNLOCKED: 0, KEPT: kept}
        return RevokePreview(
            1, "B", "Learner › Finish a course", counts, pl.DataFrame(), ()
        ).question

    assert question(2) == (
        "Mark 2 users of this batch “Revoked”? They all keep Learner › Finish a course from "
        "other batches."
    )
    assert question(1) == (
        "Mark 1 user of this batch “Revoked”? It keeps Learner › Finish a course from another "
        "batch."
    )


def test_a_paused_batch_in_progress_cannot_be_revoked_and_is_told_to_resume_or_wait(store):
    batch = store.add_batch(rules.IN_PROGRESS, {1: "published", 2: "unpublished"})
    undo.pause(uow(store), DEV, batch)

    with pytest.raises(InputError) as refused:
        revoke(uow(store), ADMIN, batch, RevokeTarget(all_users=True), "mistake")

    text = str(refused.value)
    assert "must finish publishing before it can be revoked" in text
    assert f"“{words.RESUME}”" in text and "`batch resume`" in text
    assert "Pause it" not in text
    assert store.actions() == [Action.BATCH_PAUSED]


def test_undo_refusals_name_both_the_page_button_and_the_command(store):
    running = store.add_batch(rules.IN_PROGRESS, {1: "published", 2: "unpublished"})
    revoking_ = store.add_batch(rules.REVOKING, {1: "revoking"})
    queued = store.add_batch(rules.UNPUBLISHED, {1: "unpublished"})

    def refusal(attempt: Callable[[], Any]) -> str:
        with pytest.raises(InputError) as refused:
            attempt()
        assert "Press" not in str(refused.value)
        return str(refused.value)

    assert "(the batch page's “Pause”, or `batch pause`)" in refusal(
        lambda: undo.cancel(uow(store), ADMIN, running)
    )
    assert "(the batch page's “Pause”, or `batch pause`)" in refusal(
        lambda: undo.cancel(uow(store), ADMIN, revoking_)
    )
    assert "the batch page's “Cancel publishing”, or `batch cancel`" in refusal(
        lambda: undo.pause(uow(store), ADMIN, queued)
    )
    undo.pause(uow(store), ADMIN, running)
    assert "(the batch page's “Resume”, or `batch resume`)" in refusal(
        lambda: undo.pause(uow(store), ADMIN, running)
    )


def test_an_empty_reason_is_refused_in_a_plain_sentence(store):
    batch = store.add_batch(rules.PUBLISHED, published(1))

    with pytest.raises(InputError) as refused:
        revoke(uow(store), ADMIN, batch, RevokeTarget(all_users=True), "  ")

    assert str(refused.value) == (
        "A reason is required: say why these unlocks are revoked (at most 500 characters)."
    )


def test_the_preview_says_why_the_others_are_not_revoked(store):
    batch = store.add_batch(rules.PARTIALLY_PUBLISHED, {1: "published", 2: "error"})

    preview = preview_revoke(uow(store), DEV, batch, RevokeTarget(user_ids=(2, 1, 99, 1, 5)))

    assert preview.counts == {REVOKE: 1, NOT_IN_BATCH: 2, NOT_UNLOCKED: 1, KEPT: 0}
    said = dict(preview.details.select("user_id", "message").iter_rows())
    assert said[1] == "Will be revoked"
    assert said[2] == f"Not unlocked by this batch: its status here is “{words.ERROR}”"
    assert said[5] == "Not in this batch"
    assert said[99] == words.MSG_MISMATCH  # no platform user has that User ID
    assert preview.details.columns == ["row", "user_id", "username", "category", "message"]
    assert store.log == []  # a preview writes nothing


@pytest.mark.parametrize(
    ("status", "said"),
    [
        (rules.DRAFT, "nothing to revoke"),
        (rules.UNPUBLISHED, words.CANCEL_PUBLISHING),
        (rules.IN_PROGRESS, "still being published"),
        (rules.REVOKING, "being revoked already"),
        (rules.REVOKED, "revoked already"),
    ],
)
def test_only_a_finished_batch_can_be_revoked(store, status, said):
    batch = store.add_batch(status, {1: "published"})

    for attempt in (
        lambda: revoke(uow(store), ADMIN, batch, RevokeTarget(all_users=True), "mistake"),
        lambda: preview_revoke(uow(store), ADMIN, batch, RevokeTarget(all_users=True)),
    ):
        with pytest.raises(InputError, match=said):
            attempt()
    assert store.members[(batch, 1)] == rules.PUBLISHED and store.log == []


def test_revoking_twice_is_refused_while_the_first_runs_and_reaches_nobody_after(store):
    batch = store.add_batch(rules.PUBLISHED, published(2))
    revoke(uow(store), ADMIN, batch, RevokeTarget(user_ids=(1,)), "mistake")

    with pytest.raises(InputError, match="being revoked already"):
        revoke(uow(store), ADMIN, batch, RevokeTarget(user_ids=(1,)), "again")

    store.members[(batch, 1)] = rules.USER_REVOKED  # the publisher did it
    _Batches(store).refresh_counts([batch])
    assert store.batch(batch)["status"] == rules.PARTIALLY_REVOKED
    with pytest.raises(InputError, match="None of the chosen users can be revoked"):
        revoke(uow(store), ADMIN, batch, RevokeTarget(user_ids=(1,)), "again")
    revoke(uow(store), ADMIN, batch, RevokeTarget(user_ids=(2,)), "the rest")
    assert store.actions() == [Action.REVOKE_REQUESTED] * 2


def test_revoking_nobody_is_refused_and_writes_nothing(store):
    batch = store.add_batch(rules.PARTIALLY_PUBLISHED, {1: "error"})

    with pytest.raises(InputError, match=r"1 not unlocked by this batch.*nothing was changed"):
        revoke(uow(store), ADMIN, batch, RevokeTarget(user_ids=(1, 5)), "mistake")
    assert store.batch(batch)["version"] == 1 and store.log == [] and store.announced == []


@pytest.mark.parametrize("reason", ["", "   ", None, "x" * 501])
def test_a_revoke_needs_a_reason_of_1_to_500_characters(store, reason):
    batch = store.add_batch(rules.PUBLISHED, published(1))

    with pytest.raises(InputError, match="reason"):
        revoke(uow(store), ADMIN, batch, RevokeTarget(all_users=True), reason)
    assert store.members[(batch, 1)] == rules.PUBLISHED


def test_a_reason_is_trimmed_and_may_be_500_characters():
    assert clean_reason(" " + "x" * 500 + "\n") == "x" * 500


def test_a_revoke_target_names_whom_in_exactly_one_way(store):
    batch = store.add_batch(rules.PUBLISHED, published(1))

    with pytest.raises(InputError, match="Choose whom to revoke"):
        revoke(uow(store), ADMIN, batch, RevokeTarget(), "mistake")
    with pytest.raises(ValueError):
        RevokeTarget(all_users=True, user_ids=(1,)).check()


def test_a_revoke_on_an_older_view_of_the_batch_is_refused_as_stale(store):
    batch = store.add_batch(rules.PUBLISHED, published(1))

    with pytest.raises(Stale):
        revoke(uow(store), DEV, batch, RevokeTarget(all_users=True), "mistake", expected=7)
    assert store.members[(batch, 1)] == rules.PUBLISHED


def test_a_revoke_clears_a_pause_mark_left_from_publishing(store):
    batch = store.add_batch(rules.PUBLISHED, published(1))
    store.batch(batch)["paused_at"] = datetime.now(UTC)

    revoke(uow(store), ADMIN, batch, RevokeTarget(all_users=True), "mistake")

    assert store.batch(batch)["paused_at"] is None and store.publishing.has_revoke_work()


# --- the audit log -----------------------------------------------------------------------------


def test_every_undo_action_changes_one_batch_or_the_publisher_and_reads_as_a_sentence():
    batch_actions = {
        Action.BATCH_CANCELLED,
        Action.BATCH_PAUSED,
        Action.BATCH_RESUMED,
        Action.REVOKE_REQUESTED,
    }
    assert batch_actions <= set(audit.BATCH_ACTIONS) <= set(expected_state.CHANGED_BY)
    assert Action.PUBLISHER_PAUSED not in audit.BATCH_ACTIONS
    said = {
        (Action.BATCH_CANCELLED, "“Spring” with 3 user(s)"): (
            "Cancelled publishing: “Spring” left the queue and is a draft again, with 3 users."
        ),
        (
            Action.BATCH_PAUSED,
            "at 40%: 1 user(s) waiting",
        ): "Paused at 40%, with 1 user still waiting.",
        (Action.BATCH_RESUMED, "at 40%: 2 user(s) waiting"): (
            "Resumed at 40%, with 2 users still waiting."
        ),
        (Action.REVOKE_REQUESTED, "2 user(s): wrong badge"): (
            "Asked to revoke the badge quest from 2 users: “wrong badge”."
        ),
        (Action.PUBLISHER_PAUSED, ""): (
            "Paused the publisher: no batch is published or revoked until it is resumed."
        ),
        (Action.PUBLISHER_RESUMED, ""): (
            "Resumed the publisher: queued batches go on where they stopped."
        ),
    }
    for (action, detail), sentence in said.items():
        assert audit_sentences.sentence(action, detail) == sentence


def test_a_users_status_filter_takes_the_revoke_words():
    assert members.parse_user_status("Revoked") == rules.USER_REVOKED
    assert members.parse_user_status("revoking") == rules.USER_REVOKING
    assert members.MemberQuery(status="Revoked").status == rules.USER_REVOKED
    with pytest.raises(InputError, match="Revoked"):
        members.parse_user_status("gone")


def test_a_revoke_whose_users_all_keep_the_quest_says_they_keep_it(store):
    first = store.add_batch(rules.PUBLISHED, published(2))
    store.add_batch(rules.PUBLISHED, published(2))

    outcome = revoke(uow(store), ADMIN, first, RevokeTarget(user_ids=(1, 2)), "duplicate")
    one = revoke(uow(store), ADMIN, 2, RevokeTarget(user_ids=(1,)), "duplicate")

    assert (outcome.requested, outcome.kept) == (2, 2)
    assert outcome.message == (
        "The 2 chosen users of “Batch 1” turn “Revoked” in the background, but keep "
        "Learner › Finish a course: other batches unlocked it too."
    )
    assert one.message.startswith("The chosen user of “Batch 2” turns “Revoked”")
