"""The audit repository's port: the audit log."""

from __future__ import annotations

from typing import Protocol


class AuditRepository(Protocol):
    """What domain code may ask the store about the audit log."""
