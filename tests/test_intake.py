"""Reading uploads: encodings, separators, line endings, quotes, xlsx, headers, values, refusals."""

from __future__ import annotations

import io

import polars as pl
import pytest
import xlsxwriter
from conftest import DATA

from core import csv_safe, intake
from core.errors import InputError


def read(data: bytes | str, name: str = "users.csv") -> intake.Upload:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return intake.read_upload(data, name)


def values(up: intake.Upload) -> list[tuple]:
    return up.rows.rows()


# --- encodings --------------------------------------------------------------------------------


def test_utf8_without_bom_is_read() -> None:
    up = read("ID;Username\n1;Renée\n")
    assert values(up) == [(2, "1", "Renée", None)]
    assert up.encoding == "utf-8"


def test_utf8_with_bom_is_read_and_the_bom_is_not_part_of_the_first_header() -> None:
    up = read("\ufeffID;Username\n1;Renée\n")
    assert up.columns == ("id", "username")
    assert values(up) == [(2, "1", "Renée", None)]


def test_utf16_with_bom_as_excel_unicode_text_is_read() -> None:
    up = intake.read_upload_file(DATA / "utf16_excel_unicode_text.txt")
    assert up.encoding == "utf-16"
    assert up.separator == "\t"
    assert values(up) == [
        (2, "1", None, None),
        (3, None, "Renée", None),
        (4, None, None, "user3@example.com"),
    ]


def test_utf16_big_endian_with_bom_is_read() -> None:
    up = read(b"\xfe\xff" + "ID;Username\n1;Zoë\n".encode("utf-16-be"))
    assert values(up) == [(2, "1", "Zoë", None)]


def test_windows_1252_is_read_with_its_accents() -> None:
    up = intake.read_upload_file(DATA / "windows1252.csv")
    assert up.encoding == "cp1252"
    assert values(up) == [(2, None, "Renée", None), (3, None, "JÜRGEN", None), (4, "2", None, None)]


# --- separators, line endings, quotes ---------------------------------------------------------


@pytest.mark.parametrize("sep", [";", ",", "\t"])
def test_the_separator_is_detected_from_the_header(sep: str) -> None:
    up = read(f"ID{sep}Username{sep}Registered email\n1{sep}user1{sep}user1@example.com\n")
    assert up.separator == sep
    assert values(up) == [(2, "1", "user1", "user1@example.com")]


def test_a_comma_inside_a_semicolon_file_stays_in_its_value() -> None:
    up = read("ID;Username;Notes\n1;smith, john;a, b, c\n")
    assert up.separator == ";"
    assert values(up) == [(2, "1", "smith, john", None)]


@pytest.mark.parametrize("eol", ["\r\n", "\n", "\r"])
def test_crlf_lf_and_cr_line_endings_give_the_same_rows(eol: str) -> None:
    up = read(eol.join(["ID;Username", "1;", ";user2", "3;", ""]))
    assert values(up) == [(2, "1", None, None), (3, None, "user2", None), (4, "3", None, None)]


def test_a_cr_only_file_is_read_with_its_blank_row_skipped_but_numbered() -> None:
    up = intake.read_upload_file(DATA / "cr_only.csv")
    assert values(up) == [(2, "1", None, None), (3, None, "user2", None), (5, "3", None, None)]


def test_quoted_fields_keep_separators_quotes_and_line_breaks() -> None:
    up = read('ID;Username;Registered email\n"1";"a;b";"x""y"\n2;"two\nlines";\n3;;\n')
    assert values(up) == [
        (2, "1", "a;b", 'x"y'),
        (3, "2", "two\nlines", None),
        (4, "3", None, None),
    ]


def test_a_stray_quote_is_kept_as_text_instead_of_refusing_the_file() -> None:
    up = intake.read_upload_file(DATA / "stray_quote.csv")
    assert values(up) == [
        (2, "1", None, None),
        (3, None, 'jo"hn', None),
        (4, None, "user2", None),
        (5, "4", None, None),
    ]


