"""onnxruntime sessions from cached ONNX models (needs numpy, onnx and onnxruntime).

How onnxruntime 1.30 (Python) takes a model, measured here:
  * ``InferenceSession(bytes)``: only ``bytes`` are accepted (not a memoryview), and the bytes are copied
    again while parsing. A single-file model therefore costs a copy whatever we do: mode "bytes".
  * ``SessionOptions.add_initializer(name, OrtValue)`` with an OrtValue made by
    ``OrtValue.ortvalue_from_numpy`` over our zero-copy view, plus ``session.disable_prepacking = 1``: the
    session computes straight from the mapped bytes (weights 64 MiB, anonymous memory +2 MiB; writing
    into the array changes the session's output). ``add_external_initializers`` instead COPIES (the same
    check shows no sharing), so it is not used.
  * A model loaded from bytes must still name external files that exist (onnxruntime validates the paths
    even of initializers it will never read): they resolve against
    ``session.model_external_initializers_file_folder_path``, where we put empty sparse placeholders of
    the right sizes for the duration of session creation.
  So models whose weights are in external data files get mode "initializers": the small .onnx is copied,
  the weights are not. Anything it cannot serve that way (weights in subgraphs or Constant nodes, dtypes
  numpy cannot express) goes by "path": the files are materialized (reflink/copy_file_range) and
  onnxruntime memory-maps the external data itself.

The session keeps what it reads from alive: ``session._model_cache_keepalive`` holds the OrtValues, whose
numpy arrays hold the mapping (see FileView's lifetime rule), for as long as the session lives.
"""

from __future__ import annotations

import json
import os
import posixpath
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ._errors import store_error
from .cache import Cache

if TYPE_CHECKING:
    import onnxruntime

Mode = Literal["auto", "bytes", "initializers", "path"]

BYTES_LIMIT = 2**31
"""Larger models go by path: a protobuf message is limited to 2 GB."""


@dataclass(frozen=True)
class ExternalTensor:
    name: str
    location: str
    offset: int
    length: int | None
    top_level: bool
    """An initializer of the main graph (only those can be replaced with add_initializer)."""


# ---- a protobuf walk that skips payloads (the Python twin of lib/inference/onnx-external-data.ts) ------


