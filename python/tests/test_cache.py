"""Cache over the C ABI: listing, documents, zero-copy views and their lifetime, verify, materialize."""

from __future__ import annotations

import gc
import hashlib
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from conftest import ROOT, node_store

from model_cache import Cache, ModelStoreError

CS = 128 << 10  # small chunks so that files span several


def pattern(size: int, seed: int) -> bytes:
    return np.random.default_rng(seed).integers(0, 256, size, dtype=np.uint8).tobytes()


@pytest.fixture
def filled(cache_dir: Path) -> dict[tuple[str, str], bytes]:
    files = {
        ("org/model", "onnx/model.onnx"): pattern(3 * CS + 12345, 1),
        ("org/model", "config.json"): b'{"a": 1}',
        ("org/model", "empty.bin"): b"",
        ("other/repo", "weights.bin"): pattern(CS, 2),
    }
    manifest = {"schemaVersion": 1, "repo": "org/model", "variants": []}
    node_store(
        cache_dir, files,
        docs=[("manifest", "org/model", json.dumps(manifest)), ("manifest", "manifest-only/repo", "{}"), ("lease", "x", "1")],
        chunk_size=CS,
    )
    return files


def test_open_missing_database_read_only(tmp_path: Path) -> None:
    with pytest.raises(ModelStoreError) as e:
        Cache(tmp_path / "nothing-here")
    assert e.value.code == "MC_ERR_NOT_FOUND"
    assert e.value.errno == -32004


def test_lists_repos_files_and_manifests(cache_dir: Path, filled: dict) -> None:
    with Cache(cache_dir) as cache:
        assert cache.list_repos() == ["manifest-only/repo", "org/model", "other/repo"]
        files = cache.list_files("org/model")
        assert [f.path for f in files] == ["config.json", "empty.bin", "onnx/model.onnx"]
        big = files[2]
        data = filled[("org/model", "onnx/model.onnx")]
        assert big.size == len(data)
        assert big.sha256 == hashlib.sha256(data).hexdigest()
        assert big.chunk_size == CS and big.chunk_count == 4
        assert len(cache.list_files()) == 4
        assert cache.has_file("org/model", "config.json")
        assert not cache.has_file("org/model", "nope")
        assert cache.file_info("org/model", "nope") is None
        assert cache.file_info("org/model", "config.json").size == 8
        assert cache.manifest("org/model")["repo"] == "org/model"
        assert cache.manifest("not/there") is None
        assert set(cache.manifests()) == {"org/model", "manifest-only/repo"}
        assert cache.get_doc("lease", "x") == b"1"
        stats = cache.stats()
        assert stats.files == 4 and stats.read_only and stats.page_size == 4096
        assert stats.zero_copy == sys.platform.startswith("linux")


def test_view_is_zero_copy_and_read_only(cache_dir: Path, filled: dict) -> None:
    data = filled[("org/model", "onnx/model.onnx")]
    with Cache(cache_dir) as cache, cache.get_file("org/model", "onnx/model.onnx") as f:
        assert f.zero_copy and f.size == len(data) and f.info.sha256 == hashlib.sha256(data).hexdigest()
        mv = f.memoryview
        assert mv.readonly and mv.format == "B" and mv.nbytes == len(data)
        assert f.address % 4096 == 0  # the mirror of the database's pages, not a heap copy
        arr = np.frombuffer(mv, dtype=np.uint8)
        assert arr.ctypes.data == f.address  # numpy made no copy
        assert not arr.flags.writeable
        with pytest.raises(ValueError):
            arr[0] = 1
        with pytest.raises(TypeError):
            mv[0] = 1
        assert arr.tobytes() == data


def test_small_files_are_copies_and_ranges_work(cache_dir: Path, filled: dict) -> None:
    data = filled[("org/model", "onnx/model.onnx")]
    with Cache(cache_dir) as cache:
        with cache.get_file("org/model", "config.json") as f:
            assert not f.zero_copy and f.tobytes() == b'{"a": 1}'
        with cache.get_file("org/model", "empty.bin") as f:
            assert f.size == 0 and f.tobytes() == b""
        # A range across a chunk boundary, mapped (>= 64 KiB) and copied (< 64 KiB).
        with cache.get_file("org/model", "onnx/model.onnx", CS - 100, 70000) as f:
            assert f.zero_copy and f.tobytes() == data[CS - 100 : CS - 100 + 70000]
        with cache.get_file("org/model", "onnx/model.onnx", 2 * CS - 5, 10) as f:
            assert not f.zero_copy and f.tobytes() == data[2 * CS - 5 : 2 * CS + 5]
        with cache.get_file("org/model", "onnx/model.onnx", len(data)) as f:
            assert f.size == 0
        with pytest.raises(ModelStoreError) as e:
            cache.get_file("org/model", "onnx/model.onnx", len(data) - 1, 2)
        assert e.value.code == "MC_ERR_INVALID_ARGUMENT"
        with pytest.raises(ModelStoreError) as e:
            cache.get_file("org/model", "missing")
        assert e.value.code == "MC_ERR_NOT_FOUND"
        with pytest.raises(ModelStoreError) as e:
            cache.get_file("", "x")
        assert e.value.code == "MC_ERR_INVALID_NAME"


