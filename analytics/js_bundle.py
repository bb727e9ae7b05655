"""The vega-embed + Vega-Lite + Vega script of the offline chart pages, built by vl-convert once and cached on disk."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from functools import lru_cache
from pathlib import Path

import vl_convert as vlc


def default_cache_dir() -> Path | None:
    """~/.cache/layoffs-ai (None when there is no home directory to put it in)."""
    try:
        return Path.home() / ".cache" / "layoffs-ai"
    except RuntimeError:
        return None


def cache_file(cache_dir: Path, vl_version: str) -> Path:
    """One file per vl-convert version (which fixes Vega and vega-embed) and Vega-Lite version."""
    key = re.sub(r"[^0-9A-Za-z.]+", "_", f"vlconvert{getattr(vlc, '__version__', 'unknown')}-vl{vl_version}")
    return cache_dir / f"vega-embed-bundle-{key}.js"


def _digest(text: bytes) -> bytes:
    return hashlib.sha256(text).hexdigest().encode("ascii")


def _read(path: Path) -> str | None:
    """The cached bundle, or None when absent, unreadable or not what was written (first line: its sha256)."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    digest, _, body = data.partition(b"\n")
    if digest != _digest(body):
        return None
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _write(path: Path, bundle: str) -> None:
    """Write atomically (temporary file in the same folder, then rename); a cache that cannot be written is skipped."""
    body = bundle.encode("utf-8")
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=path.name + ".", suffix=".tmp", delete=False) as f:
            tmp = Path(f.name)
            f.write(_digest(body) + b"\n" + body)
        os.replace(tmp, path)
    except OSError:
        if tmp is not None:
            tmp.unlink(missing_ok=True)


@lru_cache(maxsize=4)
def javascript_bundle(vl_version: str, cache_dir: Path | None = None) -> str:
    """`vl_convert.javascript_bundle(vl_version=...)`, read from `cache_dir` (default: `default_cache_dir()`) when
    an earlier run left it there; building it takes seconds, reading it milliseconds."""
    folder = cache_dir if cache_dir is not None else default_cache_dir()
    path = cache_file(Path(folder), vl_version) if folder is not None else None
    cached = _read(path) if path is not None else None
    if cached is not None:
        return cached
    bundle = vlc.javascript_bundle(vl_version=vl_version)
    if path is not None:
        _write(path, bundle)
    return bundle
