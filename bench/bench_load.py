"""Twenty people at once: N protocol-level sessions plus 2 Chromium tabs while 3 × 5,000 publish.

    .venv/bin/python bench/bench_load.py                      # full store (100k batches), ~2 min
    .venv/bin/python bench/bench_load.py --size small         # demo store, for a quick look
    # options: --sessions N (20), --seconds S (90, at most 120), --think S (3), --rate N (200),
    # --browsers N (2), --keep PATH (build once, reuse), --baseline DIR (also run an older
    # checkout's app on the same store), --no-poll, --json FILE

Each protocol session logs in over HTTP like the login form (real cookies), opens Streamlit's
websocket and sends what a browser tab sends (BackMsg reruns with page names, query strings and
widget values; uploads over HTTP PUT), then waits for the run's `script_finished`. It loops over
a scripted mix (list, filter, detail, new batch, open upload, preview of a 5,000-row file,
single add) with a think time around `--think` seconds, and meanwhile runs the fragments the
server asked to rerun on a timer (`auto_rerun`), as the browser's polling does. A "page" is a
full run for a URL; an "action" is a widget change's rerun. Two Chromium tabs (Playwright) go
the way a person does alongside, measured until the page is usable: the list from the menu (one
time in three by its URL, as a shared link or a reload), a name search, a header sort, then
Edit on the first row (one time in three a batch's URL instead). Before the server starts,
3 batches of 5,000 users are queued with the publishing rate set (`--rate`); the rate achieved
is read from the list page's own "Publisher" box (unlocks since start) over time. Server CPU
and memory come from /proc. Only 127.0.0.1 is used.

Exits 1 over target: page p95 ≤ 2 s, action p95 ≤ 1.5 s, no error, publisher ≥ 90 % of its rate.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from core import words  # noqa: E402
from core.access import accounts  # noqa: E402
from core.access.roles import Account, Role, command_line_account  # noqa: E402
from core.batches import cli_fill, drafts  # noqa: E402
from core.publishing import actions, publish_rate  # noqa: E402
from core.upload.intake import read_upload  # noqa: E402
from pages.web.auth import LOGINS_BUSY  # noqa: E402
from tests.support import streamlit_client as sc  # noqa: E402
from tests.support.store import open_store  # noqa: E402

ACCOUNT = "loadbench-{}"  # one account per session: logins per (name, address) are throttled
BROWSER_ACCOUNT = "loadbench-browser-{}"
PASSWORD = "load-bench-1"  # noqa: S105 - throwaway accounts in a benchmark's data file
PUBLISH_BATCHES, PUBLISH_USERS = 3, 5_000
TARGET_PAGE_P95, TARGET_ACTION_P95, TARGET_RATE_SHARE = 2.0, 1.5, 0.9
MAX_SECONDS = 120
LOGIN_TRIES = 5
NEW_TAB_SHARE = 1 / 3  # of list and detail loads, as a new tab (new session); else in the tab
RAMP_SECONDS = 10  # people arrive over this long, not all in the same second
POLL_TIMEOUT = 10.0  # a timed fragment rerun not answered by then was dropped by the server


@dataclass
class Setup:
    """What the sessions work on: ids in the data file, made before the server starts."""

    publish_ids: list[int]
    publish_users: int  # users queued in those batches
    drafts: dict[str, int]  # session account -> its draft
    detail_ids: list[int]  # Published batches to open
    big_ids: list[int]  # the largest batches (up to 5,000 users)
    upload_csv: bytes  # a 5,000-row file for the preview
    user_ids: list[int]  # platform users for single adds


def _csv(ids: list[int]) -> bytes:
    return ("ID\n" + "\n".join(str(i) for i in ids) + "\n").encode()


def session_role(k: int) -> Role:
    """Sessions alternate between admins and devs (both may edit batches)."""
    return Role.ADMIN if k % 2 == 0 else Role.DEV


def prepare(
    db: Path, sessions: int, browsers: int, rate: float, upload: bytes | None = None
) -> Setup:
    """Add an account per session, queue 3 × 5,000 users, make a draft per session, set the rate.

    `upload` is the file the previews read (default: 5,000 random User IDs).
    """
    uow = open_store(db)
    try:
        cli = command_line_account()
        have = set(accounts.list_accounts(uow)["username"].to_list())
        wanted = [(ACCOUNT.format(k), session_role(k)) for k in range(sessions)]
        wanted += [(BROWSER_ACCOUNT.format(k), Role.ADMIN) for k in range(browsers)]
        for name, role in wanted:
            if name not in have:
                accounts.add_account(uow, cli, name, role, PASSWORD)
        quests = [
            r[0]
            for r in uow.execute(
                "SELECT q.id FROM quests q JOIN badges b ON b.id = q.badge_id "
                "WHERE NOT q.archived AND NOT b.archived ORDER BY q.id"
            ).fetchall()
        ]
        stamp = time.strftime("%H:%M:%S")
        rng = random.Random(13)
        publish_ids, queued = [], 0
        publish_quests = rng.sample(quests, PUBLISH_BATCHES)
        for i, quest in enumerate(publish_quests):
            ids = [
                r[0]
                for r in uow.execute(
                    "SELECT id FROM platform_users p WHERE active AND NOT EXISTS "
                    "(SELECT 1 FROM unlocks u WHERE u.user_id = p.id AND u.quest_id = ?) "
                    "ORDER BY hash(id + ?) LIMIT ?",
                    [quest, i + int(time.time()), PUBLISH_USERS],
                ).fetchall()
            ]
            made = cli_fill.create_batch(
                uow, cli, f"Load bench {stamp} #{i + 1}", quest, [read_upload(_csv(ids))]
            )
            outcome = actions.publish(uow, cli, made.batch_id)
            publish_ids.append(made.batch_id)
            queued += outcome.users
        # Single adds pick random users: a quest few hold keeps "already has it" refusals rare.
        draft_quest = uow.execute(
            "SELECT q.id FROM quests q LEFT JOIN unlocks u ON u.quest_id = q.id "
            "WHERE q.id IN (SELECT unnest(?)) AND q.id NOT IN (SELECT unnest(?)) "
            "GROUP BY q.id ORDER BY count(u.user_id), q.id LIMIT 1",
            [quests, publish_quests],
        ).fetchall()[0][0]
        draft_ids = {
            ACCOUNT.format(k): drafts.create_draft(
                uow,
                Account(ACCOUNT.format(k), session_role(k)),
                f"Load bench draft {stamp} s{k}",
                draft_quest,
            )
            for k in range(sessions)
        }
        publish_rate.set_rate(uow, cli, rate)
        detail = [
            r[0]
            for r in uow.execute(
                "SELECT id FROM batches WHERE status = 'published' ORDER BY hash(id) LIMIT 500"
            ).fetchall()
        ]
        big = [
            r[0]
            for r in uow.execute(
                "SELECT id FROM batches WHERE status IN ('published', 'partially_published') "
                "ORDER BY n_users DESC, id LIMIT 20"
            ).fetchall()
        ]
        users = [
            r[0]
            for r in uow.execute(
                "SELECT id FROM platform_users WHERE active ORDER BY hash(id * 7) LIMIT 20000"
            ).fetchall()
        ]
    finally:
        uow.close()
    return Setup(
        publish_ids,
        queued,
        draft_ids,
        detail,
        big,
        upload or _csv(rng.sample(users, PUBLISH_USERS)),
        users,
    )


# --------------------------------------------------------------------------- the stores


def small_store(path: Path) -> Path:
    """A demo store (50,000 users, ~50 batches), its running batches finished; built once."""
    if not path.exists():
        for args in (("init", "--demo", "--users", "50000"), ("worker", "--once", "--rate", "0")):
            subprocess.run(
                [sys.executable, "-m", "core", "--db", str(path), *args],
                cwd=ROOT,
                check=True,
                capture_output=True,
            )
    return path


def full_store(path: Path) -> Path:
    """The 100,000-batch store of bench/big_store.py; built once, reused while its counts match."""
    from bench.big_store import build_big_store

    info = build_big_store(path)
    if info.built_seconds is not None:
        print(f"built the full store in {info.built_seconds:.0f} s")
    return path


def work_copy(pristine: Path, work: Path) -> Path:
    """Copy the store for one run: each run queues its own batches on an unchanged history."""
    for p in (work, Path(f"{work}.wal")):
        p.unlink(missing_ok=True)
    shutil.copyfile(pristine, work)
    return work


# --------------------------------------------------------------------------- the server


@dataclass
class Server:
    """A running app on a loopback port."""

    proc: subprocess.Popen
    url: str
    log: Path


def start_server(app_dir: Path, db: Path, log: Path) -> Server:
    """Serve `app_dir`'s app.py on a free 127.0.0.1 port with its in-process publisher."""
    from tests.support.browser import serve_app

    # The app publishes itself (the default): an inherited BATCH_UNLOCK_WORKER=0 would stop it.
    saved = os.environ.pop("BATCH_UNLOCK_WORKER", None)
    try:
        proc, url = serve_app(app_dir, db, log, timeout=90)
    finally:
        if saved is not None:
            os.environ["BATCH_UNLOCK_WORKER"] = saved
    return Server(proc, url, log)


