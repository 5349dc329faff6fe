"""Regenerate the upload samples in this folder: `python tests/data/make_files.py`.

The files are committed; this script documents how each was made (and makes the .xlsx, which
cannot be written by hand). The users they name exist in the tests' `batch_world` fixture.
"""

from __future__ import annotations

import io
import random
import re
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import xlsxwriter

HERE = Path(__file__).parent


def main() -> None:
    """Write every sample file."""
    # Excel's "Unicode text": UTF-16 little-endian with a BOM, tab-separated, CRLF.
    (HERE / "utf16_excel_unicode_text.txt").write_bytes(
        "ID\tUsername\tRegistered email\r\n1\t\t\r\n\tRenée\t\r\n\t\tuser3@example.com\r\n".encode(
            "utf-16"
        )
    )
    # Windows "CSV (semicolon)" from an older Excel: Windows-1252, accents as single bytes.
    (HERE / "windows1252.csv").write_bytes(
        "ID;Username;Registered email\r\n;Renée;\r\n;JÜRGEN;\r\n2;;\r\n".encode("cp1252")
    )
    # Old Mac line endings: CR only.
    (HERE / "cr_only.csv").write_bytes(b"ID,Username\r1,\r,user2\r\r3,\r")
    # A stray quote in the middle of a field (polars alone refuses the whole file).
    (HERE / "stray_quote.csv").write_bytes(b'ID;Username\n1;\n;jo"hn\n;"user2"\n4;\n')
    # 5,001 distinct users by ID: one more than a batch may hold.
    (HERE / "users_5001.csv").write_text(
        "ID\n" + "".join(f"{i}\n" for i in range(1, 5002)), encoding="utf-8"
    )
    # Not a list at all.
    (HERE / "garbage.bin").write_bytes(random.Random(3).randbytes(2048))
    _workbook(HERE / "users.xlsx")


def _workbook(path: Path) -> None:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Users")
    sheet.write_row(0, 0, ["User ID", "Login", "E-mail", "Team"])
    sheet.write_number(1, 0, 1)  # a number cell: read as "1", not "1.0"
    sheet.write_row(1, 3, ["Red"])
    sheet.write_string(2, 1, "user2")
    # Row 4 is left empty: skipped, but the next row is still numbered 5 as in Excel.
    sheet.write_string(4, 2, "USER4@example.com")
    sheet.write_string(5, 0, "007")  # text cell: leading zeros kept, still user 7
    sheet.write_string(6, 1, '=HYPERLINK("http://x")')  # formula-looking text stays text
    other = book.add_worksheet("Notes")
    other.write_row(0, 0, ["ID"])
    other.write_row(1, 0, [9])  # never read: only the first sheet counts
    book.close()


# --- hostile uploads (made on the fly by tests/unit/test_upload_hostile.py and the benchmark) ---------


def _book(fill: Callable, **options) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, **options})
    fill(book.add_worksheet("Users"))
    book.close()
    return buffer.getvalue()


def _header_and_users(sheet) -> None:
    sheet.write_row(0, 0, ["ID", "Username"])
    sheet.write_number(1, 0, 30007)
    sheet.write_string(2, 1, "user2")


def _replace_member(data: bytes, member: str, edit: Callable[[bytes], bytes]) -> bytes:
    """Rewrite one part of a workbook (deflated, as Excel writes it)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info.filename)
            target.writestr(info.filename, edit(body) if info.filename == member else body)
    return out.getvalue()


def _sheet_zip(rows: Callable[[], object], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A minimal workbook whose sheet XML is streamed from `rows()` (an iterator of str)."""
    users = _book(_header_and_users)
    source = zipfile.ZipFile(io.BytesIO(users))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression, compresslevel=9) as target:
        for info in source.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                continue
            target.writestr(info.filename, source.read(info.filename))
        member = zipfile.ZipInfo("xl/worksheets/sheet1.xml")
        member.compress_type = compression
        with target.open(member, "w", force_zip64=True) as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns='
                b'"http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            )
            batch: list[str] = []
            for piece in rows():
                batch.append(piece)
                if len(batch) >= 10_000:
                    sheet.write("".join(batch).encode())
                    batch.clear()
            sheet.write("".join(batch).encode())
            sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()


