"""Reading an uploaded user list: bytes in, rows of strings in the template columns out.

Pure Python and polars, no store. `intake` picks the reader (`csv_reader`: `csv_text` decodes,
`csv_cells` parses; `xlsx_reader`: `xlsx_zip`, `xlsx_sheet`, `xlsx_cells`, `xlsx_strings`,
`xlsx_xml`); `columns` matches headers to fields; `user_list` holds the result (`Upload`);
`limits` and `refusals` say when and why a file is refused; `template` writes the files offered
for upload; `table_file` reads the import commands' CSV or Parquet files.
"""
