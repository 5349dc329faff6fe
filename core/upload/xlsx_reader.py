"""Reading the filled cells of a workbook's first sheet straight from its XML, within bounds.

A spreadsheet library builds the sheet's whole grid: one cell at XFD1048576 makes it allocate
512 GB and abort the process, which no `except` can catch. Here the zip's declared sizes are
checked first, then the sheet XML is streamed in bounded chunks and its cells are picked out
with regular expressions run by polars, keeping only the filled ones as (row, col, value). The
sheet's declared `<dimension>` is never trusted: only real cells count, and reading stops as
soon as a bound of core.upload.limits is passed.
"""

from __future__ import annotations

import codecs
import html
import io
import posixpath
import re
import struct
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

import polars as pl

from core.errors import InputError
from core.upload import limits
from core.upload.csv_reader import not_a_list

_CHUNK = 2 * 1024 * 1024  # bytes of XML handled at a time
# Patterns run by polars (Rust regex) are ASCII-only on purpose: a Unicode \b or \w keeps
# its fast engine from running (measured: 5x slower on a 5,000-row sheet).
_NS = r"(?:[A-Za-z0-9_.-]+:)?"  # an optional namespace prefix (some writers use <x:c>)
_B = r"(?-u:\b)"  # an ASCII word boundary
_WS = r"[ \t\r\n]*"
_SP = r"[ \t\r\n]"
_ITEM = rf"(?s)<{_NS}(?:row{_B}[^>]*>|c{_B}[^>]*?(?:/>|>.*?</{_NS}c>))"
_ITEM_START = re.compile(rf"<{_NS}(?:row|c)[\s/>]")
_SHEET_DATA = re.compile(rf"<{_NS}sheetData\b[^>]*?(/?)>")
_SHEET_DATA_END = re.compile(rf"</{_NS}sheetData>")
_DIMENSION = re.compile(rf"<{_NS}dimension\b[^>]*?\bref\s*=\s*\"([^\"]*)\"")
_PHONETIC = rf"(?s)<{_NS}rPh{_B}.*?</{_NS}rPh>"
_TEXT_ELEMENT = rf"(?s)<{_NS}t(?:[ \t\r\n][^>]*)?>[^<]*</{_NS}t>"
_TAG = r"<[^>]*>"
_OOXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_SI_END = re.compile(rf"</{_NS}si>")


def _not_readable(name: str) -> InputError:
    return not_a_list(name, "it is a ZIP archive, not a readable .xlsx workbook")


@dataclass(frozen=True)
class Sheet:
    """The filled cells of a sheet: `cells` has row (Int64), col (Int32, A = 1) and value."""

    name: str
    dimension: str | None  # as declared by the file, for messages only
    cells: pl.DataFrame


def read_first_sheet(data: bytes, name: str) -> Sheet:
    """Return the filled cells of the workbook's first sheet; raise InputError when beyond bounds."""
    _check_entry_count(data, name)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            _check_members(book, name)
            sheet_name, sheet_path = _first_sheet(book)
            return _read_sheet(book, sheet_path, sheet_name, name)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, EOFError, OSError):
        raise _not_readable(name) from None
    except (ValueError, NotImplementedError, struct.error, pl.exceptions.PolarsError):
        raise _not_readable(name) from None