def test_rows_with_too_many_or_too_few_fields_are_read() -> None:
    up = read("ID;Username\n1;user1;extra;more\n2\n")
    assert values(up) == [(2, "1", "user1", None), (3, "2", None, None)]


# --- xlsx -------------------------------------------------------------------------------------


def test_an_xlsx_workbook_is_read_from_its_first_sheet_with_synonym_headers() -> None:
    up = intake.read_upload_file(DATA / "users.xlsx")
    assert up.file_type == "xlsx"
    assert up.ignored_columns == ("Team",)
    assert values(up) == [
        (2, "1", None, None),  # a number cell, read as "1"
        (3, None, "user2", None),
        (5, None, None, "USER4@example.com"),  # row 4 is empty in the sheet
        (6, "007", None, None),
        (7, None, '=HYPERLINK("http://x")', None),
    ]


def test_an_xlsx_is_recognised_by_its_content_whatever_its_name() -> None:
    up = intake.read_upload((DATA / "users.xlsx").read_bytes(), "users.csv")
    assert up.file_type == "xlsx"


def test_an_xlsx_with_only_a_header_is_refused() -> None:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.add_worksheet().write_row(0, 0, ["ID", "Username"])
    book.close()
    with pytest.raises(InputError, match="header but no users"):
        intake.read_upload(buffer.getvalue(), "empty.xlsx")


def test_a_zip_that_is_not_a_workbook_is_refused() -> None:
    with pytest.raises(InputError, match=r"not a CSV file or an \.xlsx workbook"):
        intake.read_upload(b"PK\x03\x04" + b"\x00" * 200, "archive.zip")


def test_an_old_xls_workbook_is_refused_with_how_to_save_it_as_xlsx() -> None:
    with pytest.raises(InputError, match=r"Excel 97-2003.*\.xlsx"):
        intake.read_upload(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500, "old.xls")


# --- headers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("ID", "id"),
        ("User ID", "id"),
        ("Id", "id"),
        ("  user id ", "id"),
        ("USERID", "id"),
        ("Username", "username"),
        ("User name", "username"),
        ("Login", "username"),
        ("user_name", "username"),
        ("Registered email", "email"),
        ("Email", "email"),
        ("E-mail", "email"),
        ("registered EMAIL", "email"),
    ],
)
def test_headers_match_case_and_space_insensitively_with_synonyms(header: str, field: str) -> None:
    up = read(f"{header};Other\nvalue;x\n")
    assert up.columns == (field,)
    assert up.rows[field].to_list() == ["value"]


def test_other_columns_are_ignored_and_named() -> None:
    up = read("First name;ID;Team;;Notes\nAnn;1;Red;;\nBob;2;;stray;\n")
    assert up.columns == ("id",)
    assert up.ignored_columns == ("First name", "Team", "column 4 (no header)", "Notes")
    assert values(up) == [(2, "1", None, None), (3, "2", None, None)]


def test_an_empty_column_without_a_header_is_not_reported() -> None:
    assert read("ID;Username;\n1;user1;\n").ignored_columns == ()


def test_a_second_column_for_the_same_field_is_ignored_and_named() -> None:
    up = read("Email;Registered email\na@x.org;b@x.org\n")
    assert up.rows["email"].to_list() == ["a@x.org"]
    assert up.ignored_columns == ("Registered email",)


def test_the_reason_column_of_our_error_file_is_ignored_silently() -> None:
    up = read("ID;Username;Registered email;Reason\n1;;;User was not found\n")
    assert up.ignored_columns == ()
    assert values(up) == [(2, "1", None, None)]


# --- values and rows --------------------------------------------------------------------------


