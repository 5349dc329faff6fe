"""Reading uploads: encodings, separators, line endings, quotes, xlsx, headers, values, refusals."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_reading_an_upload_imports_no_store() -> None:
    # core/upload is pure polars: bytes in, rows out (the store is the matching's business).
    code = (
        "import sys; import core.upload.intake, core.upload.template, core.upload.table_file; "
        "print(sorted(m for m in sys.modules if m == 'duckdb' or m.startswith('core.store')))"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
