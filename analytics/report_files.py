"""The report's cache key (its inputs and the code that renders them) and the rule that keeps files rendered from it."""

from __future__ import annotations

import ast
import hashlib
import importlib
import json
import sys
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

KEY_FILE = "report.key"
FILES = ("index.html", "report.md")
PACKAGE = Path(__file__).resolve().parent
# pandas renders the Markdown tables through tabulate, which no report module imports by name
INDIRECT_LIBRARIES = ("tabulate",)


def _imports(path: Path) -> tuple[set[str], set[str]]:
    """(analytics modules, top-level third-party packages) that the file imports, anywhere in it."""
    ours, theirs = set(), set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                 else [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module else [])
        for name in names:
            top, _, rest = name.partition(".")
            if top != "analytics":
                theirs.add(top)
            elif rest:
                ours.add(rest.split(".")[0])
            else:   # `from analytics import x`: a module, or a name the package loads from any of them
                ours |= {a.name for a in node.names} if all((PACKAGE / f"{a.name}.py").is_file()
                                                            for a in node.names) else {"*"}
    return ours, theirs


def closure(root: str = "report") -> tuple[list[str], set[str]]:
    """(analytics modules `root` runs: itself, the package's __init__ and what they import, transitively;
    the third-party packages those import)."""
    todo, seen, libraries = [root, "__init__"], set(), set(INDIRECT_LIBRARIES)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        if name == "*":   # not statically known: every module of the package
            todo += [p.stem for p in PACKAGE.glob("*.py")]
            continue
        ours, theirs = _imports(PACKAGE / f"{name}.py")
        todo += sorted(ours - seen)
        libraries |= {lib for lib in theirs if lib not in sys.stdlib_module_names and lib != "__future__"}
    return sorted(seen - {"*"}), libraries


@lru_cache(maxsize=None)
def code_version(root: str = "report") -> str:
    """sha256 of the modules in `closure(root)`, the package's data files, and the versions of the libraries they
    use and of Python (once per process: the code it runs is the code it imported)."""
    modules, libraries = closure(root)
    digest = hashlib.sha256(sys.version.encode())
    for path in [PACKAGE / f"{name}.py" for name in modules] + sorted(PACKAGE.glob("*.csv")):
        digest.update(f"\0{path.name}\0".encode() + path.read_bytes())
    for lib in sorted(libraries):
        digest.update(f"\0{lib}={getattr(importlib.import_module(lib), '__version__', '?')}".encode())
    return digest.hexdigest()


def _column_bytes(values) -> bytes:
    """A column's values exactly: raw bytes for numbers and dates, else type and repr of every cell."""
    array = np.asarray(values)
    if array.dtype.kind in "biufcmM":
        return array.dtype.str.encode() + np.ascontiguousarray(array).tobytes()
    return "\x1f".join(f"{type(v).__name__}:{v!r}" for v in array.tolist()).encode("utf-8", "surrogatepass")


def _plain(value) -> str:
    """JSON fallback for dates and the like; a frame or array nested in a list would be cut short by repr."""
    if isinstance(value, (pd.DataFrame, pd.Series, pd.Index, np.ndarray)):
        raise TypeError(f"report_key: a {type(value).__name__} nested inside another input cannot be keyed")
    return repr(value)


def _feed(digest, label: str, value) -> None:
    """Add one input, labelled and length-prefixed so that no two different inputs feed the same bytes."""
    if isinstance(value, pd.Series):
        value = value.to_frame()
    if isinstance(value, pd.DataFrame):
        parts = [repr([(str(c), str(t)) for c, t in value.dtypes.items()]).encode(), _column_bytes(value.index)]
        parts += [_column_bytes(value.iloc[:, i].to_numpy()) for i in range(value.shape[1])]
    elif isinstance(value, str):
        parts = [b"s", value.encode("utf-8", "surrogatepass")]
    else:
        parts = [json.dumps(value, sort_keys=True, default=_plain, ensure_ascii=True).encode()]
    for part in [label.encode("utf-8", "surrogatepass"), *parts]:
        digest.update(len(part).to_bytes(8, "big") + part)


def report_key(tables: dict, chart_svgs: dict[str, str], sources: list[dict],
               generated_at: datetime | None = None) -> str:
    """What the report's files are a function of: every table and frame, chart SVG and source it is given, the
    stamp when one is given (otherwise the time of rendering, which a kept report keeps), and the code."""
    digest = hashlib.sha256(code_version().encode())
    for name in sorted(tables):
        _feed(digest, f"table:{name}", tables[name])
    for name in sorted(chart_svgs):
        _feed(digest, f"svg:{name}", chart_svgs[name])
    _feed(digest, "sources", sources)
    _feed(digest, "generated_at", generated_at.isoformat() if generated_at is not None else None)
    return digest.hexdigest()


def is_current(out_dir: Path, key: str) -> bool:
    """True when `out_dir` holds every report file and the key they were rendered from is `key`."""
    key_file = out_dir / KEY_FILE
    return (all((out_dir / f).is_file() for f in FILES) and key_file.is_file()
            and key_file.read_text(encoding="ascii", errors="replace") == key)


def forget_key(out_dir: Path) -> None:
    """Remove the key before any file is written: never a key beside files it does not describe (a crash)."""
    (out_dir / KEY_FILE).unlink(missing_ok=True)


def write_key(out_dir: Path, key: str) -> None:
    """Written last, once every file is complete."""
    (out_dir / KEY_FILE).write_text(key, encoding="ascii")