def _check_entry_count(data: bytes, name: str) -> None:
    """Refuse a zip whose directory lists more parts than a workbook has, before parsing it."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end < 0 or end + 22 > len(data):
        raise _not_readable(name)
    (entries,) = struct.unpack_from("<H", data, end + 10)
    if entries > limits.MAX_ZIP_MEMBERS and entries != 0xFFFF:
        raise InputError(
            f"The file “{name}” is a ZIP archive of {entries:,} parts, not an Excel workbook. "
            "Save the list as CSV or as an Excel .xlsx workbook, then upload that file."
        )


def _check_members(book: zipfile.ZipFile, name: str) -> None:
    members = book.infolist()
    if len(members) > limits.MAX_ZIP_MEMBERS:
        raise _not_readable(name)
    total = 0
    for member in members:
        if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            # Excel only deflates; bzip2/lzma decompress without a bound on each step.
            raise _not_readable(name)
        total += member.file_size
        if total > limits.MAX_UNPACKED_BYTES:
            raise InputError(limits.too_big_unpacked(name, total))


def _read_small(book: zipfile.ZipFile, path: str) -> str:
    """Read a small part (workbook, relationships), bounded like every other part."""
    with book.open(path) as part:
        raw = part.read(limits.MAX_UNPACKED_BYTES + 1)
    return raw.decode("utf-8", errors="replace")


def _first_sheet(book: zipfile.ZipFile) -> tuple[str, str]:
    """Return the name and zip path of the workbook's first sheet (workbook order, as Excel)."""
    names = set(book.namelist())
    workbook = "xl/workbook.xml"
    if "_rels/.rels" in names:
        for rel in re.finditer(r"<[^>]*Relationship\b[^>]*>", _read_small(book, "_rels/.rels")):
            target = _attr(rel.group(0), "Target")
            if (_attr(rel.group(0), "Type") or "").endswith("/officeDocument") and target:
                workbook = target.lstrip("/")
                break
    text = _read_small(book, workbook)
    sheet = re.search(rf"<{_NS}sheet\b[^>]*>", text)
    if sheet is None:
        raise KeyError("no sheet")
    sheet_name = html.unescape(_attr(sheet.group(0), "name") or "Sheet1")
    rel_id = _attr(sheet.group(0), rf"{_NS}id")
    folder = posixpath.dirname(workbook)
    rels_path = posixpath.join(folder, "_rels", posixpath.basename(workbook) + ".rels")
    target = None
    if rel_id and rels_path in names:
        for rel in re.finditer(r"<[^>]*Relationship\b[^>]*>", _read_small(book, rels_path)):
            if _attr(rel.group(0), "Id") == rel_id:
                target = _attr(rel.group(0), "Target")
    if target is None:
        target = "worksheets/sheet1.xml"
    path = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
    return sheet_name, posixpath.normpath(path)


def _attr(tag: str, attr: str) -> str | None:
    found = re.search(rf"\s{attr}\s*=\s*\"([^\"]*)\"", tag)
    return found.group(1) if found else None


def _xml_chunks(book: zipfile.ZipFile, path: str) -> Iterator[str]:
    """Yield a part's text in chunks of about _CHUNK bytes, decoded as its BOM says."""
    with book.open(path) as part:
        head = part.read(_CHUNK)
        codec = "utf-16" if head.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8"
        decoder = codecs.getincrementaldecoder(codec)(errors="replace")
        chunk = head
        while chunk:
            yield decoder.decode(chunk)
            chunk = part.read(_CHUNK)
        yield decoder.decode(b"", final=True)


def _text_of(items: pl.Expr) -> pl.Expr:
    """The text of a string item (<si> or <is>): its <t> runs joined, phonetic hints left out."""
    return (
        items.str.replace_all(_PHONETIC, "")
        .str.extract_all(_TEXT_ELEMENT)
        .list.join("")
        .str.replace_all(_TAG, "")
    )


def _shared_strings(book: zipfile.ZipFile, name: str, wanted: pl.Series) -> pl.DataFrame:
    """Return the shared strings the sheet uses as (index, text), reading the part in chunks.

    Only the strings in `wanted` are kept (a workbook's table also serves its other sheets,
    and may hold millions), and reading stops after the last one wanted.
    """
    path = next((n for n in book.namelist() if n.lower() == "xl/sharedstrings.xml"), None)
    parts: list[pl.DataFrame] = []
    if path is not None and wanted.len():
        last, offset, carry = int(wanted.max()), 0, ""
        for text in _xml_chunks(book, path):
            text = carry + text
            ends = list(_SI_END.finditer(text, max(0, len(text) - 65_536))) or list(
                _SI_END.finditer(text)
            )
            cut = ends[-1].end() if ends else 0
            carry, text = text[cut:], text[:cut]
            if len(carry) > limits.MAX_CELL_XML:
                raise _cell_too_long(name)
            if not text:
                continue
            items = pl.Series([text]).str.extract_all(rf"(?s)<{_NS}si{_B}.*?</{_NS}si>")
            chunk = pl.DataFrame({"text": items.explode().drop_nulls()}).with_columns(
                pl.int_range(offset, offset + pl.len(), dtype=pl.UInt32).alias("index")
            )
            offset += chunk.height
            chunk = chunk.filter(pl.col("index").is_in(wanted.implode()))
            parts.append(chunk.select("index", _text_of(pl.col("text"))))
            if offset > last:
                break
    if not parts:
        return pl.DataFrame(schema={"index": pl.UInt32, "text": pl.String})
    return pl.concat(parts)


def _cell_too_long(name: str) -> InputError:
    return InputError(
        f"A cell of the workbook “{name}” holds more text than a cell can (Excel allows 32,767 "
        "characters). Save the list as CSV or copy it into a new workbook, then upload that file."
    )


def _too_many_cells(name: str) -> InputError:
    return InputError(
        f"The sheet of “{name}” holds more than {limits.MAX_SHEET_CELLS:,} cells; a list "
        "of users needs far fewer. Keep only the columns ID, Username and Registered email "
        "(copy them into a new workbook, or save the list as CSV), then upload that file."
    )