def _with_strings(data: bytes, strings: list[str]) -> bytes:
    """Replace a workbook's shared strings with `strings`."""
    items = "".join(f"<si><t>{text}</t></si>" for text in strings)
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
        f'spreadsheetml/2006/main" count="{len(strings)}" uniqueCount="{len(strings)}">{items}</sst>'
    ).encode()
    return _replace_member(data, "xl/sharedStrings.xml", lambda _: xml)


def _lying_sizes(data: bytes) -> bytes:
    """Make every central-directory entry claim its part unpacks to 1 KB (a classic bomb trick)."""
    data = bytearray(data)
    for match in re.finditer(rb"PK\x01\x02", bytes(data)):
        struct.pack_into("<I", data, match.start() + 24, 1024)
    return bytes(data)


def _many_members() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for i in range(5_000):
            target.writestr(f"xl/media/part{i}.bin", b"")
    return out.getvalue()


def _nested_bomb() -> bytes:
    """A normal workbook carrying an unread part that is itself a highly compressed zip."""
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bomb:
        bomb.writestr("zeros.bin", b"\0" * 20_000_000)
    data = _book(_header_and_users)
    out = io.BytesIO(data)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_STORED) as target:
        target.writestr("xl/media/../../bomb.zip", inner.getvalue())
    return out.getvalue()


