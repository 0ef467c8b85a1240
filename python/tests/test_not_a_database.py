"""Opening something that is not a whole model-cache database through the C ABI: MC_ERR_NOT_A_DATABASE,
read-only and read-write, and the file is left byte for byte as it was (test/native/14 covers more cases)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from conftest import node_store

from model_cache import Cache, ModelStoreError

DB = "model-cache.mdbx"


def fingerprint(p: Path) -> tuple[int, int, str]:
    st = p.stat()
    return st.st_size, st.st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def good_db(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    cache = tmp_path_factory.mktemp("good") / "cache"
    node_store(cache, {("org/m", "w.bin"): bytes(range(256)) * 4096}, chunk_size=64 << 10)
    return (cache / DB).read_bytes()


@pytest.mark.parametrize(
    "name, make",
    [
        ("truncated to one page", lambda good: good[:4096]),
        ("truncated mid-file", lambda good: good[: 512 << 10]),
        ("random bytes", lambda good: bytes((i * 7919 + 13) % 251 for i in range(1 << 16))),
        ("a text file", lambda good: b"not a database\n" * 1000),
    ],
)
@pytest.mark.parametrize("read_only", [True, False])
def test_not_a_database(tmp_path: Path, good_db: bytes, name: str, make, read_only: bool) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    db = cache / DB
    db.write_bytes(make(good_db))
    before = fingerprint(db)
    with pytest.raises(ModelStoreError) as e:
        Cache(cache, read_only=read_only)
    assert e.value.code == "MC_ERR_NOT_A_DATABASE"
    assert e.value.errno == -32019
    assert str(db) in str(e.value) and "Move it aside" in str(e.value)
    assert fingerprint(db) == before


@pytest.mark.parametrize("read_only", [True, False])
def test_cache_directory_that_is_a_regular_file(tmp_path: Path, read_only: bool) -> None:
    f = tmp_path / "cache"
    f.write_text("just a file\n")
    with pytest.raises(ModelStoreError) as e:
        Cache(f, read_only=read_only)
    assert e.value.code == "MC_ERR_NOT_A_DATABASE"
    assert f.read_text() == "just a file\n"