def _count_cells(book: zipfile.ZipFile, path: str, name: str) -> None:
    """Refuse a sheet with too many cells after a quick count, before parsing any of them."""
    seen = 0
    for text in _xml_chunks(book, path):
        seen += text.count("<c ") + text.count("<c>") + text.count(":c ") + text.count(":c>")
        if seen > limits.MAX_SHEET_CELLS:
            raise _too_many_cells(name)


def _read_sheet(book: zipfile.ZipFile, path: str, sheet_name: str, name: str) -> Sheet:
    _count_cells(book, path, name)
    dimension = None
    pieces: list[pl.DataFrame] = []
    state = _State()
    buffer, inside = "", False
    for text in _xml_chunks(book, path):
        buffer += text
        if not inside:
            opening = _SHEET_DATA.search(buffer)
            if opening is None:
                buffer = buffer[-512:]  # the tag may straddle two chunks
                continue
            declared = _DIMENSION.search(buffer, 0, opening.start())
            dimension = declared.group(1) if declared else None
            if opening.group(1):  # <sheetData/>: no cells at all
                break
            inside, buffer = True, buffer[opening.end() :]
        closing = _SHEET_DATA_END.search(buffer)
        if closing is not None:
            pieces.append(_cells(buffer[: closing.start()], state, name))
            buffer = ""
            break
        cut = _last_item_start(buffer)
        if cut == 0 and len(buffer) > limits.MAX_CELL_XML:
            raise _cell_too_long(name)
        if cut:
            pieces.append(_cells(buffer[:cut], state, name))
            buffer = buffer[cut:]
    if inside and buffer:  # no </sheetData>: a sheet cut short, refused as Excel would
        raise KeyError("truncated sheet")
    cells = pl.concat(pieces) if pieces else _EMPTY
    strings = _shared_strings(book, name, cells["sst"].drop_nulls().unique().sort())
    cells = (
        cells.join(strings, left_on="sst", right_on="index", how="left", maintain_order="left")
        .select("row", "col", pl.coalesce("value", "text").alias("value"))
        .filter(pl.col("value").str.strip_chars().ne(""))
    )
    return Sheet(sheet_name, dimension, cells.with_columns(_unescape(cells["value"])))


_EMPTY = pl.DataFrame(
    schema={"row": pl.Int64, "col": pl.Int32, "value": pl.String, "sst": pl.UInt32}
)


def _last_item_start(buffer: str) -> int:
    """Return where the last (maybe incomplete) <row> or <c> starts; 0 when none does after 0."""
    window = max(0, len(buffer) - 65_536)
    while True:
        last = 0
        for match in _ITEM_START.finditer(buffer, window):
            last = match.start()
        if last or window == 0:
            return last
        window = 0


@dataclass
class _State:
    """What one chunk of cells needs from the chunks before it."""

    row: int = 0  # the current row's number (for cells and rows written without `r`)
    col: int = 0
    items: int = 0
    rows_seen: int = 0  # distinct rows holding a value
    last_filled_row: int = 0


