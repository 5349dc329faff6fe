"""Roles and permissions: what `require` grants, and how it says no."""

from __future__ import annotations

import pytest

from core.access.roles import Account, Permission, Role, require
from core.errors import PermissionDenied


def test_a_read_only_token_is_refused_for_being_read_only_not_for_its_role() -> None:
    dev_by_token = Account("dan", Role.DEV, via_token="ci-bot", read_only=True)
    with pytest.raises(PermissionDenied) as refused:
        require(dev_by_token, Permission.EDIT_BATCHES)
    assert "“ci-bot” is read-only" in str(refused.value)
    assert "Your role" not in str(refused.value)
    assert require(dev_by_token, Permission.VIEW) is dev_by_token


def test_a_read_only_token_of_an_analyst_is_refused_for_the_role() -> None:
    analyst_by_token = Account("ann", Role.ANALYST, via_token="t", read_only=True)
    with pytest.raises(PermissionDenied, match="Your role"):
        require(analyst_by_token, Permission.EDIT_BATCHES)
