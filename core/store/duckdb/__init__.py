"""The DuckDB adapter: every SQL statement of the app, its migrations, and DuckDB's errors in words."""
