"""A throwaway PostgreSQL server for the tests and CI, and a fast database per test.

`PostgresServer.start(base_dir)` runs Debian's own binaries (`apt-get install postgresql`):
initdb into a fresh directory, a free loopback port, durability off (the data is thrown away),
then `pg_ctl -w start`. As root the server runs as the `postgres` user, because initdb and
postgres refuse to run as root. A server that cannot start raises `PostgresStartError` with the
end of its log: the tests that need it fail, they are never skipped.

To use a server you already run instead, set `BATCH_UNLOCK_TEST_PG` to a postgresql:// URL of
a superuser (the tests create and drop databases on it), e.g.
`BATCH_UNLOCK_TEST_PG=postgresql://postgres@127.0.0.1:5432/postgres`. `start()` then returns
that server and `stop()` leaves it running.

`create_database(admin_url, name, template)` copies a template database. Measured here
(PostgreSQL 15.18, 2 shared cores) for an 8 MB template (pg_trgm, 16 tables, 5,000 rows with a
trigram index): 27 ms median on a quiet machine, 80-150 ms while other jobs load the cores, the
WAL_LOG (15's default) and FILE_COPY strategies alike; DROP … WITH (FORCE) 10 ms; a connection
3 ms. A whole new server takes ~0.9 s (initdb 0.6-0.9 s, start 0.12 s, stop 0.1-0.15 s).
Drop with `drop_database` (it ends the sessions still open).

`python -m tests.support.postgres` starts a server, copies a database and prints the timings.
"""

from __future__ import annotations

import atexit
import grp
import os
import pwd
import re
import shlex
import shutil
import socket
import stat
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from types import TracebackType
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
from psycopg import sql

ENV_URL = "BATCH_UNLOCK_TEST_PG"
PG_ROOT = Path("/usr/lib/postgresql")
SERVER_USER = "postgres"  # who runs the server when we are root
LOG_LINES = 20  # how much of the server log a start failure shows
# Log lines worth reading after a failed run: errors, deadlocks, lock waits and their details.
PROBLEM = re.compile(r"ERROR:|FATAL:|PANIC:|deadlock|still waiting|acquired|DETAIL:|STATEMENT:")
# Unix socket paths are limited to 107 bytes; the socket and its lock file sit in the data dir.
MAX_SOCKET_DIR = 107 - len("/.s.PGSQL.65535.lock")
SETTINGS = {
    "listen_addresses": "127.0.0.1",
    # A throwaway cluster: nothing needs to survive a crash, and durability costs time.
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    # Connection pools of several app instances and tests run against one server.
    "max_connections": "300",
    # A lock waited on for longer than deadlock_timeout (1 s) is logged with who holds it, so a
    # failed run's log (pg_fixtures prints it) says which statements blocked each other.
    "log_lock_waits": "on",
}
START_TIMEOUT_S = 30
# One initdb'd cluster per (binaries, locale) in this process, never started: copied by start().
_PRISTINE: dict[tuple[str, str], Path] = {}
PORT_ATTEMPTS = 3  # a free port can be taken by another process before the server binds it


class PostgresStartError(RuntimeError):
    """The throwaway server could not be set up or started (the message holds the log's end)."""


def find_binaries(root: Path = PG_ROOT) -> Path:
    """The newest `root/N/bin` that holds initdb and pg_ctl."""
    found = []
    for bin_dir in root.glob("*/bin"):
        version = bin_dir.parent.name
        if not all(os.access(bin_dir / tool, os.X_OK) for tool in ("initdb", "pg_ctl")):
            continue
        try:
            key = tuple(int(part) for part in version.split("."))
        except ValueError:
            continue
        found.append((key, bin_dir))
    if not found:
        raise PostgresStartError(
            f"No PostgreSQL server binaries (initdb, pg_ctl) under {root}/*/bin: "
            "install Debian's server with `apt-get install postgresql` (or run .ci/setup), "
            f"or point {ENV_URL} at a running server."
        )
    return max(found)[1]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@cache
def _locale() -> str:
    """C.UTF-8 when the system has it (Debian does), else C (which takes any encoding)."""
    try:
        names = subprocess.run(
            ["locale", "-a"], capture_output=True, text=True, check=True
        ).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        return "C"
    normal = {name.lower().replace("-", "") for name in names}
    return "C.UTF-8" if "c.utf8" in normal else "C"


def _as_server_user() -> list[str]:
    """The command prefix that runs a PostgreSQL binary as a user it accepts."""
    return ["runuser", "-u", SERVER_USER, "--"] if os.geteuid() == 0 else []


