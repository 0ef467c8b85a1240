"""The Python error table agrees with the C library's (test/native/09.error-tables.test.ts checks the
addon's and TypeScript's against this one)."""

from __future__ import annotations

import ctypes
import errno

from model_cache import STORE_ERROR_TABLE, ModelStoreError
from model_cache import _ctypes_ext as C


def c_table() -> dict[str, tuple[int, str]]:
    out = {}
    for i in range(C.mc_error_count()):
        value = ctypes.c_int()
        name = ctypes.c_char_p()
        C.mc_error_entry(i, ctypes.byref(value), ctypes.byref(name))
        out[name.value.decode()] = (value.value, C.mc_strerror(value.value).decode())
    return out


def test_python_table_equals_c_table() -> None:
    assert list(c_table().items()) == list(STORE_ERROR_TABLE.items())


def test_codes_pass_through_by_name() -> None:
    assert C.mc_strcode(0) == b"MC_OK"
    assert C.mc_strcode(errno.ENOENT) == b"ENOENT"
    assert C.mc_strcode(-30798) == b"MDBX_NOTFOUND"
    assert C.mc_strcode(123456) == b"UNKNOWN"


def test_error_entry_out_of_range_raises() -> None:
    value = ctypes.c_int()
    name = ctypes.c_char_p()
    try:
        C.mc_error_entry(C.mc_error_count(), ctypes.byref(value), ctypes.byref(name))
    except ModelStoreError as e:
        assert e.code == "MC_ERR_INVALID_ARGUMENT" and e.errno == -32001
    else:
        raise AssertionError("expected ModelStoreError")

