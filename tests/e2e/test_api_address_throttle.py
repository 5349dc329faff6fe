"""The API's brake on one address's requests without a valid token (issue 17's review), over
loopback HTTP on both stores: guesses over the limit are refused 429 at the cost of one lookup at
most, while a valid token from the same address is still served, within its own throttle."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from core.access import api_throttle, api_tokens
from core.access.api_throttle import MAX_FAILED_AUTH, TOO_MANY_FAILED, Throttle
from core.access.roles import command_line_account
from tests.support.api_server import Answer, ApiServer, api_server, pg_api_server  # noqa: F401


@pytest.fixture(scope="module", params=["duckdb", pytest.param("postgres", marks=pytest.mark.pg)])
def server(request: pytest.FixtureRequest) -> ApiServer:
    """The API on each store (a token is looked up in it), one after the other."""
    return request.getfixturevalue("api_server" if request.param == "duckdb" else "pg_api_server")


@pytest.fixture(autouse=True)
def fresh_address_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Failure counts of this test's own, at the real limit (loopback is every test's address)."""
    monkeypatch.setattr(
        api_throttle, "_failures", Throttle(MAX_FAILED_AUTH, sentence=TOO_MANY_FAILED)
    )


@pytest.fixture
def lookups(server: ApiServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The token hashes the server looks up while the test runs."""
    uow = server.uow()
    repository = type(uow.tokens)
    uow.close()
    seen: list[str] = []
    by_hash = repository.by_hash

    def counted(self, token_hash: str):
        seen.append(token_hash)
        return by_hash(self, token_hash)

    monkeypatch.setattr(repository, "by_hash", counted)
    yield seen


def guesses(server: ApiServer, n: int, start: int = 0) -> list[Answer]:
    """`n` requests with well-formed tokens nobody has."""
    return [server.get("/quests", token=f"bu_guess{i:040d}") for i in range(start, start + n)]


def failed_sentence(wait: int) -> str:
    """The address's 429 sentence, with the wait it names."""
    return TOO_MANY_FAILED.format(
        limit=MAX_FAILED_AUTH, window=api_throttle.WINDOW_SECONDS, wait=wait, s="s" * (wait != 1)
    )


def test_a_valid_token_is_served_from_an_address_over_its_failures(server: ApiServer) -> None:
    token = server.token("dev")

    refused = guesses(server, MAX_FAILED_AUTH + 1)
    valid = server.get("/quests", token=token)

    assert [a.status for a in refused] == [401] * MAX_FAILED_AUTH + [429]
    assert valid.status == 200, valid.text
    assert valid.json()["items"]


def test_requests_without_a_valid_token_over_the_limit_are_refused_429_in_words(
    server: ApiServer,
) -> None:
    token = server.token("dev")
    guesses(server, MAX_FAILED_AUTH)

    unknown = guesses(server, 1, start=MAX_FAILED_AUTH)[0]
    no_token = server.get("/quests")
    not_bearer = server.get("/quests", headers={"Authorization": "Basic ZGV2OmRldg=="})
    still_valid = server.get("/quests", token=token)

    for answer in (unknown, no_token, not_bearer):
        assert answer.status == 429, answer.text
        # The address's sentence, then why this request's token failed: what to fix.
        sentence, _, this_one = answer.json()["detail"].partition(" This one: ")
        assert sentence == failed_sentence(answer.json()["retry_after"])
        assert this_one and "token" in this_one.lower()
        assert int(answer.headers["retry-after"]) == answer.json()["retry_after"] >= 1
    assert still_valid.status == 200


def test_an_expired_token_over_the_address_limit_is_still_told_it_expired(
    server: ApiServer,
) -> None:
    uow = server.uow()
    try:
        secret, _ = api_tokens.create_token(
            uow, command_line_account(), "dev", "short-lived",
            expires_at=(datetime.now(UTC) + timedelta(seconds=1)),
        )  # fmt: skip
    finally:
        uow.close()
    guesses(server, MAX_FAILED_AUTH)
    time.sleep(1.2)  # the token has expired meanwhile
    answer = server.get("/quests", token=secret)
    assert answer.status == 429, answer.text
    assert "This one: " in answer.json()["detail"] and "expired" in answer.json()["detail"]


def test_an_unknown_token_over_the_limit_costs_one_lookup_and_a_malformed_one_none(
    server: ApiServer, lookups: list[str]
) -> None:
    guesses(server, MAX_FAILED_AUTH)
    lookups.clear()

    unknown = guesses(server, 1, start=MAX_FAILED_AUTH)[0]
    assert (unknown.status, len(lookups)) == (429, 1)
    malformed = server.get("/quests", token="not-a-token-at-all")
    assert (malformed.status, len(lookups)) == (429, 1)


def test_a_valid_token_still_meets_its_own_throttle_on_an_address_over_its_failures(
    server: ApiServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(api_throttle, "_throttle", Throttle(limit=2))
    token = server.token("dev")
    guesses(server, MAX_FAILED_AUTH + 1)

    answers = [server.get("/quests", token=token) for _ in range(3)]

    assert [a.status for a in answers] == [200, 200, 429]
    assert "This API token made more than 2 requests in 60 seconds" in answers[-1].json()["detail"]


def test_valid_requests_do_not_count_as_failures(server: ApiServer) -> None:
    token = server.token("dev")
    for _ in range(MAX_FAILED_AUTH + 5):
        assert server.get("/quests", token=token).status == 200

    assert [a.status for a in guesses(server, MAX_FAILED_AUTH)] == [401] * MAX_FAILED_AUTH
