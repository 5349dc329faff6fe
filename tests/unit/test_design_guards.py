"""Architecture rules that keep the code base honest."""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_nothing_under_core_imports_streamlit() -> None:
    offenders = []
    for path in (ROOT / "core").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n == "streamlit" or n.startswith("streamlit.") for n in names):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_no_page_renders_raw_html_from_data() -> None:
    offenders = [
        str(p.relative_to(ROOT))
        for p in [*(ROOT / "pages").rglob("*.py"), ROOT / "app.py"]
        if "unsafe_allow_html=True" in p.read_text()
    ]
    assert offenders == []


def _imports(path: Path) -> list[str]:
    """Every module a file imports (`from core import store` counts as `core.store`)."""
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names += [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
    return names


def _is_store(name: str) -> bool:
    # The port's types (`core.store.ports`) are what pages pass along; the store itself is not.
    if name == "core.store.ports" or name.startswith("core.store.ports."):
        return False
    return name in ("duckdb", "core.store") or name.startswith(("duckdb.", "core.store."))


def test_pages_import_no_store_module_but_the_runtime_that_composes_the_app() -> None:
    composition_root = ROOT / "pages" / "web" / "runtime.py"
    offenders = sorted(
        f"{p.relative_to(ROOT)}: {name}"
        for p in [*(ROOT / "pages").rglob("*.py"), ROOT / "app.py"]
        if p != composition_root
        for name in _imports(p)
        if _is_store(name)
    )
    assert offenders == []


def _literal_state_keys(path: Path) -> list[str]:
    """The string constants used as keys of `st.session_state` (subscript, get, pop, setdefault)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Subscript):
            target, key = node.value, node.slice
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
            if node.func.attr not in ("get", "pop", "setdefault"):
                continue
            target, key = node.func.value, node.args[0]
        else:
            continue
        if (
            isinstance(target, ast.Attribute)
            and target.attr == "session_state"
            and isinstance(key, ast.Constant | ast.JoinedStr)
        ):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_the_app_keeps_its_session_entries_only_through_the_typed_slots() -> None:
    # Each entry the app keeps has one spelling and one type, in pages/ui/state.py; a widget's
    # own key (a variable) may still be read or set directly.
    offenders = [
        hit
        for p in (ROOT / "pages").rglob("*.py")
        if p.name != "state.py"
        for hit in _literal_state_keys(p)
    ]
    assert offenders == []


def test_the_app_refuses_to_start_when_a_pages_folder_appears_beside_the_router(
    tmp_path: Path,
) -> None:
    from pages.web import main_script as app

    app.check_no_stray_pages(tmp_path / "absent")  # no folder: starts
    (tmp_path / "pages").mkdir()
    with pytest.raises(SystemExit, match="would serve every script"):
        app.check_no_stray_pages(tmp_path / "pages")
    assert app.ROUTER.parent / "pages" == app.STRAY_PAGES
    assert not app.STRAY_PAGES.exists()


def test_the_router_is_alone_in_its_folder_so_it_shadows_no_module_on_sys_path() -> None:
    folder = Path(__file__).resolve().parents[2] / "pages" / "entry"
    assert sorted(p.name for p in folder.iterdir() if p.name != "__pycache__") == ["router.py"]


CORE_MODULE_LIMIT = 250  # lines: a module longer than this holds more than one reason to change
SQL = re.compile(
    r"\bSELECT\b[\s\S]*\bFROM\b|\bINSERT\s+INTO\b|\bUPDATE\s+\w+\s+SET\b|\bDELETE\s+FROM\b"
    r"|\b(?:CREATE|ALTER|DROP)\s+(?:TABLE|INDEX|SEQUENCE|VIEW)\b|\bBEGIN\s+TRANSACTION\b"
)
DRIVER_CALLS = {
    "execute",
    "executemany",
    "sql",
    "fetchone",
    "fetchall",
    "fetchmany",
    "fetchdf",
    "fetch_df",
}
LEGACY_NAMES = {"frame", "get_setting", "in_transaction", "set_setting", "unregister"}
LEGACY_HINT = re.compile(
    r"\blegacy\b|\bstore\.(?:" + "|".join(sorted(LEGACY_NAMES)) + r")\b|from core\.store import"
)


def _python_files(*tops: str) -> list[Path]:
    found = []
    for top in tops:
        path = ROOT / top
        found += [path] if path.is_file() else sorted(path.rglob("*.py"))
    return [p for p in found if "__pycache__" not in p.parts]


@functools.cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text())


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, module) for every import; `from a import b` gives `a` and `a.b`."""
    found = []
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found += [(node.lineno, node.module)]
            found += [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
    return found


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def _offenders(what: str, offenders: list[str]) -> str:
    return f"{len(offenders)} {what}:\n  " + "\n  ".join(offenders)


def test_only_the_duckdb_adapter_imports_duckdb() -> None:
    offenders = [
        f"{_rel(p)}:{line}: import {name}"
        for p in _python_files("core", "pages", "app.py")
        if not _within(_rel(p)[:-3].replace("/", "."), "core.store.duckdb")
        for line, name in _imported_modules(p)
        if _within(name, "duckdb")
    ]
    assert not offenders, _offenders("modules outside core/store/duckdb/ import duckdb", offenders)


def test_only_the_postgres_adapter_imports_psycopg() -> None:
    offenders = [
        f"{_rel(p)}:{line}: import {name}"
        for p in _python_files("core", "pages", "app.py")
        if not _within(_rel(p)[:-3].replace("/", "."), "core.store.postgres")
        for line, name in _imported_modules(p)
        if _within(name, "psycopg") or _within(name, "psycopg_pool")
    ]
    assert not offenders, _offenders(
        "modules outside core/store/postgres/ import psycopg", offenders
    )


def test_no_module_in_core_is_over_250_lines() -> None:
    offenders = [
        f"{_rel(p)}: {n} lines"
        for p in _python_files("core")
        if (n := len(p.read_text().splitlines())) > CORE_MODULE_LIMIT
    ]
    assert not offenders, _offenders(f"core modules over {CORE_MODULE_LIMIT} lines", offenders)


def _docstrings(tree: ast.Module) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and body
        ):
            first = body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def test_no_sql_and_no_driver_calls_in_core_outside_the_store() -> None:
    offenders = []
    for p in _python_files("core"):
        if _within(_rel(p)[:-3].replace("/", "."), "core.store"):
            continue
        tree = _tree(p)
        docs = _docstrings(tree)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docs
            ):
                if SQL.search(node.value):
                    offenders.append(f"{_rel(p)}:{node.lineno}: SQL {node.value[:50]!r}")
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in DRIVER_CALLS
            ):
                offenders.append(f"{_rel(p)}:{node.lineno}: .{node.func.attr}(")
    assert not offenders, _offenders(
        "SQL strings or driver calls in core/ outside core/store/", offenders
    )


