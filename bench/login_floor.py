"""The floor of a login to the Badges page: one app alone, scripts cached, no other load.

    .venv/bin/python bench/login_floor.py --keep /tmp/big.duckdb [--app DIR ...] [--runs 7] [--no-profile] [--fresh]

For each app (this checkout, or each `--app DIR`: a checkout with another Badges page, served
with this venv on a copy of the big store), one after the other: a returning Chromium (its
cache kept, its cookie cleared) fills the login form, and "Log in" is timed until the Badges
grid's accessible first cell exists and the run has finished, as `bench_pages_browser.py`'s
"scripts cached" row; with `--fresh`, each login in a new browser profile (nothing cached),
as its "fresh browser" row. Printed per app: the median and the slowest, the median of when the
POST was answered, the page's HTML arrived, the websocket opened and its last message of the
run came (Chromium's network events), and where the renderer's time went (a CPU profile by
script file, self time; "(program)" is native work, "(idle)" waiting; profiling on makes each
login a little slower). Issue 13's floor
(bench/README.md, session 14): what no change of the page can take off.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_list_browser import FIRST_CELL  # noqa: E402
from bench.bench_pages_browser import IDLE, TIMEOUT, VIEWPORT  # noqa: E402
from bench.big_store import ADMIN, build_big_store  # noqa: E402
from tests.support.browser import CHROMIUM, _stop, serve_app  # noqa: E402


def one_login(
    context, page, url: str, profile_on: bool
) -> tuple[float, dict[str, float], dict[str, float]]:
    """Time one login; return the seconds, its laps and the renderer's seconds per script."""
    context.clear_cookies()
    page.goto(f"{url}/")
    page.get_by_label("Username").fill(ADMIN[0])
    page.get_by_label("Password").fill(ADMIN[1])
    cdp = context.new_cdp_session(page)
    events: list[tuple[float, str, dict]] = []
    for name in ("requestWillBeSent", "responseReceived", "webSocketCreated",
                 "webSocketFrameReceived"):  # fmt: skip
        cdp.on(f"Network.{name}", lambda e, n=name: events.append((time.perf_counter(), n, e)))
    cdp.send("Network.enable")
    if profile_on:
        cdp.send("Profiler.enable")
        cdp.send("Profiler.setSamplingInterval", {"interval": 200})
        cdp.send("Profiler.start")
    start = time.perf_counter()
    page.get_by_role("button", name="Log in").click()
    page.locator(FIRST_CELL).first.wait_for(state="attached", timeout=TIMEOUT)
    page.wait_for_selector(IDLE, state="attached", timeout=TIMEOUT)
    seconds = time.perf_counter() - start
    profile = cdp.send("Profiler.stop")["profile"] if profile_on else None
    cdp.detach()
    urls, laps = {}, {}
    for at, name, e in events:
        if name == "requestWillBeSent":
            # The POST's answer is a redirect: it comes as the next request of the same id.
            if "redirectResponse" in e and urls.get(e["requestId"]) == ("POST", "/login"):
                laps.setdefault("POST answered", at - start)
            urls[e["requestId"]] = (e["request"]["method"], e["request"]["url"].removeprefix(url))
        elif name == "responseReceived" and urls.get(e["requestId"]) == ("GET", "/"):
            laps.setdefault("page's HTML", at - start)
        elif (
            name == "responseReceived"
            and e["response"]["url"].endswith(".js")
            and at - start < seconds
        ):
            laps["last script answered"] = at - start
        elif name == "webSocketCreated":
            laps.setdefault("websocket opened", at - start)
        elif name == "webSocketFrameReceived" and at - start < seconds:
            laps["run's last message"] = at - start
    per_script: dict[str, float] = defaultdict(float)
    if profile is None:
        return seconds, laps, per_script
    nodes = {n["id"]: n["callFrame"] for n in profile["nodes"]}
    for node, delta in zip(profile["samples"], profile["timeDeltas"], strict=True):
        frame = nodes[node]
        script = frame["url"].rsplit("/", 1)[-1] or f"({frame['functionName']})"
        per_script[script] += delta / 1e6
    return seconds, laps, per_script


def measure(app: Path, store: Path, runs: int, work: Path, profile_on: bool, fresh: bool) -> None:
    """Serve one app on a copy of the store and print its logins' figures."""
    db = work / f"{app.name}.duckdb"
    shutil.copy(store, db)
    proc, url = serve_app(app, db, work / f"{app.name}.log", timeout=90)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM)
            context = browser.new_context(viewport=VIEWPORT)
            page = context.new_page()
            results = []
            for _ in range(runs + 1):
                if fresh:  # a new profile: its HTTP cache empty
                    context.close()
                    context = browser.new_context(viewport=VIEWPORT)
                    page = context.new_page()
                results.append(one_login(context, page, url, profile_on))
            results = results[1:]  # the first is a warm-up
            browser.close()
    finally:
        _stop(proc)
    seconds = [r[0] for r in results]
    print(f"== {app}: median {statistics.median(seconds):.2f} s, slowest {max(seconds):.2f} s")
    laps = ("POST answered", "page's HTML", "last script answered", "websocket opened")
    for lap in (*laps, "run's last message"):
        found = [r[1][lap] for r in results if lap in r[1]]
        if found:
            print(f"   {lap}: {statistics.median(found):.2f} s")
    scripts: dict[str, float] = defaultdict(float)
    for _, _, per_script in results:
        for script, spent in per_script.items():
            scripts[script] += spent / len(results)
    top = sorted(scripts.items(), key=lambda kv: -kv[1])[:12]
    if top:
        print("   renderer, s per login: " + ", ".join(f"{k} {v:.3f}" for k, v in top))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", type=Path, required=True, help="the big store (built if absent)")
    parser.add_argument("--app", type=Path, action="append", default=[], help="another checkout")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--no-profile", action="store_true", help="no CPU profile (each login a little faster)"
    )
    parser.add_argument("--fresh", action="store_true", help="each login in a new browser profile")
    args = parser.parse_args()
    build_big_store(args.keep)  # reused when it exists with the default counts
    with tempfile.TemporaryDirectory() as tmp:
        for app in [ROOT, *args.app]:
            measure(app.resolve(), args.keep, args.runs, Path(tmp), not args.no_profile, args.fresh)


if __name__ == "__main__":
    main()
