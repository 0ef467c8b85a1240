"""Checked reads over the C ABI: Cache.read / read_bytes (mc_reader_*) and get_file(verify=True)
(mc_view_open_ex) never return damaged bytes; they raise MC_ERR_CHECKSUM."""

from __future__ import annotations

import ctypes
from pathlib import Path

import numpy as np
import pytest

from conftest import node_store

from model_cache import Cache, ModelStoreError
from model_cache import _ctypes_ext as C

CS = 128 << 10
DAMAGED = 2


def pattern(size: int, seed: int) -> bytes:
    return np.random.default_rng(seed).integers(0, 256, size, dtype=np.uint8).tobytes()


DATA = pattern(4 * CS + 777, 5)


def flip_bit_in_chunk(cache_dir: Path, chunk: int) -> None:
    """Flips one bit in the payload of `chunk` of DATA in the database file (found by content)."""
    db = cache_dir / "model-cache.mdbx"
    raw = db.read_bytes()
    needle = DATA[chunk * CS + 300 : chunk * CS + 364]
    at = raw.find(needle)
    assert at >= 0
    with open(db, "r+b") as fh:
        while at >= 0:
            fh.seek(at + 1)
            fh.write(bytes([raw[at + 1] ^ 0x01]))
            at = raw.find(needle, at + 1)


@pytest.fixture
def stored(cache_dir: Path) -> Path:
    node_store(cache_dir, {("org/model", "weights.bin"): DATA, ("org/model", "empty.bin"): b""}, chunk_size=CS)
    return cache_dir


def test_read_returns_checked_bytes(stored: Path) -> None:
    with Cache(stored) as cache:
        assert cache.read("org/model", "weights.bin") == DATA
        assert cache.read_bytes("org/model", "weights.bin") == DATA
        assert cache.read("org/model", "weights.bin", CS - 3, 10) == DATA[CS - 3 : CS + 7]
        assert cache.read("org/model", "weights.bin", len(DATA)) == b""
        assert cache.read("org/model", "empty.bin") == b""
        with pytest.raises(ModelStoreError) as e:
            cache.read("org/model", "weights.bin", len(DATA) - 1, 2)
        assert e.value.code == "MC_ERR_INVALID_ARGUMENT"
        with pytest.raises(ModelStoreError) as e:
            cache.read("org/model", "missing")
        assert e.value.code == "MC_ERR_NOT_FOUND"
        with cache.get_file("org/model", "weights.bin", verify=True) as f:
            assert f.tobytes() == DATA


def test_damaged_chunk_raises_checksum(stored: Path) -> None:
    flip_bit_in_chunk(stored, DAMAGED)
    with Cache(stored) as cache:
        for call in (
            lambda: cache.read("org/model", "weights.bin"),
            lambda: cache.read_bytes("org/model", "weights.bin"),
            lambda: cache.read("org/model", "weights.bin", DAMAGED * CS + 5, 1),
            lambda: cache.get_file("org/model", "weights.bin", verify=True),
            lambda: cache.get_file("org/model", "weights.bin", DAMAGED * CS, 100, verify=True),
        ):
            with pytest.raises(ModelStoreError) as e:
                call()
            assert e.value.code == "MC_ERR_CHECKSUM"
            assert f"chunk {DAMAGED} " in str(e.value)
        # Ranges that avoid the damaged chunk read fine.
        assert cache.read("org/model", "weights.bin", 0, DAMAGED * CS) == DATA[: DAMAGED * CS]
        with cache.get_file("org/model", "weights.bin", 0, CS, verify=True) as f:
            assert f.tobytes() == DATA[:CS]
        # Documented: an unchecked zero-copy view trusts the stored CRCs.
        with cache.get_file("org/model", "weights.bin") as f:
            assert len(f) == len(DATA) and f.tobytes() != DATA


def test_materialize_checks_by_default(stored: Path, tmp_path: Path) -> None:
    flip_bit_in_chunk(stored, DAMAGED)
    out = tmp_path / "out"
    out.mkdir()
    with Cache(stored) as cache:
        with pytest.raises(ModelStoreError) as e:
            cache.materialize("org/model", "weights.bin", out / "w.bin")
        assert e.value.code == "MC_ERR_CHECKSUM"
        assert list(out.iterdir()) == []
        cache.materialize("org/model", "weights.bin", out / "w.bin", verify=False)
        assert (out / "w.bin").stat().st_size == len(DATA)


def test_reader_pins_its_snapshot(stored: Path) -> None:
    """A reader opened before a rewrite by another process keeps reading the old bytes."""
    with Cache(stored) as cache:
        reader = C.mc_reader_p()
        C.mc_reader_open(cache._h(), b"org/model", b"weights.bin", ctypes.byref(reader))
        try:
            node_store(stored, {("org/model", "weights.bin"): pattern(len(DATA), 9)}, chunk_size=CS)
            assert cache.read("org/model", "weights.bin") != DATA
            buf = ctypes.create_string_buffer(len(DATA))
            n = ctypes.c_size_t()
            C.mc_reader_read(reader, 0, buf, len(DATA), ctypes.byref(n))
            assert n.value == len(DATA) and buf.raw == DATA
        finally:
            C.mc_reader_close(reader)