def test_use_after_the_context_raises(cache_dir: Path, filled: dict) -> None:
    with Cache(cache_dir) as cache:
        with cache.get_file("org/model", "onnx/model.onnx") as f:
            mv = f.memoryview
            head = mv[:16]  # a slice shares the exporter: it stays valid
        with pytest.raises(ValueError, match="released"):
            mv[0]
        with pytest.raises(ValueError, match="released"):
            bytes(mv)
        with pytest.raises(ModelStoreError) as e:
            f.memoryview
        assert e.value.code == "MC_ERR_RELEASED"
        assert f.released and bytes(head) == filled[("org/model", "onnx/model.onnx")][:16]
        f.release()  # idempotent


def private_mappings(db: Path) -> int:
    """Views map the database file privately (rw-p); libmdbx's own map is shared (r--s)."""
    lines = Path("/proc/self/maps").read_text().splitlines()
    return sum(1 for line in lines if line.endswith(str(db)) and " rw-p " in line)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/maps")
def test_arrays_pin_the_mapping_until_collected(cache_dir: Path, filled: dict) -> None:
    """An array made inside the block stays valid after it (never unmapped under it) and the mapping goes
    when the array does."""
    data = filled[("org/model", "onnx/model.onnx")]
    db = (cache_dir / "model-cache.mdbx").resolve()
    with Cache(cache_dir) as cache:
        gc.collect()
        assert private_mappings(db) == 0
        with cache.get_file("org/model", "onnx/model.onnx") as f:
            arr = np.frombuffer(f.memoryview, dtype=np.uint8)[CS:]
            assert private_mappings(db) > 0
        del f
        gc.collect()
        assert private_mappings(db) > 0  # the array still reaches the pages
        assert arr.tobytes() == data[CS:]
        del arr
        gc.collect()
        assert private_mappings(db) == 0


def test_reading_an_array_after_everything_else_is_gone_does_not_crash(cache_dir: Path, filled: dict) -> None:
    # In a child process, so that a crash would show as a signal rather than kill pytest.
    script = f"""
import gc, sys, hashlib
sys.path.insert(0, {str(ROOT / 'python')!r})
import numpy as np
from model_cache import Cache
cache = Cache({str(cache_dir)!r})
with cache.get_file("org/model", "onnx/model.onnx") as f:
    arr = np.frombuffer(f.memoryview, dtype=np.uint8)
    view = f.memoryview.cast("B")[5:]
del f
cache.close()
del cache
gc.collect()
print(hashlib.sha256(arr.tobytes()).hexdigest(), len(view))
"""
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    data = filled[("org/model", "onnx/model.onnx")]
    assert r.stdout.split() == [hashlib.sha256(data).hexdigest(), str(len(data) - 5)]


def test_closed_cache_raises_but_views_survive(cache_dir: Path, filled: dict) -> None:
    cache = Cache(cache_dir)
    f = cache.get_file("other/repo", "weights.bin")
    cache.close()
    cache.close()
    with pytest.raises(ModelStoreError) as e:
        cache.list_files()
    assert e.value.code == "MC_ERR_CLOSED"
    assert f.tobytes() == filled[("other/repo", "weights.bin")]
    f.release()


def test_threads_share_one_cache(cache_dir: Path, filled: dict) -> None:
    data = filled[("org/model", "onnx/model.onnx")]
    digest = hashlib.sha256(data).hexdigest()
    errors: list[BaseException] = []
    with Cache(cache_dir) as cache:

        def work() -> None:
            try:
                for _ in range(50):
                    with cache.get_file("org/model", "onnx/model.onnx") as f:
                        assert hashlib.sha256(f.memoryview).hexdigest() == digest
            except BaseException as e:  # noqa: BLE001 - reported below
                errors.append(e)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert not errors


