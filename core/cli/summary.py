"""A batch's summary as the command line prints it: `batch show --json` and the commands that
print the batch afterwards (its shape is core/api/shapes.py's, which the HTTP API answers too)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.api import shapes
from core.batches.read_model import read
from core.cli.output import print_json

if TYPE_CHECKING:
    from core.store.ports import UnitOfWork


def batch_summary(uow: UnitOfWork, batch_id: int) -> dict:
    """Return the batch's id, name, badge, quest, status word, progress, paused, users, counts."""
    return shapes.batch_summary(read(uow, batch_id))


def print_summary_json(uow: UnitOfWork, batch_id: int) -> None:
    """Print the batch's summary as JSON."""
    print_json(batch_summary(uow, batch_id))
