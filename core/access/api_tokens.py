"""Personal API tokens (issue 17): created, listed and revoked by their account; checked per request.

A token is `bu_` and 43 random URL-safe characters, shown once when it is made; the store keeps
only its SHA-256 (a copy of the store authenticates no one) and its first characters, so that
lists can tell tokens apart. A token acts with its account's role as it is at each request
(a demoted account's tokens are demoted at once), narrowed to viewing if it was made read-only.
"""

from __future__ import annotations

import logging
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from core import audit
from core.access.names import unprintable
from core.access.roles import Account, Permission, Role, require
from core.access.sessions import token_hash
from core.audit import Action
from core.errors import InputError, NotAuthenticated, NotFound, PermissionDenied, StoreError
from core.store.ports import UnitOfWork
from core.store.ports.tokens import TokenRecord

log = logging.getLogger("batch_unlock")

TOKEN_PREFIX = "bu_"  # noqa: S105 - the shape of tokens, not a token
PREFIX_LENGTH = 8  # characters kept for lists: "bu_" and five of the secret's
MAX_NAME_LENGTH = 60
# A token's last use is written at most this often: a busy script costs no write per request.
TOUCH_EVERY = timedelta(minutes=1)
WHERE_TO_MAKE_ONE = (
    "Create a token in the app (Account menu › API tokens) or with "
    "`python -m core account token create USERNAME --name NAME`."
)

# One process creates one account's tokens one at a time (the store's row lock orders processes).
_create_lock = threading.Lock()


@dataclass(frozen=True)
class ApiToken:
    """One API token as lists show it, never its secret (fields in `TokenRecord`'s order)."""

    id: int
    name: str
    account: str
    read_only: bool
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    prefix: str

    def is_live(self, now: datetime | None = None) -> bool:
        """Tell whether the token still authenticates (not revoked, not expired)."""
        now = now or _now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    def state(self, now: datetime | None = None) -> str:
        """One word for the token's state: "active", "expired" or "revoked"."""
        if self.revoked_at is not None:
            return "revoked"
        return "active" if self.is_live(now) else "expired"


def _now() -> datetime:
    return datetime.now(UTC)


def _when(moment: datetime) -> str:
    """A moment in the words of messages and audit details: UTC to the minute."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _may_manage(actor: Account, username: str) -> None:
    """Refuse unless the actor is the account itself or manages accounts (admins, the CLI)."""
    if actor.username != username and not actor.can(Permission.MANAGE_ACCOUNTS):
        raise PermissionDenied(
            f"Only {username} or an admin may manage the API tokens of {username}."
        )


def _may_write_tokens(actor: Account) -> None:
    """Refuse a token acting on tokens: a leaked token must not mint or drop others."""
    if actor.via_token is not None:
        raise PermissionDenied(
            "API tokens cannot create or revoke API tokens. Use the app or the command line."
        )


def clean_name(name: str) -> str:
    """Return a token name trimmed; refuse an empty, over-long or unprintable one."""
    name = (name or "").strip()
    if not name:
        raise InputError("Give the token a name (for example the script that will use it).")
    if len(name) > MAX_NAME_LENGTH:
        raise InputError(
            f"A token name may have at most {MAX_NAME_LENGTH} characters; this one has "
            f"{len(name)}. Choose a shorter name."
        )
    if unprintable(name):
        raise InputError(
            "A token name may not contain line breaks, tabs or other control characters."
        )
    return name


def _check_expiry(expires_at: datetime | None, now: datetime) -> None:
    if expires_at is not None and (expires_at.tzinfo is None or expires_at <= now):
        raise InputError(
            f"The expiry {_when(expires_at)} has passed already. Choose a moment in the future."
            if expires_at.tzinfo
            else "Give the expiry with its time zone."
        )


def parse_expiry(text: str) -> datetime:
    """An expiry as typed: "2027-01-31" (00:00 UTC), or an ISO time (UTC unless it has an offset)."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError(
            f"“{text.strip()}” is not a date. Write it as 2027-01-31, or 2027-01-31T18:00+01:00."
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def create_token(
    uow: UnitOfWork,
    actor: Account,
    username: str,
    name: str,
    *,
    read_only: bool = False,
    expires_at: datetime | None = None,
) -> tuple[str, ApiToken]:
    """Make a token for `username` (one's own; admins for anyone); return its secret and it."""
    require(actor, Permission.VIEW)
    _may_write_tokens(actor)
    _may_manage(actor, username)
    name = clean_name(name)
    now = _now()
    _check_expiry(expires_at, now)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)

    def work(u: UnitOfWork) -> int:
        if not u.tokens.lock_account(username):
            raise InputError(f"There is no account named {username!r}. Check the name.")
        if u.tokens.live_named(username, name, now):
            raise InputError(
                f"{username} has a token named “{name}” already. Choose another name, or "
                "revoke that token first."
            )
        token_id = u.tokens.insert(
            token_hash(secret), secret[:PREFIX_LENGTH], username, name, read_only, now, expires_at
        )
        detail = f"“{name}” for {username}"
        detail += "; read-only" if read_only else ""
        detail += f"; expires {_when(expires_at)}" if expires_at else ""
        audit.record(u, actor, Action.TOKEN_CREATED, detail=detail)
        return token_id

    with _create_lock:
        token_id = uow.transaction(work)
    record = uow.tokens.get(token_id)
    assert record is not None  # just committed
    return secret, ApiToken(*record)


