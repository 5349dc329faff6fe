"""CSV files the app writes: formulas neutralised, the template, and the error rows."""

from __future__ import annotations

import polars as pl
import pytest

from core import csv_safe, intake
from core.errors import InputError


@pytest.mark.parametrize("value", ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_a_value_a_spreadsheet_would_run_gets_a_leading_apostrophe(value: str) -> None:
    assert csv_safe.neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["user1", "a=b", "", None, "'already"])
def test_other_values_are_written_as_they_are(value: str | None) -> None:
    assert csv_safe.neutralise(value) == value


def test_to_csv_bytes_neutralises_text_columns_only_and_takes_a_separator() -> None:
    frame = pl.DataFrame({"name": ["=HYPERLINK(1)", "ok"], "n": [-3, 4]})
    assert csv_safe.to_csv_bytes(frame, ",") == b"name,n\n'=HYPERLINK(1),-3\nok,4\n"


def test_to_csv_bytes_can_start_with_a_bom_for_excel() -> None:
    assert csv_safe.to_csv_bytes(pl.DataFrame({"a": ["é"]}), bom=True).startswith(b"\xef\xbb\xbf")


def test_the_template_is_the_semicolon_header_of_the_spec() -> None:
    assert csv_safe.template_csv() == b"ID;Username;Registered email\n"


def test_the_template_reads_back_as_an_empty_file_with_all_three_columns() -> None:
    with pytest.raises(InputError, match="header but no users"):
        intake.read_upload(csv_safe.template_csv(), "template.csv")


def test_error_rows_are_written_in_the_template_format_with_a_reason() -> None:
    rows = pl.DataFrame(
        {
            "row": [3, 4],
            "id": ["12a", None],
            "username": [None, "@bob"],
            "email": [None, "bob@x.org"],
            "message": ["Where Id, Username or Email was not found", "User was not found"],
        }
    )
    text = csv_safe.error_rows_csv(rows).decode("utf-8-sig")
    assert text.splitlines() == [
        "ID;Username;Registered email;Reason",
        "12a;;;Where Id, Username or Email was not found",
        ";'@bob;bob@x.org;User was not found",
    ]


def test_error_rows_read_back_as_the_same_values_without_the_reason() -> None:
    rows = pl.DataFrame(
        {
            "id": ["-5", None],
            "username": [None, "+plus"],
            "email": [None, None],
            "message": ["x", "y"],
        }
    )
    again = intake.read_upload(csv_safe.error_rows_csv(rows), "errors.csv")
    assert again.ignored_columns == ()
    assert again.rows.rows() == [(2, "-5", None, None), (3, None, "+plus", None)]