def stop_server(server: Server) -> None:
    """Stop the app we started (by its process, nothing else)."""
    from tests.support.browser import _stop

    _stop(server.proc)


class ProcessSampler(threading.Thread):
    """Samples a process's CPU time and resident memory from /proc once a second."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.ticks = os.sysconf("SC_CLK_TCK")
        self.samples: list[tuple[float, float, int]] = []  # (monotonic, cpu seconds, rss bytes)
        self.other_cpu: dict[int, tuple[float, float]] = {}  # pid: (first, last CPU seconds)
        self.stopped = threading.Event()

    def sample(self) -> tuple[float, float, int] | None:
        """One reading: now, CPU seconds used so far (user + system), RSS in bytes."""
        try:
            stat = Path(f"/proc/{self.pid}/stat").read_text()
            status = Path(f"/proc/{self.pid}/status").read_text()
        except OSError:
            return None
        fields = stat.rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
        cpu = (int(fields[11]) + int(fields[12])) / self.ticks  # utime, stime
        rss = next(
            int(line.split()[1]) * 1024 for line in status.splitlines() if line.startswith("VmRSS")
        )
        return time.monotonic(), cpu, rss

    def others(self) -> None:
        """Note the CPU seconds of each of this bench's other descendants (Playwright's driver,
        Chromium's browser, renderer and GPU processes): RUSAGE_CHILDREN misses those Chromium
        does not reap itself, and a renderer is most of the browser's part."""
        parents: dict[int, int] = {}
        used: dict[int, float] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # gone meanwhile
            parents[int(entry.name)] = int(fields[1])
            used[int(entry.name)] = (int(fields[11]) + int(fields[12])) / self.ticks
        me = os.getpid()
        for pid in parents:
            ancestor, hops = parents[pid], 0
            while ancestor not in (0, 1, me, self.pid) and hops < 64:
                ancestor, hops = parents.get(ancestor, 0), hops + 1
            if ancestor == me and pid != self.pid:
                first = self.other_cpu.setdefault(pid, (used[pid], used[pid]))[0]
                self.other_cpu[pid] = (first, used[pid])

    def others_cpu(self) -> float:
        """CPU seconds this bench's other descendants used while sampled (a process that ended
        between two samples loses its last second at most)."""
        return sum(last - first for first, last in self.other_cpu.values())

    def machine(self) -> float:
        """CPU seconds the whole machine has been busy (all cores, from /proc/stat)."""
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = fields[3] + fields[4]  # idle + iowait
        return (sum(fields[:8]) - idle) / self.ticks

    def run(self) -> None:
        """Sample until stopped."""
        self.machine_start = (time.monotonic(), self.machine())
        while not self.stopped.is_set():
            if (s := self.sample()) is not None:
                self.samples.append(s)
            self.others()
            self.stopped.wait(1.0)

    def summary(self) -> dict[str, float]:
        """Mean CPU (100 % = one core) over the samples, RSS at start and peak, in MB."""
        if len(self.samples) < 2:
            return {}
        (t0, c0, r0), (t1, c1, _) = self.samples[0], self.samples[-1]
        m0, busy0 = self.machine_start
        return {
            "machine_cpu_percent": 100 * (self.machine() - busy0) / (time.monotonic() - m0),
            "cpu_percent": 100 * (c1 - c0) / (t1 - t0),
            "rss_start_mb": r0 / 2**20,
            "rss_peak_mb": max(s[2] for s in self.samples) / 2**20,
        }


