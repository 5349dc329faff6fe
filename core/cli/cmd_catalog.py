"""`quests`: list every badge quest."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from core.api import shapes
from core.catalog import badge_tree
from core.cli.output import print_json, print_table

if TYPE_CHECKING:
    from core.store.ports import UnitOfWork


def register(commands: argparse._SubParsersAction) -> None:
    """Add the `quests` command."""
    parser = commands.add_parser(
        "quests",
        help="list every badge quest with its id (the QID other commands take)",
        description="List every badge quest: its id, badge, name, whether it is archived, and "
        "how many users hold it.",
    )
    parser.add_argument("--json", action="store_true", help="print a JSON list")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, uow: UnitOfWork) -> int:
    """Print the quests."""
    columns = list(shapes.QUEST_KEYS)
    rows = [shapes.quest_row(row) for row in badge_tree.quest_rows(uow)]  # no polars
    if args.json:
        print_json(rows)
    else:
        print_table(rows, columns)
    return 0
