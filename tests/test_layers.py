"""The project's layering, checked by reading its source: what only one module may do."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = ("archive", "cluster", "crawler", "indexer", "search", "newsarchive")
#: private attributes of other libraries that we use on purpose, each with its reason
ALLOWED = {
    # httpx's transport's httpcore pool takes our address-checking network backend (both
    # pinned; see setup.cfg): the crawler refuses to start if either has moved
    ("crawler/transport.py", "_network_backend"),
    ("crawler/transport.py", "_pool"),
}
#: functions that name an attribute by a string
BY_NAME = {"getattr", "hasattr", "setattr", "delattr"}


def _modules():
    for package in LIBRARY:
        for path in sorted((ROOT / package).rglob("*.py")):
            yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text(), str(path))


#: named tuples' public methods carry an underscore so as not to clash with field names
NAMEDTUPLE_API = {"_replace", "_asdict", "_fields", "_make"}


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__") and name not in NAMEDTUPLE_API


def _defined_here(trees) -> set[str]:
    """Every private name our own code defines: functions, classes, attributes it assigns."""
    names: set[str] = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                names.add(node.target.id)
            elif isinstance(node, ast.arg):
                names.add(node.arg)
    return {n for n in names if _private(n)}


def test_no_private_attribute_of_another_library_outside_the_whoosh_compat_module():
    """Whoosh's insides are read in indexer/whoosh_compat.py alone (behind its version
    check): a private attribute used anywhere else must be one our own code defines."""
    modules = list(_modules())
    ours = _defined_here(tree for path, tree in modules if path != "indexer/whoosh_compat.py")
    foreign = []
    for path, tree in modules:
        if path == "indexer/whoosh_compat.py":
            continue
        for node in ast.walk(tree):
            name = node.attr if isinstance(node, ast.Attribute) else None
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in BY_NAME and len(node.args) > 1
                    and isinstance(node.args[1], ast.Constant)
                    and isinstance(node.args[1].value, str)):
                name = node.args[1].value  # getattr(reader, "_perdoc")
            if (name is not None and _private(name) and name not in ours
                    and (path, name) not in ALLOWED):
                foreign.append(f"{path}:{node.lineno} .{name}")
    assert foreign == []


def test_the_whoosh_compat_module_refuses_another_whoosh():
    import importlib.metadata

    import pytest

    from indexer import whoosh_compat

    real = importlib.metadata.version
    try:
        whoosh_compat.version = lambda dist: "2.7.4" if dist == "whoosh3" else real(dist)
        with pytest.raises(ImportError, match="whoosh3==3.54.0"):
            whoosh_compat._check_version()
    finally:
        whoosh_compat.version = real


_SQL = re.compile(r"^\s*(SELECT\b|INSERT\b|UPDATE \w+ SET\b|DELETE FROM\b|BEGIN\b|COMMIT\b|"
                  r"ROLLBACK\b|CREATE (TABLE|INDEX)\b|PRAGMA\b|SAVEPOINT\b)")


def test_only_the_archive_layer_speaks_sql():
    """The store's schema is the archive layer's business: nothing else imports sqlite3,
    calls ``execute`` or writes an SQL statement."""
    found = []
    for path, tree in _modules():
        if path.startswith("archive/"):
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
                if "sqlite3" in names:
                    found.append(f"{path}:{node.lineno} imports sqlite3")
            elif isinstance(node, ast.Attribute) and node.attr in ("execute", "executescript",
                                                                    "executemany"):
                found.append(f"{path}:{node.lineno} .{node.attr}")
            elif (isinstance(node, ast.Constant) and isinstance(node.value, str)
                  and _SQL.match(node.value)):
                found.append(f"{path}:{node.lineno} SQL {node.value[:40]!r}")
    assert found == []


def test_only_the_archive_layer_builds_paths_into_an_archive():
    """Where the store, the WARC files and the index live is archive/layout.py's to say."""
    from archive import layout

    names = {layout.STORE_NAME, layout.WARC_DIR, layout.INDEX_DIR, layout.INDEX_LOCK}
    found = []
    for path, tree in _modules():
        if path == "archive/layout.py":
            continue
        for node in ast.walk(tree):
            if (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div)
                    and isinstance(node.right, ast.Constant) and node.right.value in names):
                found.append(f"{path}:{node.lineno} / {node.right.value!r}")
    assert found == []


def test_no_function_in_the_library_is_over_80_lines():
    """A function a reader can hold in their head (60 lines is the habit, 80 the limit)."""
    long = [f"{path}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)"
            for path, tree in _modules() for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and node.end_lineno - node.lineno + 1 > 80]
    assert long == []