def test_values_are_trimmed_and_read_as_typed_strings() -> None:
    up = read("ID;Username;Registered email\n 007 ;  user1\t; USER1@Example.com \n1e3;;\n")
    assert values(up) == [(2, "007", "user1", "USER1@Example.com"), (3, "1e3", None, None)]
    assert up.rows.schema["id"] == pl.String


def test_blank_rows_are_skipped_but_keep_the_spreadsheet_row_numbers() -> None:
    up = read("ID;Username\n1;\n\n;;\n   ;  \n5;\n\n\n")
    assert values(up) == [(2, "1", None, None), (6, "5", None, None)]
    assert up.n_rows == 2


def test_blank_lines_above_the_header_shift_the_row_numbers_like_a_spreadsheet() -> None:
    up = read("\n\nID\n1\n")
    assert values(up) == [(4, "1", None, None)]


def test_a_row_with_only_ignored_columns_filled_is_kept_to_be_reported() -> None:
    up = read("ID;Notes\n;just a note\n")
    assert values(up) == [(2, None, None, None)]


def test_formula_looking_values_are_read_as_plain_text() -> None:
    up = read("ID;Username;Registered email\n=1+1;+cmd;@SUM(A1)\n-5;;\n")
    assert values(up) == [(2, "=1+1", "+cmd", "@SUM(A1)"), (3, "-5", None, None)]


def test_the_apostrophe_our_csv_files_put_before_a_formula_is_removed_on_reading() -> None:
    written = csv_safe.to_csv_bytes(
        pl.DataFrame({"ID": ["-5"], "Username": ["=cmd"], "Registered email": ["'quoted"]})
    )
    assert b"'-5;'=cmd;'quoted" in written
    up = intake.read_upload(written, "again.csv")
    assert values(up) == [(2, "-5", "=cmd", "'quoted")]


# --- whole-file refusals ----------------------------------------------------------------------


@pytest.mark.parametrize("content", [b"", b"   \n\n  \r\n", b"\xef\xbb\xbf"])
def test_an_empty_file_is_refused_with_a_pointer_to_the_template(content: bytes) -> None:
    with pytest.raises(InputError, match=r"“empty.csv” is empty\. Download the template"):
        intake.read_upload(content, "empty.csv")


def test_a_file_with_only_a_header_is_refused() -> None:
    with pytest.raises(InputError, match="has a header but no users under it"):
        read("ID;Username;Registered email\n;;\n\n")


def test_a_file_without_a_recognised_column_is_refused_naming_the_accepted_ones() -> None:
    with pytest.raises(InputError) as caught:
        read("Name;Team\nAnn;Red\n")
    message = str(caught.value)
    assert "“Name”, “Team”" in message
    for accepted in ("ID", "User ID", "Username", "Login", "Registered email", "E-mail"):
        assert accepted in message


def test_garbage_bytes_are_refused_as_not_a_csv_or_xlsx() -> None:
    with pytest.raises(InputError, match=r"not a CSV file or an \.xlsx workbook.*Save the list"):
        intake.read_upload_file(DATA / "garbage.bin")


def test_an_image_is_refused_as_not_a_csv_or_xlsx() -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    with pytest.raises(InputError, match="binary data"):
        intake.read_upload(png, "photo.png")


def test_a_file_over_10_mb_is_refused_with_its_size_and_the_limit() -> None:
    big = b"ID\n" + b"1\n" * (5 * 1024 * 1024 + 10)
    with pytest.raises(InputError, match=r"is 10\.0 MB; the limit is 10 MB"):
        intake.read_upload(big, "big.csv")


def test_a_missing_file_on_disk_is_refused_with_its_path(tmp_path) -> None:
    with pytest.raises(InputError, match="There is no file at"):
        intake.read_upload_file(tmp_path / "nope.csv")


def test_values_can_be_given_directly_for_single_adds() -> None:
    up = intake.from_values(usernames=["  Renée "])
    assert values(up) == [(2, None, "Renée", None)]
    assert up.columns == ("username",)
