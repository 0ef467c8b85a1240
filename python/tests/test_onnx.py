"""model_cache.onnx: real inference with onnxruntime on models built by onnx_models.py, loaded from the
cache as bytes, as zero-copy initializers and by path; outputs compared exactly."""

from __future__ import annotations

import gc
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

from conftest import node_store
from onnx_models import expected_output, make_model, model_input

from model_cache import Cache, ModelStoreError
from model_cache.onnx import create_session, list_external_tensors, materialize_files

REPO = "org/tiny"
N_SINGLE = 64
N_EXT = 2048  # 16 MiB of weights: big enough to see whether they were copied


@pytest.fixture(scope="module")
def cache_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("onnx")
    src = root / "src"
    make_model(src / "onnx" / "model.onnx", N_SINGLE)
    make_model(src / "onnx" / "model_ext.onnx", N_EXT, external="model_ext.onnx_data")
    files = {(REPO, p): (src / p).read_bytes() for p in ("onnx/model.onnx", "onnx/model_ext.onnx", "onnx/model_ext.onnx_data")}
    node_store(root / "cache", files, chunk_size=1 << 20)
    return root / "cache"


def run(session: ort.InferenceSession, n: int) -> None:
    y = session.run(None, {"x": model_input(n)})[0]
    assert np.array_equal(y, expected_output(n))


def rss_anon_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1])
    raise AssertionError("no RssAnon")


def test_lists_external_tensors_without_parsing_payloads(cache_path: Path) -> None:
    with Cache(cache_path) as cache:
        with cache.get_file(REPO, "onnx/model_ext.onnx") as f:
            tensors = list_external_tensors(f.memoryview)
        assert [(t.name, t.location, t.length, t.top_level) for t in tensors] == [
            ("W", "model_ext.onnx_data", N_EXT * N_EXT * 4, True),
            ("B", "model_ext.onnx_data", N_EXT * 4, True),
        ]
        assert list_external_tensors(cache.read_bytes(REPO, "onnx/model.onnx")) == []


def test_auto_single_file_model_goes_as_bytes(cache_path: Path) -> None:
    with Cache(cache_path) as cache:
        s = create_session(cache, REPO, "onnx/model.onnx")
        assert s.model_cache_mode == "bytes"
        run(s, N_SINGLE)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc/self/status")
def test_auto_external_data_model_uses_zero_copy_initializers(cache_path: Path) -> None:
    with Cache(cache_path) as cache:
        run(create_session(cache, REPO, "onnx/model_ext.onnx"), N_EXT)  # first-use setup of onnx/onnxruntime
        gc.collect()
        before = rss_anon_kib()
        s = create_session(cache, REPO, "onnx/model_ext.onnx")
        assert s.model_cache_mode == "initializers"
        run(s, N_EXT)
        grown = rss_anon_kib() - before
        # The 16 MiB of weights are read from the cache's pages, not copied into anonymous memory.
        assert grown < N_EXT * N_EXT * 4 // 1024 // 2, f"anonymous memory grew {grown} KiB"
        # The session outlives every view and the cache handle: it keeps its mappings alive.
        cache.close()
        gc.collect()
        run(s, N_EXT)


def test_bytes_mode_copies_external_weights_and_still_works(cache_path: Path) -> None:
    with Cache(cache_path) as cache:
        s = create_session(cache, REPO, "onnx/model_ext.onnx", mode="bytes")
        assert s.model_cache_mode == "bytes"
        run(s, N_EXT)


def test_path_mode_materializes_with_the_repo_layout(cache_path: Path, tmp_path: Path) -> None:
    with Cache(cache_path) as cache:
        s = create_session(cache, REPO, "onnx/model_ext.onnx", mode="path", materialize_dir=tmp_path)
        assert s.model_cache_mode == "path"
        assert s.model_cache_file == str(tmp_path / "onnx" / "model_ext.onnx")
        assert (tmp_path / "onnx" / "model_ext.onnx_data").read_bytes() == cache.read_bytes(REPO, "onnx/model_ext.onnx_data")
        run(s, N_EXT)
        s2 = create_session(cache, REPO, "onnx/model.onnx", mode="path")
        assert s2.model_cache_file == str(cache_path / "materialized" / "org" / "tiny" / "onnx" / "model.onnx")
        run(s2, N_SINGLE)


def test_materialize_files_reuses_current_copies(cache_path: Path, tmp_path: Path) -> None:
    with Cache(cache_path) as cache:
        [f] = materialize_files(cache, REPO, ["onnx/model.onnx"], tmp_path)
        ino = f.stat().st_ino
        [again] = materialize_files(cache, REPO, ["onnx/model.onnx"], tmp_path)
        assert again.stat().st_ino == ino  # reused
        f.write_bytes(b"edited by hand")
        [third] = materialize_files(cache, REPO, ["onnx/model.onnx"], tmp_path)
        assert third.read_bytes() == cache.read_bytes(REPO, "onnx/model.onnx")
        with pytest.raises(ValueError):
            materialize_files(cache, REPO, ["../escape"], tmp_path)


def test_missing_model_and_bad_mode(cache_path: Path) -> None:
    with Cache(cache_path) as cache:
        with pytest.raises(ModelStoreError) as e:
            create_session(cache, REPO, "onnx/missing.onnx")
        assert e.value.code == "MC_ERR_NOT_FOUND"
        with pytest.raises(ValueError):
            create_session(cache, REPO, "onnx/model.onnx", mode="fast")  # type: ignore[arg-type]
