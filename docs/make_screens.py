"""Regenerate docs/screens.png, the README's picture of the main screens.

Run from the repository root with the app NOT running: it creates a demo data file in a
temporary folder, serves the app on a free port, logs in as the demo admin, photographs six
screens in Debian's Chromium (the fourth a published batch with its "Revoke" dialog open, then the
Users list filtered and a user's page) and tiles them into one PNG.

    .venv/bin/python docs/make_screens.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from PIL import Image
from playwright.sync_api import Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core import words  # noqa: E402
from tests.support.browser import (  # noqa: E402 - needs the repository on sys.path
    CHROMIUM,
    PASSWORDS,
    _prepare,
    _start,
    _stop,
    log_in,
    wait_idle,
)


def open_revoke(page: Page) -> None:
    """Open the batch's "Revoke" dialog with a reason typed: the preview and its question."""
    page.get_by_role("button", name=words.REVOKE, exact=True).click()
    dialog = page.get_by_test_id("stDialog")
    expect(dialog.get_by_test_id("stMetric").first).to_be_visible(timeout=15_000)
    reason = dialog.get_by_role("textbox", name=words.REVOKE_REASON)
    reason.fill("Awarded by mistake: wrong quest")
    reason.press("Control+Enter")
    wait_idle(page)


# Path (with the published batch's id for "{published}"), title, what to do before the shot.
SHOTS: list[tuple[str, str, Callable[[Page], None] | None]] = [
    ("/", "Badges", None),
    ("/batch-unlock", "Batch unlock", None),
    ("/batch-unlock?status=partially_published&sort=name", "Filtered", None),
    ("/batch?id={published}", "Batch, revoking", open_revoke),
    # Issue 16: active users holding one quest but not another, and one user's page.
    ("/users?active=yes&holds=1&lacks=2", "Users", None),
    ("/user?id=1", "User", None),
]


def core_cli(db: object, *args: str) -> str:
    """Run `python -m core` on the data file (before the app holds it); return its output."""
    return subprocess.run(
        [sys.executable, "-m", "core", "--db", str(db), *args],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def main() -> None:
    """Serve the demo, photograph the screens, tile them."""
    with tempfile.TemporaryDirectory() as tmp:
        db, quests = _prepare(Path(tmp))
        # Keep one batch running in the picture: a slow publisher and a batch to publish.
        core_cli(db, "batch", "publish", "51")
        # The newest published batch of a few users, for the "Revoke" dialog.
        listed = json.loads(core_cli(db, "batch", "list", "--status", "Published", "--json"))
        rows = listed["batches"] if isinstance(listed, dict) else listed
        published = max(r["id"] for r in rows if r["users"] <= 50)
        from core import store

        con = store.connect(db)
        con.settings.put("publish_rate", "20")
        con.close()
        proc, server = _start(Path(tmp), db, quests)
        try:
            images = []
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
                page = browser.new_page(viewport={"width": 1400, "height": 1100})
                log_in(page, server.url, "admin", PASSWORDS["admin"])
                for path, _title, before in SHOTS:
                    page.goto(server.url + path.format(published=published))
                    wait_idle(page)
                    if before is not None:
                        before(page)
                    page.wait_for_timeout(2500)
                    shot = Path(tmp) / f"{len(images)}.png"
                    page.screenshot(path=str(shot))
                    images.append(Image.open(shot).convert("RGB"))
                browser.close()
        finally:
            _stop(proc)
        w, h = images[0].size
        cols = 3  # six screens: three by two, at half size each as before
        rows = -(-len(images) // cols)
        sheet = Image.new("RGB", (w * cols, h * rows), "white")
        for i, image in enumerate(images):
            sheet.paste(image, ((i % cols) * w, (i // cols) * h))
        sheet = sheet.resize((w * cols // 2, h * rows // 2))
        out = ROOT / "docs" / "screens.png"
        sheet.save(out, optimize=True)
        print(f"wrote {out}")


if __name__ == "__main__":
    main()
