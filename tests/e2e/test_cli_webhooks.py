"""The command line's webhooks: `webhook add|list|remove|test|deliveries`, their JSON, and their
refusals (one sentence, exit 2)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.cli import main
from core.webhooks import events, registry
from tests.support.store import open_store
from tests.support.webhook_receiver import Receiver, listening


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook receiver on 127.0.0.1 that checks signatures."""
    with listening() as found:
        yield found


@pytest.fixture
def store(db_path: Path) -> Path:
    """An empty, migrated data file."""
    open_store(db_path).close()
    return db_path


def run(store: Path, capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["--db", str(store), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_add_prints_the_secret_once_and_list_never_shows_it(store, capsys, receiver) -> None:
    code, out, _ = run(store, capsys, "webhook", "add", receiver.url, "--json")
    assert code == 0
    added = json.loads(out)
    assert set(added) == {"id", "url", "events", "secret", "created_at"}
    assert added["secret"].startswith(registry.SECRET_PREFIX)
    assert added["events"] == list(events.EVENTS)
    code, out, _ = run(
        store, capsys, "webhook", "add", "https://hooks.example/b", "--event", events.REVOKED
    )
    assert code == 0
    assert "Webhook 2 added: https://hooks.example/b is told of batch.revoked." in out
    assert "Copy it now: it is not shown again." in out
    code, out, _ = run(store, capsys, "webhook", "list", "--json")
    listed = json.loads(out)
    assert [(w["id"], w["url"], w["events"]) for w in listed] == [
        (1, receiver.url, list(events.EVENTS)),
        (2, "https://hooks.example/b", [events.REVOKED]),
    ]
    assert "secret" not in out and added["secret"] not in out
    code, out, _ = run(store, capsys, "webhook", "list")
    assert out.splitlines()[0].split() == ["id", "url", "events", "created", "by", "created"]
    assert added["secret"] not in out


def test_a_test_event_is_posted_signed_and_listed_in_the_deliveries(
    store, capsys, receiver: Receiver
) -> None:
    _, out, _ = run(store, capsys, "webhook", "add", receiver.url, "--json")
    receiver.secret = json.loads(out)["secret"]
    code, out, _ = run(store, capsys, "webhook", "test", "1")
    assert code == 0
    assert out.strip() == f"Test event delivered to {receiver.url}: it answered HTTP 200."
    (got,) = receiver.delivered()
    assert got.payload["event"] == events.TEST
    receiver.answers = [503]
    code, out, _ = run(store, capsys, "webhook", "test", "1")
    assert code == 1 and "not delivered" in out and "HTTP 503" in out
    code, out, _ = run(store, capsys, "webhook", "deliveries", "--webhook", "1", "--json")
    newest, oldest = json.loads(out)
    assert (newest["status"], newest["last_status_code"], newest["attempts"]) == (
        "Pending",
        503,
        1,
    )
    assert newest["next_attempt_at"] is not None
    assert (oldest["status"], oldest["last_status_code"], oldest["next_attempt_at"]) == (
        "Delivered",
        200,
        None,
    )
    _, out, _ = run(store, capsys, "webhook", "deliveries", "--limit", "1")
    header, row = out.splitlines()
    assert header.split()[:5] == ["id", "webhook", "event", "batch", "status"]
    assert "Pending" in row and "HTTP 503" in row


def test_remove_cancels_what_is_owed_and_says_so(store, capsys) -> None:
    run(store, capsys, "webhook", "add", "http://127.0.0.1:9/never")
    code, out, _ = run(store, capsys, "webhook", "remove", "1")
    assert (code, out.strip()) == (0, "Webhook 1 (http://127.0.0.1:9/never) removed.")
    code, out, _ = run(store, capsys, "webhook", "list")
    assert out.strip() == "No webhooks. Add one with `python -m core webhook add URL`."
    code, _, err = run(store, capsys, "webhook", "remove", "1")
    assert code == 2
    assert err.strip() == (
        "There is no webhook 1 any more: it was removed. `webhook list` (or the Webhooks page) "
        "shows the webhooks there are."
    )


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["webhook", "add", "ftp://files.example/x"], "is not an http:// or https:// URL"),
        (["webhook", "add", "not a url"], "cannot contain spaces"),
        (["webhook", "test", "7"], "There is no webhook 7."),
        (["webhook", "deliveries", "--webhook", "7"], "There is no webhook 7."),
        (["webhook", "deliveries", "--limit", "0"], "--limit must be at least 1."),
    ],
)
def test_refusals_are_one_sentence_and_exit_2(store, capsys, args, said) -> None:
    code, out, err = run(store, capsys, *args)
    assert code == 2 and out == ""
    assert said in err and len(err.strip().splitlines()) == 1


def test_an_unknown_event_is_refused_by_the_parser(store, capsys) -> None:
    code = main(["--db", str(store), "webhook", "add", "https://h.example/", "--event", "batch.x"])
    assert code == 2
    assert "invalid choice: 'batch.x'" in capsys.readouterr().err
