"""A workbook as a ZIP archive: its bounds checked before unpacking, its first sheet found, its
parts read in bounded chunks."""

from __future__ import annotations

import codecs
import posixpath
import re
import struct
import zipfile
from collections.abc import Iterator

from core.errors import OverLimit
from core.upload import limits
from core.upload.refusals import not_a_workbook
from core.upload.xlsx_xml import NS, attr

CHUNK = 2 * 1024 * 1024  # bytes of XML handled at a time
_RELATIONSHIP = re.compile(r"<[^>]*Relationship\b[^>]*>")


def check_entry_count(data: bytes, name: str) -> None:
    """Refuse a zip whose directory lists more parts than a workbook has, before parsing it."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end < 0 or end + 22 > len(data):
        raise not_a_workbook(name)
    (entries,) = struct.unpack_from("<H", data, end + 10)
    if entries > limits.MAX_ZIP_MEMBERS and entries != 0xFFFF:
        raise OverLimit(limits.too_many_parts(name, entries))


def check_members(book: zipfile.ZipFile, name: str) -> None:
    """Refuse too many parts, a compression Excel never uses, or parts that unpack too big."""
    members = book.infolist()
    if len(members) > limits.MAX_ZIP_MEMBERS:
        raise not_a_workbook(name)
    total = 0
    for member in members:
        if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            # Excel only deflates; bzip2/lzma decompress without a bound on each step.
            raise not_a_workbook(name)
        total += member.file_size
        if total > limits.MAX_UNPACKED_BYTES:
            raise OverLimit(limits.too_big_unpacked(name, total))


def _read_small(book: zipfile.ZipFile, path: str) -> str:
    """Read a small part (workbook, relationships), bounded like every other part."""
    with book.open(path) as part:
        raw = part.read(limits.MAX_UNPACKED_BYTES + 1)
    return raw.decode("utf-8", errors="replace")


def first_sheet(book: zipfile.ZipFile) -> str:
    """Return the zip path of the workbook's first sheet (workbook order, as Excel)."""
    names = set(book.namelist())
    workbook = "xl/workbook.xml"
    if "_rels/.rels" in names:
        for rel in _RELATIONSHIP.finditer(_read_small(book, "_rels/.rels")):
            target = attr(rel.group(0), "Target")
            if (attr(rel.group(0), "Type") or "").endswith("/officeDocument") and target:
                workbook = target.lstrip("/")
                break
    sheet = re.search(rf"<{NS}sheet\b[^>]*>", _read_small(book, workbook))
    if sheet is None:
        raise KeyError("no sheet")
    rel_id = attr(sheet.group(0), rf"{NS}id")
    folder = posixpath.dirname(workbook)
    rels_path = posixpath.join(folder, "_rels", posixpath.basename(workbook) + ".rels")
    target = None
    if rel_id and rels_path in names:
        for rel in _RELATIONSHIP.finditer(_read_small(book, rels_path)):
            if attr(rel.group(0), "Id") == rel_id:
                target = attr(rel.group(0), "Target")
    if target is None:
        target = "worksheets/sheet1.xml"
    path = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
    return posixpath.normpath(path)


def xml_chunks(book: zipfile.ZipFile, path: str) -> Iterator[str]:
    """Yield a part's text in chunks of about CHUNK bytes, decoded as its BOM says."""
    with book.open(path) as part:
        head = part.read(CHUNK)
        codec = "utf-16" if head.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8"
        decoder = codecs.getincrementaldecoder(codec)(errors="replace")
        chunk = head
        while chunk:
            yield decoder.decode(chunk)
            chunk = part.read(CHUNK)
        yield decoder.decode(b"", final=True)
