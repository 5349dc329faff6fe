"""The publishing rate: the throttle (unlocks per second) that protects the platform.

Stored as the setting `publish_rate`; the worker asks for it before every chunk, so a change
applies at once. Unset, 0 or "unlimited" mean no limit.
"""

from __future__ import annotations

import math

from core.access.roles import Account, Permission, require
from core.audit import Action, record
from core.errors import InputError
from core.store.ports import UnitOfWork

RATE_SETTING = "publish_rate"


def parse_rate(value: str | float | None) -> float | None:
    """Read a throttle value: a positive number, or None / 0 / "" / "unlimited" for no limit."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip().lower()
        if value in ("", "unlimited", "none"):
            return None
        try:
            value = float(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a number of unlocks per second") from None
    if math.isnan(value) or value < 0:
        raise ValueError("a rate must be zero (unlimited) or a positive number")
    return None if value == 0 or math.isinf(value) else float(value)


def get_rate(uow: UnitOfWork) -> float | None:
    """Return the stored throttle in unlocks per second, or None for unlimited (the default)."""
    return parse_rate(uow.settings.get(RATE_SETTING))


def set_rate(uow: UnitOfWork, actor: Account, rate: str | float | None) -> None:
    """Store the throttle (unlocks per second; None or 0 for unlimited); the worker follows it.

    Admins only: the throttle protects the platform for everyone, so a dev who publishes may
    not lift it to get their own batch out faster.
    """
    require(actor, Permission.SET_PUBLISH_RATE)
    try:
        value = parse_rate(rate)
    except ValueError:
        raise InputError(
            "The publishing rate must be a positive number of unlocks per second, or 0 for "
            "unlimited."
        ) from None
    text = "0" if value is None else f"{value:g}"
    detail = "unlimited" if value is None else f"{value:g} per second"

    def write(u: UnitOfWork) -> None:
        u.settings.put(RATE_SETTING, text)
        record(u, actor, Action.PUBLISH_RATE_SET, detail=detail)

    uow.transaction(write)
