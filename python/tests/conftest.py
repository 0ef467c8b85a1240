"""Shared fixtures: caches are written by the Node library (the real writer), then read from Python."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "python"))

DIST = ROOT / "dist" / "index.js"
NODE = os.environ.get("NODE") or shutil.which("node") or "node"
HERE = Path(__file__).resolve().parent


def pytest_configure(config: pytest.Config) -> None:
    if not DIST.exists():
        raise pytest.UsageError(f"{DIST} is missing: run `npm run build:ts` first (the tests write caches with it)")


def node_store(
    cache_dir: Path,
    files: dict[tuple[str, str], bytes],
    docs: list[tuple[str, str, str]] = (),  # type: ignore[assignment]
    chunk_size: int | None = None,
) -> None:
    """Stores ``files`` ((repo, path) -> bytes) and ``docs`` ((kind, name, value)) with the Node library."""
    staging = cache_dir.parent / (cache_dir.name + "-staging")
    staging.mkdir(parents=True, exist_ok=True)
    entries = []
    for i, ((repo, path), data) in enumerate(files.items()):
        src = staging / f"{i}.bin"
        src.write_bytes(data)
        entries.append({"repo": repo, "path": path, "src": str(src)})
    spec = {
        "dir": str(cache_dir),
        "chunkSize": chunk_size,
        "files": entries,
        "docs": [{"kind": k, "name": n, "value": v} for k, n, v in docs],
    }
    spec_file = staging / "spec.json"
    spec_file.write_text(json.dumps(spec))
    subprocess.run([NODE, str(HERE / "node" / "store.js"), str(spec_file)], check=True, timeout=60)
    shutil.rmtree(staging)


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    return tmp_path / "cache"
