"""Where Streamlit's main script lives, and the check that keeps old-style pages from being served."""

from __future__ import annotations

from pathlib import Path

# Streamlit's main script, not app.py: a main script beside `pages/` would have Streamlit
# serve the files of that folder as old-style pages, past the router (see its docstring). Alone
# in its folder, so Streamlit putting that folder on sys.path during runs shadows nothing.
ROUTER = Path(__file__).resolve().parent.parent / "entry" / "router.py"
STRAY_PAGES = ROUTER.parent / "pages"


def check_no_stray_pages(folder: Path = STRAY_PAGES) -> None:
    """Refuse to start if a `pages/` folder sits beside the router: Streamlit would serve it."""
    if folder.exists():
        raise SystemExit(
            f"Batch Unlock will not start: {folder} exists, and Streamlit would serve every script "
            "in it without the login and role checks. Remove that folder; screens belong in "
            "pages/screens/ and are listed by the router."
        )
