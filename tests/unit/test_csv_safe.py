"""CSV files the app writes: formulas neutralised, the template, and the error rows."""

from __future__ import annotations

import polars as pl
import pytest

from core import csv_safe
from core.errors import InputError
from core.upload import intake, template

# The full-width forms (＝ ＋ － ＠) are what an East Asian input method types; Excel and
# LibreOffice run them as formulas too.
FORMULAS = ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx", "＝1+1", "＋1", "－2", "＠SUM(A1)"]


def shown(value: str | None) -> str | None:
    return pl.select(csv_safe.neutralise_expr(pl.lit(value, pl.String))).item()


@pytest.mark.parametrize("value", FORMULAS)
def test_a_value_a_spreadsheet_would_run_gets_a_leading_apostrophe(value: str) -> None:
    frame = pl.DataFrame({"v": [value, "plain"]})
    written = frame.select(csv_safe.neutralise_expr(pl.col("v")).alias("v"))["v"].to_list()
    assert written == ["'" + value, "plain"]


def test_a_full_width_equals_sign_is_neutralised_in_a_written_file() -> None:
    written = csv_safe.to_csv_bytes(pl.DataFrame({"name": ['＝HYPERLINK("http://x")']}))
    assert written.decode("utf-8-sig").splitlines()[1] == '"\'＝HYPERLINK(""http://x"")"'


def test_every_neutralised_value_reads_back_as_it_was_written() -> None:
    values = [*FORMULAS, "ok", "'kept", None]
    written = pl.DataFrame({"v": values}).select(csv_safe.neutralise_expr(pl.col("v")).alias("v"))
    back = written.select(csv_safe.unneutralise(pl.col("v")).alias("v"))["v"].to_list()
    assert back == values


@pytest.mark.parametrize("value", ["user1", "a=b", "", None, "'already"])
def test_other_values_are_written_as_they_are(value: str | None) -> None:
    assert shown(value) == value


def test_to_csv_bytes_neutralises_text_columns_only_and_takes_a_separator() -> None:
    frame = pl.DataFrame({"name": ["=HYPERLINK(1)", "ok"], "n": [-3, 4]})
    assert csv_safe.to_csv_bytes(frame, ",", bom=False) == b"name,n\n'=HYPERLINK(1),-3\nok,4\n"


def test_every_csv_starts_with_a_bom_unless_asked_not_to_so_excel_reads_utf8() -> None:
    # The badges export forgot bom=True; the BOM is now the default, so no export can forget it.
    frame = pl.DataFrame({"a": ["é"]})
    assert csv_safe.to_csv_bytes(frame).startswith(b"\xef\xbb\xbf")
    assert csv_safe.to_csv_bytes(frame, bom=False) == "a\né\n".encode()


def test_the_template_is_the_semicolon_header_of_the_spec() -> None:
    assert template.template_csv() == b"ID;Username;Registered email\n"


def test_the_template_reads_back_as_an_empty_file_with_all_three_columns() -> None:
    with pytest.raises(InputError, match="header but no users"):
        intake.read_upload(template.template_csv(), "template.csv")


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
    text = template.error_rows_csv(rows).decode("utf-8-sig")
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
    again = intake.read_upload(template.error_rows_csv(rows), "errors.csv")
    assert again.ignored_columns == ()
    assert again.rows.rows() == [(2, "-5", None, None), (3, None, "+plus", None)]