def _traversable_by(path: Path, user: str) -> bool:
    """Whether `user` may enter `path` and every folder above it."""
    entry = pwd.getpwnam(user)
    groups = {entry.pw_gid} | {g.gr_gid for g in grp.getgrall() if user in g.gr_mem}
    for folder in [path, *path.parents]:
        info = folder.stat()
        if info.st_uid == entry.pw_uid:
            ok = info.st_mode & stat.S_IXUSR
        elif info.st_gid in groups:
            ok = info.st_mode & stat.S_IXGRP
        else:
            ok = info.st_mode & stat.S_IXOTH
        if not ok:
            return False
    return True


def _cluster_dir(base_dir: Path | None) -> tuple[Path, bool]:
    """A new empty folder for a cluster, and whether we must remove it ourselves.

    It goes in `base_dir` unless that is None, the server user cannot reach it (pytest's
    temporary folders are private to root) or the socket path would be too long; then in the
    system temp dir.
    """
    as_root = os.geteuid() == 0
    if as_root:
        try:
            pwd.getpwnam(SERVER_USER)
        except KeyError:
            raise PostgresStartError(
                f"Running as root, but there is no `{SERVER_USER}` user to run the server as "
                "(Debian's postgresql package creates it: `apt-get install postgresql`)."
            ) from None
    own = True
    if base_dir is not None:
        base_dir.mkdir(parents=True, exist_ok=True)
        reachable = not as_root or _traversable_by(base_dir.resolve(), SERVER_USER)
        # mkdtemp's 8 random characters make the folder name; 'pg-' keeps it short.
        short = len(str(base_dir.resolve())) + len("/pg-12345678") <= MAX_SOCKET_DIR
        own = not (reachable and short)
    parent = Path(tempfile.gettempdir()) if own or base_dir is None else base_dir
    folder = Path(tempfile.mkdtemp(prefix="pg-", dir=parent))
    if as_root:
        shutil.chown(folder, SERVER_USER, SERVER_USER)
    return folder, own


def _tail(path: Path, lines: int = LOG_LINES) -> str:
    """The last lines of a text file, or a note that it is missing."""
    try:
        text = path.read_text(errors="replace")
    except OSError as exc:
        return f"(no server log: {exc})"
    return "\n".join(text.splitlines()[-lines:])


def _env() -> dict[str, str]:
    """Our environment without PG* variables, which would redirect pg_ctl's checks."""
    return {key: value for key, value in os.environ.items() if not key.startswith("PG")}


def _with_dbname(url: str, dbname: str) -> str:
    """The same server URL naming another database."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + quote(dbname, safe="")))


def _redacted(url: str) -> str:
    """A URL without its password, for error messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


