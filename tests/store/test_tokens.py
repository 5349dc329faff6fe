"""Personal API tokens (issue 17) on both stores: made, listed, revoked, checked per request."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import psycopg
import pytest

from core import audit
from core.access import accounts, api_tokens
from core.access.roles import Account, Permission, Role, command_line_account
from core.audit import Action
from core.errors import InputError, NotAuthenticated, NotFound, PermissionDenied
from core.history import audit_sentences
from core.store.duckdb.connection import migrate as duck_migrate
from core.store.ports import UnitOfWork
from core.store.postgres.connection import migrate as pg_migrate
from tests.support.pg_fixtures import PgStores
from tests.support.pg_store import next_database_name, open_pg_store
from tests.support.postgres import create_database, drop_database
from tests.support.store import SqlUnitOfWork, open_store
from tests.support.threads import together

ROOT = Account("root", Role.ADMIN)


@pytest.fixture
def people(cur: SqlUnitOfWork) -> SqlUnitOfWork:
    """Three stored accounts: ada (admin), dan (dev), ann (analyst)."""
    accounts.add_account(cur, ROOT, "ada", Role.ADMIN, "admin-password")
    accounts.add_account(cur, ROOT, "dan", Role.DEV, "dev-password")
    accounts.add_account(cur, ROOT, "ann", Role.ANALYST, "analyst-pass")
    return cur


ADA, DAN, ANN = Account("ada", Role.ADMIN), Account("dan", Role.DEV), Account("ann", Role.ANALYST)


def bearer(secret: str) -> str:
    return f"Bearer {secret}"


def test_a_token_is_shown_once_and_stored_only_as_its_hash(people: SqlUnitOfWork) -> None:
    secret, token = api_tokens.create_token(people, DAN, "dan", "ci-bot")
    assert secret.startswith("bu_") and len(secret) == 3 + 43
    assert token.prefix == secret[:8] and token.name == "ci-bot" and token.account == "dan"
    stored = people.execute("SELECT token_hash, prefix FROM api_tokens").fetchall()
    assert stored == [(api_tokens.token_hash(secret), secret[:8])]
    everything = people.execute("SELECT * FROM api_tokens").fetchall()
    assert secret not in repr(everything)


def test_a_token_acts_as_its_account_with_its_current_role(people: SqlUnitOfWork) -> None:
    secret, _ = api_tokens.create_token(people, DAN, "dan", "ci-bot")
    acting = api_tokens.authenticate_token(people, bearer(secret))
    assert acting == Account("dan", Role.DEV, via_token="ci-bot", read_only=False)
    assert acting.can(Permission.EDIT_BATCHES)
    people.execute("UPDATE accounts SET role = 'analyst' WHERE username = 'dan'")
    demoted = api_tokens.authenticate_token(people, bearer(secret))
    assert demoted.role is Role.ANALYST and not demoted.can(Permission.EDIT_BATCHES)


def test_a_read_only_token_may_only_view(people: SqlUnitOfWork) -> None:
    secret, token = api_tokens.create_token(people, ADA, "ada", "reports", read_only=True)
    acting = api_tokens.authenticate_token(people, bearer(secret))
    assert token.read_only and acting.read_only
    assert acting.can(Permission.VIEW) and not acting.can(Permission.EDIT_BATCHES)


@pytest.mark.parametrize(
    ("header", "says"),
    [
        (None, "carries no API token"),
        ("", "carries no API token"),
        ("Basic ZGFuOnB3", "must read `Bearer `"),
        ("Bearer", "must read `Bearer `"),
        ("Bearer bu_not-a-real-token", "is not known"),
        ("Bearer some-session-cookie", "is not known"),
    ],
)
def test_a_missing_or_wrong_header_is_refused_with_what_to_do(
    people: SqlUnitOfWork, header: str | None, says: str
) -> None:
    with pytest.raises(NotAuthenticated, match=says) as refused:
        api_tokens.authenticate_token(people, header)
    assert "Create a token in the app" in str(refused.value)


def test_the_scheme_is_read_in_any_case(people: SqlUnitOfWork) -> None:
    secret, _ = api_tokens.create_token(people, DAN, "dan", "ci-bot")
    assert api_tokens.authenticate_token(people, f"bearer  {secret} ").username == "dan"


def test_a_revoked_token_stops_working_and_says_when(people: SqlUnitOfWork) -> None:
    secret, token = api_tokens.create_token(people, DAN, "dan", "ci-bot")
    revoked = api_tokens.revoke_token(people, DAN, token.id)
    assert revoked.revoked_at is not None and revoked.state() == "revoked"
    with pytest.raises(NotAuthenticated, match="“ci-bot” was revoked on "):
        api_tokens.authenticate_token(people, bearer(secret))
    with pytest.raises(InputError, match="revoked already"):
        api_tokens.revoke_token(people, DAN, token.id)


def test_an_expired_token_stops_working(people: SqlUnitOfWork) -> None:
    soon = datetime.now(UTC) + timedelta(hours=1)
    secret, token = api_tokens.create_token(people, DAN, "dan", "ci-bot", expires_at=soon)
    assert token.expires_at == soon and token.state() == "active"
    people.execute(
        "UPDATE api_tokens SET expires_at = ? WHERE id = ?",
        [datetime.now(UTC) - timedelta(minutes=1), token.id],
    )
    with pytest.raises(NotAuthenticated, match="“ci-bot” expired on "):
        api_tokens.authenticate_token(people, bearer(secret))
    assert api_tokens.list_tokens(people, DAN, "dan")[0].state() == "expired"


def test_a_token_whose_account_is_gone_stops_working(people: SqlUnitOfWork) -> None:
    secret, _ = api_tokens.create_token(people, DAN, "dan", "ci-bot")
    people.execute("DELETE FROM accounts WHERE username = 'dan'")
    with pytest.raises(NotAuthenticated, match="account dan of this API token no longer exists"):
        api_tokens.authenticate_token(people, bearer(secret))


def test_the_last_use_is_written_at_most_once_a_minute(people: SqlUnitOfWork) -> None:
    secret, token = api_tokens.create_token(people, DAN, "dan", "ci-bot")
    assert token.last_used_at is None
    api_tokens.authenticate_token(people, bearer(secret))
    first = api_tokens.list_tokens(people, DAN, "dan")[0].last_used_at
    assert first is not None
    api_tokens.authenticate_token(people, bearer(secret))
    assert api_tokens.list_tokens(people, DAN, "dan")[0].last_used_at == first
    people.execute(
        "UPDATE api_tokens SET last_used_at = ? WHERE id = ?",
        [first - timedelta(minutes=2), token.id],
    )
    api_tokens.authenticate_token(people, bearer(secret))
    assert api_tokens.list_tokens(people, DAN, "dan")[0].last_used_at > first


def test_names_are_unique_among_an_account_s_live_tokens_only(people: SqlUnitOfWork) -> None:
    _, first = api_tokens.create_token(people, DAN, "dan", "ci-bot")
    with pytest.raises(InputError, match="dan has a token named “ci-bot” already"):
        api_tokens.create_token(people, DAN, "dan", "  ci-bot ")
    api_tokens.create_token(people, ANN, "ann", "ci-bot")  # another account's name is its own
    api_tokens.revoke_token(people, DAN, first.id)
    _, again = api_tokens.create_token(people, DAN, "dan", "ci-bot")
    assert [t.id for t in api_tokens.list_tokens(people, DAN, "dan")] == [again.id, first.id]


@pytest.mark.parametrize(
    ("name", "says"),
    [("", "Give the token a name"), ("x" * 61, "at most 60"), ("a\nb", "control characters")],
)
def test_a_bad_name_is_refused(people: SqlUnitOfWork, name: str, says: str) -> None:
    with pytest.raises(InputError, match=says):
        api_tokens.create_token(people, DAN, "dan", name)
    assert api_tokens.list_tokens(people, DAN, "dan") == []


def test_an_expiry_in_the_past_is_refused(people: SqlUnitOfWork) -> None:
    with pytest.raises(InputError, match="has passed already"):
        api_tokens.create_token(
            people, DAN, "dan", "old", expires_at=datetime.now(UTC) - timedelta(seconds=1)
        )


def test_only_the_account_or_an_admin_manages_its_tokens(people: SqlUnitOfWork) -> None:
    _, token = api_tokens.create_token(people, ADA, "dan", "made-by-admin")
    with pytest.raises(PermissionDenied, match="Only ann or an admin"):
        api_tokens.create_token(people, DAN, "ann", "not-mine")
    with pytest.raises(PermissionDenied):
        api_tokens.list_tokens(people, ANN, "dan")
    with pytest.raises(NotFound):
        api_tokens.revoke_token(people, ANN, token.id)
    assert api_tokens.list_tokens(people, DAN, "dan") == [token]
    assert api_tokens.revoke_token(people, ADA, token.id).revoked_at is not None


def test_the_command_line_makes_tokens_for_any_account(people: SqlUnitOfWork) -> None:
    _, token = api_tokens.create_token(people, command_line_account(), "ann", "nightly")
    assert token.account == "ann"
    with pytest.raises(InputError, match="no account named 'nobody'"):
        api_tokens.create_token(people, command_line_account(), "nobody", "x")


def test_a_token_cannot_make_or_revoke_tokens(people: SqlUnitOfWork) -> None:
    secret, token = api_tokens.create_token(people, ADA, "ada", "admin-bot")
    via = api_tokens.authenticate_token(people, bearer(secret))
    with pytest.raises(PermissionDenied, match="cannot create or revoke"):
        api_tokens.create_token(people, via, "ada", "another")
    with pytest.raises(PermissionDenied, match="cannot create or revoke"):
        api_tokens.revoke_token(people, via, token.id)


def test_revoking_an_unknown_id_says_so(people: SqlUnitOfWork) -> None:
    with pytest.raises(NotFound, match="no API token 999 that you may revoke"):
        api_tokens.revoke_token(people, ADA, 999)


def test_creating_and_revoking_are_in_the_audit_log_in_words(people: SqlUnitOfWork) -> None:
    soon = datetime(2099, 1, 2, 3, 4, tzinfo=UTC)
    _, token = api_tokens.create_token(
        people, ADA, "dan", "ci-bot", read_only=True, expires_at=soon
    )
    api_tokens.revoke_token(people, DAN, token.id)
    log = audit.entries(people)
    said = [
        audit_sentences.sentence(a, d) for a, d in zip(log["action"], log["detail"], strict=True)
    ]
    assert said[:2] == [
        "Revoked the API token “ci-bot” of dan.",
        "Created the API token “ci-bot” for dan (read-only, expires 2099-01-02 03:04 UTC).",
    ]
    assert list(log["actor"][:2]) == ["dan", "ada"]
    assert list(log["via"][:2]) == [None, None]


def test_what_an_account_does_through_a_token_carries_the_token_s_name(
    people: SqlUnitOfWork,
) -> None:
    secret, _ = api_tokens.create_token(people, DAN, "dan", "ci-bot")
    acting = api_tokens.authenticate_token(people, bearer(secret))
    people.transaction(
        lambda u: audit.record(u, acting, Action.PUBLISH_RATE_SET, detail="5 per second")
    )
    newest = audit.entries(people, limit=1).row(0, named=True)
    assert (newest["actor"], newest["via"]) == ("dan", "ci-bot")
    assert audit_sentences.who(newest["actor"], newest["via"]) == "dan via API token “ci-bot”"


@pytest.mark.parametrize("processes", ["one process", "two processes"])
def test_two_creations_of_one_name_at_once_make_one_token(
    con: SqlUnitOfWork, people: SqlUnitOfWork, processes: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if processes == "two processes":  # no process lock between them: the store's row lock alone
        monkeypatch.setattr(api_tokens, "_create_lock", contextlib.nullcontext())
    results = together(*[lambda: _try_create(con.cursor()) for _ in range(4)])
    assert sorted(results) == ["made", "refused", "refused", "refused"]
    assert len(api_tokens.list_tokens(people, DAN, "dan")) == 1


def test_a_burst_of_requests_with_one_fresh_token_all_get_in(
    con: SqlUnitOfWork, people: SqlUnitOfWork
) -> None:
    secret, _ = api_tokens.create_token(people, DAN, "dan", "burst")
    results = together(
        *[lambda: api_tokens.authenticate_token(con.cursor(), bearer(secret)) for _ in range(6)]
    )
    assert [getattr(r, "via_token", r) for r in results] == ["burst"] * 6
    assert api_tokens.list_tokens(people, DAN, "dan")[0].last_used_at is not None


def _try_create(uow: UnitOfWork) -> str:
    try:
        api_tokens.create_token(uow, DAN, "dan", "twin")
        return "made"
    except InputError:
        return "refused"


def _old_entries(execute: object) -> None:
    """Two audit entries as a version-8 store holds them (no `via` column yet)."""
    execute(  # type: ignore[operator]
        "INSERT INTO audit_log (actor, action, detail) VALUES "
        "('ada', 'publish rate set', '5 per second'), ('cli:dev', 'badge added', 'B: Q')"
    )


@pytest.mark.slow
def test_a_version_8_file_upgrades_keeping_its_audit_log(db_path: Path) -> None:
    old = duckdb.connect(str(db_path))
    duck_migrate(old, up_to=8)
    _old_entries(old.execute)
    old.close()
    upgraded = open_store(db_path)
    try:
        assert upgraded.schema_version() >= 9
        log = audit.entries(upgraded).sort("actor")
        assert log.select("actor", "detail", "via").rows() == [
            ("ada", "5 per second", None),
            ("cli:dev", "B: Q", None),
        ]
        assert upgraded.tokens.of_account("ada") == []
    finally:
        upgraded.close()


@pytest.mark.pg
def test_a_version_8_database_upgrades_keeping_its_audit_log(pg_stores: PgStores) -> None:
    name = next_database_name("tokens_m009")
    create_database(pg_stores.server.url, name)
    url = pg_stores.server.url_for(name)
    try:
        with psycopg.connect(url, autocommit=True) as old:
            pg_migrate(old, up_to=8)
            _old_entries(old.execute)
        upgraded = open_pg_store(url)
        try:
            assert upgraded.schema_version() >= 9
            log = audit.entries(upgraded).sort("actor")
            assert log.select("actor", "detail", "via").rows() == [
                ("ada", "5 per second", None),
                ("cli:dev", "B: Q", None),
            ]
            found = upgraded.execute(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'api_tokens'"
            )
            assert "api_tokens_account" in {n for (n,) in found.fetchall()}
        finally:
            upgraded.close()
    finally:
        drop_database(pg_stores.server.url, name)
