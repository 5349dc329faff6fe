"""Pieces the screens share: the session, state slots, widgets, grids and formatting."""
