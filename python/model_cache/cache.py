"""Cache: a model-cache directory opened through the C ABI (read-only by default).

Many processes may open one cache at once while one of them (the Node library) writes: readers never
block the writer, never see a partly written file, and each view shows one database state for as long as
it lives (see FileView for the lifetime rule).
"""

from __future__ import annotations

import ctypes
import json
import os
import weakref
from pathlib import Path
from typing import Any

from . import _ctypes_ext as C
from . import _lifetime
from ._errors import ModelStoreError, store_error
from ._types import Damage, FileInfo, MaterializeResult, Stats, VerifyReport
from ._view import FileView

StrPath = str | os.PathLike[str]


def _b(s: str) -> bytes:
    if not isinstance(s, str):
        raise TypeError(f"expected str, got {type(s).__name__}")
    return s.encode("utf-8")


def _close_native(handle: int, pid: int) -> None:
    if os.getpid() == pid:  # never from a fork()ed child: the handle belongs to the parent
        C.mc_close(handle)
        _lifetime.release()


class Cache:
    """An open cache directory. Thread-safe, ``close()`` included: calls already running in other threads
    finish, later ones raise ModelStoreError MC_ERR_CLOSED. Use it as a context manager or call ``close()``.

    ``read_only=True`` (the default) never writes and never creates: the database must exist. A read-write
    open creates an empty cache (this package has no other writes; the Node library stores files)."""

    def __init__(self, path: StrPath, *, read_only: bool = True) -> None:
        self.path = Path(path)
        _lifetime.check_can_open()
        handle = C.mc_store_p()
        C.mc_open(_b(os.fspath(path)), C.MC_OPEN_READ_ONLY if read_only else 0, ctypes.byref(handle))
        _lifetime.acquire()
        self._handle: int | None = handle.value
        self._pid = os.getpid()
        # Closing also happens when the Cache is collected; views keep the environment open on their own.
        self._finalizer = weakref.finalize(self, _close_native, handle.value, self._pid)

    # ---- lifetime ----

    def close(self) -> None:
        """Idempotent. Views stay valid until they are released (they hold their own database state)."""
        self._handle = None
        if os.getpid() == self._pid:
            self._finalizer()
        else:
            self._finalizer.detach()

    def __enter__(self) -> Cache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _h(self) -> int:
        if self._handle is None:
            raise store_error("MC_ERR_CLOSED", str(self.path))
        if os.getpid() != self._pid:
            raise store_error("MC_ERR_CLOSED", f"{self.path} was opened before fork(): open it again in the child")
        return self._handle

    # ---- files ----

    def file_info(self, repo: str, path: str) -> FileInfo | None:
        """Metadata of (repo, path), or None."""
        info = C.FileInfoStruct()
        try:
            C.mc_file_info(self._h(), _b(repo), _b(path), ctypes.byref(info))
        except ModelStoreError as e:
            if e.code == "MC_ERR_NOT_FOUND":
                return None
            raise
        return FileInfo.from_struct(repo, path, info)

    def has_file(self, repo: str, path: str) -> bool:
        return self.file_info(repo, path) is not None

    def list_files(self, repo: str | None = None) -> list[FileInfo]:
        """Files sorted by repo then path; only ``repo``'s when given."""
        out = ctypes.c_void_p()
        C.mc_list_files(self._h(), None if repo is None else _b(repo), ctypes.byref(out))
        return [FileInfo.from_json(o) for o in json.loads(C.take_string(out))]

    def list_repos(self) -> list[str]:
        """Repos with stored files or a manifest, sorted."""
        out = ctypes.c_void_p()
        C.mc_list_repos(self._h(), ctypes.byref(out))
        return list(json.loads(C.take_string(out)))

    def get_file(
        self, repo: str, path: str, offset: int = 0, length: int | None = None, *, verify: bool = False
    ) -> FileView:
        """The file's bytes (or ``length`` bytes from ``offset``) as a zero-copy FileView::

            with cache.get_file("org/model", "onnx/model.onnx") as f:
                weights = numpy.frombuffer(f.memoryview, dtype=numpy.float32)

        The view is not checksummed: it trusts the CRC32C checks made when the file was stored and by
        ``verify()``. ``verify=True`` checks every chunk the view covers first (reads those bytes once) and
        raises ModelStoreError MC_ERR_CHECKSUM on damage (docs/READING.md).

        Raises ModelStoreError MC_ERR_NOT_FOUND when the file is not stored, MC_ERR_INVALID_ARGUMENT for a
        range outside it."""
        if offset < 0 or (length is not None and length < 0):
            raise ValueError("offset and length must be >= 0")
        view = C.mc_view_p()
        data = ctypes.c_void_p()
        size = ctypes.c_size_t()
        C.mc_view_open_ex(
            self._h(), _b(repo), _b(path), offset, C.MC_VIEW_TO_END if length is None else length,
            C.MC_VIEW_VERIFY if verify else 0, ctypes.byref(view), ctypes.byref(data), ctypes.byref(size),
        )
        return FileView(repo, path, offset, view.value, data.value or 0, size.value)

    def read(self, repo: str, path: str, offset: int = 0, length: int | None = None) -> bytes:
        """A copy of the file's bytes (or ``length`` bytes from ``offset``), read from one database state
        with the CRC32C of every chunk checked: damaged data raises ModelStoreError MC_ERR_CHECKSUM, never
        wrong bytes. Raises MC_ERR_NOT_FOUND when the file is not stored, MC_ERR_INVALID_ARGUMENT for a
        range outside it."""
        if offset < 0 or (length is not None and length < 0):
            raise ValueError("offset and length must be >= 0")
        reader = C.mc_reader_p()
        C.mc_reader_open(self._h(), _b(repo), _b(path), ctypes.byref(reader))
        _lifetime.acquire()
        try:
            info = C.FileInfoStruct()
            C.mc_reader_info(reader, ctypes.byref(info))
            n = info.size - offset if length is None else length
            if offset > info.size or n > info.size - offset:
                raise store_error(
                    "MC_ERR_INVALID_ARGUMENT", f"range {offset}+{n} is outside the {info.size}-byte file {repo}/{path}"
                )
            out = bytearray(n)
            nread = ctypes.c_size_t()
            if n > 0:
                C.mc_reader_read(reader, offset, (ctypes.c_char * n).from_buffer(out), n, ctypes.byref(nread))
            return bytes(out)
        finally:
            C.mc_reader_close(reader)
            _lifetime.release()

    def read_bytes(self, repo: str, path: str) -> bytes:
        """A checked copy of the whole file (``read``)."""
        return self.read(repo, path)

    def materialize(self, repo: str, path: str, dest: StrPath, *, verify: bool = True, method: str | None = None) -> MaterializeResult:
        """Writes the file to ``dest`` (its directory must exist), replacing it atomically, for loaders that
        open paths. Uses a reflink where the filesystem can (the copy shares the database's blocks), else
        copy_file_range, else a plain copy. ``method`` ("copy_file_range" or "copy") starts lower down that
        list. Every chunk's CRC32C is checked on the way (MC_ERR_CHECKSUM, and no file at ``dest``, on
        damage) unless ``verify=False``."""
        flags = 0 if verify else C.MC_MATERIALIZE_NO_VERIFY
        if method == "copy_file_range":
            flags |= C.MC_MATERIALIZE_NO_REFLINK
        elif method == "copy":
            flags |= C.MC_MATERIALIZE_PLAIN_COPY
        elif method not in (None, "reflink"):
            raise ValueError(f"unknown method {method!r}")
        m = ctypes.c_int()
        info = C.FileInfoStruct()
        C.mc_materialize(self._h(), _b(repo), _b(path), _b(os.fspath(dest)), flags, ctypes.byref(m), ctypes.byref(info))
        return MaterializeResult(
            method=C.mc_copy_method_name(m.value).decode(), bytes=info.size, info=FileInfo.from_struct(repo, path, info)
        )

    # ---- documents and manifests ----

    def get_doc(self, kind: str, name: str) -> bytes | None:
        value = ctypes.c_void_p()
        length = ctypes.c_size_t()
        try:
            C.mc_get_doc(self._h(), _b(kind), _b(name), ctypes.byref(value), ctypes.byref(length))
        except ModelStoreError as e:
            if e.code == "MC_ERR_NOT_FOUND":
                return None
            raise
        return C.take_bytes(value, length.value)

    def list_docs(self, kind: str, prefix: str = "") -> dict[str, str]:
        out = ctypes.c_void_p()
        C.mc_list_docs(self._h(), _b(kind), _b(prefix), ctypes.byref(out))
        return {d["name"]: d["value"] for d in json.loads(C.take_string(out))}

    def manifest(self, repo: str) -> dict[str, Any] | None:
        """The repo's manifest (docs/MANIFEST.md), parsed, or None."""
        raw = self.get_doc("manifest", repo)
        return None if raw is None else json.loads(raw)

    def manifests(self) -> dict[str, dict[str, Any]]:
        """Every stored manifest by repo id."""
        return {name: json.loads(value) for name, value in self.list_docs("manifest").items()}

    # ---- maintenance ----

    def stats(self) -> Stats:
        s = C.StatsStruct()
        C.mc_stats(self._h(), ctypes.byref(s))
        values: dict[str, Any] = {name: getattr(s, name) for name, _ in C.StatsStruct._fields_}
        values["read_only"] = bool(values["read_only"])
        values["zero_copy"] = bool(values["zero_copy"])
        return Stats(**values)

    def verify(self) -> VerifyReport:
        """Recomputes every chunk's CRC32C (reads the whole database) and reports damaged files."""
        out = ctypes.c_void_p()
        C.mc_verify(self._h(), ctypes.byref(out))
        r = json.loads(C.take_string(out))
        return VerifyReport(
            files=r["files"], blobs=r["blobs"], chunks=r["chunks"], bytes=r["bytes"],
            damaged=[Damage(**d) for d in r["damaged"]], damaged_bytes=r.get("damagedBytes", 0),
        )

    def __repr__(self) -> str:
        return f"<Cache {str(self.path)!r}{' closed' if self._handle is None else ''}>"
