"""Adding many User IDs at once (`add_one.add_ids_in`, the fill of `batch add --user …` and of
`POST /batches/{id}/users {"user_ids": …}`), on both stores: it says and refuses what adding them
one by one (`add_one.add_in` per User ID, in order) said and refused, but matches them in one
read, inserts them in one statement, and moves the batch's version once."""

from __future__ import annotations

import polars as pl
import pytest

from core import audit
from core.audit import Action
from core.batches import add_one, cli_fill, matching, read_model, rules
from core.batches.errors import AlreadyInBatch
from core.history import audit_sentences
from core.publishing import actions, worker
from tests.support.batches import HOLDS_VISIT_10, INACTIVE_USER, upload


class _RolledBack(Exception):
    """Raised to roll back the one-by-one reference run."""


def outcome(call) -> tuple:
    """What a fill said: ("added", its confirmations) or (the refusal's class name, its sentence)."""
    try:
        return ("added", [user.message for user in call()])
    except Exception as exc:
        return (type(exc).__name__, str(exc))


def one_by_one(uow, actor, batch_id: int, values: list[str]) -> tuple:
    """What the former loop said: add_in per User ID in one transaction, then rolled back."""
    said: list = []

    def loop(u):
        said.append(
            outcome(lambda: [add_one.add_in(u, actor, batch_id, "id", v, "cli") for v in values])
        )
        raise _RolledBack

    with pytest.raises(_RolledBack):
        uow.transaction(loop)
    return said[0]


def at_once(uow, actor, batch_id: int, values: list[str]) -> tuple:
    return outcome(lambda: cli_fill.add_to_batch(uow, actor, batch_id, [], values).users)


def added(*users: tuple[str, int]) -> tuple:
    return ("added", [f"{name} (User ID {uid}) was added to the batch." for name, uid in users])


def in_batch(name: str, uid: int) -> tuple:
    return ("AlreadyInBatch", f"{name} (User ID {uid}) is already in this batch.")


NOT_A_NUMBER = " A user ID has digits only (0-9)."
SCENARIOS = {
    "several": (["2", "3", "4"], added(("user2", 2), ("user3", 3), ("user4", 4))),
    "spaces and zeros": ([" 2 ", "012"], added(("user2", 2), ("JÜRGEN", 12))),
    "twice": (["2", "3", "2"], in_batch("user2", 2)),
    "twice, written apart": (["0002", "2"], in_batch("user2", 2)),
    "unknown": (
        ["2", "999999"],
        (
            "UserNotFound",
            "No user has the User ID “999999”. Check the number, or find the user by username.",
        ),
    ),
    "not a number": (
        ["2", "1.0"],
        ("UserNotFound", f"No user has the User ID “1.0”.{NOT_A_NUMBER}"),
    ),
    "deactivated": (
        ["2", str(INACTIVE_USER)],
        (
            "UserInactive",
            "user10 (User ID 10) is deactivated, so the badge cannot be unlocked for them.",
        ),
    ),
    "holds the quest": (
        ["2", str(HOLDS_VISIT_10)],
        (
            "AlreadyUnlocked",
            "user7 (User ID 7) already has the badge quest “Explorer: Visit 10 pages” "
            "(from an earlier batch), so it is not added again.",
        ),
    ),
    "already in the batch": (["2", "1"], in_batch("user1", 1)),
    "the first refusal wins": (
        ["2", "10", "999999", "2"],
        (
            "UserInactive",
            "user10 (User ID 10) is deactivated, so the badge cannot be unlocked for them.",
        ),
    ),
    "blank": (["2", " "], ("UserNotFound", "Type a User ID first.")),
    "blank after a refusal": (["1", ""], in_batch("user1", 1)),
}


@pytest.fixture
def holding_user_1(batch_world, draft, accounts) -> int:
    """The draft holding user 1."""
    add_one.add_single(batch_world, accounts["dev"], draft, "id", "1")
    return draft


def snapshot(uow, batch_id: int) -> tuple:
    batch = read_model.read(uow, batch_id)
    return batch.version, batch.n_users, len(audit.entries(uow, batch_id))


@pytest.mark.parametrize("values,said", list(SCENARIOS.values()), ids=list(SCENARIOS))
def test_many_user_ids_say_and_refuse_what_adding_them_one_by_one_did(
    batch_world, holding_user_1, accounts, values, said
) -> None:
    dev = accounts["dev"]
    assert one_by_one(batch_world, dev, holding_user_1, values) == said
    before = snapshot(batch_world, holding_user_1)

    assert at_once(batch_world, dev, holding_user_1, values) == said

    if said[0] != "added":  # a refusal adds nobody: the whole fill is one transaction
        assert snapshot(batch_world, holding_user_1) == before


