"""The publishing repository's port: the queue, chunk claims, unlocks and the publisher's settings."""

from __future__ import annotations

from typing import Protocol


class PublishingRepository(Protocol):
    """What domain code may ask the store about the queue, chunk claims, unlocks and the publisher's settings."""
