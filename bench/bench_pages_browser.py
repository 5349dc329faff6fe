"""Time every page and change a person feels, in Chromium, on the big store (issue 13's table).

    .venv/bin/python bench/bench_pages_browser.py [--keep PATH] [--runs N] [--baseline DIR]

Builds (or reuses, with --keep) bench/big_store.py's store: 100,000 batches, 5M batch users, 1M
platform users. Serves the app on a free loopback port and drives Debian's Chromium (1400×1000)
through one cycle per run: log in (from a fresh browser, at once and after ~3 s of typing on the
form; then from a returning one), the Badges page's "⋮" to the batch list, the list loaded by
its URL, a filter, a chip removed, a header sort, the next page, "More filters" and the badge
tree opened, Edit on the 5,000-user Published batch, and on a fresh draft: open Upload, preview a
5,000-row file, Upload. The clock starts at the click (or the navigation, or the file handed
over) and stops when what the user needs next is on screen and the app's run has finished. The
first cycle warms the server up: it is left out of the table and shown apart (a fresh server).

With --baseline DIR, the same cycles also run against the app of an older checkout (DIR/app.py,
this venv) on a copy of the data file, both servers up at once and the cycles alternating
between them, so other work on the machine weighs on both columns alike; otherwise the
"previous" column holds the figures the issue measured. Exits 1 if a median (or, where the
issue sets one, a p95) is over its target, or a step failed.

--via direct,nginx,h2 reaches each app also through a throwaway nginx configured from
deploy/nginx.conf (bench/nginx_front.py; h2: over TLS and HTTP/2), a column each; --steps login
runs only the three logins; --trace DIR records a Chromium trace of each timed fresh login and
prints where its time went (bench/trace_summary.py).
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import trace_summary  # noqa: E402
from bench.bench_list_browser import FINGERPRINT, FIRST_CELL  # noqa: E402
from bench.big_store import (  # noqa: E402
    ADMIN,
    PUBLISHED_NAME,
    build_big_store,
    make_drafts,
    upload_csv_bytes,
)
from bench.nginx_front import nginx_front, spki_hash  # noqa: E402
from core import words  # noqa: E402
from tests.support import grid  # noqa: E402
from tests.support.browser import CHROMIUM, _stop, serve_app  # noqa: E402

IDLE = "[data-testid=stApp][data-test-script-state=notRunning]"
TIMEOUT = 30_000  # ms; a step slower than this is a failure, not a figure
VIEWPORT = {"width": 1400, "height": 1000}
SETTLE_S = 3.0  # seconds between the servers' start and the first cycle
# How the browser reaches a server (--via): directly, through deploy/nginx.conf over HTTP/1.1,
# or through it over TLS with HTTP/2 (bench/nginx_front.py).
VIAS = ("direct", "nginx", "h2")
LOGIN_KEYS = ("login", "login_typed", "login_cached")
# What a Chromium trace of a login records (bench/trace_summary.py reads it).
TRACE_CATEGORIES = [
    "devtools.timeline", "disabled-by-default-devtools.timeline", "v8", "v8.execute",
    "blink.user_timing", "loading", "netlog", "toplevel",
]  # fmt: skip


@dataclass(frozen=True)
class Row:
    """One line of the table: what is timed, its targets, and the issue's figure for it."""

    key: str
    what: str
    target: float  # seconds, median
    target_p95: float | None  # seconds, where the issue sets one
    today: str  # as measured when the issue was written


CHANGE = 1.0, 1.5  # "any filter change, sort, page, chip, More filters, badge tree"
ROWS = [
    Row("login", "first page after login (fresh browser)", 1.5, None, "5.2 s"),
    Row("login_typed", "first page after login (fresh browser, ~3 s typing)", 1.5, None, "—"),
    Row("login_cached", "first page after login (scripts cached)", 1.5, None, "5.2 s"),
    Row("menu", "Badges → ⋮ → Batch unlock", 1.5, None, "2.4 s"),
    Row("list", "batch list, direct load", 1.5, None, "2.3–3.9 s"),
    Row("detail", "Edit → detail of a 5,000-user batch", 1.5, None, "2.8–4.0 s"),
    Row("filter", "filter change (Status: Published)", *CHANGE, "0.6–3.2 s"),
    Row("chip", "chip removal (Status chip)", *CHANGE, "0.6–3.2 s"),
    Row("sort", "sort (Title header)", *CHANGE, "1.2–1.3 s"),
    Row("page", "next page", *CHANGE, "0.6–3.2 s"),
    Row("more", "open More filters", *CHANGE, "≤ 3.2 s"),
    Row("tree", "open the badge tree", *CHANGE, "1.6 s"),
    Row("open_upload", "New Batch: open Upload", 0.5, None, "0.9 s"),
    Row("preview", "New Batch: preview a 5,000-row file", 1.0, None, "1.4 s"),
    Row("upload", "New Batch: Upload (5,000 rows)", 1.0, None, "1.3 s"),
]