# --------------------------------------------------------------------------- measurements

PAGE, ACTION, POLL, LOGIN = "page", "action", "poll", "login"


@dataclass
class Results:
    """Every timing, error and publisher reading of one run; shared by all sessions' threads."""

    timings: list[tuple[str, str, float]] = field(default_factory=list)  # (kind, what, seconds)
    sizes: dict[str, list[tuple[int, int]]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)  # a single add the app refused, in words
    polls_unanswered: int = 0  # timed fragment reruns the server ignored (fragment gone)
    logins_busy: int = 0  # login posts answered "too many logins at once" (then tried again)
    published: list[tuple[float, int]] = field(default_factory=list)  # (monotonic, unlocks)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, what: str, seconds: float) -> None:
        """Record one timing."""
        with self.lock:
            self.timings.append((kind, what, seconds))

    def size(self, what: str, run: sc.Run) -> None:
        """Record how many messages and bytes a protocol run received."""
        size = (len(run.messages), sum(m.ByteSize() for m in run.messages))
        with self.lock:
            self.sizes[what].append(size)

    def busy(self) -> None:
        """Count a login the app asked to try again in a few seconds."""
        with self.lock:
            self.logins_busy += 1

    def error(self, what: str) -> None:
        """Record one error."""
        with self.lock:
            self.errors.append(what)


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank), e.g. p=95."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


UNLOCKS_SINCE_START = re.compile(r"([\d,]+) unlocks since start")


# --------------------------------------------------------------------------- protocol sessions