def test_a_batch_that_is_not_there_or_not_editable_is_refused_as_before(
    batch_world, holding_user_1, accounts
) -> None:
    dev = accounts["dev"]
    for batch_id in (987654, holding_user_1):
        if batch_id == holding_user_1:
            actions.publish(batch_world, dev, batch_id)  # in the queue: takes no users
        said = one_by_one(batch_world, dev, batch_id, ["2", "3"])
        assert said[0] in ("NotFound", "NotEditable")
        assert at_once(batch_world, dev, batch_id, ["2", "3"]) == said


def test_many_user_ids_move_the_version_once_and_write_one_audit_entry(
    batch_world, draft, accounts
) -> None:
    version, _, logged = snapshot(batch_world, draft)

    result = cli_fill.add_to_batch(
        batch_world, accounts["dev"], draft, [], [str(i) for i in range(1, 7)]
    )

    assert [u.user_id for u in result.users] == [1, 2, 3, 4, 5, 6] and result.added == 6
    assert [u.email for u in result.users][:1] == ["user1@example.com"]
    assert snapshot(batch_world, draft) == (version + 1, 6, logged + 1)
    entry = audit.entries(batch_world, draft).row(0, named=True)
    assert entry["action"] == Action.USERS_ADDED
    assert audit_sentences.sentence(entry["action"], entry["detail"]) == (
        "6 users added from “User ID 1, 2, 3, 4, 5, 6” via the command line."
    )


def test_one_user_id_keeps_the_single_add_entry(batch_world, draft, accounts) -> None:
    cli_fill.add_to_batch(batch_world, accounts["dev"], draft, [], ["3"])

    entry = audit.entries(batch_world, draft).row(0, named=True)
    assert entry["detail"] == "1 added by id (cli): 3"


def test_user_ids_after_a_file_see_its_users(batch_world, draft, accounts) -> None:
    dev = accounts["dev"]
    file = upload("ID\n2\n")
    with pytest.raises(AlreadyInBatch, match=r"user2 \(User ID 2\) is already"):
        cli_fill.add_to_batch(batch_world, dev, draft, [file], ["3", "2"])
    assert read_model.read(batch_world, draft).n_users == 0

    result = cli_fill.add_to_batch(batch_world, dev, draft, [file], ["3", "4"])
    assert result.added == 3 and read_model.read(batch_world, draft).n_users == 3


def test_a_published_batch_takes_several_user_ids_and_is_queued_again_once(
    batch_world, holding_user_1, accounts
) -> None:
    dev = accounts["dev"]
    actions.publish(batch_world, dev, holding_user_1)
    worker.run_until_empty(batch_world)
    version, _, logged = snapshot(batch_world, holding_user_1)

    result = cli_fill.add_to_batch(batch_world, dev, holding_user_1, [], ["2", "3"])

    assert result.added == 2
    batch = read_model.read(batch_world, holding_user_1)
    assert batch.status in rules.PENDING_STATUSES and batch.queued_at is not None
    assert snapshot(batch_world, holding_user_1) == (version + 1, 3, logged + 1)


@pytest.fixture
def nearly_full(batch_world, draft) -> int:
    """The draft holding all but one of the most users a batch may hold (users 1001 on)."""
    room = rules.MAX_USERS_PER_BATCH - 1
    ids = list(range(1001, 1001 + room))
    names = [f"filler{i}" for i in ids]
    emails = [f"{n}@example.com" for n in names]
    fillers = pl.DataFrame(
        {"id": ids, "username": names, "email": emails, "username_norm": names},
        schema_overrides={"id": pl.Int64},
    ).with_columns(email_norm=pl.col("email"), active=pl.lit(True))
    batch_world.transaction(lambda u: u.users.upsert(fillers))

    def fill(u) -> None:
        u.members.add(draft, ids, "csv", "dan")
        u.batches.refresh_counts([draft])

    batch_world.transaction(fill)
    matching.sync_user_index(batch_world)
    return draft


@pytest.mark.parametrize(
    "values,refusal",
    [
        (["2", "3"], "BatchFull"),
        (["2", "999999"], "UserNotFound"),
        (["999999", "2"], "UserNotFound"),
        (["2", "2"], "AlreadyInBatch"),
    ],
    ids=str,
)
def test_the_batch_limit_refuses_the_user_id_the_loop_refused(
    batch_world, nearly_full, accounts, values, refusal
) -> None:
    dev = accounts["dev"]
    said = one_by_one(batch_world, dev, nearly_full, values)

    assert said[0] == refusal
    assert at_once(batch_world, dev, nearly_full, values) == said
    assert read_model.read(batch_world, nearly_full).n_users == rules.MAX_USERS_PER_BATCH - 1