@dataclass
class Results:
    """Seconds per row key, and the steps that failed."""

    label: str
    seconds: dict[str, list[float]] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)
    load: list[float] = field(default_factory=list)
    traces: dict[str, list[dict[str, float]]] = field(default_factory=dict)

    def add(self, key: str, value: float) -> None:
        """Record one timed step."""
        self.seconds.setdefault(key, []).append(value)


def p95(values: list[float]) -> float:
    """Nearest-rank 95th percentile (the maximum for fewer than 20 values)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


# ---------------------------------------------------------------- the server


def serve(app_dir: Path, db: Path, log: Path) -> tuple[subprocess.Popen, str]:
    """Start `streamlit run app.py` in app_dir on the data file; return it and its URL."""
    return serve_app(app_dir, db, log, timeout=90)


# ---------------------------------------------------------------- what "usable" means

# The list as the user sees it: bench_list_browser.FINGERPRINT (its count, the grid's first titles).


def idle(page: Page) -> None:
    """Wait until the app's script has finished (after what the user waits for is shown)."""
    page.wait_for_selector(IDLE, state="attached", timeout=TIMEOUT)


# The grid draws its rows on a canvas at once; the accessible copy of its cells (the
# `glide-cell-*` elements every "usable" check below waits for) follows 0.2-0.35 s later, since
# the grid rebuilds it only 200 ms after its last change (glide-data-grid's debounce). The
# tables' rows stop at that copy (what a screen reader can read); "rows drawn" is what a sighted
# person sees: the first data row of the page's first grid, read from the canvas every frame.
# Armed at each page's start (an init script) and before each change within a page (`arm`).
ROWS_DRAWN = """(() => {
  const sample = () => {
    const c = document.querySelector('[data-testid=stDataFrame] canvas');
    if (!c || !c.width || !c.clientWidth) return null;
    const k = c.width / c.clientWidth;
    const d = c.getContext('2d').getImageData(0, Math.round(36 * k),
        Math.min(c.width, Math.round(400 * k)), Math.round(33 * k)).data;
    let h = 0, dark = 0;
    for (let i = 0; i < d.length; i += 16) {
      h = (h * 31 + d[i] + d[i + 1] * 7 + d[i + 3] * 13) | 0;
      if (d[i + 3] > 0 && d[i] < 128) dark++;
    }
    return dark > 20 ? String(h) : null;  // text on the row, or nothing drawn yet
  };
  // The time of the row's last change before the step ended: a click first tints the clicked
  // column (a selection), then the new rows come; the last change is the rows as they stay.
  window.__rowsArm = () => {
    const w = {last: sample(), drawn: null, until: performance.now() + 30000};
    window.__rows = w;
    const look = () => {
      if (window.__rows !== w || performance.now() > w.until) return;
      const now = sample();
      if (now !== null && now !== w.last) w.drawn = performance.timeOrigin + performance.now();
      w.last = now;
      requestAnimationFrame(look);
    };
    requestAnimationFrame(look);
  };
  window.__rowsArm();
})()"""


def arm(page: Page) -> None:
    """Start watching the grid's canvas for other rows (before a change within the page)."""
    page.evaluate("window.__rowsArm && window.__rowsArm()")


def rows_drawn_at(page: Page) -> float | None:
    """When (wall clock, s) the armed watch last saw the first row change, if it did; stop it."""
    at = page.evaluate("window.__rows ? (window.__rows.until = 0, window.__rows.drawn) : null")
    return None if at is None else at / 1000