def _cells(text: str, state: _State, name: str) -> pl.DataFrame:
    """Pick the filled cells out of a run of complete <row> and <c> elements.

    Returns (row, col, value, sst): a shared string's index is in `sst`, resolved at the end.
    """
    items = pl.Series([text]).str.extract_all(_ITEM).explode().drop_nulls()
    state.items += items.len()
    if state.items > 2 * limits.MAX_SHEET_CELLS:  # cells and rows; cells were counted before
        raise _too_many_cells(name)
    # One regex per column, without capture groups where possible: captures and Unicode
    # classes push Rust's regex off its fast engine (measured 5x slower).
    frame = pl.DataFrame({"item": items}).with_columns(
        pl.col("item").str.contains(rf"^<{_NS}row{_B}").alias("is_row"),
        pl.col("item").str.extract(r"^<[^>]*>", 0).alias("open"),
    )
    frame = frame.with_columns(
        pl.col("open").str.extract(rf"{_SP}r{_WS}={_WS}\"([A-Za-z]*)", 1).alias("letters"),
        pl.col("open")
        .str.extract(rf"{_SP}r{_WS}={_WS}\"[A-Za-z]*([0-9]{{1,9}})\"", 1)
        .cast(pl.Int64, strict=False)
        .alias("ref_row"),
        pl.col("open")
        .str.extract(rf"{_SP}t{_WS}={_WS}\"([A-Za-z]+)\"", 1)
        .fill_null("n")
        .alias("type"),
    )
    rows, cols = _positions(frame, state)
    frame = frame.with_columns(row=rows, col=cols)
    inline = (frame["type"] == "inlineStr").any()
    value = pl.col("item").str.extract(rf"(?s)<{_NS}v(?:[ \t\r\n][^>]*)?>([^<]*)</", 1)
    number = value.cast(pl.Float64, strict=False)
    whole = number.is_finite() & (number == number.round(0)) & (number.abs() < 1e18)
    cells = (
        frame.filter(~pl.col("is_row"))
        .select(
            "row",
            "col",
            pl.when(pl.col("type") == "s")
            .then(pl.lit(None, pl.String))
            .when(pl.col("type") == "inlineStr")
            .then(_text_of(pl.col("item")) if inline else pl.lit(None, pl.String))
            .when(pl.col("type") == "b")
            .then(
                pl.when(value == "1").then(pl.lit("true")).when(value == "0").then(pl.lit("false"))
            )
            .when(pl.col("type") == "e")
            .then(pl.lit(None, pl.String))  # #N/A, #DIV/0!: no value, as Excel shows none
            .when(pl.col("type").is_in(["n"]) & whole)
            # An ID typed as a number is stored as 30007 or 3.0007E4: read it back as "30007".
            .then(number.cast(pl.Int64, strict=False).cast(pl.String))
            .otherwise(value)
            .alias("value"),
            pl.when(pl.col("type") == "s").then(value.cast(pl.UInt32, strict=False)).alias("sst"),
        )
        # A shared string may turn out blank: such a cell still counts for the bounds here.
        .filter(pl.col("value").str.strip_chars().ne("") | pl.col("sst").is_not_null())
    )
    too_far = cells.filter(pl.col("col") > limits.MAX_COLUMNS)
    if too_far.height:
        row, col = too_far.row(0)[:2]
        raise InputError(
            limits.too_many_columns(name, f"a value in cell {_letters(col)}{row} (column {col:,})")
        )
    filled_rows = cells["row"].unique()
    state.rows_seen += filled_rows.filter(filled_rows != state.last_filled_row).len()
    if filled_rows.len():
        state.last_filled_row = int(filled_rows.max())
    if state.rows_seen > limits.MAX_ROWS + 1:  # + 1: the header
        raise InputError(limits.too_many_rows(name, state.rows_seen - 1))
    return cells.select("row", pl.col("col").cast(pl.Int32), "value", "sst")


def _positions(frame: pl.DataFrame, state: _State) -> tuple[pl.Series, pl.Series]:
    """Number every item's row and column, following cells and rows written without `r`."""
    letters, refs = frame["letters"], frame["ref_row"]
    known = {text: _column(text) for text in letters.unique().to_list() if text}
    is_cell = ~frame["is_row"]
    if frame.height and refs.null_count() == 0 and not (is_cell & (letters == "")).any():
        # Every item says where it is (Excel always writes `r`): no loop needed.
        cols = letters.replace_strict(known, default=0, return_dtype=pl.Int64)
        state.row, state.col = int(refs[-1]), int(cols[-1])
        return refs, cols
    rows_list, letters_list, refs_list = (
        frame["is_row"].to_list(),
        letters.to_list(),
        refs.to_list(),
    )
    rows, cols_list = [0] * len(rows_list), [0] * len(rows_list)
    row, col = state.row, state.col
    for i, is_row in enumerate(rows_list):
        if is_row:
            row = refs_list[i] if refs_list[i] is not None else row + 1
            col = 0
        else:
            col = known[letters_list[i]] if letters_list[i] else col + 1
            if refs_list[i] is not None:
                row = refs_list[i]
        rows[i], cols_list[i] = row, col
    state.row, state.col = row, col
    return pl.Series(rows, dtype=pl.Int64), pl.Series(cols_list, dtype=pl.Int64)


def _column(letters: str) -> int:
    """Return the column number of letters such as 'A' (1) or 'XFD' (16,384)."""
    number = 0
    for ch in letters.upper()[:8]:  # longer is far past any bound anyway
        number = number * 26 + ord(ch) - 64
    return number


def _letters(col: int) -> str:
    text = ""
    while col > 0:
        col, rest = divmod(col - 1, 26)
        text = chr(65 + rest) + text
    return text


def _unescape(values: pl.Series) -> pl.Series:
    """Undo XML escapes (&amp;, &#233;) and Excel's _x000D_ ones; only values holding one go
    through Python."""
    mask = values.str.contains(r"&|_x[0-9A-Fa-f]{4}_").fill_null(False)
    if not mask.any():
        return values
    positions = mask.arg_true()
    fixed = [
        _OOXML_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), html.unescape(v))
        for v in values.gather(positions).to_list()
    ]
    return values.scatter(positions, fixed)
