"""Errors of model_cache: the same table as native/include/model_cache.h and lib/errors.ts.

Every failure of the native store raises ModelStoreError with a stable ``code``: ``MC_ERR_*`` for
model-cache's own codes (the table below), ``MDBX_*`` for libmdbx's, and errno names (``ENOENT``,
``ENOSPC``, ...) for the operating system's. ``errno`` holds the numeric code of the C ABI.
python/tests/test_errors.py checks this table against the C library's, and
test/native/09.error-tables.test.ts against the addon's and TypeScript's.
"""

from __future__ import annotations

import errno as _errno

# name -> (value, message), in the order of MC_ERROR_TABLE in model_cache.h.
STORE_ERROR_TABLE: dict[str, tuple[int, str]] = {
    "MC_ERR_INVALID_ARGUMENT": (-32001, "invalid argument"),
    "MC_ERR_INVALID_NAME": (-32002, "invalid repo or file name (empty, too long, or contains NUL)"),
    "MC_ERR_CLOSED": (-32003, "the store is closed"),
    "MC_ERR_NOT_FOUND": (-32004, "not found"),
    "MC_ERR_CORRUPT": (-32005, "stored data is damaged (checksum or record mismatch)"),
    "MC_ERR_FORMAT": (-32006, "the database was written by an incompatible model-cache format"),
    "MC_ERR_TOO_LARGE": (-32007, "too large for one view (use a ranged view or a stream)"),
    "MC_ERR_HASH_MISMATCH": (-32008, "content hash does not match the expected hash"),
    "MC_ERR_SIZE_MISMATCH": (-32009, "content size does not match the expected size"),
    "MC_ERR_INCOMPLETE": (-32010, "upload is missing chunks"),
    "MC_ERR_RELEASED": (-32011, "the view was released"),
    "MC_ERR_READ_ONLY": (-32012, "the store is open read-only"),
    "MC_ERR_BUSY": (-32013, "held by another writer"),
    "MC_ERR_UNSUPPORTED": (-32014, "not supported on this platform"),
    "MC_ERR_ABI": (-32015, "ABI version mismatch"),
    "MC_ERR_NOMEM": (-32016, "out of memory"),
    "MC_ERR_INTERNAL": (-32017, "internal error"),
    "MC_ERR_CHECKSUM": (-32018, "a stored chunk failed its CRC32C check (damaged data); run verify --repair"),
    "MC_ERR_NOT_A_DATABASE": (-32019, "not a model-cache database (truncated, foreign or not a regular file)"),
    "MC_ERR_DISK_FULL": (-32020, "not enough disk space"),
}

# The codes of the TypeScript library's own errors (CACHE_ERROR_CODES in lib/errors.ts, docs/ERRORS.md), in
# its order. This package raises none of them today; they are here because a cache this package opens is
# written by the TypeScript library, whose manifests record them (a variant's ``error.code``).
CACHE_ERROR_CODES: tuple[str, ...] = (
    "CACHE_NOT_CACHED",
    "CACHE_OUTDATED",
    "CACHE_UNKNOWN_VARIANT",
    "CACHE_AMBIGUOUS_VARIANT",
    "MANIFEST_INVALID",
    "MANIFEST_CONFLICT",
    "DOWNLOAD_INTERRUPTED",
    "DOWNLOAD_STALLED",
    "DOWNLOAD_SHORT_BODY",
    "DOWNLOAD_NO_HASH",
    "DOWNLOAD_BUDGET_EXHAUSTED",
    "GGUF_INVALID",
    "GGUF_TRUNCATED",
    "ONNX_INVALID_MODEL",
    "ONNXRUNTIME_MISSING",
    "HF_CACHE_NOT_FOUND",
    "EXPORT_UNSAFE_DESTINATION",
    "REPAIR_FAILED",
    "USAGE",
    "INTERRUPTED",
    "DEMO_INFERENCE_MISMATCH",
)

STORE_ERROR_CODES: dict[str, int] = {name: value for name, (value, _) in STORE_ERROR_TABLE.items()}
_NAMES_BY_VALUE: dict[int, str] = {value: name for name, value in STORE_ERROR_CODES.items()}


class ModelCacheError(Exception):
    """Base class of every model_cache error; ``code`` is a stable string."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class ModelStoreError(ModelCacheError):
    """A failure of the chunk store: native core, libmdbx or the operating system."""

    def __init__(self, code: str, message: str, errno: int = 0) -> None:
        super().__init__(code, message)
        self.errno = errno or STORE_ERROR_CODES.get(code, 0)

    def __repr__(self) -> str:
        return f"ModelStoreError({self.code!r}, {str(self)!r})"


def code_name(value: int) -> str:
    """The stable name of a numeric code without asking the library (used before it is loaded)."""
    if value == 0:
        return "MC_OK"
    if value in _NAMES_BY_VALUE:
        return _NAMES_BY_VALUE[value]
    if value > 0 and value in _errno.errorcode:
        return _errno.errorcode[value]
    return "UNKNOWN"


def store_error(code: str, detail: str = "") -> ModelStoreError:
    """A ModelStoreError for one of the table's codes, with the table's message."""
    message = STORE_ERROR_TABLE[code][1]
    return ModelStoreError(code, f"{detail} ({message})" if detail else message)


if __name__ == "__main__":
    # `python -m model_cache._errors` prints the store table as JSON, and `... cache` the cache codes:
    # test/native/09.error-tables.test.ts compares them with the addon's and TypeScript's.
    import json
    import sys

    if sys.argv[1:] == ["cache"]:
        json.dump(list(CACHE_ERROR_CODES), sys.stdout)
    else:
        json.dump({name: {"value": v, "message": m} for name, (v, m) in STORE_ERROR_TABLE.items()}, sys.stdout)
