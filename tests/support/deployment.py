"""A deployment on PostgreSQL as processes on this machine: app replicas and publisher workers.

It runs what the README's "Running on PostgreSQL" describes: every process gets the database URL;
the replicas share one `server.cookieSecret` ($STREAMLIT_SERVER_COOKIE_SECRET) and leave
publishing to separate workers (`BATCH_UNLOCK_WORKER=0`); each worker is `python -m core --db URL
worker`. Output goes to files (a pipe nobody reads could fill and stall a process).
`Deployment.stop()` ends everything it started, by process id, and is safe to call twice.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.browser import ROOT
from tests.support.postgres import free_port

START_TIMEOUT_S = 60
STOP_TIMEOUT_S = 20
WORKER_STARTED = "Publishing worker started"


@dataclass
class Process:
    """One process of the deployment: what it is, its handle and its log file."""

    name: str
    proc: subprocess.Popen
    log: Path

    def output(self) -> str:
        """Everything the process printed so far."""
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@dataclass
class Deployment:
    """App replicas and workers on one PostgreSQL database, with logs in `folder`."""

    db_url: str
    folder: Path
    cookie_secret: str
    processes: list[Process] = field(default_factory=list)

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of a process: the repository importable, the database chosen."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("BATCH_UNLOCK_")}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        return {**env, "BATCH_UNLOCK_DB": self.db_url, **extra}

    def core(
        self, *args: str, stdin: str | None = None, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        """Run `python -m core --db URL ARGS` to its end (exit code not checked)."""
        return subprocess.run(
            [sys.executable, "-m", "core", "--db", self.db_url, *args],
            cwd=ROOT,
            env=self.env(),
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def _spawn(self, name: str, command: list[str], env: dict[str, str]) -> Process:
        log = self.folder / f"{name}.log"
        with log.open("w") as out:
            proc = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        process = Process(name, proc, log)
        self.processes.append(process)
        return process

    def start_replicas(self, count: int) -> list[str]:
        """Start `count` app replicas on free loopback ports at once; their URLs once healthy."""
        started = []
        for n in range(count):
            port = free_port()
            command = [
                sys.executable, "-m", "streamlit", "run", "app.py",
                "--server.headless", "true",
                "--server.address", "127.0.0.1",
                "--server.port", str(port),
                "--browser.gatherUsageStats", "false",
                "--server.fileWatcherType", "none",
            ]  # fmt: skip
            # The workers publish: a replica that also ran one would hide a worker's failure.
            # Streamlit 1.67 refuses --server.cookieSecret on the command line (a secret would
            # show in `ps`): it takes it from the environment or a config file.
            env = self.env(
                BATCH_UNLOCK_WORKER="0", STREAMLIT_SERVER_COOKIE_SECRET=self.cookie_secret
            )
            process = self._spawn(f"replica-{n + 1}", command, env)
            started.append((process, f"http://127.0.0.1:{port}"))
        for process, url in started:
            _wait_healthy(process, url)
        return [url for _, url in started]

    def start_workers(self, names: list[str], rate: float) -> list[Process]:
        """Start one `python -m core --db URL worker --rate RATE` per name, at once (each one's
        connections carry its name as application_name); return them once each says it runs."""
        started = [
            # libpq's PGAPPNAME names its connections: pg_stat_activity then tells whose they are.
            self._spawn(
                name,
                [
                    sys.executable,
                    "-m",
                    "core",
                    "--db",
                    self.db_url,
                    "worker",
                    "--rate",
                    f"{rate:g}",
                ],
                self.env(PGAPPNAME=name),
            )
            for name in names
        ]
        deadline = time.monotonic() + START_TIMEOUT_S
        for process in started:
            while WORKER_STARTED not in process.output():
                if process.proc.poll() is not None:
                    raise RuntimeError(f"{process.name} exited at start:\n{process.output()}")
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"{process.name} did not start in {START_TIMEOUT_S} s:\n{process.output()}"
                    )
                time.sleep(0.1)
        return started

    def kill(self, process: Process) -> None:
        """SIGKILL a process (no cleanup of its own: a crash) and reap it."""
        process.proc.send_signal(signal.SIGKILL)
        process.proc.wait(timeout=STOP_TIMEOUT_S)

    def stop(self) -> None:
        """End every process still running: SIGTERM to all, then SIGKILL to any that lingers."""
        running = [p for p in self.processes if p.proc.poll() is None]
        for process in running:
            process.proc.terminate()
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for process in running:
            try:
                process.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.proc.kill()
                process.proc.wait(timeout=STOP_TIMEOUT_S)

    def logs(self) -> str:
        """The end of every process's log, for a failure message."""
        return "\n".join(
            f"--- {p.name} (exit {p.proc.poll()}) ---\n{p.output()[-3000:]}" for p in self.processes
        )


def _wait_healthy(process: Process, url: str) -> None:
    """Wait until a replica's /_stcore/health answers ok (fail with its log if it exits)."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read() == b"ok":
                    return
        except OSError:
            time.sleep(0.3)
        if process.proc.poll() is not None:
            raise RuntimeError(f"{process.name} exited at start:\n{process.output()}")
    raise RuntimeError(f"{process.name} did not answer in {START_TIMEOUT_S} s:\n{process.output()}")


def users_csv(first_id: int, count: int) -> str:
    """Platform users for `import-users` (comma-separated: id, username, email, active)."""
    rows = [
        f"{i},deploy.user{i},deploy.user{i}@deploy.example,true"
        for i in range(first_id, first_id + count)
    ]
    return "id,username,email,active\n" + "\n".join(rows) + "\n"


def upload_csv(user_ids: range) -> str:
    """An upload in the template's columns (ID;Username;Registered email), one user by ID a row."""
    return "ID;Username;Registered email\n" + "".join(f"{i};;\n" for i in user_ids)
