"""A simple command imports only what it needs: no polars, pyarrow or argon2 for `quests`.

Each of them costs ~0.1-0.15 s per process (bench/bench_cli.py times the whole command). The
quick parse that makes this possible must give what the parser of every command gives.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from core import cli
from tests.support.batches import make_draft
from tests.support.store import open_store
from tests.support.world import dev

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("polars", "pyarrow", "numpy", "argon2")
# Runs `python -m core ARGS` as the shell does, then reports which modules the process loaded.
CHILD = """
import atexit, json, runpy, sys
atexit.register(lambda: print(json.dumps(sorted(sys.modules)), file=sys.stderr))
sys.argv = ["python -m core", *sys.argv[1:]]
runpy.run_module("core", run_name="__main__", alter_sys=True)
"""


def _run_command(*args: str) -> tuple[subprocess.CompletedProcess, set[str]]:
    """Run one command in a fresh interpreter; return it and the modules it imported."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    modules = set(json.loads(done.stderr.strip().splitlines()[-1]))
    return done, modules


@pytest.fixture
def world_file(store_templates: dict[str, Path], tmp_path: Path) -> Path:
    """A closed data file, for a child process: small_world (badges Explorer and Mentor) and
    one draft, "Spring onboarding"."""
    path = tmp_path / "world.duckdb"
    shutil.copyfile(store_templates["small_world"], path)
    uow = open_store(path)
    draft = make_draft(uow, dev)
    uow.close()
    assert draft == 1  # the id the commands below name
    return path


@pytest.mark.parametrize(
    ("command", "prints"),
    [
        pytest.param(command, prints, id=" ".join(command))
        for command, prints in [
            (["quests", "--json"], '"badge": "Explorer"'),
            (["quests"], "Mentor"),
            (["rate", "--json"], '"rate"'),
            (["batch", "show", "1", "--json"], "Spring onboarding"),
        ]
    ],
)
def test_a_simple_command_imports_neither_polars_nor_pyarrow_nor_argon2(
    world_file: Path, command: list[str], prints: str
) -> None:
    done, modules = _run_command("--db", str(world_file), *command)
    assert done.returncode == 0, done.stderr[-2000:]
    assert prints in done.stdout  # the command did its work, on the store (duckdb was loaded)
    assert "duckdb" in modules
    assert not {m for m in modules if m.split(".")[0] in HEAVY}, sorted(
        m for m in modules if m.split(".")[0] in HEAVY and "." not in m
    )


def test_a_command_that_needs_frames_still_loads_polars_when_it_runs(world_file: Path) -> None:
    # The check above can fail: the same child sees polars when the command uses it.
    done, modules = _run_command("--db", str(world_file), "batch", "list", "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "polars" in modules


def test_help_imports_no_store_and_no_polars() -> None:
    done, modules = _run_command("--help")
    assert done.returncode == 0 and "quests" in done.stdout
    assert not {m.split(".")[0] for m in modules} & {*HEAVY, "duckdb"}


def test_the_password_module_imports_argon2_and_makes_its_dummy_hash_only_when_first_used() -> None:
    check = """
import sys
from core.access import accounts, login, passwords
print("argon2" in sys.modules, "DUMMY_HASH" in vars(passwords))
dummy = passwords.DUMMY_HASH
print(dummy.startswith("$argon2id$"), passwords.verify(dummy, "not-a-real-password"))
print(passwords.DUMMY_HASH is dummy, passwords.verify(dummy, "a guess"))
"""
    done = subprocess.run(
        [sys.executable, "-c", check], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.stdout.split() == ["False", "False", "True", "True", "True", "False"], done.stderr


def _handlers(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> dict[tuple[str, ...], str]:
    """{command path: the module of its handler} for every runnable command of the parser."""
    found: dict[tuple[str, ...], str] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                handler = sub.get_default("handler")
                if handler is not None:
                    found[(*path, name)] = handler.__module__.rsplit(".", 1)[1]
                found.update(_handlers(sub, (*path, name)))
    return found


def test_the_command_table_names_the_module_of_every_command() -> None:
    # A command missing from COMMAND_MODULES would still run, through the full parser, slower.
    registered: dict[str, set[str]] = {}
    for path, module in _handlers(cli.build_parser()).items():
        named = path[:2] if path[0] == "batch" else path[:1]  # the table's own keys
        registered.setdefault(" ".join(named), set()).add(module)
    assert {"quests", "batch list", "account"} <= set(registered)
    assert registered == {name: {module} for name, module in cli.COMMAND_MODULES.items()}


@pytest.mark.parametrize(
    "argv",
    [
        ["quests", "--json"],
        ["--db", "elsewhere.duckdb", "quests"],
        ["--db=quests", "batch", "list", "--status", "Published", "--json"],
        ["--db", "quests", "batch", "show", "3"],
        ["batch", "create", "--name", "quests", "--quest", "3", "--user", "7"],
        ["account", "list", "--json"],
        ["rate", "0"],
        ["worker", "--once", "--chunk", "10"],
    ],
    ids=" ".join,
)
def test_a_quick_parse_gives_what_the_parser_of_every_command_gives(argv: list[str]) -> None:
    quick = cli.parse_quickly(argv)
    assert quick is not None
    assert vars(quick) == vars(cli.build_parser().parse_args(argv))


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["--help"],
        ["-h", "quests"],
        ["quests", "--he"],
        ["quests", "--bogus"],
        ["nosuch"],
        ["batch", "show", "not-a-number"],
        ["batch"],
        ["--db"],
    ],
    ids=lambda argv: " ".join(argv) or "nothing",
)
def test_help_and_mistakes_are_left_to_the_parser_of_every_command(argv: list[str]) -> None:
    assert cli.parse_quickly(argv) is None
