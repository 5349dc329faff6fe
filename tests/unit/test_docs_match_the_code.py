"""The documents a newcomer reads tell the truth about the tree.

README.md's command-line table names every command, argument and option the parser has (and
nothing the parser lacks); ARCHITECTURE.md names only files that exist; and `pages/` holds no
page script Streamlit could serve on its own.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from pathlib import Path

from core.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
ARCHITECTURE = ROOT / "ARCHITECTURE.md"

# A path to a Python file of ours, as the documents write it: `core/batches/drafts.py`, `app.py`.
PYTHON_PATH = re.compile(r"(?<![\w./-])((?:core|pages|tests|bench)/[\w./-]*?\w\.py|app\.py)\b")


def _commands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Yield every parser in the tree with its command path: (), ("batch",), ("batch", "list")..."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _commands(sub, (*path, name))


def _names(word: str, text: str) -> bool:
    """Whether `text` holds `word` whole (`--user` is not found in `--users`)."""
    return re.search(r"(?<![\w-])" + re.escape(word) + r"(?![\w-])", text) is not None


def _rows_of(path: tuple[str, ...], readme: str) -> list[str]:
    """The README lines that name this command as code: `batch list ...`."""
    command = re.compile("`" + re.escape(" ".join(path)) + r"(?![\w-])")
    return [line for line in readme.splitlines() if command.search(line)]


def _long_options(parser: argparse.ArgumentParser) -> list[str]:
    return [
        option
        for action in parser._actions
        for option in action.option_strings
        if option.startswith("--") and option != "--help"
    ]


def test_the_parser_walk_finds_the_nested_commands() -> None:
    # Guards the walk itself: were it to stop at the top level, the README checks would pass
    # while checking nothing below it.
    paths = {path for path, _ in _commands(build_parser())}
    assert {("batch", "list"), ("batch", "retry"), ("account", "logout"), ("init",)} <= paths


def test_every_command_of_the_command_line_appears_in_the_readme() -> None:
    readme = README.read_text(encoding="utf-8")
    missing = [
        " ".join(path)
        for path, _ in _commands(build_parser())
        if path and not _rows_of(path, readme)
    ]
    assert missing == [], f"commands missing from README.md's command table: {missing}"


def test_every_long_option_of_every_command_appears_in_the_readme() -> None:
    # A command's option must be on a line that names the command (its table row); the main
    # parser's own options (--db) may be anywhere.
    readme = README.read_text(encoding="utf-8")
    missing = [
        f"{' '.join(path) or 'python -m core'} {option}"
        for path, parser in _commands(build_parser())
        for option in _long_options(parser)
        if not any(_names(option, line) for line in (_rows_of(path, readme) if path else [readme]))
    ]
    assert missing == [], f"options missing from README.md: {missing}"


def _argument_names(parser: argparse.ArgumentParser) -> list[str]:
    """The names a command's positional arguments show in its usage: FILE, BID, username…"""
    return [
        action.metavar or action.dest
        for action in parser._actions
        if not action.option_strings and not isinstance(action, argparse._SubParsersAction)
    ]


def test_every_argument_of_every_command_appears_on_its_readme_row() -> None:
    readme = README.read_text(encoding="utf-8")
    missing = [
        f"{' '.join(path)} {name}"
        for path, parser in _commands(build_parser())
        if path
        for name in _argument_names(parser)
        if not any(
            re.search(r"(?<![\w-])" + re.escape(name) + r"(?![\w-])", line, re.IGNORECASE)
            for line in _rows_of(path, readme)
        )
    ]
    assert missing == [], f"arguments missing from README.md's command table: {missing}"


def _readme_commands() -> list[str]:
    """The code spans that open a row of README.md's command-line table: `batch list [...]`…"""
    section = README.read_text(encoding="utf-8").split("## Command line for developers", 1)[1]
    section = section.split("\n## ", 1)[0]
    return [
        span
        for line in section.splitlines()
        if line.startswith("| `")
        for span in re.findall(r"`([^`]+)`", line.split(" | ")[0])
    ]


def test_every_command_and_option_in_the_readme_table_exists() -> None:
    # The other direction: the table names no command or option that the parser lacks.
    parsers = dict(_commands(build_parser()))
    wrong = []
    for span in _readme_commands():
        words = span.split()
        path = next(
            (tuple(words[:n]) for n in (3, 2, 1) if tuple(words[:n]) in parsers and words[:n]), None
        )
        if path is None:
            wrong.append(span)
            continue
        known = set(_long_options(parsers[path])) | set(_long_options(parsers[()]))
        wrong += [f"{span}: {o}" for o in re.findall(r"--[\w-]+", span) if o not in known]
    assert _readme_commands(), "no command rows found: the table's shape changed"
    assert wrong == [], f"README.md names commands or options that do not exist: {wrong}"


def test_every_python_file_named_in_the_architecture_document_exists() -> None:
    named = sorted(set(PYTHON_PATH.findall(ARCHITECTURE.read_text(encoding="utf-8"))))
    assert named, "ARCHITECTURE.md names no file: the pattern no longer matches how it names them"
    missing = [path for path in named if not (ROOT / path).is_file()]
    assert missing == [], f"ARCHITECTURE.md names files that do not exist: {missing}"


def test_no_python_file_sits_directly_in_pages_but_its_init() -> None:
    # Streamlit serves a *.py directly inside pages/ as an old-style page, past the router's
    # login and role checks; screens belong in pages/screens/.
    strays = sorted(p.name for p in (ROOT / "pages").glob("*.py") if p.name != "__init__.py")
    assert strays == [], f"move these out of pages/ into a sub-package: {strays}"
