"""FileView: a stored file's bytes as a zero-copy, read-only memoryview.

Lifetime rule (why nothing can crash):
  The memory belongs to one exporter object (a ctypes array over the view's address range). The native
  view - the mapping of the database's pages and the read snapshot that keeps them unchanged - is released
  only by a finalizer of that exporter, i.e. when no Python object can reach the memory any more. Every
  consumer of the buffer protocol holds the exporter while it uses the memory: memoryview slices and casts
  share it, and ``numpy.frombuffer`` keeps a memoryview of it as the array's ``base``.

  Leaving the ``with`` block (or calling ``release()``) releases the memoryview this FileView handed out:
  using it afterwards raises ValueError, and ``FileView.memoryview`` raises ModelStoreError
  (MC_ERR_RELEASED). Arrays and slices made from it before stay valid - they still show the same bytes of
  the same database state - and the mapping goes when the last of them is collected. So: keep no array
  past the block unless you mean to pin that state (a pinned state keeps libmdbx from reusing its pages:
  the database file grows while a writer rewrites files); copy what you keep (``bytes(mv)``,
  ``arr.copy()``).
"""

from __future__ import annotations

import ctypes
import os
import weakref
from typing import Any

from . import _ctypes_ext as C
from . import _lifetime
from ._errors import store_error
from ._types import FileInfo


def _release_native(handle: int, pid: int) -> None:
    # After fork() the child must not touch the parent's views: releasing one would end a read
    # transaction that belongs to the parent's reader slot. The child leaks it instead.
    if os.getpid() == pid:
        C.mc_view_release(handle)
        _lifetime.release()


class FileView:
    """Bytes [offset, offset+size) of a stored file from one database state. Use it as a context manager.
    See the module docstring for the lifetime rule."""

    __slots__ = ("repo", "path", "offset", "size", "info", "zero_copy", "_mv", "_exporter", "__weakref__")

    def __init__(self, repo: str, path: str, offset: int, handle: int, data: int, size: int) -> None:
        self.repo = repo
        self.path = path
        self.offset = offset
        self.size = size
        try:
            info = C.FileInfoStruct()
            zero_copy = ctypes.c_int()
            C.mc_view_info(handle, ctypes.byref(info), ctypes.byref(zero_copy))
            self.info = FileInfo.from_struct(repo, path, info)
            """Metadata of the file as of the view's database state (what the view shows)."""
            self.zero_copy = bool(zero_copy.value)
            """False when the bytes are a private copy (files under 64 KiB, platforms without mirrors)."""
            if size == 0:  # nothing to map (and a memoryview of a 0-length ctypes array cannot be cast)
                C.mc_view_release(handle)
                self._exporter: Any = None
                self._mv: memoryview | None = memoryview(b"")
                return
            # The ctypes array is the buffer's exporter: its finalizer releases the native view.
            exporter = (ctypes.c_ubyte * size).from_address(data)
            base = memoryview(exporter)
            try:
                mv = base.cast("B").toreadonly()
            finally:
                base.release()  # only the read-only memoryview stays reachable
        except BaseException:
            C.mc_view_release(handle)
            raise
        _lifetime.acquire()
        weakref.finalize(exporter, _release_native, handle, os.getpid())
        self._exporter = exporter
        self._mv = mv

    @property
    def memoryview(self) -> memoryview:
        """The bytes as a read-only memoryview (format "B"), with no copy: ``numpy.frombuffer`` on it
        makes no copy either. Raises ModelStoreError MC_ERR_RELEASED after ``release()``."""
        if self._mv is None:
            raise store_error("MC_ERR_RELEASED", f"{self.repo}/{self.path}")
        return self._mv

    @property
    def address(self) -> int:
        """Address of the first byte (diagnostics: a zero-copy view's bytes live in the mapping)."""
        return ctypes.addressof(self._exporter) if self._exporter is not None else 0

    @property
    def released(self) -> bool:
        return self._mv is None

    def __len__(self) -> int:
        return self.size

    def tobytes(self) -> bytes:
        """A copy of the bytes, which outlives the view."""
        return self.memoryview.tobytes()

    def release(self) -> None:
        """Idempotent. Releases the handed-out memoryview (later use raises ValueError); objects made from
        it before keep the mapping alive until they are collected."""
        mv, self._mv = self._mv, None
        if mv is not None:
            try:
                mv.release()
            except BufferError:
                # A consumer still holds a buffer export of this very memoryview: it keeps the memory
                # (and the exporter) alive; the mapping goes with it.
                pass
        self._exporter = None

    def __enter__(self) -> FileView:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def __repr__(self) -> str:
        state = "released" if self._mv is None else f"{self.size} bytes"
        return f"<FileView {self.repo}/{self.path} @{self.offset} {state}>"
