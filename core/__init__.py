"""Batch Unlock's core: the domain in plain Python over polars and a store port; never imports streamlit."""
