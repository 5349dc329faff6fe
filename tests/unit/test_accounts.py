"""Roles, password hashing, login, unique emails, the first admin, and login sessions.

Login throttling has its own module: tests/store/test_login_throttle.py.
"""

from __future__ import annotations

import pytest

from core.access.roles import Account, Permission, Role, command_line_account, require
from core.errors import PermissionDenied
from core.store.duckdb.accounts import DuckAccounts
from core.store.duckdb.base import Repository
from core.store.ports.accounts import AccountsRepository


def test_admins_and_devs_may_edit_batches_and_analysts_may_only_view() -> None:
    assert Account("a", Role.ADMIN).can(Permission.EDIT_BATCHES)
    assert Account("d", Role.DEV).can(Permission.EDIT_BATCHES)
    assert not Account("n", Role.ANALYST).can(Permission.EDIT_BATCHES)
    assert Account("n", Role.ANALYST).can(Permission.VIEW)
    assert not Account("d", Role.DEV).can(Permission.MANAGE_CATALOG)


def test_require_names_the_role_and_the_action_it_refuses() -> None:
    with pytest.raises(PermissionDenied, match=r"analyst.*create, edit and publish batches"):
        require(Account("n", Role.ANALYST), Permission.EDIT_BATCHES)


def test_require_without_an_account_asks_to_log_in() -> None:
    with pytest.raises(PermissionDenied, match="not logged in"):
        require(None, Permission.VIEW)


def test_the_command_line_acts_as_a_trusted_admin() -> None:
    account = command_line_account()
    assert account.role == Role.ADMIN
    assert account.username.startswith("cli:")


def test_the_duckdb_accounts_repository_implements_exactly_its_port() -> None:
    # Every method the domain may call is declared in the port, so a second store knows the
    # whole of what it must implement.
    declared = {n for n in dir(AccountsRepository) if not n.startswith("_")}
    implemented = {n for n in dir(DuckAccounts) if not n.startswith("_")} - set(dir(Repository))
    assert declared == implemented