class ProtocolSession(threading.Thread):
    """One person's tab over Streamlit's websocket: a scripted mix of pages and changes."""

    def __init__(
        self,
        k: int,
        url: str,
        setup: Setup,
        results: Results,
        stop_at: float,
        think: float,
        poll: bool,
    ) -> None:
        super().__init__(name=f"session-{k}", daemon=True)
        self.k, self.url, self.setup, self.results = k, url, setup, results
        self.stop_at, self.think, self.poll = stop_at, think, poll
        self.username = ACCOUNT.format(k)
        self.draft = setup.drafts[self.username]
        self.rng = random.Random(1000 + k)
        self.users = iter(setup.user_ids[k :: max(1, len(setup.drafts))])
        self.client: sc.StreamlitClient | None = None
        self.http: requests.Session | None = None
        self.timers: dict[str, tuple[float, float]] = {}  # fragment -> (interval, next due)
        self.widgets: dict[str, sc.Element] = {}  # widget id -> its latest drawing
        self.on_draft = False  # the tab shows the session's draft (New Batch)

    # ----------------------------------------------------------------- plumbing

    def connect(self) -> None:
        """Log in over HTTP (the login form's POST) and open the websocket."""
        if self.client is not None:
            self.close()
        started = time.perf_counter()
        for attempt in range(LOGIN_TRIES):
            try:
                self.http = sc.log_in(self.url, self.username, PASSWORD)
                break
            except AssertionError as exc:
                # The app's flood guard: as its message asks, wait a few seconds, try again.
                if LOGINS_BUSY not in str(exc) or attempt == LOGIN_TRIES - 1:
                    raise
                self.results.busy()
                time.sleep(self.rng.uniform(2, 4))
        self.results.add(LOGIN, "login (HTTP form post)", time.perf_counter() - started)
        self.client = sc.StreamlitClient(self.url, self.http.cookies.get_dict())

    def close(self) -> None:
        """Close the websocket (errors ignored: it may be broken already)."""
        if self.client is not None:
            with contextlib.suppress(Exception):  # it may be broken already
                self.client.close()
        self.client, self.timers = None, {}

    def note(self, run: sc.Run) -> None:
        """Keep the run's widgets, its timers and any publisher reading; flag its exceptions."""
        for e in run.elements:
            label = getattr(e.proto, "label", None)
            if label and getattr(e.proto, "id", ""):
                self.widgets[e.proto.id] = e
        # As the browser does: a full run of the page (also one a fragment's st.rerun asked for)
        # drops every timer, then sets those its fragments ask for again. A timer left running
        # would rerun a fragment the server no longer has, and the server ignores that silently.
        now = time.monotonic()
        full_run_started = False
        for m in run.messages:
            kind = m.WhichOneof("type")
            if kind == "delta" and not m.delta.fragment_id and not full_run_started:
                full_run_started = True
                self.timers.clear()
            elif kind == "auto_rerun":
                self.timers[m.auto_rerun.fragment_id] = (
                    m.auto_rerun.interval,
                    now + m.auto_rerun.interval,
                )
            elif kind == "stop_auto_rerun":
                for fragment in m.stop_auto_rerun.fragment_ids:
                    self.timers.pop(fragment, None)
            elif kind == "script_finished":
                full_run_started = False
        for text in run.texts():
            if m := UNLOCKS_SINCE_START.search(text):
                with self.results.lock:
                    self.results.published.append((now, int(m.group(1).replace(",", ""))))
        for problem in run.exceptions():
            raise RuntimeError(f"the page showed an exception: {problem[:200]}")

    # A widget inside a fragment (the table, the add tools, a dialog) reruns only that fragment:
    # each change below sends its widget's fragment id, as the browser does ("" for the page).
    def timed(
        self,
        kind: str,
        what: str,
        *,
        page: str | None = None,
        query: dict[str, str] | None = None,
        fragment: str = "",
        values: dict | None = None,
        before: object = None,
        new_tab: bool = False,
    ) -> sc.Run:
        """Send one run (a page's when `page` is given) and time it until script_finished."""
        assert self.client is not None
        if page is not None:
            self.client.widgets.clear()  # a new page: the old page's widgets are gone
            self.widgets.clear()
            self.on_draft = page == "new-batch"
        started = time.perf_counter()
        if new_tab:
            # A reload, a deep link or a link opened in a new tab: a new websocket and a new
            # Streamlit session (same login cookie), then the page's run.
            assert self.http is not None
            with contextlib.suppress(Exception):
                self.client.close()
            self.client = sc.StreamlitClient(self.url, self.http.cookies.get_dict())
            self.timers = {}
        if callable(before):
            values = {**(values or {}), **before()}  # e.g. the upload, timed with its preview
        try:
            run = self.client.run(page=page, query=query, fragment_id=fragment, values=values)
        except TimeoutError as exc:
            got = [m.WhichOneof("type") for m in self.client.receiving.messages]
            kinds = ", ".join(f"{k} × {got.count(k)}" for k in dict.fromkeys(got)) or "nothing"
            last = got[-1] if got else None
            raise TimeoutError(
                f"{what} {query or ''}: {exc}; received {kinds}; last {last}"
            ) from exc
        self.results.add(kind, what, time.perf_counter() - started)
        self.results.size(what, run)
        self.note(run)
        return run

    def widget(self, kind: str, label: str, key_part: str = "") -> sc.Element:
        """The widget the page's runs drew last with this type and label (and key part)."""
        for e in reversed(self.widgets.values()):
            if e.kind == kind and e.proto.label == label and key_part in e.proto.id:
                return e
        raise RuntimeError(f"no {kind} {label!r} on the page")

    def chosen(self, radio: sc.Element) -> str:
        """The option a radio shows: the value this tab sent, else the widget's default."""
        assert self.client is not None
        sent = self.client.widgets.get(radio.proto.id)
        return sent.string_value if sent is not None else radio.proto.options[radio.proto.default]

    def think_and_poll(self) -> None:
        """Wait a person's think time; meanwhile rerun the fragments whose timers are due."""
        until = min(self.stop_at, time.monotonic() + self.think * self.rng.uniform(0.5, 1.5))
        while (now := time.monotonic()) < until:
            due = [f for f, (_, at) in self.timers.items() if at <= now] if self.poll else []
            if not due:
                nxt = (
                    min((at for _, at in self.timers.values()), default=until)
                    if self.poll
                    else until
                )
                time.sleep(max(0.01, min(until, nxt) - now))
                continue
            fragment = due[0]
            interval = self.timers[fragment][0]
            self.timers[fragment] = (interval, now + interval)
            assert self.client is not None
            started = time.perf_counter()
            try:
                run = self.client.run(fragment_id=fragment, auto=True, timeout=POLL_TIMEOUT)
            except TimeoutError:
                # The server drops a timed rerun of a fragment it no longer has (a full run
                # removed it) without an answer; the browser never waits for one either.
                with self.results.lock:
                    self.results.polls_unanswered += 1
                self.timers.pop(fragment, None)
                continue
            self.results.add(POLL, "poll (a fragment's timer)", time.perf_counter() - started)
            self.results.size("poll (a fragment's timer)", run)
            self.note(run)

    # ----------------------------------------------------------------- the mix

    def list_page(self, what: str = "list: load") -> None:
        """Open the batch list at a URL, as a link or a reload does (filters in the query)."""
        query = self.rng.choice(
            [{}, {}, {"status": "published"}, {"sort": "name"}, {"name": "spring"}, {"page": "3"}]
        )
        tab = what == "list: load" and self.rng.random() < NEW_TAB_SHARE
        run = self.timed(
            PAGE,
            what + (" (new tab)" if tab else ""),
            page="batch-unlock",
            query=query,
            new_tab=tab,
        )
        if not run.shows("matching batch") and not run.shows("No batch matches"):
            raise RuntimeError("the list page drew no list")

    def list_change(self) -> None:
        """Change the list: a status, a name search, or the rows per page (a fragment)."""
        choice = self.rng.choice(["status", "name", "size"])
        if choice == "status":
            box = self.widget("multiselect", "Status")
            pick = self.rng.choice(["Published", "Partially published", "In Progress"])
            value = sc.WidgetState(string_array_value={"data": [pick]})
            run = self.timed(
                ACTION,
                "list: status filter",
                fragment=box.fragment_id,
                values={box.proto.id: value},
            )
        elif choice == "name":
            field_ = self.widget("text_input", "Batch name")
            submit = self.widget("button", words.SEARCH, "FormSubmitter")  # the name form's
            word = self.rng.choice(["spring", "hackathon", "#42", "beta", "team"])
            run = self.timed(
                ACTION,
                "list: name search",
                fragment=submit.fragment_id,
                values={field_.proto.id: sc.text(word), submit.proto.id: sc.press()},
            )
        else:
            size = self.widget("selectbox", "Rows per page")
            options = [o for o in size.proto.options if o != size.proto.options[size.proto.default]]
            run = self.timed(
                ACTION,
                "list: rows per page",
                fragment=size.fragment_id,
                values={size.proto.id: sc.text(self.rng.choice(options))},
            )
        if not run.shows("matching batch") and not run.shows("No batch matches"):
            raise RuntimeError(f"the list's {choice} change drew no list")

    def detail_page(self) -> None:
        """Open a batch's page: a random Published one, a 5,000-user one, or one publishing."""
        pool = self.rng.choice(
            [
                self.setup.detail_ids,
                self.setup.detail_ids,
                self.setup.big_ids,
                self.setup.publish_ids,
            ]
        )
        tab = self.rng.random() < NEW_TAB_SHARE
        run = self.timed(
            PAGE,
            "detail: load" + (" (new tab)" if tab else ""),
            page="batch",
            query={"id": str(self.rng.choice(pool))},
            new_tab=tab,
        )
        if not any(t.startswith("Users (") for t in run.texts()):
            raise RuntimeError("the batch page drew no users")

    def draft_page(self) -> None:
        """Open the session's own draft on New Batch (?draft=N)."""
        run = self.timed(
            PAGE, "new batch: load draft", page="new-batch", query={"draft": str(self.draft)}
        )
        if not any(t.startswith("Users (") for t in run.texts()):
            raise RuntimeError("the draft's page drew no users")

    def preview(self) -> None:
        """Open the upload dialog, then upload a 5,000-row file and wait for its preview."""
        if not self.on_draft:
            self.draft_page()
        kind = self.widget("radio", words.UPLOAD_TYPE)
        if self.chosen(kind) != words.MULTIPLE:
            values = {kind.proto.id: sc.text(words.MULTIPLE)}
            self.timed(
                ACTION, "new batch: choose Multiple", fragment=kind.fragment_id, values=values
            )
        upload = self.widget("button", words.UPLOAD, "_upload")  # not the dialog's own
        run = self.timed(
            ACTION,
            "upload: open the dialog",
            fragment=upload.fragment_id,
            values={upload.proto.id: sc.press()},
        )
        drop = next(e for e in run.elements if e.kind == "file_uploader")
        assert self.client is not None and self.http is not None
        client, http, data = self.client, self.http, self.setup.upload_csv
        run = self.timed(
            ACTION,
            "upload: preview 5,000 rows (PUT + run)",
            fragment=drop.fragment_id,
            before=lambda: {drop.proto.id: client.upload(http, "users.csv", data)},
        )
        if not any(e.kind == "metric" for e in run.elements):
            raise RuntimeError("the preview drew no counts")
        # The person closes the dialog: the browser forgets the file (no run).
        client.widgets.pop(drop.proto.id, None)

    def single_add(self) -> None:
        """Choose "Single", then add one user by User ID (the form's fragment, then the page)."""
        if not self.on_draft:
            self.draft_page()
        kind = self.widget("radio", words.UPLOAD_TYPE)
        if self.chosen(kind) != words.SINGLE:
            self.timed(
                ACTION,
                "single: choose Single",
                fragment=kind.fragment_id,
                values={kind.proto.id: sc.text(words.SINGLE)},
            )
        field_ = self.widget("text_input", words.USER_ID)
        add = self.widget("button", words.ADD)
        user = str(next(self.users))
        run = self.timed(
            ACTION,
            "single: add one user",
            fragment=add.fragment_id,
            values={field_.proto.id: sc.text(user), add.proto.id: sc.press()},
        )
        if not run.shows("was added"):
            shown = [e.proto.body for e in run.elements if e.kind == "alert"]
            with self.results.lock:
                self.results.refusals.append("; ".join(shown)[:200] or "no message")

    def run(self) -> None:
        """Loop over the mix until the end of the window; reconnect after an error."""
        steps = [
            self.list_page,
            self.list_change,
            self.detail_page,
            self.list_page,
            self.list_change,
            self.draft_page,
            self.preview,
            self.single_add,
        ]
        i = self.rng.randrange(len(steps))
        time.sleep(self.rng.uniform(0, RAMP_SECONDS))  # people do not all arrive at once
        while time.monotonic() < self.stop_at:
            step = steps[i % len(steps)]
            i += 1
            try:
                if self.client is None:
                    self.connect()
                    step = self.list_page
                    self.list_page("list: first page after login")
                else:
                    step()
                self.think_and_poll()
            except Exception as exc:  # every failure is counted, then we go on
                self.results.error(f"{step.__name__}: {type(exc).__name__}: {str(exc)[:200]}")
                self.close()
        self.close()


