"""Regenerate docs/screens.png, the README's picture of the main screens.

Run from the repository root with the app NOT running: it creates a demo data file in a
temporary folder, serves the app on a free port, logs in as the demo admin, photographs four
screens in Debian's Chromium and tiles them into one PNG.

    .venv/bin/python docs/make_screens.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser.conftest import (  # noqa: E402 - needs the repository on sys.path
    CHROMIUM,
    PASSWORDS,
    _prepare,
    _start,
    _stop,
    log_in,
    wait_idle,
)

SHOTS = [
    ("/", "Badges"),
    ("/batch-unlock", "Batch unlock"),
    ("/batch-unlock?status=partially_published&sort=name", "Filtered"),
    ("/batch?id=49", "Batch"),
]


def main() -> None:
    """Serve the demo, photograph the screens, tile them."""
    with tempfile.TemporaryDirectory() as tmp:
        db, quests = _prepare(Path(tmp))
        # Keep one batch running in the picture: a slow publisher and a batch to publish.
        subprocess.run(
            [sys.executable, "-m", "core", "--db", str(db), "batch", "publish", "51"],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
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
                for path, _title in SHOTS:
                    page.goto(server.url + path)
                    wait_idle(page)
                    page.wait_for_timeout(2500)
                    shot = Path(tmp) / f"{len(images)}.png"
                    page.screenshot(path=str(shot))
                    images.append(Image.open(shot).convert("RGB"))
                browser.close()
        finally:
            _stop(proc)
        w, h = images[0].size
        sheet = Image.new("RGB", (w * 2, h * 2), "white")
        for i, image in enumerate(images):
            sheet.paste(image, ((i % 2) * w, (i // 2) * h))
        sheet = sheet.resize((w, h))
        out = ROOT / "docs" / "screens.png"
        sheet.save(out, optimize=True)
        print(f"wrote {out}")


if __name__ == "__main__":
    main()
