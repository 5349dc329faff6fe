"""Reading a CSV or Parquet file of a table (platform users, badges) for the import commands."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from core.errors import InputError


def read_table_file(path: str | Path) -> pl.DataFrame:
    """Read a CSV or Parquet file as strings, or raise InputError saying why not."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"There is no file at {path}. Check the path.")
    try:
        if path.suffix.lower() == ".parquet":
            frame = pl.read_parquet(path)
            return frame.with_columns(pl.all().cast(pl.String))
        return pl.read_csv(path.read_bytes(), infer_schema=False)
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise InputError(
            f"{path.name} cannot be read as {'Parquet' if path.suffix == '.parquet' else 'CSV'} "
            f"({str(exc).splitlines()[0]}). Save it as a comma-separated CSV or Parquet file."
        ) from None
