"""A batch's summary as the command line prints it: `batch show --json` and the commands that
print the batch afterwards."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core import words
from core.cli.output import print_json
from core.publishing import batch_report

if TYPE_CHECKING:
    from core.store.ports import UnitOfWork


def batch_summary(uow: UnitOfWork, batch_id: int) -> dict:
    """Return the batch's id, name, badge, quest, status word, progress, paused, users, counts.

    The status of a paused batch ends in " · Paused" as in `batch list --json` (both are
    rules.status_label without the percentage: scripts read `progress` and `paused`).
    """
    summary = batch_report.batch_summary(uow, batch_id)
    if summary["paused"]:
        summary["status"] = f"{summary['status']} · {words.PAUSED}"
    return summary


def print_summary_json(uow: UnitOfWork, batch_id: int) -> None:
    """Print the batch's summary as JSON."""
    print_json(batch_summary(uow, batch_id))
