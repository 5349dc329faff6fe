"""The screens of the spec, one script each (run by the router in pages/ui/shell.py)."""
