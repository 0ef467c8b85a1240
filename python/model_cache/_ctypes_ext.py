"""The only module that touches the C ABI (native/include/model_cache.h) through ctypes.

``ctypes_function`` binds one C function: it sets ``argtypes``/``restype`` and, for functions that return
an ``int`` code, an ``errcheck`` that raises ModelStoreError when the code is not MC_OK (ctypes then never
returns the code: callers read results from their output arguments).

The library is found, in order, at $MODEL_CACHE_LIB, next to this package (a packaged wheel), or at
build/Release/libmodel_cache.so of the repository this package sits in (``npm install`` builds it with the
Node addon, from the same libmdbx build: a library linked with another libmdbx build cannot open the
database). Its ABI version is checked once, at import.
"""

from __future__ import annotations

import ctypes
import functools
import os
from ctypes import POINTER, Structure, c_char_p, c_int, c_size_t, c_uint, c_uint8, c_uint32, c_uint64, c_void_p
from pathlib import Path
from typing import Any, Callable, TypeVar

from ._errors import ModelStoreError, code_name, store_error

ABI_VERSION = 2
"""MC_ABI_VERSION this module was written against."""

_PACKAGE_DIR = Path(__file__).resolve().parent
_LIB_NAME = "libmodel_cache.so"


def library_path() -> Path:
    """Where the C library is loaded from (see the module docstring)."""
    env = os.environ.get("MODEL_CACHE_LIB")
    if env:
        return Path(env)
    bundled = _PACKAGE_DIR / _LIB_NAME
    if bundled.exists():
        return bundled
    return _PACKAGE_DIR.parent.parent / "build" / "Release" / _LIB_NAME


def _load() -> ctypes.CDLL:
    path = library_path()
    if not path.exists():
        raise store_error(
            "MC_ERR_NOT_FOUND",
            f"C library {path} is missing: run `npm install` (or `node scripts/build-native.js`) at the "
            "repository root, or set MODEL_CACHE_LIB",
        )
    lib = ctypes.CDLL(str(path))
    lib.mc_abi_version.argtypes = []
    lib.mc_abi_version.restype = c_int
    version = lib.mc_abi_version()
    if version != ABI_VERSION:
        raise store_error("MC_ERR_ABI", f"{path} has ABI version {version}, this package needs {ABI_VERSION}")
    return lib


lib = _load()

# ---- structures (fixed layouts of model_cache.h) ----------------------------------------------------


class FileInfoStruct(Structure):
    """struct mc_file_info"""

    _fields_ = [
        ("size", c_uint64),
        ("stored_ms", c_uint64),
        ("chunk_size", c_uint32),
        ("chunk_count", c_uint32),
        ("has_git_sha1", c_uint32),
        ("reserved0", c_uint32),
        ("sha256", c_uint8 * 32),
        ("git_sha1", c_uint8 * 20),
        ("reserved1", c_uint8 * 4),
    ]


class StatsStruct(Structure):
    """struct mc_stats"""

    _fields_ = [
        (name, c_uint64)
        for name in (
            "files", "blobs", "chunks", "uploads", "docs", "logical_bytes", "stored_bytes",
            "db_file_bytes", "db_used_bytes", "map_size", "txnid",
        )
    ] + [
        (name, c_uint32)
        for name in ("page_size", "chunk_size", "max_readers", "readers_used", "read_only", "zero_copy")
    ]


assert ctypes.sizeof(FileInfoStruct) == 88 and ctypes.sizeof(StatsStruct) == 112

mc_store_p = c_void_p  # opaque handles travel as void pointers
mc_view_p = c_void_p
mc_reader_p = c_void_p

MC_OPEN_READ_ONLY = 0x1
MC_VIEW_TO_END = 2**64 - 1
MC_MATERIALIZE_VERIFY = 0x1
MC_MATERIALIZE_NO_REFLINK = 0x2
MC_MATERIALIZE_PLAIN_COPY = 0x4
MC_MATERIALIZE_NO_VERIFY = 0x8
MC_VIEW_VERIFY = 0x1

# ---- binding ----------------------------------------------------------------------------------------

F = TypeVar("F", bound=Callable[..., Any])


def _raise_on_error(result: int, func: Any, args: tuple[Any, ...]) -> int:
    if result != 0:
        # Same thread, right after the call: the thread-local detail still belongs to this failure.
        detail = (lib.mc_last_error() or b"").decode("utf-8", "replace")
        code = (lib.mc_strcode(result) or b"").decode() or code_name(result)
        message = detail or (lib.mc_strerror(result) or b"").decode("utf-8", "replace")
        raise ModelStoreError(code, message, result)
    return result


def ctypes_function(name: str, argtypes: list[Any], restype: Any = c_int, *, check: bool = True) -> Callable[[F], F]:
    """Binds C function ``name`` with these types in place of the decorated stub (which documents it).
    With ``check`` (for functions returning an int code), a nonzero code raises ModelStoreError."""

    def decorator(stub: F) -> F:
        func = getattr(lib, name)
        func.argtypes = argtypes
        func.restype = restype
        if check:
            func.errcheck = _raise_on_error
        functools.update_wrapper(func, stub)
        return func  # type: ignore[no-any-return]

    return decorator