# One check in the page for all of a list's "usable" conditions at once (polled every frame),
# instead of four Playwright waits in a row: each of those is a round trip to the browser, and
# under load their sum read 0.1-0.5 s after the page had shown everything.
LIST_READY = f"""(a) => {{
    const app = document.querySelector('[data-testid=stApp]');
    if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
    if (a.url !== null && location.href === a.url) return false;
    const count = [...document.querySelectorAll('[data-testid=stCaptionContainer]')]
        .find(e => e.textContent.includes('matching batch') && e.checkVisibility());
    if (!count) return false;
    if (!document.querySelector('{FIRST_CELL}'))
        return false;
    const now = ({FINGERPRINT})();
    return a.fp !== null && now === a.fp ? false : now;
}}"""


# The batch page as the Edit step waits for it: its heading, "Users (5,000)", the users' grid,
# the run finished (all at once, as LIST_READY).
DETAIL_READY = f"""(name) => {{
    const app = document.querySelector('[data-testid=stApp]');
    if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
    const shown = (sel, text) => [...document.querySelectorAll(sel)]
        .some(e => e.textContent.includes(text) && e.checkVisibility());
    return shown('h1, h2, h3, h4, h5, h6', name) && shown('h1, h2, h3, h4, h5, h6', 'Users (5,000)')
        && !!document.querySelector('{FIRST_CELL}');
}}"""


def list_shown(page: Page) -> str:
    """Wait until the batch list shows its count and rows, and the run finished; fingerprint."""
    return page.wait_for_function(
        LIST_READY, arg={"url": None, "fp": None}, timeout=TIMEOUT
    ).json_value()


def list_changed(page: Page, before_url: str, before: str) -> None:
    """Wait until a change reached the URL, the list shows other rows, and the run finished."""
    # Not page.wait_for_url: for a change within the page (history.replaceState, as Streamlit
    # writes the URL) it also waits for a load event that never comes, and answered 0.3-0.8 s
    # after the URL had changed (the sort read 1.1 s where the sorted rows showed at 0.33 s).
    page.wait_for_function(LIST_READY, arg={"url": before_url, "fp": before}, timeout=TIMEOUT)


def badges_shown(page: Page) -> None:
    """The Badges page: its heading, counts and table of quests."""
    page.get_by_role("heading", name=words.BADGES).first.wait_for(timeout=TIMEOUT)
    page.get_by_test_id("stMetric").nth(2).wait_for(timeout=TIMEOUT)
    page.locator(FIRST_CELL).first.wait_for(state="attached", timeout=TIMEOUT)
    idle(page)


# ---------------------------------------------------------------- one cycle