class PostgresServer:
    """A running PostgreSQL server: one we started (and stop), or an external one."""

    def __init__(
        self,
        url: str,
        *,
        data_dir: Path | None = None,
        bin_dir: Path | None = None,
        remove_dir: bool = False,
        timings: Mapping[str, float] | None = None,
    ) -> None:
        """Wrap a server; use `start()` or `external()` rather than this."""
        self._url = url
        self.data_dir = data_dir  # None for an external server
        self._bin_dir = bin_dir
        self._remove_dir = remove_dir
        self.timings = dict(timings or {})  # seconds per step of start()
        self._stopped = data_dir is None

    @classmethod
    def start(
        cls,
        base_dir: Path,
        *,
        port: int | None = None,
        settings: Mapping[str, str] | None = None,
        use_env: bool = True,
    ) -> PostgresServer:
        """Start a throwaway server with its files under `base_dir` (or use BATCH_UNLOCK_TEST_PG).

        `settings` adds or overrides server settings (`-c name=value`); `port` fixes the port
        (otherwise a free one, retried if another process takes it first).
        """
        if use_env and os.environ.get(ENV_URL):
            return cls.external(os.environ[ENV_URL])
        started = time.perf_counter()
        bin_dir = find_binaries()
        data_dir, remove_dir = _cluster_dir(Path(base_dir))
        timings: dict[str, float] = {}
        try:
            timings["cluster"] = cls._new_cluster(bin_dir, data_dir)
            chosen = cls._pg_ctl_start(bin_dir, data_dir, port, {**SETTINGS, **(settings or {})})
            timings["start"] = time.perf_counter() - started - timings["cluster"]
        except BaseException:
            if remove_dir:
                shutil.rmtree(data_dir, ignore_errors=True)
            raise
        server = cls(
            f"postgresql://postgres@127.0.0.1:{chosen}/postgres",
            data_dir=data_dir,
            bin_dir=bin_dir,
            remove_dir=remove_dir,
            timings=timings,
        )
        # A test run that dies before its teardown must not leave a server behind.
        atexit.register(server.stop)
        return server

    @classmethod
    def external(cls, url: str) -> PostgresServer:
        """A server someone else runs, given by a superuser's postgresql:// URL."""
        if urlsplit(url).scheme not in ("postgresql", "postgres"):
            raise PostgresStartError(
                f"{ENV_URL} must be a postgresql:// URL, not {_redacted(url)!r}."
            )
        try:
            with psycopg.connect(url, connect_timeout=10) as con:
                con.execute("SELECT 1")
        except psycopg.Error as exc:
            raise PostgresStartError(
                f"Cannot connect to the server in {ENV_URL} ({_redacted(url)}): {exc}"
            ) from exc
        return cls(url)

    @classmethod
    def _new_cluster(cls, bin_dir: Path, data_dir: Path) -> float:
        """Fill `data_dir` with a new cluster; return the seconds it took.

        initdb runs once per process (0.6-0.9 s here); later clusters are copies of that first
        one (~0.2 s), which matters for tests that start several servers.
        """
        started = time.perf_counter()
        key = (str(bin_dir), _locale())
        pristine = _PRISTINE.get(key)
        if pristine is None or not (pristine / "PG_VERSION").exists():
            pristine, _ = _cluster_dir(None)
            atexit.register(shutil.rmtree, pristine, ignore_errors=True)
            cls._initdb(bin_dir, pristine)
            _PRISTINE[key] = pristine
        # As the server user, so the copy keeps its owner and the 0700 the server insists on.
        done = subprocess.run(
            [*_as_server_user(), "cp", "-a", f"{pristine}/.", str(data_dir)],
            capture_output=True,
            text=True,
            cwd=data_dir,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        if done.returncode != 0:
            raise PostgresStartError(f"Copying the initdb cluster failed: {done.stderr.strip()}")
        return time.perf_counter() - started

    @staticmethod
    def _initdb(bin_dir: Path, data_dir: Path) -> None:
        """Create the cluster: trust on loopback, superuser `postgres`, UTF-8."""
        command = [
            *_as_server_user(),
            str(bin_dir / "initdb"),
            "-D",
            str(data_dir),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            f"--locale={_locale()}",
            "--no-sync",  # a throwaway cluster needs no fsync of its files
        ]
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            env=_env(),
            cwd=data_dir,  # the server user may not be allowed into our working directory
            stdin=subprocess.DEVNULL,
            check=False,
        )
        if done.returncode != 0:
            output = "\n".join((done.stdout + done.stderr).splitlines()[-LOG_LINES:])
            raise PostgresStartError(f"initdb failed (exit {done.returncode}):\n{output}")

    @classmethod
    def _pg_ctl_start(
        cls, bin_dir: Path, data_dir: Path, port: int | None, settings: Mapping[str, str]
    ) -> int:
        """Start the server with pg_ctl -w; return its port."""
        log = data_dir / "log"
        for attempt in range(1, PORT_ATTEMPTS + 1):
            chosen = port or free_port()
            # pg_ctl hands these to a shell: quote them.
            options = [f"-p {chosen}", f"-k {shlex.quote(str(data_dir))}"]
            options += [f"-c {shlex.quote(f'{name}={value}')}" for name, value in settings.items()]
            done = cls._pg_ctl(
                bin_dir,
                data_dir,
                [
                    "-o",
                    " ".join(options),
                    "-l",
                    str(log),
                    "-t",
                    str(START_TIMEOUT_S),
                    "-w",
                    "start",
                ],
            )
            if done.returncode == 0:
                return chosen
            # pg_ctl can give up waiting while the server still runs: do not leave it behind.
            if (data_dir / "postmaster.pid").exists():
                cls._pg_ctl(bin_dir, data_dir, ["-m", "immediate", "-w", "stop"])
            log_tail = _tail(log)
            taken = "Address already in use" in log_tail
            if taken and port is None and attempt < PORT_ATTEMPTS:
                continue
            raise PostgresStartError(
                f"PostgreSQL did not start on 127.0.0.1:{chosen} (pg_ctl exit {done.returncode}): "
                f"{(done.stdout + done.stderr).strip()}\n"
                f"Last {LOG_LINES} lines of {log}:\n{log_tail}"
            )
        raise AssertionError("unreachable")  # the loop returns or raises

    @staticmethod
    def _pg_ctl(
        bin_dir: Path, data_dir: Path, arguments: Sequence[str]
    ) -> subprocess.CompletedProcess[str]:
        """Run pg_ctl on the cluster as the server user."""
        return subprocess.run(
            [*_as_server_user(), str(bin_dir / "pg_ctl"), "-D", str(data_dir), *arguments],
            capture_output=True,
            text=True,
            env=_env(),
            cwd=data_dir,
            stdin=subprocess.DEVNULL,
            timeout=START_TIMEOUT_S * 2,
            check=False,
        )

    def restart(self) -> None:
        """Restart the server we started (same port and settings): its clients lose their connections."""
        if self.data_dir is None or self._bin_dir is None:
            raise PostgresStartError("Only a server these tests started can be restarted.")
        # -l: the new server logs to its file, not to pg_ctl's pipe (which it would keep open).
        log = str(self.data_dir / "log")
        done = self._pg_ctl(
            self._bin_dir, self.data_dir, ["-l", log, "-m", "fast", "-w", "restart"]
        )
        if done.returncode != 0:
            raise PostgresStartError(
                f"PostgreSQL did not restart: {(done.stdout + done.stderr).strip()}\n"
                f"{_tail(self.data_dir / 'log')}"
            )

    @property
    def url(self) -> str:
        """The superuser's URL of the `postgres` database."""
        return self._url

    @property
    def external_server(self) -> bool:
        """Whether someone else runs this server (then `stop()` leaves it running)."""
        return self._bin_dir is None

    def url_for(self, dbname: str) -> str:
        """The superuser's URL of another database on this server."""
        return _with_dbname(self._url, dbname)

    def log_problems(self, limit: int = 80) -> list[str]:
        """The last `limit` lines of our server's log that tell of an error or a lock wait."""
        if self.data_dir is None:
            return []
        try:
            text = (self.data_dir / "log").read_text(errors="replace")
        except OSError:
            return []
        return [line for line in text.splitlines() if PROBLEM.search(line)][-limit:]

    def pid(self) -> int | None:
        """The postmaster's process id (None once stopped, or for an external server)."""
        if self.data_dir is None:
            return None
        try:
            return int((self.data_dir / "postmaster.pid").read_text().split()[0])
        except (OSError, IndexError, ValueError):
            return None

    def stop(self) -> None:
        """Stop the server we started (fast shutdown) and remove its temporary files; idempotent."""
        if self._stopped:
            return
        assert self.data_dir is not None and self._bin_dir is not None
        if (self.data_dir / "postmaster.pid").exists():
            done = self._pg_ctl(self._bin_dir, self.data_dir, ["-m", "fast", "-w", "stop"])
            if done.returncode != 0 and (self.data_dir / "postmaster.pid").exists():
                raise PostgresStartError(
                    f"pg_ctl stop failed (exit {done.returncode}): "
                    f"{(done.stdout + done.stderr).strip()}\n"
                    f"Last {LOG_LINES} lines of the log:\n{_tail(self.data_dir / 'log')}"
                )
        self._stopped = True
        atexit.unregister(self.stop)
        if self._remove_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        """Use the server in a with block; it stops at the end."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop the server."""
        self.stop()


