"""What the tests share: worlds and helpers (plain functions), never fixtures (tests/conftest.py).

Imported as `tests.support.<module>` from every test folder and from bench/, so each helper has
one module name.
"""
