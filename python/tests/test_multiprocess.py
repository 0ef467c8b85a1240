"""A Python reader beside a Node writer on one cache: whole files only, and the writer is never blocked."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import numpy as np

from conftest import HERE, NODE

from model_cache import Cache

CS = 128 << 10
VERSIONS = 40


def check_version(mv: memoryview) -> int:
    """The version a read shows; raises AssertionError if it is not exactly one whole version."""
    words = np.frombuffer(mv, dtype="<u8")
    i = int(words[0] >> np.uint64(32))
    assert len(mv) == 6 * CS + (i % 3) * 1000, f"size {len(mv)} does not match version {i}"
    assert (words >> np.uint64(32) == i).all(), "bytes of two versions in one read"
    assert ((words & np.uint64(0xFFFFFFFF)) == np.arange(len(words), dtype=np.uint64)).all(), "words out of place"
    return i


def test_reader_sees_whole_versions_while_node_rewrites(cache_dir: Path, tmp_path: Path) -> None:
    start = tmp_path / "start"
    writer = subprocess.Popen(
        [NODE, str(HERE / "node" / "rewrite.js"), str(cache_dir), str(CS), str(VERSIONS), str(start)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "ready"
        with Cache(cache_dir) as cache:
            # Held for the whole run: its snapshot must stay intact and must not hold the writer up.
            pinned = cache.get_file("r", "f")
            assert check_version(pinned.memoryview) == 0
            start.touch()
            seen: set[int] = set()
            reads = 0
            deadline = time.monotonic() + 60
            while writer.poll() is None and time.monotonic() < deadline:
                with cache.get_file("r", "f") as f:
                    seen.add(check_version(f.memoryview))
                reads += 1
            out, err = writer.communicate(timeout=60)
            assert writer.returncode == 0, err
            with cache.get_file("r", "f") as f:
                assert check_version(f.memoryview) == VERSIONS
            assert check_version(pinned.memoryview) == 0
            pinned.release()
    finally:
        if writer.poll() is None:
            writer.kill()
    latencies = json.loads(out.strip().splitlines()[-1])["latencies"]
    assert len(latencies) == VERSIONS
    # Never blocked: each 768 KiB store (7 durable commits) finishes in well under a second while a
    # reader holds a snapshot and reads continuously (libmdbx readers take no lock the writer waits on).
    assert max(latencies) < 2000, latencies
    print(f"\n{reads} reads, {len(seen)} versions seen, max store {max(latencies):.1f} ms")
    assert reads > 0 and len(seen) >= 2, (reads, seen)  # the reads really overlapped the writes