class Cycle:
    """One pass through every timed step: a login in a fresh browser profile, then the rest in
    the app's returning browser (its HTTP cache kept, its cookies cleared: a new login)."""

    def __init__(self, browser: Browser, returning: BrowserContext, url: str, draft_id: int,
                 csv: bytes, out: Results, record: bool, shots: Path, login_only: bool = False,
                 trace: Path | None = None) -> None:  # fmt: skip
        self.browser, self.url, self.draft_id, self.csv = browser, url, draft_id, csv
        self.out, self.record, self.shots = out, record, shots
        self.login_only, self.trace = login_only, trace
        self.cold = not record and not out.seconds  # the first cycle on a fresh server
        returning.clear_cookies()
        self.page = returning.new_page()

    def timed(
        self,
        key: str,
        action: Callable[[], None],
        done: Callable[[], None],
        page: Page | None = None,
    ) -> None:
        """Run `action`, wait for `done`; record the seconds between the two starts and the end.

        With `page`, also when that page's first grid drew other rows (a lap "…:rows drawn").
        """
        if page is not None:
            arm(page)
        self.started, wall = time.perf_counter(), time.time()
        action()
        done()
        if self.record:
            self.out.add(key, time.perf_counter() - self.started)
            drawn = rows_drawn_at(page) if page is not None else None
            if drawn is not None:
                self.out.add(f"{key}:rows drawn", drawn - wall)
        elif self.cold:  # the server's first page runs, kept apart from the table
            self.out.add(f"cold:{key}", time.perf_counter() - self.started)

    def lap(self, key: str) -> None:
        """Record a phase of the step being timed: seconds from its start until now."""
        if self.record:
            self.out.add(key, time.perf_counter() - self.started)

    def run(self) -> None:
        """Every step in order; a step that fails is counted and shot, and the next one runs
        (each starts from its own URL), except after a failed login."""
        page = self.page
        steps = (self.fresh_login, self.typed_login, self.login, self.menu, self.list_changes,
                 self.detail,
                 self.new_batch)  # fmt: skip
        if self.login_only:
            steps = steps[:3]
        try:
            for step in steps:
                try:
                    step()
                except Exception as exc:  # reported; the other steps and cycles still run
                    name = step.__name__
                    shot = self.shots / f"fail_{self.out.label}_{name}.png"
                    page.screenshot(path=str(shot), full_page=True)
                    self.out.failures[name] = self.out.failures.get(name, 0) + 1
                    print(f"  {self.out.label}: step {name} failed ({exc!s:.200}); see {shot}")
                    if step == self.login:
                        return
        finally:
            page.close()

    def fresh_login(self) -> None:
        """Log in from a browser that never saw the app: Streamlit's scripts are fetched too."""
        context = self.browser.new_context(viewport=VIEWPORT)
        context.add_init_script(ROWS_DRAWN)
        try:
            self.log_in(context.new_page(), "login")
        finally:
            context.close()

    def typed_login(self) -> None:
        """As `fresh_login`, typed at a person's pace (~3 s on the form): the login page names
        the app's scripts (modulepreload), which the browser fetches and compiles meanwhile."""
        context = self.browser.new_context(viewport=VIEWPORT)
        context.add_init_script(ROWS_DRAWN)
        try:
            self.log_in(context.new_page(), "login_typed", typing_s=3.0)
        finally:
            context.close()

    def login(self) -> None:
        """Log in again from the returning browser (scripts cached, no session cookie)."""
        self.log_in(self.page, "login_cached")

    def log_in(self, page: Page, key: str, typing_s: float = 0.0) -> None:
        """Fill the login form (key by key over `typing_s` seconds, or at once); time "Log in"
        until the Badges page is usable."""
        page.goto(f"{self.url}/")  # the guard sends a visitor without a session to /login
        delay = 1000 * typing_s / len(ADMIN[0] + ADMIN[1])  # ms per key
        for label, text in (("Username", ADMIN[0]), ("Password", ADMIN[1])):
            if typing_s:
                page.get_by_label(label).press_sequentially(text, delay=delay)
            else:
                page.get_by_label(label).fill(text)

        def post() -> None:
            posted = page.expect_response(
                lambda r: r.request.method == "POST" and "/login" in r.url, timeout=TIMEOUT
            )
            with posted:
                page.get_by_role("button", name="Log in").click()
            self.lap(f"{key}:POST answered")

        tracing = self.trace is not None and self.record and key != "login_cached"
        if tracing:  # a Chromium trace of this login, summarized (bench/trace_summary.py)
            self.browser.start_tracing(page=page, categories=TRACE_CATEGORIES)
        try:
            self.timed(
                key,
                post,
                lambda: (page.wait_for_url(lambda u: "/login" not in u, timeout=TIMEOUT),
                         self.lap(f"{key}:answered"), badges_shown(page)),
                page,
            )  # fmt: skip
        finally:
            if tracing and self.trace is not None:
                data = self.browser.stop_tracing()
                n = len(self.out.traces.get(key, []))
                path = self.trace / f"{self.out.label}_{key}_{n + 1}.json"
                path.write_bytes(data)
                summary = trace_summary.summarize(trace_summary.load(path))
                self.out.traces.setdefault(key, []).append(summary)

    def menu(self) -> None:
        page = self.page
        # The spec's path: the Badges page's "⋮" menu (opened first, not timed), "Batch unlock".
        page.get_by_role("button", name=words.MORE_MENU).click()
        option = page.get_by_text(words.BATCH_UNLOCK, exact=True).last
        option.wait_for(timeout=TIMEOUT)
        self.timed("menu", option.click, lambda: list_shown(page), page)

    def list_changes(self) -> None:
        page = self.page
        base = f"{self.url}/batch-unlock"
        self.timed(
            "list",
            lambda: (page.goto(base), self.lap("list:HTML loaded")),
            lambda: list_shown(page),
            page,
        )
        # The charts, below the grid (out of view): when they are drawn, from the same start (a
        # phase shown apart; the row stops at the grid).
        page.locator("[data-testid=stVegaLiteChart] .marks").nth(1).wait_for(timeout=TIMEOUT)
        self.lap("list:charts drawn")

        def change(key: str, prepare: Callable[[], None], action: Callable[[], None]) -> None:
            prepare()
            before, before_url = list_shown(page), page.url
            self.timed(key, action, lambda: list_changed(page, before_url, before), page)

        status = page.get_by_test_id("stMultiSelect").filter(has_text=words.STATUS)
        change(
            "filter",
            lambda: status.click(),
            lambda: page.get_by_role("option", name=words.PUBLISHED, exact=True).click(),
        )
        page.keyboard.press("Escape")  # the dropdown may stay open over the grid
        change(
            "chip",
            lambda: None,
            lambda: page.get_by_role("button", name=f"{words.STATUS}: {words.PUBLISHED}").click(),
        )
        # Where the Title header is, found before the clock starts (the person's pointer is
        # already there): the lookup is two round trips to the browser, not the app's time.
        header: list[float] = []
        change(
            "sort",
            lambda: header.extend((grid._x(page, "name"), grid._y(page, None))),
            lambda: page.mouse.click(*header),
        )
        change(
            "page",
            lambda: None,
            lambda: page.get_by_test_id("stPagination").get_by_text("2", exact=True).click(),
        )
        list_shown(page)
        self.timed(
            "more",
            lambda: page.get_by_text(words.MORE_FILTERS).click(),
            lambda: (
                page.get_by_role("spinbutton", name=f"year, {words.CREATED_AT}").wait_for(
                    timeout=TIMEOUT
                ),
                idle(page),
            ),
        )
        self.timed(
            "tree",
            lambda: page.get_by_test_id("stPopoverButton").filter(has_text=words.BADGE).click(),
            lambda: (
                page.get_by_role("checkbox", name="Badge 7", exact=True).wait_for(timeout=TIMEOUT),
                idle(page),
            ),
        )
        page.keyboard.press("Escape")
        page.get_by_test_id("stPopoverBody").wait_for(state="detached", timeout=TIMEOUT)

    def detail(self) -> None:
        page = self.page
        page.goto(f"{self.url}/batch-unlock?name={quote(PUBLISHED_NAME)}")
        list_shown(page)
        edit = grid._x(page, "open"), grid._y(page, 0)  # found before the clock starts
        self.timed(
            "detail",
            lambda: page.mouse.click(*edit),
            lambda: (
                page.wait_for_url(re.compile(r"/batch\?id=\d+"), timeout=TIMEOUT),
                self.lap("detail:new URL"),
                page.wait_for_function(DETAIL_READY, arg=PUBLISHED_NAME, timeout=TIMEOUT),
            ),
            page,
        )

    def new_batch(self) -> None:
        page = self.page
        page.goto(f"{self.url}/new-batch?draft={self.draft_id}")
        upload = page.get_by_role("button", name=words.UPLOAD, exact=True)
        upload.wait_for(timeout=TIMEOUT)
        idle(page)
        dialog = page.get_by_test_id("stDialog")
        dropzone = dialog.get_by_test_id("stFileUploaderDropzoneInput")
        self.timed(
            "open_upload",
            upload.click,
            lambda: (dropzone.wait_for(state="attached", timeout=TIMEOUT), idle(page)),
        )

        def hand_over() -> None:
            sent = page.expect_response(
                lambda r: "/_stcore/upload_file" in r.url and r.request.method != "DELETE",
                timeout=TIMEOUT,
            )
            with sent:
                dropzone.set_input_files(
                    files=[{"name": "users.csv", "mimeType": "text/csv", "buffer": self.csv}]
                )
            self.lap("preview:file sent")

        self.timed(
            "preview",
            hand_over,
            lambda: (dialog.get_by_test_id("stMetric").first.wait_for(timeout=TIMEOUT),
                     idle(page)),
        )  # fmt: skip
        self.timed(
            "upload",
            lambda: dialog.get_by_role("button", name=words.UPLOAD, exact=True).click(),
            lambda: (
                dialog.wait_for(state="detached", timeout=TIMEOUT),
                page.get_by_text(re.compile("added to the batch")).first.wait_for(timeout=TIMEOUT),
                idle(page),
            ),
        )


