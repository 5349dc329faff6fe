"""How fast the app's server hands out the scripts a fresh browser needs (issue 13), no browser.

    .venv/bin/python bench/bench_static_files.py --baseline DIR [--rounds N]

Serves this checkout's app and DIR's (an older checkout, this venv) side by side on two small
demo stores, and fetches from each, in alternating rounds, every file a fresh browser loads for
the Badges page: Streamlit's page's scripts and styles, the element scripts the page preloads
(pages/web/page_preloads.py) and everything they import, over 6 keep-alive connections at once
(as Chromium over HTTP/1.1), asking for gzip. Reports per server the median wall time of a
round, the bytes received, and the server process's CPU seconds per round (/proc).
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pages.web import page_preloads  # noqa: E402
from tests.support.browser import _stop, serve_app  # noqa: E402

CONNECTIONS = 6  # Chromium's limit per host over HTTP/1.1


def page_files() -> list[str]:
    """The /static/ paths a fresh browser fetches for the Badges page (a close superset)."""
    page = page_preloads.APP_PAGE.read_text(encoding="utf-8")
    named = re.findall(r'(?:src|href)="\./(static/[^"]+)"', page)
    scripts = [n.removeprefix("static/js/") for n in named if n.endswith(".js")]
    wanted = page_preloads._with_imports([*scripts, *page_preloads.element_scripts()])
    return sorted({*(f"/{n}" for n in named), *(f"/static/js/{f}" for f in wanted)})


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def fetch_all(port: int, paths: list[str]) -> tuple[float, int]:
    """Fetch every path over CONNECTIONS keep-alive connections; (seconds, bytes received)."""
    todo = list(paths)
    lock = threading.Lock()
    received = [0]

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            with lock:
                if not todo:
                    break
                path = todo.pop()
            conn.request("GET", path, headers={"Accept-Encoding": "gzip, deflate, br"})
            response = conn.getresponse()
            body = response.read()
            assert response.status == 200, (path, response.status)
            with lock:
                received[0] += len(body)
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(CONNECTIONS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started, received[0]


def main(argv: list[str] | None = None) -> int:
    """Serve both apps, fetch the page's files from each in turn, print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--baseline", metavar="DIR", required=True)
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args(argv)
    paths = page_files()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        servers = []
        try:
            for label, app_dir in (("now", ROOT), ("before", Path(args.baseline).resolve())):
                db = tmp / f"{label}.duckdb"
                subprocess.run(
                    [sys.executable, "-m", "core", "init", "--demo"],
                    cwd=ROOT, env={**os.environ, "BATCH_UNLOCK_DB": str(db)}, check=True,
                    capture_output=True,
                )  # fmt: skip
                proc, url = serve_app(app_dir, db, tmp / f"{label}.log")
                servers.append((label, proc, int(url.rsplit(":", 1)[1])))
            time.sleep(2)
            for _label, _proc, port in servers:  # once each first: the files read, gzipped
                fetch_all(port, paths)
            stats: dict[str, list[tuple[float, int, float]]] = {s[0]: [] for s in servers}
            for i in range(args.rounds):
                for label, proc, port in servers if i % 2 == 0 else servers[::-1]:
                    cpu = cpu_seconds(proc.pid)
                    seconds, size = fetch_all(port, paths)
                    stats[label].append((seconds, size, cpu_seconds(proc.pid) - cpu))
        finally:
            for _label, proc, _port in servers:
                _stop(proc)
    print(
        f"{len(paths)} files, {CONNECTIONS} connections, {args.rounds} rounds each, "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    for label, rows in stats.items():
        wall = statistics.median(r[0] for r in rows)
        cpu = statistics.median(r[2] for r in rows)
        print(f"  {label:6}: {wall:.3f} s per round (median), {rows[0][1] / 1e6:.2f} MB received,"
              f" server CPU {cpu:.3f} s per round")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