# Static strings and the error table: no error codes to check.
@ctypes_function("mc_last_error", [], c_char_p, check=False)
def mc_last_error() -> bytes: ...


@ctypes_function("mc_strerror", [c_int], c_char_p, check=False)
def mc_strerror(code: int) -> bytes: ...


@ctypes_function("mc_strcode", [c_int], c_char_p, check=False)
def mc_strcode(code: int) -> bytes: ...


@ctypes_function("mc_error_count", [], c_int, check=False)
def mc_error_count() -> int: ...


@ctypes_function("mc_error_entry", [c_int, POINTER(c_int), POINTER(c_char_p)])
def mc_error_entry(i: int, value: Any, name: Any) -> int: ...


@ctypes_function("mc_copy_method_name", [c_int], c_char_p, check=False)
def mc_copy_method_name(method: int) -> bytes: ...


@ctypes_function("mc_free", [c_void_p])
def mc_free(p: Any) -> int: ...


# Stores.
@ctypes_function("mc_open", [c_char_p, c_uint, POINTER(mc_store_p)])
def mc_open(path: bytes, flags: int, out: Any) -> int: ...


@ctypes_function("mc_close", [mc_store_p])
def mc_close(store: Any) -> int: ...


@ctypes_function("mc_file_info", [mc_store_p, c_char_p, c_char_p, POINTER(FileInfoStruct)])
def mc_file_info(store: Any, repo: bytes, path: bytes, out: Any) -> int: ...


@ctypes_function("mc_list_files", [mc_store_p, c_char_p, POINTER(c_void_p)])
def mc_list_files(store: Any, repo: bytes | None, json: Any) -> int: ...


@ctypes_function("mc_list_repos", [mc_store_p, POINTER(c_void_p)])
def mc_list_repos(store: Any, json: Any) -> int: ...


@ctypes_function("mc_get_doc", [mc_store_p, c_char_p, c_char_p, POINTER(c_void_p), POINTER(c_size_t)])
def mc_get_doc(store: Any, kind: bytes, name: bytes, value: Any, length: Any) -> int: ...


@ctypes_function("mc_list_docs", [mc_store_p, c_char_p, c_char_p, POINTER(c_void_p)])
def mc_list_docs(store: Any, kind: bytes, prefix: bytes | None, json: Any) -> int: ...


@ctypes_function("mc_stats", [mc_store_p, POINTER(StatsStruct)])
def mc_stats(store: Any, out: Any) -> int: ...


@ctypes_function("mc_verify", [mc_store_p, POINTER(c_void_p)])
def mc_verify(store: Any, json: Any) -> int: ...


@ctypes_function(
    "mc_materialize", [mc_store_p, c_char_p, c_char_p, c_char_p, c_uint, POINTER(c_int), POINTER(FileInfoStruct)]
)
def mc_materialize(store: Any, repo: bytes, path: bytes, dest: bytes, flags: int, method: Any, info: Any) -> int: ...


# Views.
@ctypes_function(
    "mc_view_open",
    [mc_store_p, c_char_p, c_char_p, c_uint64, c_uint64, POINTER(mc_view_p), POINTER(c_void_p), POINTER(c_size_t)],
)
def mc_view_open(store: Any, repo: bytes, path: bytes, offset: int, length: int, view: Any, data: Any, size: Any) -> int: ...


@ctypes_function(
    "mc_view_open_ex",
    [mc_store_p, c_char_p, c_char_p, c_uint64, c_uint64, c_uint, POINTER(mc_view_p), POINTER(c_void_p), POINTER(c_size_t)],
)
def mc_view_open_ex(
    store: Any, repo: bytes, path: bytes, offset: int, length: int, flags: int, view: Any, data: Any, size: Any
) -> int: ...


@ctypes_function("mc_view_info", [mc_view_p, POINTER(FileInfoStruct), POINTER(c_int)])
def mc_view_info(view: Any, info: Any, zero_copy: Any) -> int: ...


@ctypes_function("mc_view_release", [mc_view_p])
def mc_view_release(view: Any) -> int: ...


# Readers.
@ctypes_function("mc_reader_open", [mc_store_p, c_char_p, c_char_p, POINTER(mc_reader_p)])
def mc_reader_open(store: Any, repo: bytes, path: bytes, out: Any) -> int: ...


@ctypes_function("mc_reader_info", [mc_reader_p, POINTER(FileInfoStruct)])
def mc_reader_info(reader: Any, info: Any) -> int: ...


@ctypes_function("mc_reader_read", [mc_reader_p, c_uint64, c_void_p, c_size_t, POINTER(c_size_t)])
def mc_reader_read(reader: Any, offset: int, buf: Any, length: int, nread: Any) -> int: ...


@ctypes_function("mc_reader_close", [mc_reader_p])
def mc_reader_close(reader: Any) -> int: ...


def take_string(p: c_void_p) -> bytes:
    """Copies a NUL-terminated string the library returned, then frees it with mc_free()."""
    try:
        return ctypes.string_at(p) if p.value else b""
    finally:
        mc_free(p)


def take_bytes(p: c_void_p, length: int) -> bytes:
    """Copies ``length`` bytes the library returned, then frees them with mc_free()."""
    try:
        return ctypes.string_at(p, length) if p.value else b""
    finally:
        mc_free(p)