def list_tokens(uow: UnitOfWork, actor: Account, username: str) -> list[ApiToken]:
    """Every token of an account, newest first (one's own; admins for anyone)."""
    require(actor, Permission.VIEW)
    _may_manage(actor, username)
    return [ApiToken(*r) for r in uow.tokens.of_account(username)]


def revoke_token(uow: UnitOfWork, actor: Account, token_id: int) -> ApiToken:
    """Revoke a token at once, everywhere (its account's own; admins any); return it revoked."""
    require(actor, Permission.VIEW)
    _may_write_tokens(actor)

    def work(u: UnitOfWork) -> TokenRecord:
        record = u.tokens.get(token_id)
        # Someone else's token reads as unknown to one who may not manage it: ids tell nothing.
        if record is None or (
            record.username != actor.username and not actor.can(Permission.MANAGE_ACCOUNTS)
        ):
            raise NotFound(f"There is no API token {token_id} that you may revoke. Check its id.")
        if record.revoked_at is not None:
            raise InputError(
                f"The token “{record.name}” was revoked already, on {_when(record.revoked_at)}."
            )
        u.tokens.mark_revoked(token_id, _now())
        audit.record(u, actor, Action.TOKEN_REVOKED, detail=f"“{record.name}” of {record.username}")
        return record

    uow.transaction(work)
    record = uow.tokens.get(token_id)
    assert record is not None  # revoked, never deleted
    return ApiToken(*record)


def _refused(why: str) -> NotAuthenticated:
    return NotAuthenticated(f"{why} {WHERE_TO_MAKE_ONE}")


def _secret_of(header_value: str | None) -> str:
    """The token in an `Authorization` header; refuse a missing or malformed header in words."""
    if header_value is None or not header_value.strip():
        raise _refused("This request carries no API token: send `Authorization: Bearer <token>`.")
    scheme, _, secret = header_value.strip().partition(" ")
    # The scheme is case-insensitive (RFC 7235); a session cookie never stands in for it.
    if scheme.lower() != "bearer" or not secret.strip():
        raise _refused("The Authorization header must read `Bearer ` followed by an API token.")
    return secret.strip()


def authenticate_token(uow: UnitOfWork, header_value: str | None) -> Account:
    """The account an `Authorization: Bearer …` header acts as; NotAuthenticated in words if none."""
    secret = _secret_of(header_value)
    found = uow.tokens.by_hash(token_hash(secret)) if secret.startswith(TOKEN_PREFIX) else None
    if found is None:
        raise _refused("This API token is not known: check that it was copied whole.")
    record, role = found
    now = _now()
    if record.revoked_at is not None:
        raise _refused(f"The API token “{record.name}” was revoked on {_when(record.revoked_at)}.")
    if record.expires_at is not None and record.expires_at <= now:
        raise _refused(f"The API token “{record.name}” expired on {_when(record.expires_at)}.")
    if role is None:
        raise NotAuthenticated(
            f"The account {record.username} of this API token no longer exists. "
            "Ask an admin for an account, then create a token for it."
        )
    if record.last_used_at is None or now - record.last_used_at >= TOUCH_EVERY:
        _touch(uow, record.id, now)
    return Account(record.username, Role(role), via_token=record.name, read_only=record.read_only)


def _touch(uow: UnitOfWork, token_id: int, now: datetime) -> None:
    """Note the token's use; a failure to note it must not refuse the request it came with."""
    try:
        uow.transaction(lambda u: u.tokens.touch(token_id, now, now - TOUCH_EVERY))
    except StoreError:
        # Bookkeeping only (e.g. many requests of one token at once conflicting): a later request
        # writes it. A store that cannot be used fails the request's own work anyway.
        log.warning("Could not note the last use of API token %s; will note a later one", token_id)