def test_verify_finds_a_damaged_chunk(cache_dir: Path) -> None:
    marker = b"MODEL-CACHE-DAMAGE-MARKER-" * 4000
    node_store(cache_dir, {("r", "good"): pattern(2 * CS, 3), ("r", "bad"): marker}, chunk_size=CS)
    with Cache(cache_dir) as cache:
        assert cache.verify().ok
    # Flip one byte of the marker's payload in the database file (libmdbx has no page checksums: only
    # our CRC32C notices).
    db = cache_dir / "model-cache.mdbx"
    raw = bytearray(db.read_bytes())
    at = raw.find(marker[:4096]) + 100
    assert at > 100
    with open(db, "r+b") as fh:
        fh.seek(at)
        fh.write(bytes([raw[at] ^ 0xFF]))
    with Cache(cache_dir) as cache:
        report = cache.verify()
        assert not report.ok
        assert [(d.repo, d.path, d.chunk) for d in report.damaged] == [("r", "bad", 0)]
        assert "CRC32C" in report.damaged[0].reason
        # Every byte is counted as checked, and the damaged chunk's bytes as damaged.
        assert report.bytes == 2 * CS + len(marker)
        assert report.damaged_bytes == min(CS, len(marker))


@pytest.mark.parametrize("method", [None, "copy_file_range", "copy"])
def test_materialize(cache_dir: Path, filled: dict, tmp_path: Path, method: str | None) -> None:
    data = filled[("org/model", "onnx/model.onnx")]
    dest = tmp_path / "out" / "model.onnx"
    dest.parent.mkdir()
    dest.write_bytes(b"old content")
    with Cache(cache_dir) as cache:
        r = cache.materialize("org/model", "onnx/model.onnx", dest, method=method, verify=True)
        assert r.bytes == len(data) and dest.read_bytes() == data
        expected = {None: {"reflink", "copy_file_range", "copy"}, "copy_file_range": {"copy_file_range", "copy"}, "copy": {"copy"}}
        assert r.method in expected[method]
        assert [p.name for p in dest.parent.iterdir()] == ["model.onnx"]  # no temporary file left
        r = cache.materialize("org/model", "empty.bin", tmp_path / "out" / "empty.bin")
        assert r.bytes == 0 and (tmp_path / "out" / "empty.bin").read_bytes() == b""
        with pytest.raises(ModelStoreError) as e:
            cache.materialize("org/model", "onnx/model.onnx", tmp_path / "no-such-dir" / "x")
        assert e.value.code == "ENOENT"
        with pytest.raises(ModelStoreError) as e:
            cache.materialize("org/model", "missing", tmp_path / "out" / "y")
        assert e.value.code == "MC_ERR_NOT_FOUND"
        assert not (tmp_path / "out" / "y").exists()


def test_library_reports_its_abi() -> None:
    from model_cache import _ctypes_ext as C

    assert C.lib.mc_abi_version() == C.ABI_VERSION
    assert C.library_path().name == "libmodel_cache.so"
    assert os.path.exists(C.library_path())


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork()")
def test_fork_child_refuses_caches_instead_of_crashing(cache_dir: Path, filled: dict, tmp_path: Path) -> None:
    """libmdbx cannot open any database in a child forked while the parent had one open (see _lifetime.py);
    a child of a parent that closed everything can."""
    other = tmp_path / "other"
    node_store(other, {("o", "f"): b"x" * 70000})
    script = f"""
import gc, os, sys
sys.path.insert(0, {str(ROOT / 'python')!r})
from model_cache import Cache, ModelStoreError

def child(*attempts):
    codes = []
    for attempt in attempts:
        try:
            attempt()
            codes.append("ok")
        except ModelStoreError as e:
            codes.append(e.code)
    print(" ".join(codes), flush=True)
    os._exit(0)

def read_other():
    with Cache({str(other)!r}) as c, c.get_file("o", "f") as f:
        assert len(f.tobytes()) == 70000

cache = Cache({str(cache_dir)!r})
if os.fork() == 0:
    child(lambda: cache.list_files(), lambda: Cache({str(cache_dir)!r}), read_other)
print("status", os.wait()[1], len(cache.list_files()), flush=True)
view = cache.get_file("org/model", "onnx/model.onnx")
cache.close()
if os.fork() == 0:  # a live view alone keeps the environment open
    child(read_other)
os.wait()
del view
gc.collect()
if os.fork() == 0:  # nothing open any more: the child may open caches
    child(read_other)
os.wait()
"""
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [
        "MC_ERR_CLOSED MC_ERR_UNSUPPORTED MC_ERR_UNSUPPORTED",
        "status 0 4",
        "MC_ERR_UNSUPPORTED",
        "ok",
    ]