def _varint(b: memoryview, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(b):
            raise ValueError("truncated varint")
        c = b[pos]
        pos += 1
        value |= (c & 0x7F) << shift
        if c < 0x80:
            return value, pos
        shift += 7
        if shift > 63:
            raise ValueError("varint too long")


def _fields(b: memoryview, start: int, end: int):  # type: ignore[no-untyped-def]
    pos = start
    while pos < end:
        key, pos = _varint(b, pos)
        field, wire = key >> 3, key & 7
        if wire == 0:
            v, nxt = _varint(b, pos)
            yield field, wire, pos, nxt, v
            pos = nxt
        elif wire in (1, 5):
            n = 8 if wire == 1 else 4
            yield field, wire, pos, pos + n, 0
            pos += n
        elif wire == 2:
            n, p2 = _varint(b, pos)
            if p2 + n > end:
                raise ValueError(f"field {field} runs past its message")
            yield field, wire, p2, p2 + n, 0
            pos = p2 + n
        else:
            raise ValueError(f"unsupported wire type {wire}")


def list_external_tensors(model: memoryview | bytes) -> list[ExternalTensor]:
    """Tensors of an ONNX model stored in external data files, read without parsing (or copying) the
    model's payloads. Field numbers from onnx.proto3 (see the TypeScript twin for the list)."""
    b = memoryview(model).cast("B")
    out: list[ExternalTensor] = []

    def tensor(s: int, e: int, top: bool) -> None:
        name, external, kv = "", False, {}
        for f, w, s2, e2, v in _fields(b, s, e):
            if f == 8 and w == 2:
                name = bytes(b[s2:e2]).decode()
            elif f == 14 and w == 0:
                external = v == 1
            elif f == 13 and w == 2:
                k = val = ""
                for f3, w3, s3, e3, _ in _fields(b, s2, e2):
                    if f3 == 1 and w3 == 2:
                        k = bytes(b[s3:e3]).decode()
                    elif f3 == 2 and w3 == 2:
                        val = bytes(b[s3:e3]).decode()
                kv[k] = val
        if external:
            if "location" not in kv:
                raise ValueError(f"tensor {name} has external data without a location")
            length = kv.get("length")
            out.append(ExternalTensor(name, kv["location"], int(kv.get("offset", 0)), None if length is None else int(length), top))

    def graph(s: int, e: int, top: bool) -> None:
        for f, w, s2, e2, _ in _fields(b, s, e):
            if w != 2:
                continue
            if f == 5:
                tensor(s2, e2, top)
            elif f == 15:  # sparse_initializer: values, indices
                for f3, w3, s3, e3, _ in _fields(b, s2, e2):
                    if f3 in (1, 2) and w3 == 2:
                        tensor(s3, e3, False)
            elif f == 1:  # node -> attributes
                for f3, w3, s3, e3, _ in _fields(b, s2, e2):
                    if f3 == 5 and w3 == 2:
                        attribute(s3, e3)

    def attribute(s: int, e: int) -> None:
        for f, w, s2, e2, _ in _fields(b, s, e):
            if w != 2:
                continue
            if f in (5, 10):
                tensor(s2, e2, False)
            elif f in (6, 11):
                graph(s2, e2, False)
            elif f in (22, 23):
                for f3, w3, s3, e3, _ in _fields(b, s2, e2):
                    if f3 in (1, 2) and w3 == 2:
                        tensor(s3, e3, False)

    for f, w, s, e, _ in _fields(b, 0, len(b)):
        if f == 7 and w == 2:
            graph(s, e, True)
    return out


# ---- materializing -------------------------------------------------------------------------------------


def _safe_rel(p: str) -> str:
    n = posixpath.normpath(p)
    if not p or "\0" in p or "\\" in p or n.startswith("../") or n in ("..", ".") or posixpath.isabs(n):
        raise ValueError(f"path must stay inside its directory: {p!r}")
    return n


def materialize_files(cache: Cache, repo: str, paths: list[str], directory: str | os.PathLike[str] | None = None) -> list[Path]:
    """Materializes ``paths`` of ``repo`` under ``directory`` (default ``<cache>/materialized/<repo>``) with
    their repo layout, reusing a copy whose stamp (``.<name>.model-cache``) shows it is current."""
    base = Path(directory) if directory is not None else cache.path / "materialized" / _safe_rel(repo)
    out = []
    for p in paths:
        dest = base / _safe_rel(p)
        stamp_file = dest.parent / f".{dest.name}.model-cache"
        info = cache.file_info(repo, p)
        if info is None:
            raise store_error("MC_ERR_NOT_FOUND", f"{repo}/{p}")
        try:
            stamp = json.loads(stamp_file.read_text())
            st = dest.stat()
            if (stamp.get("sha256"), stamp.get("size"), stamp.get("ino"), stamp.get("mtimeNs")) == (info.sha256, info.size, st.st_ino, st.st_mtime_ns):
                out.append(dest)
                continue
        except (OSError, ValueError):
            pass
        dest.parent.mkdir(parents=True, exist_ok=True)
        stamp_file.unlink(missing_ok=True)
        r = cache.materialize(repo, p, dest)
        st = dest.stat()
        stamp_file.write_text(json.dumps({"sha256": r.info.sha256, "size": r.bytes, "ino": st.st_ino, "mtimeNs": st.st_mtime_ns}) + "\n")
        out.append(dest)
    return out


# ---- sessions ------------------------------------------------------------------------------------------


def _config(so: Any, key: str) -> str | None:
    try:
        return so.get_session_config_entry(key)
    except Exception:  # onnxruntime raises when the key is not set
        return None


def _initializer_values(cache: Cache, repo: str, path: str, model: memoryview, tensors: list[ExternalTensor], copy: bool) -> list[tuple[str, Any]] | None:
    """(name, OrtValue) for each external tensor, over zero-copy views of the data files (or copies), or
    None when onnxruntime cannot take them this way."""
    import numpy as np
    import onnx
    import onnxruntime as ort

    if not all(t.top_level for t in tensors):
        return None
    proto = onnx.load_model_from_string(bytes(model))  # never loads external data
    by_name = {t.name: t for t in proto.graph.initializer}
    values = []
    views = {}
    try:
        for t in tensors:
            tp = by_name.get(t.name)
            if tp is None:
                return None
            try:
                dtype = np.dtype(onnx.helper.tensor_dtype_to_np_dtype(tp.data_type))
            except Exception:
                return None
            if dtype.kind not in "biuf" or tp.data_type == onnx.TensorProto.BFLOAT16:
                return None  # numpy/onnxruntime cannot exchange it as a plain array
            count = int(np.prod(tp.dims, dtype=np.int64)) if len(tp.dims) else 1
            if t.length is not None and t.length < count * dtype.itemsize:
                raise store_error("MC_ERR_CORRUPT", f"{path}: tensor {t.name} is longer than its external data")
            rel = posixpath.join(posixpath.dirname(path), t.location)
            if rel not in views:
                views[rel] = cache.get_file(repo, _safe_rel(rel))
            arr = np.frombuffer(views[rel].memoryview, dtype=dtype, count=count, offset=t.offset).reshape(tuple(tp.dims))
            if copy or t.offset % dtype.itemsize:
                arr = arr.copy()  # asked for, or unaligned: kernels want aligned elements
            values.append((t.name, ort.OrtValue.ortvalue_from_numpy(arr)))
    finally:
        for v in views.values():
            v.release()  # the arrays keep the mappings they use (FileView lifetime rule)
    return values


def create_session(
    cache: Cache,
    repo: str,
    path: str,
    *,
    mode: Mode = "auto",
    sess_options: onnxruntime.SessionOptions | None = None,
    providers: list[Any] | None = None,
    materialize_dir: str | os.PathLike[str] | None = None,
) -> onnxruntime.InferenceSession:
    """An InferenceSession for the cached model (repo, path); see the module docstring for the modes.
    "auto" picks "bytes" for single-file models under 2 GB, "initializers" for models with external data,
    and "path" when neither applies. The session gets ``model_cache_mode`` (the mode used) and, in "path"
    mode, ``model_cache_file``. ``sess_options`` is modified (config entries added)."""
    import onnxruntime as ort

    if mode not in ("auto", "bytes", "initializers", "path"):
        raise ValueError(f"unknown mode {mode!r}")
    info = cache.file_info(repo, path)
    if info is None:
        raise store_error("MC_ERR_NOT_FOUND", f"{repo}/{path}")
    so = sess_options if sess_options is not None else ort.SessionOptions()
    if _config(so, "session.disable_prepacking") is None:
        # Pre-packing makes onnxruntime's own copy of MatMul weights; without it they stay where they are.
        so.add_session_config_entry("session.disable_prepacking", "1")

    chosen: str = mode
    keepalive: list[Any] = []
    if mode != "path":
        with cache.get_file(repo, path) as view:
            tensors = list_external_tensors(view.memoryview)
            if mode == "auto":
                chosen = "initializers" if tensors else ("path" if info.size > BYTES_LIMIT else "bytes")
            if chosen in ("bytes", "initializers"):
                values = _initializer_values(cache, repo, path, view.memoryview, tensors, copy=chosen == "bytes") if tensors else []
                if values is None:
                    if mode != "auto":
                        raise store_error("MC_ERR_UNSUPPORTED", f"{path}: external tensors onnxruntime cannot take from memory; use mode='path'")
                    chosen = "path"
                else:
                    model_bytes = view.tobytes()  # onnxruntime takes only bytes (and copies them again)
    if chosen == "path":
        files = [path] + sorted({posixpath.join(posixpath.dirname(path), t.location) for t in _tensors_of(cache, repo, path)})
        model_file = materialize_files(cache, repo, files, materialize_dir)[0]
        session = ort.InferenceSession(str(model_file), so, providers=providers)
        session.model_cache_mode = "path"  # type: ignore[attr-defined]
        session.model_cache_file = str(model_file)  # type: ignore[attr-defined]
        return session

    placeholders = tempfile.mkdtemp(prefix="model-cache-ort-") if values else None
    try:
        if placeholders is not None:
            sizes: dict[str, int] = {}
            for t in tensors:
                sizes[t.location] = max(sizes.get(t.location, 0), t.offset + (t.length or 0))
            for location, size in sizes.items():
                f = Path(placeholders) / _safe_rel(location)
                f.parent.mkdir(parents=True, exist_ok=True)
                with open(f, "wb") as fh:
                    fh.truncate(size)  # sparse: no disk space, never read
            so.add_session_config_entry("session.model_external_initializers_file_folder_path", placeholders)
            for name, value in values:
                so.add_initializer(name, value)
                keepalive.append(value)
        session = ort.InferenceSession(model_bytes, so, providers=providers)
    finally:
        if placeholders is not None:
            shutil.rmtree(placeholders, ignore_errors=True)
    session._model_cache_keepalive = keepalive  # type: ignore[attr-defined]
    session.model_cache_mode = chosen  # type: ignore[attr-defined]
    return session


def _tensors_of(cache: Cache, repo: str, path: str) -> list[ExternalTensor]:
    with cache.get_file(repo, path) as view:
        return list_external_tensors(view.memoryview)