def measure(
    apps: list[tuple[str, Path, Path]],
    runs: int,
    warmup: int,
    shots: Path,
    vias: tuple[str, ...] = ("direct",),
    login_only: bool = False,
    trace: Path | None = None,
) -> list[Results]:
    """Serve each (label, app dir, data file) at once and run their cycles in turn.

    Each app is reached each way in `vias` (a column each: "now", "now+nginx", "now+h2"; nginx
    is a throwaway from bench/nginx_front.py, stopped at the end). Cycles alternate between the
    columns (ABBA order), so a load that other work puts on the machine meanwhile weighs on
    every column alike.
    """
    csv = upload_csv_bytes()
    columns: list[tuple[Results, int, str]] = []  # (results, server index, via)
    servers, drafts = [], []
    with contextlib.ExitStack() as stack:
        try:
            for a, (label, app_dir, db) in enumerate(apps):
                for via in vias:
                    name = label if via == "direct" else f"{label}+{via}"
                    columns.append((Results(name), a, via))
                    # Fresh empty drafts to upload into, one per cycle (before the server holds
                    # the file).
                    drafts.append(make_drafts(db, f"Bench upload {name}", warmup + runs))
                servers.append(serve(app_dir, db, shots / f"server_{label}.log"))
            urls, spki = [], []
            for _results, a, via in columns:
                if via == "direct":
                    urls.append(servers[a][1])
                    continue
                port = int(servers[a][1].rsplit(":", 1)[1])
                url, cert = stack.enter_context(nginx_front(port, tls=via == "h2"))
                urls.append(url)
                if cert is not None:
                    spki.append(spki_hash(cert))
            time.sleep(SETTLE_S)  # what a server does right after its start is not a page's time
            args = ["--no-sandbox"]
            if spki:  # the throwaway certificates count as valid (so the HTTP cache stays on)
                args.append(f"--ignore-certificate-errors-spki-list={','.join(spki)}")
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=str(CHROMIUM), args=args)
                # One returning browser profile per column (HTTP cache kept between cycles).
                returning = [browser.new_context(viewport=VIEWPORT) for _ in columns]
                for context in returning:
                    context.add_init_script(ROWS_DRAWN)
                for i in range(warmup + runs):
                    record = i >= warmup
                    n = len(columns)
                    order = range(n) if i % 2 == 0 else reversed(range(n))
                    for k in order:
                        out = columns[k][0]
                        Cycle(browser, returning[k], urls[k], drafts[k][i], csv, out, record,
                              shots, login_only, trace).run()  # fmt: skip
                        if record:
                            out.load.append(os.getloadavg()[0])
                    print(f"  cycle {i + 1}/{warmup + runs}{'' if record else ' (warm-up)'} done")
                browser.close()
        finally:
            for proc, _url in servers:
                _stop(proc)
    return [results for results, _a, _via in columns]