# --------------------------------------------------------------------------- Chromium tabs


class BrowserSession(threading.Thread):
    """A real Chromium tab (Playwright) doing page loads and changes, timed until usable."""

    def __init__(
        self, k: int, url: str, setup: Setup, results: Results, stop_at: float, think: float
    ) -> None:
        super().__init__(name=f"browser-{k}", daemon=True)
        self.k, self.url, self.setup, self.results = k, url, setup, results
        self.stop_at, self.think = stop_at, think
        self.rng = random.Random(2000 + k)

    def pause(self) -> None:
        """A person's think time (the tab keeps polling by itself)."""
        time.sleep(
            max(0.0, min(self.stop_at - time.monotonic(), self.think * self.rng.uniform(0.5, 1.5)))
        )

    def run(self) -> None:
        """Log in, then rounds of list, name search, header sort and a batch's page."""
        from playwright.sync_api import sync_playwright

        from bench.bench_list_browser import IDLE, settled, shown
        from bench.bench_pages_browser import LIST_READY
        from tests.support import grid
        from tests.support.browser import CHROMIUM

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(30_000)

            def timed(kind: str, what: str, act: object, wait: object) -> None:
                started = time.perf_counter()
                act()  # type: ignore[operator]
                wait()  # type: ignore[operator]
                self.results.add(kind, f"browser: {what}", time.perf_counter() - started)

            def idle() -> None:
                page.wait_for_selector(IDLE, state="attached")

            def list_arrived(left: str) -> None:
                # The list's count, rows and finished run, at another URL than the page left
                # (the page left may have a grid too, and be idle before the click is sent).
                page.wait_for_function(LIST_READY, arg={"url": left, "fp": None})

            def batch_shown() -> None:
                page.get_by_role("heading", name=re.compile(r"^Users \(")).wait_for()
                idle()

            def log_in() -> None:
                for attempt in range(LOGIN_TRIES):
                    page.goto(self.url)
                    page.get_by_label("Username").fill(BROWSER_ACCOUNT.format(self.k))
                    page.get_by_label("Password").fill(PASSWORD)
                    page.get_by_role("button", name="Log in").click()
                    busy = page.get_by_text(LOGINS_BUSY)
                    page.locator("[data-testid=stApp]").or_(busy).first.wait_for()
                    if not busy.count() or attempt == LOGIN_TRIES - 1:
                        return
                    self.results.busy()
                    time.sleep(self.rng.uniform(2, 4))

            time.sleep(self.rng.uniform(0, RAMP_SECONDS))
            try:
                timed(
                    PAGE,
                    "log in → first page",
                    log_in,
                    lambda: (page.get_by_role("heading").first.wait_for(), idle()),
                )
            except Exception as exc:  # counted; without a login nothing follows
                self.results.error(f"browser login: {type(exc).__name__}: {str(exc)[:200]}")
                browser.close()
                return
            base = f"{self.url}/batch-unlock"
            # A person's path, as the protocol sessions' mix: most pages are reached by a click
            # within the tab (the menu, Edit), one in NEW_TAB_SHARE by its URL (a shared link,
            # a reload). Edit is a full page load in the browser too (its redirect).
            first = True
            while time.monotonic() < self.stop_at:
                try:
                    left = page.url
                    if first or self.rng.random() < NEW_TAB_SHARE:
                        query = self.rng.choice(["", "?status=published", "?sort=users:desc"])
                        timed(
                            PAGE,
                            "list: load by its URL",
                            lambda q=query: page.goto(base + q),
                            lambda: shown(page),
                        )
                    else:
                        page.get_by_test_id("stTopNavSection").filter(
                            has_text=words.MANAGE
                        ).click()  # the menu opened first, not timed (the pointer is there)
                        link = page.get_by_test_id("stTopNavDropdownLink").filter(
                            has_text=words.BATCH_UNLOCK
                        )
                        timed(
                            PAGE,
                            "list: from the menu",
                            link.click,
                            lambda u=left: list_arrived(u),
                        )
                    first = False
                    self.pause()
                    before, before_url = shown(page), page.url
                    word = self.rng.choice(["spring", "hackathon"])  # both stores have them

                    def search(w: str = word) -> None:
                        page.get_by_label(words.BATCH_NAME).fill(w)
                        page.get_by_label(words.BATCH_NAME).press("Enter")

                    timed(
                        ACTION,
                        "list: name search",
                        search,
                        lambda u=before_url, b=before: settled(page, u, b),
                    )
                    self.pause()
                    before, before_url = shown(page), page.url
                    timed(
                        ACTION,
                        "list: header sort",
                        lambda: grid.click_header(page, "name"),
                        lambda u=before_url, b=before: settled(page, u, b),
                    )
                    self.pause()
                    if self.rng.random() < NEW_TAB_SHARE:
                        pool = self.rng.choice(
                            [self.setup.big_ids, self.setup.publish_ids, self.setup.detail_ids]
                        )
                        target = f"{self.url}/batch?id={self.rng.choice(pool)}"
                        timed(
                            PAGE,
                            "detail: load by its URL",
                            lambda t=target: page.goto(t),
                            batch_shown,
                        )
                    else:
                        edit = grid._x(page, "open"), grid._y(page, 0)  # found before the clock
                        timed(
                            PAGE,
                            "detail: Edit → batch page",
                            lambda e=edit: page.mouse.click(*e),
                            lambda: (
                                page.wait_for_url(re.compile(r"/(batch\?id|new-batch\?draft)=\d+")),
                                batch_shown(),
                            ),
                        )
                    self.pause()
                except Exception as exc:  # counted, then the next round
                    self.results.error(f"browser: {type(exc).__name__}: {str(exc)[:200]}")
                    first = True  # start again from a known page
            browser.close()