def create_database(admin_url: str, name: str, template: str | None = None) -> None:
    """CREATE DATABASE `name`, a copy of `template` if given (nobody may be connected to it)."""
    statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template is not None:
        statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as con:
        con.execute(statement)


def drop_database(admin_url: str, name: str) -> None:
    """DROP DATABASE `name` if it exists, ending the sessions still connected to it."""
    statement = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as con:
        con.execute(statement)


def main() -> int:
    """Self-check: start a server, copy a database from a template, query it, stop; print timings."""

    def step(label: str, since: float) -> float:
        now = time.perf_counter()
        print(f"{label:<40} {(now - since) * 1000:8.1f} ms")
        return now

    with tempfile.TemporaryDirectory(prefix="pg-check-") as base:
        now = time.perf_counter()
        print(f"binaries: {find_binaries()}")
        with PostgresServer.start(Path(base), use_env=False) as server:
            print(f"server:   {server.url}  (data in {server.data_dir})")
            for label, seconds in server.timings.items():
                print(f"{'  ' + label:<40} {seconds * 1000:8.1f} ms")
            now = step("start (initdb + pg_ctl start)", now)
            create_database(server.url, "check_template")
            with psycopg.connect(server.url_for("check_template"), autocommit=True) as con:
                con.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
                con.execute(
                    "CREATE TABLE item AS SELECT g AS id, 'item ' || g AS name"
                    " FROM generate_series(1, 1000) AS g"
                )
            now = step("template database (pg_trgm, 1,000 rows)", now)
            create_database(server.url, "check_copy", template="check_template")
            now = step("CREATE DATABASE … TEMPLATE", now)
            with psycopg.connect(server.url_for("check_copy")) as con:
                version = con.execute("SELECT version()").fetchone()
                similar = con.execute(
                    "SELECT count(*) FROM item WHERE similarity(name, %s) > 0.5", ["item 42"]
                ).fetchone()
            now = step("connect, SELECT version(), similarity()", now)
            drop_database(server.url, "check_copy")
            now = step("DROP DATABASE … WITH (FORCE)", now)
        step("stop", now)
    print(f"version:  {version[0] if version else '?'}")
    print(f"pg_trgm:  {similar[0] if similar else '?'} rows similar to 'item 42'")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