def report(rows: list[Row], now: Results, before: Results | None, markdown: bool) -> bool:
    """Print the table (plain or markdown); return whether every target holds."""
    if before is not None and before.label != "before":  # more columns: report_columns
        return report_columns(rows, [now, before], markdown)

    runs = max((len(v) for v in now.seconds.values()), default=0)

    def figures(values: list[float]) -> str:
        if not values:
            return "failed"
        fewer = f" (n={len(values)})" if len(values) < runs else ""  # some runs failed
        return f"{statistics.median(values):.2f} / {p95(values):.2f}{fewer}"

    head = ["what", "median / p95", "target", *(["before"] if before else []), "issue", "verdict"]
    lines = []
    ok = not now.failures
    for row in rows:
        values = now.seconds.get(row.key, [])
        target = f"≤ {row.target:.1f}" + (f" / {row.target_p95:.1f}" if row.target_p95 else "")
        if not values:
            verdict = "FAILED"
        else:
            top = p95(values)
            over = statistics.median(values) > row.target or (
                row.target_p95 is not None and top > row.target_p95
            )
            verdict = "OVER" if over else "ok"
        ok = ok and verdict == "ok"
        old = [figures(before.seconds.get(row.key, []))] if before else []
        lines.append([row.what, figures(values), target, *old, row.today, verdict])
    if markdown:
        print("| " + " | ".join(head) + " |")
        print("|---|" + "---:|" * (len(head) - 2) + "---|")
        for line in lines:
            print("| " + " | ".join(line) + " |")
        return ok
    widths = [max(len(str(x)) for x in col) for col in zip(head, *lines, strict=True)]
    for i, line in enumerate([head, *lines]):
        cells = [
            c.ljust(w) if j == 0 else c.rjust(w)
            for j, (c, w) in enumerate(zip(line, widths, strict=True))
        ]
        print("  ".join(cells))
        if i == 0:
            print("-" * (sum(widths) + 2 * (len(widths) - 1)))
    return ok