# --------------------------------------------------------------------------- one run


def publisher_rate(results: Results, queued: int, rate: float) -> dict[str, float]:
    """The achieved unlocks per second while the queue was not empty (least squares over the
    list pages' readings), and how many were published by the last reading."""
    samples = sorted(results.published)
    if not samples:
        return {}
    busy = [(t, n) for t, n in samples if n <= queued - rate]  # before the queue ran dry
    out: dict[str, float] = {"samples": len(samples), "published": samples[-1][1]}
    if len(busy) >= 3 and busy[-1][0] - busy[0][0] >= 5:
        mt = statistics.fmean(t for t, _ in busy)
        mn = statistics.fmean(n for _, n in busy)
        slope = sum((t - mt) * (n - mn) for t, n in busy) / sum((t - mt) ** 2 for t, _ in busy)
        out |= {"rate": slope, "window_s": busy[-1][0] - busy[0][0]}
    return out


def run_load(
    app_dir: Path, pristine: Path, tmp: Path, args: argparse.Namespace, label: str
) -> dict:
    """Serve `app_dir`'s app on a copy of the store, run the sessions, return the figures."""
    db = work_copy(pristine, tmp / f"{label}.duckdb")
    started = time.perf_counter()
    upload = None
    if args.size == "full":
        from bench.big_store import upload_csv_bytes

        upload = upload_csv_bytes()  # the template's 3 columns, as people fill it
    setup = prepare(db, args.sessions, args.browsers, args.rate, upload)
    print(
        f"[{label}] queued {setup.publish_users:,} users in batches {setup.publish_ids} at "
        f"{args.rate:g}/s; {args.sessions} drafts; set up in {time.perf_counter() - started:.1f} s"
    )
    server = start_server(app_dir, db, tmp / f"{label}-server.log")
    sampler = ProcessSampler(server.proc.pid)
    results = Results()
    load_start = os.getloadavg()
    cpu_start = time.process_time()
    children_start = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        sampler.start()
        stop_at = time.monotonic() + args.seconds
        threads: list[threading.Thread] = [
            ProtocolSession(k, server.url, setup, results, stop_at, args.think, args.poll)
            for k in range(args.sessions)
        ]
        threads += [
            BrowserSession(k, server.url, setup, results, stop_at, args.think)
            for k in range(args.browsers)
        ]
        began = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            # A step started before the end finishes (or times out) within RUN_TIMEOUT.
            t.join(timeout=max(0.0, stop_at - time.monotonic()) + sc.RUN_TIMEOUT + 35)
        stuck = [t.name for t in threads if t.is_alive()]
        for name in stuck:
            results.error(f"{name}: still busy at the end")
        elapsed = time.monotonic() - began
    finally:
        sampler.stopped.set()
        sampler.join(timeout=5)
        stop_server(server)
    # Our reaped children: the server (its own CPU is known) and Playwright's driver with its
    # Chromium processes, which compete with the server for the same cores.
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    children_cpu = (children.ru_utime + children.ru_stime) - (
        children_start.ru_utime + children_start.ru_stime
    )
    server_cpu = sampler.samples[-1][1] if sampler.samples else 0.0
    return {
        "label": label,
        "app": str(app_dir),
        "sessions": args.sessions,
        "browsers": args.browsers,
        "seconds": elapsed,
        "think": args.think,
        "rate_set": args.rate,
        "queued": setup.publish_users,
        "timings": results.timings,
        "sizes": dict(results.sizes),
        "errors": results.errors,
        "refusals": results.refusals,
        "logins_busy": results.logins_busy,
        "polls_unanswered": results.polls_unanswered,
        "publisher": publisher_rate(results, setup.publish_users, args.rate),
        "server": sampler.summary(),
        "bench_cpu_percent": 100 * (time.process_time() - cpu_start) / max(elapsed, 1e-9),
        "browser_cpu_percent": 100
        * max(sampler.others_cpu(), children_cpu - server_cpu)
        / max(elapsed, 1e-9),
        "loadavg": [load_start, os.getloadavg()],
    }