def _col(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def hostile_files() -> dict[str, tuple[str, Callable[[], bytes], str]]:
    """Hostile uploads by name: (file name, maker, expected outcome "refused" or "previewed")."""
    dim = b'<dimension ref="A1:XFD1048576"/>'

    def declared(xml: bytes) -> bytes:
        return re.sub(rb"<dimension [^>]*/>", dim, xml)

    def far_cell(sheet) -> None:
        _header_and_users(sheet)
        sheet.write_string(1048575, 16383, "x")  # the very last cell, XFD1048576

    def far_row(sheet) -> None:
        _header_and_users(sheet)
        sheet.write_number(1048575, 0, 42)  # A1048576

    def wide(sheet) -> None:
        sheet.write_row(0, 0, ["ID"] + [f"c{i}" for i in range(1, 16_384)])
        sheet.write_row(1, 0, list(range(16_384)))

    def huge_cell(sheet) -> None:
        _header_and_users(sheet)
        sheet.write_string(3, 1, "x" * 32_000)

    def bomb_rows():  # 150 MB of XML, 6 million rows, packed into a few hundred KB
        yield '<row><c t="inlineStr"><is><t>ID</t></is></c></row>'
        yield from ["<row><c><v>7</v></c></row>"] * 6_000_000

    def many_rows():  # under the cell bound, but 400,000 rows
        yield '<row><c t="inlineStr"><is><t>ID</t></is></c></row>'
        yield from ["<row><c><v>7</v></c></row>"] * 400_000

    def dense_legal():  # 9,000 rows x 54 filled columns: just under every bound, read in full
        yield (
            '<row r="1">'
            + "".join(f'<c r="{_col(c)}1" t="s"><v>{c - 1}</v></c>' for c in range(1, 55))
            + "</row>"
        )
        for r in range(2, 9_002):
            yield (
                f'<row r="{r}">'
                + "".join(f'<c r="{_col(c)}{r}"><v>{r}</v></c>' for c in range(1, 55))
                + "</row>"
            )

    def dense_cells(refs: bool):  # 1,000 columns x 1,100 rows: past the cell bound only
        yield "<row>" + "".join(f'<c t="inlineStr"><is><t>h{c}</t></is></c>' for c in range(999))
        yield '<c t="inlineStr"><is><t>ID</t></is></c></row>'
        for r in range(2, 1_102):
            if refs:
                yield (
                    f'<row r="{r}">'
                    + "".join(f'<c r="{_col(c)}{r}"><v>1</v></c>' for c in range(1, 1001))
                    + "</row>"
                )
            else:
                yield "<row>" + "<c><v>1</v></c>" * 1_000 + "</row>"

    def no_refs():  # cells and rows written without `r`, as some libraries do
        yield '<row><c t="inlineStr"><is><t>ID</t></is></c><c t="inlineStr"><is><t>Login</t>'
        yield "</is></c></row>"
        for i in range(2, 5_002):
            yield f'<row><c><v>{i}</v></c><c t="inlineStr"><is><t>u{i}</t></is></c></row>'

    def giant_inline():
        yield '<row r="1"><c r="A1" t="inlineStr"><is><t>ID</t></is></c></row><row r="2">'
        yield '<c r="A2" t="inlineStr"><is><t>' + "y" * 5_000_000 + "</t></is></c></row>"

    users = _book(_header_and_users)
    wide_csv_header = "ID;" + ";".join(f"c{i}" for i in range(100_000))
    rng = random.Random(10)
    return {
        "xfd_cell": ("far.xlsx", lambda: _book(far_cell), "refused"),
        "xfd_dimension": (
            "dim.xlsx",
            lambda: _replace_member(users, "xl/worksheets/sheet1.xml", declared),
            "previewed",
        ),
        "far_row": ("far_row.xlsx", lambda: _book(far_row), "previewed"),
        "wide_sheet_16384": ("wide.xlsx", lambda: _book(wide), "refused"),
        "zip_bomb_150mb": ("bomb.xlsx", lambda: _sheet_zip(bomb_rows), "refused"),
        "zip_bomb_lying_sizes": (
            "liar.xlsx",
            lambda: _lying_sizes(_sheet_zip(bomb_rows)),
            "refused",
        ),
        "rows_400k": ("rows.xlsx", lambda: _sheet_zip(many_rows), "refused"),
        "shared_strings_2m": (
            "sst.xlsx",
            lambda: _with_strings(users, ["ID", "Username"] + [f"s{i}" for i in range(2_000_000)]),
            "previewed",
        ),
        "dense_486k_cells_read": (
            "legal.xlsx",
            lambda: _with_strings(_sheet_zip(dense_legal), ["ID"] + [f"h{c}" for c in range(53)]),
            "previewed",
        ),
        "dense_1m_cells": ("dense.xlsx", lambda: _sheet_zip(lambda: dense_cells(True)), "refused"),
        "dense_1m_cells_no_refs": (
            "dense2.xlsx",
            lambda: _sheet_zip(lambda: dense_cells(False)),
            "refused",
        ),
        "no_cell_refs": ("norefs.xlsx", lambda: _sheet_zip(no_refs), "previewed"),
        "giant_inline_cell": ("giant.xlsx", lambda: _sheet_zip(giant_inline), "refused"),
        "long_cell_32k": ("long.xlsx", lambda: _book(huge_cell), "previewed"),
        "bzip2_sheet": (
            "bz2.xlsx",
            lambda: _sheet_zip(no_refs, compression=zipfile.ZIP_BZIP2),
            "refused",
        ),
        "nested_zip_bomb": ("nested.xlsx", _nested_bomb, "previewed"),
        "many_members": ("members.xlsx", _many_members, "refused"),
        "truncated_zip": ("cut.xlsx", lambda: users[: len(users) // 2], "refused"),
        "random_pk": ("pk.xlsx", lambda: b"PK\x03\x04" + rng.randbytes(100_000), "refused"),
        "csv_100001_columns": (
            "wide.csv",
            lambda: (wide_csv_header + "\n" + "1" + ";" * 100_000 + "\n").encode(),
            "refused",
        ),
        "csv_1500_columns": (
            "cols.csv",
            lambda: ("ID;" + ";".join(f"c{i}" for i in range(1_499)) + "\n1\n").encode(),
            "refused",
        ),
        "csv_999_columns": (
            "ok_cols.csv",
            lambda: ("ID;" + ";".join(f"c{i}" for i in range(998)) + "\n1\n").encode(),
            "previewed",
        ),
        "csv_header_over_lines": (
            "quoted.csv",
            lambda: ('"I\nD"' + ";" * 2_000 + "\n1\n").encode(),
            "refused",
        ),
        "csv_long_line": ("line.csv", lambda: b"ID\n" + b"1" * 5_000_000 + b"\n", "refused"),
        "csv_5m_rows": ("rows.csv", lambda: b"ID\n" + b"1\n" * 5_000_000, "refused"),
        "csv_nul_bytes": ("nul.csv", lambda: b"ID\n1\n\x00\x00\x002\n" * 1000, "refused"),
        "csv_mixed_encodings": (
            "mixed.csv",
            lambda: "ID;Username\n1;Renée\n".encode() + "2;Zoë\n".encode("cp1252"),
            "previewed",
        ),
        "csv_utf16_wide": (
            "wide16.txt",
            lambda: ("ID\t" + "\t".join(f"c{i}" for i in range(5_000)) + "\n1\n").encode("utf-16"),
            "refused",
        ),
    }


# Reads uploads in a fresh process under a memory ceiling and prints, per file, a JSON line
# saying what happened, so an abort (signal 6) or a blown limit is a failed child, not a dead
# test run. The peak (VmHWM) is reset before each file (Linux: clear_refs 5), so each file's
# figure is its own; ru_maxrss could not be used: it keeps the parent's size from before exec.
CHILD = r"""
import json, resource, sys, time
files, limit, root = json.loads(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
reset = sys.argv[4:] != ["keep"]  # "keep": report the whole process's peak, imports included
if limit > 0:
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
sys.path.insert(0, root)
from core.upload import intake, limits
from core.errors import InputError

def peak_mb():
    status = open("/proc/self/status").read()
    return int(status.split("VmHWM:")[1].split()[0]) / 1024

for path, name in files:
    data = open(path, "rb").read()
    if reset:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    start = time.perf_counter()
    try:
        upload = intake.read_upload(data, name)
        outcome = {"outcome": "previewed", "rows": upload.n_rows,
                   "ignored": limits.names_text(upload.ignored_columns),
                   "first_rows": upload.rows.head(3).rows()}
    except InputError as exc:
        outcome = {"outcome": "refused", "message": str(exc)}
    outcome["seconds"] = time.perf_counter() - start
    outcome["peak_mb"] = peak_mb()
    del data
    print(json.dumps(outcome, default=str), flush=True)
"""


def read_in_child(
    files: list[tuple[Path, str]],
    root: Path,
    memory_bytes: int = 2 * 1024**3,
    timeout: float = 120,
    reset_peak: bool = True,
) -> list[dict]:
    """Read each (path, upload name) in child processes; return one report per file, in order.

    A child that dies is reported for the file it was reading ({"exit": code, "stderr": ...});
    the files after it are read by a new child. `memory_bytes` 0 sets no ceiling; with
    `reset_peak` False the peak is the whole child's (interpreter and imports included).
    """
    import json
    import subprocess
    import sys

    reports: list[dict] = []
    while len(reports) < len(files):
        todo = [[str(path), name] for path, name in files[len(reports) :]]
        done = subprocess.run(
            [sys.executable, "-c", CHILD, json.dumps(todo), str(memory_bytes), str(root)]
            + ([] if reset_peak else ["keep"]),
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=root,
        )
        reports += [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
        if done.returncode != 0 and len(reports) < len(files):
            reports.append({"exit": done.returncode, "stderr": done.stderr[-2000:]})
    return reports


if __name__ == "__main__":
    main()
