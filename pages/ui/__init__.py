"""Pieces the screens share: the session, widgets, formatting, and the router."""
