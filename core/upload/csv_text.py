"""Decoding an uploaded CSV's bytes: BOM first, then UTF-8, then Windows-1252; binary refused."""

from __future__ import annotations

import re

from core.upload.refusals import not_a_list

_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # what no text file holds


def decode(data: bytes, name: str) -> tuple[str, str]:
    """Return the text and the encoding it was read with (BOM first, then UTF-8, then cp1252)."""
    if data.startswith(b"\xef\xbb\xbf"):
        text, encoding = _strict(data[3:], "utf-8", name), "utf-8-sig"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        codec = "utf-16-le" if data.startswith(b"\xff\xfe") else "utf-16-be"
        text, encoding = _strict(data[2:], codec, name), "utf-16"
    elif b"\x00" in data:
        codec = _utf16_without_bom(data)
        if codec is None:
            raise not_a_list(name, "it holds binary data")
        text, encoding = _strict(data, codec, name), codec
    else:
        try:
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            # Excel's "CSV" on Windows; cp1252 leaves five bytes undefined, latin-1 none.
            try:
                text, encoding = data.decode("cp1252"), "cp1252"
            except UnicodeDecodeError:
                text, encoding = data.decode("latin-1"), "latin-1"
    controls = len(text) - len(_CONTROLS.sub("", text))
    if "\x00" in text or controls > max(2, len(text) // 100):
        raise not_a_list(name, "it holds binary data")
    return text, encoding


def _strict(data: bytes, codec: str, name: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        raise not_a_list(name, f"it starts like {codec.upper()} text but is not") from None


def _utf16_without_bom(data: bytes) -> str | None:
    """Recognise UTF-16 text saved without a byte-order mark (every other byte is zero)."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even_zeros = sample[0::2].count(0) / len(sample[0::2])
    odd_zeros = sample[1::2].count(0) / len(sample[1::2])
    if odd_zeros > 0.3 and even_zeros < 0.05:
        return "utf-16-le"
    if even_zeros > 0.3 and odd_zeros < 0.05:
        return "utf-16-be"
    return None
