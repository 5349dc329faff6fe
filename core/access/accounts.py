"""Back-office accounts: creating them (and the first admin), listing them, finding one by email."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from core import audit
from core.access import passwords
from core.access.roles import Account, Permission, Role, require
from core.audit import Action
from core.errors import DuplicateKey, InputError
from core.store.ports import UnitOfWork

if TYPE_CHECKING:
    import polars as pl

# The first admin is created at most once per process at a time (see create_first_admin).
_setup_lock = threading.Lock()


def _cleaned(username: str, role: Role | str, email: str | None) -> tuple[str, Role, str | None]:
    """Validate a new account's name and role; return (username, role, email) cleaned up."""
    username = username.strip()
    if not username or any(ch.isspace() for ch in username):
        raise InputError("A username must be non-empty and contain no spaces. Choose another one.")
    try:
        role = Role(role)
    except ValueError:
        raise InputError(
            f"Unknown role {role!r}. Use one of: {', '.join(r.value for r in Role)}."
        ) from None
    return username, role, (email or "").strip() or None


def _insert(u: UnitOfWork, username: str, role: Role, hashed: str, email: str | None) -> None:
    """Insert one account inside the caller's transaction, refusing a taken name or email."""
    if u.accounts.exists(username):
        raise InputError(f"An account named {username!r} exists already. Choose another name.")
    if email is not None and (owner := u.accounts.email_owner(email)) is not None:
        raise InputError(
            f"The email {email!r} belongs to the account {owner!r} already; single "
            "sign-on needs one account per email. Use another email, or none."
        )
    u.accounts.insert(username, hashed, role.value, email)


def _write_account(uow: UnitOfWork, work: Callable[[UnitOfWork], object]) -> None:
    """Run an account insert; a name or email taken at the same moment is refused in words."""
    try:
        uow.transaction(work)
    except DuplicateKey:
        raise InputError(
            "Another account with this username or email was created at the same moment. "
            "Choose another username or email."
        ) from None


def add_account(
    uow: UnitOfWork,
    actor: Account,
    username: str,
    role: Role | str,
    password: str,
    email: str | None = None,
) -> Account:
    """Create a back-office account; only admins may. Emails are unique, whatever their case."""
    require(actor, Permission.MANAGE_ACCOUNTS)
    username, role, email = _cleaned(username, role, email)
    passwords.check_length(password)
    hashed = passwords.hash_password(password)
    _write_account(uow, lambda u: _insert(u, username, role, hashed, email))
    return Account(username, role)


def insert_account(
    uow: UnitOfWork,
    actor: Account,
    username: str,
    role: Role | str,
    password_hash: str,
    email: str | None = None,
) -> Account:
    """Insert an account whose password is hashed already, inside the caller's transaction.

    For bulk loaders (the demo) that write accounts together with other data; the username and
    email rules are add_account's.
    """
    require(actor, Permission.MANAGE_ACCOUNTS)
    username, role, email = _cleaned(username, role, email)
    _insert(uow, username, role, password_hash, email)
    return Account(username, role)


def has_accounts(uow: UnitOfWork) -> bool:
    """Tell whether the store has any back-office account (none: the first admin is to be made)."""
    return uow.accounts.any_account()


def create_first_admin(
    uow: UnitOfWork, username: str, password: str, email: str | None = None
) -> Account:
    """Create the store's first account, an admin; refuse once any account exists."""
    username, role, email = _cleaned(username, Role.ADMIN, email)
    passwords.check_length(password)
    hashed = passwords.hash_password(password)

    def write(u: UnitOfWork) -> None:
        # Checked in the transaction that inserts; the marker row makes two first admins
        # created at once (even by two processes) conflict, so the retry sees the winner.
        if u.accounts.any_account():
            raise InputError(
                "The first admin account exists already. Log in, or ask an admin for an account."
            )
        u.settings.put("first_admin", username)
        _insert(u, username, role, hashed, email)
        audit.record(u, Account(username, role), Action.FIRST_ADMIN_CREATED, detail=username)

    with _setup_lock:
        _write_account(uow, write)
    return Account(username, role)


def list_accounts(uow: UnitOfWork) -> pl.DataFrame:
    """Return every account without its password hash."""
    return uow.accounts.listing()


def account_for_email(uow: UnitOfWork, email: str) -> Account | None:
    """Return the one account whose email matches (for single sign-on); None if none or several."""
    found = uow.accounts.with_email(email.strip(), limit=2)
    # Emails are unique (migration 4); should two ever match, refuse rather than pick one.
    return Account(found[0][0], Role(found[0][1])) if len(found) == 1 else None
