"""Reading uploads: encodings, separators, line endings, quotes, xlsx, headers, values, refusals."""

from __future__ import annotations

import io
import zipfile

import polars as pl
import pytest
import xlsxwriter

from core import csv_safe
from core.batches import matching
from core.errors import InputError
from core.upload import intake, limits
from core.upload.user_list import Upload, from_values
from tests.support.batches import VISIT_10
from tests.support.world import DATA


def read(data: bytes | str, name: str = "users.csv") -> Upload:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return intake.read_upload(data, name)


def values(up: Upload) -> list[tuple]:
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


@pytest.mark.slow
def test_an_error_file_whose_reasons_quote_names_with_separators_reads_back_as_written(
    batch_world,
) -> None:
    batch_world.execute(
        """INSERT INTO platform_users (id, username, email, username_norm, email_norm, active) VALUES
           (20, 'a;b"c', 'q@x.org', 'a;b"c', 'q@x.org', TRUE),
           (21, '=sum', 'r@x.org', '=sum', 'r@x.org', TRUE)"""
    )
    rows = 'ID;Username\n20;=sum\n21;"a;b""c"\n'
    preview = matching.preview(batch_world, read(rows), VISIT_10)
    again = read(preview.error_rows_csv(), "errors.csv")
    assert again.ignored_columns == ()
    assert values(again) == [(2, "20", "=sum", None), (3, "21", 'a;b"c', None)]
    assert preview.rows["message"].to_list() == [
        'User was not found: ID 20 is a;b"c, the username belongs to ID 21 (=sum).',
        'User was not found: ID 21 is =sum, the username belongs to ID 20 (a;b"c).',
    ]


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
    up = from_values(usernames=["  Renée "])
    assert values(up) == [(2, None, "Renée", None)]
    assert up.columns == ("username",)


# --- workbooks read from their XML, within bounds --------------------------------------------

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def workbook(sheet_data: str, strings: list[str] | None = None, **parts: bytes) -> bytes:
    """A minimal .xlsx whose first sheet holds `sheet_data` (the inside of <sheetData>)."""
    out = io.BytesIO()
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr(
            "_rels/.rels",
            f'<Relationships><Relationship Id="rId1" Type="{rel}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>',
        )
        book.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{_MAIN}" xmlns:r="{rel}"><sheets>'
            '<sheet name="List" sheetId="2" r:id="rId7"/><sheet name="Other" sheetId="1" '
            'r:id="rId1"/></sheets></workbook>',
        )
        book.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships><Relationship Id="rId1" Type="{rel}/worksheet" '
            'Target="worksheets/sheet1.xml"/><Relationship Id="rId7" '
            f'Type="{rel}/worksheet" Target="/xl/worksheets/list.xml"/></Relationships>',
        )
        book.writestr(
            "xl/worksheets/sheet1.xml",
            f'<worksheet xmlns="{_MAIN}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is>'
            '<t>ID</t></is></c></row><row r="2"><c r="A2"><v>9</v></c></row></sheetData>'
            "</worksheet>",
        )
        book.writestr(
            "xl/worksheets/list.xml",
            f'<worksheet xmlns="{_MAIN}"><dimension ref="A1:XFD1048576"/><sheetData>'
            f"{sheet_data}</sheetData></worksheet>",
        )
        if strings is not None:
            items = "".join(f"<si>{s}</si>" for s in strings)
            book.writestr("xl/sharedStrings.xml", f'<sst xmlns="{_MAIN}">{items}</sst>')
        for path, body in parts.items():
            book.writestr(path.replace("__", "/"), body)
    return out.getvalue()


def inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def test_the_first_sheet_in_workbook_order_is_read_whatever_its_file_name() -> None:
    up = intake.read_upload(
        workbook(f'<row r="1">{inline("A1", "ID")}</row><row r="2"><c r="A2"><v>5</v></c></row>'),
        "b.xlsx",
    )
    assert values(up) == [(2, "5", None, None)]


def test_an_id_stored_as_a_number_comes_back_as_typed_without_a_decimal() -> None:
    rows = "".join(
        f'<row r="{r}"><c r="A{r}"{t}><v>{v}</v></c></row>'
        for r, t, v in [
            (2, "", "30007"),
            (3, ' t="n"', "3.0007E4"),
            (4, "", "30007.0"),
            (5, "", "1.5"),
            (6, ' t="b"', "1"),
            (7, ' t="e"', "#N/A"),
            (8, ' t="str"', "007"),
        ]
    )
    up = intake.read_upload(workbook(f'<row r="1">{inline("A1", "ID")}</row>{rows}'), "n.xlsx")
    assert values(up) == [
        (2, "30007", None, None),
        (3, "30007", None, None),
        (4, "30007", None, None),
        (5, "1.5", None, None),
        (6, "true", None, None),
        (8, "007", None, None),  # row 7 holds only an error value: blank
    ]


def test_shared_and_inline_strings_are_read_as_their_text_without_phonetic_hints() -> None:
    strings = [
        "<t>Login</t>",
        '<r><t>us</t></r><r><rPr><b/></rPr><t>er2</t></r><rPh sb="0" eb="1"><t>x</t></rPh>',
        '<t xml:space="preserve"> a&amp;b_x000D_c </t>',
    ]
    sheet = (
        f'<row r="1">{inline("A1", "ID")}<c r="B1" t="s"><v>0</v></c></row>'
        '<row r="2"><c r="B2" t="s"><v>1</v></c></row>'
        '<row r="3"><c r="B3" t="s"><v>2</v></c></row>'
        f'<row r="4">{inline("A4", "&#x31;2")}<c r="B4" t="inlineStr"><is><r><t>r</t></r>'
        "<r><t>ich</t></r></is></c></row>"
    )
    up = intake.read_upload(workbook(sheet, strings), "s.xlsx")
    assert values(up) == [
        (2, None, "user2", None),
        (3, None, "a&b\rc", None),
        (4, "12", "rich", None),
    ]


