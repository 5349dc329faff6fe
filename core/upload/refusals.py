"""Refusals of a file that is not a list of users (no bound passed): empty, binary, old Excel."""

from __future__ import annotations

from core import words
from core.errors import InputError


def empty_file(name: str) -> InputError:
    """The refusal for a file with nothing in it."""
    return InputError(
        f"The file “{name}” is empty. Download the template, put one user per row under its "
        f"header ({';'.join(words.TEMPLATE_COLUMNS)}), then upload it again."
    )


def not_a_list(name: str, why: str) -> InputError:
    """The refusal for a file that is neither CSV nor .xlsx, saying why."""
    return InputError(
        f"The file “{name}” is not a CSV file or an .xlsx workbook ({why}). Save the list as CSV "
        "(semicolon-separated, as the template) or as an Excel .xlsx workbook, then upload "
        "that file."
    )


def not_a_workbook(name: str) -> InputError:
    """The refusal for a ZIP archive that is no readable .xlsx workbook."""
    return not_a_list(name, "it is a ZIP archive, not a readable .xlsx workbook")


def old_excel(name: str) -> InputError:
    """The refusal for an Excel 97-2003 .xls workbook."""
    return InputError(
        f"The file “{name}” is an old Excel 97-2003 (.xls) workbook, which cannot be read. "
        "In Excel, use Save As and choose “Excel Workbook (.xlsx)” or “CSV UTF-8”, then "
        "upload that file."
    )


def no_users(name: str) -> InputError:
    """The refusal for a file with a header and nothing under it."""
    return InputError(
        f"The file “{name}” has a header but no users under it. Put one user per row under "
        "the header, then upload it again."
    )