# --------------------------------------------------------------------------- report


def table(figures: dict) -> list[str]:
    """The run's timings per kind of step, then the verdict lines."""
    by_what: dict[tuple[str, str], list[float]] = defaultdict(list)
    for kind, what, seconds in figures["timings"]:
        by_what[(kind, what)].append(seconds)
    lines = [f"{'step':52} {'n':>5} {'p50 s':>7} {'p95 s':>7} {'max s':>7} {'msgs':>5} {'KB':>6}"]
    sizes = figures.get("sizes", {})
    order = {LOGIN: 0, PAGE: 1, ACTION: 2, POLL: 3}
    for (kind, what), values in sorted(by_what.items(), key=lambda kv: (order[kv[0][0]], kv[0][1])):
        size = sizes.get(what)
        msgs = (
            f"{statistics.fmean(m for m, _ in size):5.0f} {statistics.fmean(b for _, b in size) / 1024:6.0f}"
            if size
            else ""
        )
        lines.append(
            f"{kind + ' · ' + what:52} {len(values):5} {statistics.median(values):7.2f} "
            f"{percentile(values, 95):7.2f} {max(values):7.2f} {msgs}"
        )
    for kind in (PAGE, ACTION):
        for who, keep in (("protocol", False), ("browser", True)):
            values = [
                s for k, w, s in figures["timings"] if k == kind and w.startswith("browser") == keep
            ]
            if values:
                lines.append(
                    f"{'ALL ' + kind + 's, ' + who:52} {len(values):5} {statistics.median(values):7.2f} "
                    f"{percentile(values, 95):7.2f} {max(values):7.2f}"
                )
    return lines