def report_columns(rows: list[Row], columns: list[Results], markdown: bool) -> bool:
    """The table with one median / p95 column per app and way in (the rows some column timed);
    the verdict is the first column's. Return whether its targets hold."""
    first = columns[0]
    head = ["what", *(c.label for c in columns), "target", "verdict"]
    lines, ok = [], not first.failures
    for row in rows:
        if not any(c.seconds.get(row.key) for c in columns):
            continue  # not run (--steps login)
        cells = []
        for c in columns:
            values = c.seconds.get(row.key, [])
            cells.append(f"{statistics.median(values):.2f} / {p95(values):.2f}" if values else "-")
        values = first.seconds.get(row.key, [])
        over = (
            not values
            or statistics.median(values) > row.target
            or (row.target_p95 is not None and p95(values) > row.target_p95)
        )
        ok = ok and not over
        target = f"≤ {row.target:.1f}" + (f" / {row.target_p95:.1f}" if row.target_p95 else "")
        lines.append([row.what, *cells, target, "OVER" if over else "ok"])
    if markdown:
        print("| " + " | ".join(head) + " |")
        print("|---|" + "---:|" * (len(head) - 2) + "---|")
        for line in lines:
            print("| " + " | ".join(line) + " |")
        return ok
    widths = [max(len(str(x)) for x in col) for col in zip(head, *lines, strict=True)]
    for i, line in enumerate([head, *lines]):
        print("  ".join(c.ljust(w) if j == 0 else c.rjust(w)
                        for j, (c, w) in enumerate(zip(line, widths, strict=True))))  # fmt: skip
        if i == 0:
            print("-" * (sum(widths) + 2 * (len(widths) - 1)))
    return ok