def test_no_module_uses_the_transitional_legacy_store_helpers() -> None:
    offenders = []
    for p in _python_files("core", "pages", "app.py", "tests", "bench"):
        if _rel(p) == "core/store/__init__.py" or _rel(p).startswith("core/store/duckdb/legacy"):
            continue
        if not LEGACY_HINT.search(p.read_text()):
            continue  # cannot use them: no need to parse it
        for line, name in _imported_modules(p):
            legacy = _within(name, "core.store.duckdb.legacy")
            reexport = name.startswith("core.store.") and name.rsplit(".", 1)[1] in LEGACY_NAMES
            if legacy or (reexport and name.count(".") == 2):
                offenders.append(f"{_rel(p)}:{line}: {name}")
        for node in ast.walk(_tree(p)):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "store"
                and node.attr in LEGACY_NAMES
            ):
                offenders.append(f"{_rel(p)}:{node.lineno}: store.{node.attr}")
    assert not offenders, _offenders("imports of core.store.duckdb.legacy", offenders)


def test_the_duckdb_unit_of_work_hands_out_no_cursor_methods() -> None:
    from core.store.duckdb.unit_of_work import DuckUnitOfWork

    forwards = "__getattr__" in vars(DuckUnitOfWork)
    assert not forwards, (
        "DuckUnitOfWork.__getattr__ still forwards the cursor's methods (TRANSITIONAL)"
    )


def test_no_page_script_relies_on_streamlit_magic_which_is_off() -> None:
    """`runner.magicEnabled = false`: a bare value on its own line would silently show nothing."""
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["runner"]["magicEnabled"] is False
    shown = []
    for script in [
        *sorted((ROOT / "pages" / "screens").glob("*.py")),
        ROOT / "pages/entry/router.py",
    ]:
        tree = ast.parse(script.read_text())
        for node in ast.walk(tree):
            body = getattr(node, "body", None)
            if not isinstance(body, list):
                continue
            for i, stmt in enumerate(body):
                if not isinstance(stmt, ast.Expr):
                    continue
                value = stmt.value
                docstring = (
                    i == 0 and isinstance(value, ast.Constant) and isinstance(value.value, str)
                )
                if not (docstring or isinstance(value, ast.Call | ast.Await | ast.Yield)):
                    shown.append(f"{script.name}:{stmt.lineno}")
    assert shown == []


# Packages a segment of users builds on; none of them may build on segments (no package cycle).
BELOW_SEGMENTS = (
    "core.access",
    "core.audit",
    "core.batches",
    "core.catalog",
    "core.history",
    "core.platform_users",
    "core.publishing",
    "core.upload",
)


def test_no_package_below_segments_imports_it() -> None:
    offenders = [
        f"{_rel(path)}:{line} imports {name}"
        for path in sorted((ROOT / "core").rglob("*.py"))
        if any(_within(path.relative_to(ROOT).with_suffix("").as_posix().replace("/", "."), p)
               for p in BELOW_SEGMENTS)
        for line, name in _imported_modules(path)
        if _within(name, "core.segments")
    ]  # fmt: skip
    assert not offenders, _offenders("imports of core.segments from below it", offenders)