def test_the_header_is_the_first_filled_row_and_rows_keep_the_sheet_numbers() -> None:
    sheet = (
        '<row r="3"><c r="C3" s="1"/></row>'  # formatting only: no value
        f'<row r="4">{inline("C4", "Username")}{inline("D4", "Notes")}</row>'
        f'<row r="9">{inline("C9", "user2")}</row>'
        f'<row r="12">{inline("D12", "only a note")}</row>'
        f'<row r="1048576">{inline("C1048576", "user3")}</row>'
    )
    up = intake.read_upload(workbook(sheet), "far.xlsx")
    assert up.ignored_columns == ("Notes",)
    assert values(up) == [
        (9, None, "user2", None),
        (12, None, None, None),
        (1048576, None, "user3", None),
    ]


def test_cells_and_rows_written_without_references_are_placed_in_order() -> None:
    sheet = (
        '<row><c t="inlineStr"><is><t>ID</t></is></c><c t="inlineStr"><is><t>Login</t></is>'
        "</c></row>"
        '<row><c><v>4</v></c><c t="inlineStr"><is><t>user4</t></is></c></row>'
        '<row r="5"><c r="B5" t="inlineStr"><is><t>user5</t></is></c></row>'
    )
    up = intake.read_upload(workbook(sheet), "norefs.xlsx")
    assert values(up) == [(2, "4", "user4", None), (5, None, "user5", None)]


def test_a_value_past_column_1000_is_refused_naming_its_cell() -> None:
    sheet = f'<row r="1">{inline("A1", "ID")}</row><row r="2">{inline("ALM2", "x")}</row>'
    with pytest.raises(InputError, match=r"value in cell ALM2 \(column 1,001\); at most 1,000"):
        intake.read_upload(workbook(sheet), "wide.xlsx")


@pytest.mark.slow
def test_a_workbook_that_unpacks_past_50_mb_is_refused_before_it_is_read() -> None:
    data = workbook(f'<row r="1">{inline("A1", "ID")}</row>', xl__media__big=b"\0" * 60_000_000)
    assert len(data) < 100_000
    with pytest.raises(InputError, match=r"“bomb.xlsx” unpacks to 57 MB or more; at most 50 MB"):
        intake.read_upload(data, "bomb.xlsx")


def test_a_sheet_with_more_than_10000_rows_is_refused_with_the_rows_seen() -> None:
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(2, 10_003))
    with pytest.raises(InputError) as caught:
        intake.read_upload(workbook(f'<row r="1">{inline("A1", "ID")}</row>{rows}'), "big.xlsx")
    assert "“big.xlsx” holds more than 10,000 users (at least 10,001 rows seen)" in str(
        caught.value
    )


def test_a_part_compressed_other_than_as_excel_does_is_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_BZIP2) as book:
        book.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(InputError, match=r"not a readable \.xlsx workbook"):
        intake.read_upload(out.getvalue(), "bz.xlsx")


# --- CSV bounds -------------------------------------------------------------------------------


def test_a_csv_header_with_more_than_1000_columns_is_refused_before_parsing() -> None:
    header = "ID;" + ";".join(f"c{i}" for i in range(1_000))
    with pytest.raises(InputError, match=r"has 1,001 columns in its header; at most 1,000"):
        read(header + "\n1\n", "wide.csv")


def test_a_csv_line_longer_than_64_kb_is_refused_with_its_line_number() -> None:
    with pytest.raises(InputError, match=r"Line 3 of the file “long.csv” is longer than 65,536"):
        read("ID\n1\n" + "x" * 70_000 + "\n", "long.csv")


def test_a_csv_with_more_than_10000_users_is_refused_with_the_rows_seen() -> None:
    with pytest.raises(InputError, match=r"holds more than 10,000 users \(at least 10,001 rows"):
        read("ID\n" + "".join(f"{i}\n" for i in range(1, 10_002)), "big.csv")


def test_a_csv_of_10000_users_with_blank_lines_between_is_read() -> None:
    up = read("ID;Username\n" + "".join(f"{i};\n;;\n\n" for i in range(1, 10_001)), "s.csv")
    assert up.n_rows == 10_000
    assert values(up)[-1] == (2 + 3 * 9_999, "10000", None, None)


@pytest.mark.slow
def test_many_ignored_columns_are_summarised_after_five_names() -> None:
    header = "ID;" + ";".join(f"c{i}" for i in range(998))
    up = read(header + "\n1\n", "many.csv")
    assert len(up.ignored_columns) == 998
    assert limits.names_text(up.ignored_columns) == "c0, c1, c2, c3, c4 and 993 more"


@pytest.mark.parametrize(
    ("names", "text"),
    [
        ((), ""),
        (("A",), "A"),
        (("A", "B"), "A and B"),
        (("A", "B", "C", "D", "E"), "A, B, C, D and E"),
        (tuple("ABCDEFG"), "A, B, C, D, E and 2 more"),
        (tuple(f"c{i}" for i in range(100_000)), "c0, c1, c2, c3, c4 and 99,995 more"),
    ],
)
def test_names_are_listed_up_to_five_then_counted(names: tuple[str, ...], text: str) -> None:
    assert limits.names_text(names) == text


def test_only_the_names_listed_are_formatted_for_display() -> None:
    names = tuple(f"*c{i}*" for i in range(7))
    text = limits.names_text(names, show=lambda n: n.replace("*", r"\*"))
    assert text == r"\*c0\*, \*c1\*, \*c2\*, \*c3\*, \*c4\* and 2 more"
