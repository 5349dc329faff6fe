"""Batch Unlock's core: plain Python over DuckDB and polars; never imports streamlit."""