def verdict(figures: dict) -> tuple[list[str], bool]:
    """Each target with the figure measured; whether all hold."""
    pages = [s for k, _, s in figures["timings"] if k == PAGE]
    acts = [s for k, _, s in figures["timings"] if k == ACTION]
    rate = figures["publisher"].get("rate")
    checks = [
        (
            f"page p95 ≤ {TARGET_PAGE_P95} s",
            percentile(pages, 95) if pages else float("inf"),
            lambda v: v <= TARGET_PAGE_P95,
        ),
        (
            f"action p95 ≤ {TARGET_ACTION_P95} s",
            percentile(acts, 95) if acts else float("inf"),
            lambda v: v <= TARGET_ACTION_P95,
        ),
        ("errors = 0", len(figures["errors"]), lambda v: v == 0),
        (
            f"publisher ≥ {TARGET_RATE_SHARE:.0%} of {figures['rate_set']:g}/s",
            rate if rate is not None else 0.0,
            lambda v: v >= TARGET_RATE_SHARE * figures["rate_set"],
        ),
    ]
    lines, ok = [], True
    for name, value, good in checks:
        held = good(value)
        ok &= held
        lines.append(f"  {'ok  ' if held else 'MISS'} {name:34} measured {value:,.2f}")
    return lines, ok


def describe(figures: dict) -> list[str]:
    """Everything about one run, as printed."""
    pub, srv = figures["publisher"], figures["server"]
    (l1, l5, l15), (e1, e5, e15) = figures["loadavg"]
    lines = [
        f"== {figures['label']} ({figures['app']}): {figures['sessions']} protocol sessions + "
        f"{figures['browsers']} Chromium, think ~{figures['think']:g} s, {figures['seconds']:.0f} s",
        *table(figures),
        f"publisher: {pub.get('rate', float('nan')):.1f} unlocks/s achieved of {figures['rate_set']:g}/s set "
        f"(least squares over {pub.get('window_s', 0):.0f} s, {pub.get('samples', 0)} readings); "
        f"{pub.get('published', 0):,} of {figures['queued']:,} published by the last reading",
        f"server: CPU {srv.get('cpu_percent', float('nan')):.0f} % of one core (mean), RSS "
        f"{srv.get('rss_start_mb', float('nan')):.0f} MB at start, peak {srv.get('rss_peak_mb', float('nan')):.0f} MB; "
        f"clients: bench {figures['bench_cpu_percent']:.0f} %, Chromium + Playwright "
        f"{figures['browser_cpu_percent']:.0f} % of one core; the whole machine "
        f"{srv.get('machine_cpu_percent', float('nan')):.0f} % of {os.cpu_count()} cores' "
        f"{100 * (os.cpu_count() or 1)} % (the rest is other processes)",
        f"load average: {l1:.1f} {l5:.1f} {l15:.1f} at start, {e1:.1f} {e5:.1f} {e15:.1f} at end",
        f"errors: {len(figures['errors'])}; single adds refused: {len(figures['refusals'])}; "
        f"logins answered 'too many logins', then tried again: {figures['logins_busy']}; "
        f"timed fragment reruns left unanswered: {figures.get('polls_unanswered', 0)}",
    ]
    counts: dict[str, int] = defaultdict(int)
    for e in figures["errors"]:
        counts[e[:160]] += 1
    lines += [f"  {n} × {e}" for e, n in sorted(counts.items(), key=lambda kv: -kv[1])[:10]]
    refused: dict[str, int] = defaultdict(int)
    for r in figures["refusals"]:
        refused[r[:120]] += 1
    lines += [f"  refused {n} × {r}" for r, n in sorted(refused.items(), key=lambda kv: -kv[1])[:5]]
    return lines


def main(argv: list[str] | None = None) -> int:
    """Build or reuse the store, run the load (and the baseline's), print; exit 1 over target."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=20, help="protocol sessions (20)")
    parser.add_argument("--seconds", type=float, default=90, help="load window, ≤ 120 (90)")
    parser.add_argument("--think", type=float, default=3.0, help="think time, s (3)")
    parser.add_argument("--rate", type=float, default=200, help="unlocks/s set (200)")
    parser.add_argument("--browsers", type=int, default=2, help="Chromium tabs (2)")
    parser.add_argument(
        "--size", choices=["small", "full"], default="full", help="demo store or big_store (full)"
    )
    parser.add_argument("--keep", metavar="PATH", help="build (or reuse) the store at this path")
    parser.add_argument("--baseline", metavar="DIR", help="also run an older checkout's app.py")
    parser.add_argument(
        "--no-poll", dest="poll", action="store_false", help="no timed fragment reruns"
    )
    parser.add_argument("--json", metavar="FILE", help="write every figure to this file")
    args = parser.parse_args(argv)
    if not 0 < args.seconds <= MAX_SECONDS:
        parser.error(f"--seconds must be in (0, {MAX_SECONDS}]")
    if args.rate <= 0:
        parser.error("--rate must be positive (the target is a share of it)")
    sc.RUN_TIMEOUT = 20.0  # a run that takes longer is an error here, not a wait
    # A stopped bench (timeout, kill) still stops its server and removes its files.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with tempfile.TemporaryDirectory(prefix="bench_load_") as tmp_name:
        tmp = Path(tmp_name)
        pristine = Path(args.keep) if args.keep else tmp / f"{args.size}.duckdb"
        pristine = small_store(pristine) if args.size == "small" else full_store(pristine)
        runs = [run_load(ROOT, pristine, tmp, args, "current")]
        if args.baseline:
            runs.append(run_load(Path(args.baseline).resolve(), pristine, tmp, args, "baseline"))
    for figures in runs:
        print("\n".join(describe(figures)) + "\n")
    lines, ok = verdict(runs[0])
    print("targets (current code):\n" + "\n".join(lines))
    if args.json:
        Path(args.json).write_text(json.dumps(runs, indent=1))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