def main(argv: list[str] | None = None) -> int:
    """Build or reuse the big store, run the cycles (and the baseline's), print; 1 over target."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keep", metavar="PATH", help="build (or reuse) the big store here")
    parser.add_argument("--runs", type=int, default=5, help="timed cycles (default 5)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed cycles first (default 1)")
    parser.add_argument("--baseline", metavar="DIR", help="an older checkout to compare with")
    parser.add_argument("--markdown", action="store_true", help="print the table as markdown")
    parser.add_argument(
        "--shots",
        metavar="DIR",
        default=str(Path(tempfile.gettempdir()) / "bench_pages_browser"),
        help="where the servers' logs and screenshots of failed steps go",
    )
    parser.add_argument(
        "--via",
        default="direct",
        help="how the browser reaches each app, comma-separated: direct, nginx (deploy/nginx.conf"
        " over HTTP/1.1), h2 (the same over TLS and HTTP/2); a column each (default direct)",
    )
    parser.add_argument(
        "--steps",
        choices=("all", "login"),
        default="all",
        help="every step, or only the three logins (default all)",
    )
    parser.add_argument(
        "--trace",
        metavar="DIR",
        help="record a Chromium trace of each timed fresh login into DIR and summarize them"
        " (tracing slows the page: time without it)",
    )
    parser.add_argument("--batches", type=int, default=100_000)
    parser.add_argument("--batch-users", type=int, default=5_000_000)
    parser.add_argument("--platform-users", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    vias = tuple(v.strip() for v in args.via.split(",") if v.strip())
    if not vias or any(v not in VIAS for v in vias):
        parser.error(f"--via takes a comma-separated list of {', '.join(VIAS)}")
    trace = Path(args.trace) if args.trace else None
    if trace is not None:
        trace.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        db = Path(args.keep) if args.keep else tmp / "big.duckdb"
        info = build_big_store(db, args.batches, args.batch_users, args.platform_users)
        how = "reused" if info.built_seconds is None else f"built in {info.built_seconds:.0f} s"
        print(
            f"store: {info.batches:,} batches, {info.batch_users:,} batch users, "
            f"{info.platform_users:,} platform users ({how}); {args.runs} timed cycles after "
            f"{args.warmup} warm-up; Chromium {VIEWPORT['width']}×{VIEWPORT['height']}"
        )
        shots = Path(args.shots)
        shots.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        apps = [("now", ROOT, db)]
        if args.baseline:
            # Its own copy of the data file: DuckDB lets one process at a time open a file.
            copy = tmp / "before.duckdb"
            shutil.copyfile(db, copy)
            if Path(f"{db}.wal").exists():  # a server that was killed left its log behind
                shutil.copyfile(f"{db}.wal", f"{copy}.wal")
            apps.append(("before", Path(args.baseline).resolve(), copy))
        columns = measure(apps, args.runs, args.warmup, shots, vias, args.steps == "login", trace)
        now, *rest = columns
        before = rest[0] if rest else None
        elapsed = time.perf_counter() - started
    print(
        f"\n{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; cycles took {elapsed:.0f} s; "
        "load average (1 min) during the timed cycles: "
        + ", ".join(
            f"{c.label} {min(c.load, default=0):.1f}–{max(c.load, default=0):.1f}" for c in columns
        )
        + f" on {os.cpu_count()} cores; seconds, median / p95 (nearest rank) of {args.runs}\n"
    )
    if len(columns) > 2 or vias != ("direct",) or args.steps != "all":
        ok = report_columns(ROWS, columns, args.markdown)
    else:
        ok = report(ROWS, now, before, args.markdown)
    phases = {
        "login:POST answered": "login: the form's POST answered (password checked, session made)",
        "login:answered": "login: ... and the redirected page's HTML and scripts loaded",
        "login_typed:POST answered": "login after typing: the form's POST answered",
        "login_typed:answered": "login after typing: ... and the redirected page loaded",
        "login_typed:rows drawn": "login after typing: the Badges grid's rows drawn (canvas)",
        "login_cached:answered": "login, scripts cached: the redirected page loaded",
        "list:HTML loaded": "list direct load: the page's HTML and scripts loaded",
        "detail:new URL": "Edit → detail: Edit's rerun, redirect, new page loaded",
        "login:rows drawn": "login: the Badges grid's rows drawn (canvas)",
        "login_cached:rows drawn": "login, scripts cached: the Badges grid's rows drawn (canvas)",
        "menu:rows drawn": "Badges → Batch unlock: the list's rows drawn (canvas)",
        "list:rows drawn": "list direct load: the grid's rows drawn (canvas)",
        "list:charts drawn": "list direct load: the charts drawn (below the grid, out of view)",
        "detail:rows drawn": "Edit → detail: the users grid's rows drawn (canvas)",
        "sort:rows drawn": "sort: the sorted rows drawn (canvas)",
        "page:rows drawn": "next page: page 2's rows drawn (canvas)",
        "preview:file sent": "preview: the 5,000-row file uploaded over HTTP",
    }
    print(
        "\nwhere the time goes (medians, s; counted from the same start as the row above), and"
        " the warm-up cycle's first runs on a fresh server (one sample each, not in the table):"
    )
    for key, what in [
        *phases.items(),
        *((f"cold:{r.key}", f"fresh server, first run of: {r.what}") for r in ROWS[:6]),
    ]:
        cols = [r for r in columns if r.seconds.get(key)]
        figures = ", ".join(f"{r.label} {statistics.median(r.seconds[key]):.2f}" for r in cols)
        print(f"  {what}: {figures or '-'}")
    for results in columns:
        for key, summaries in results.traces.items():
            figures = trace_summary.line(trace_summary.medians(summaries))
            print(f"  trace, {results.label} {key} (median of {len(summaries)}): {figures}")
    for results in columns:
        if results.failures:
            print(f"failed steps ({results.label}): {results.failures}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
