"""`import-users` and `import-badges`: load platform users and the badge catalogue from files."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from core.access.roles import command_line_account
from core.cli.output import print_json

if TYPE_CHECKING:
    from core.store.ports import UnitOfWork


def register(commands: argparse._SubParsersAction) -> None:
    """Add the import commands."""
    parser = commands.add_parser(
        "import-users",
        help="add or update platform users from a CSV or Parquet file",
        description="Add or update platform users by id from a CSV (comma-separated) or Parquet "
        "file with the columns id, username, email and optionally active (true/false), "
        "registered_at and last_active_at (an ISO day YYYY-MM-DD or date-time; a time without "
        "offset is UTC; an empty cell keeps the stored value). Rows that "
        "break a rule are rejected with their reason; the rest are imported in one go, so a "
        "failure never leaves a half-imported file.",
    )
    parser.add_argument("file", metavar="FILE", help="the .csv or .parquet file")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.set_defaults(handler=run_users)

    parser = commands.add_parser(
        "import-badges",
        help="create missing badges and badge quests from a CSV file",
        description="Create the badges and badge quests of a CSV file with the columns badge "
        "and quest that do not exist yet. Existing ones are left as they are.",
    )
    parser.add_argument("file", metavar="FILE", help="the .csv file")
    parser.add_argument("--json", action="store_true", help="print the counts as JSON")
    parser.set_defaults(handler=run_badges)


def run_users(args: argparse.Namespace, uow: UnitOfWork) -> int:
    """Import users and print the report."""
    from core.batches import matching
    from core.platform_users import directory
    from core.upload.table_file import read_table_file

    frame = read_table_file(args.file)
    report = directory.import_users(uow, command_line_account(), frame)
    matching.sync_user_index(uow)  # keep uploads' matching in step now, not at the next preview
    if args.json:
        print_json(report.as_dict())
        return 0
    print(f"Added {report.added}, updated {report.updated}, rejected {len(report.rejected)}.")
    for row in report.rejected:
        print(f"  row {row['row']}: {row['reason']}")
    return 0


def run_badges(args: argparse.Namespace, uow: UnitOfWork) -> int:
    """Import badges and print what was created."""
    from core.catalog import editing
    from core.upload.table_file import read_table_file

    frame = read_table_file(args.file)
    result = editing.import_badges(uow, command_line_account(), frame)
    if args.json:
        print_json(result)
    else:
        print(f"Added {result['badges_added']} badges and {result['quests_added']} badge quests.")
    return 0
