"""store/duckdb"""
