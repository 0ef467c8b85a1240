"""Whether native objects (stores, views) are alive in this process, for fork() safety.

libmdbx 0.11.3 maps each database (and its lock file) with MADV_DONTFORK, so a fork()ed child inherits
the parent's environments without their maps and without their threads. Any mdbx_env_open() in the child
then walks the inherited environments (its in-process lock-file list) and touches those missing maps:
SIGSEGV, whatever directory is opened. So a child whose parent had any cache open when it forked refuses
to open caches (MC_ERR_UNSUPPORTED) instead of crashing, and the parent's handles raise MC_ERR_CLOSED in
it. Open caches after forking, or use multiprocessing's "spawn"/"forkserver" start methods; a parent that
closed everything (stores and views) before forking leaves its children free to open caches.
"""

from __future__ import annotations

import os
import threading

from ._errors import store_error

_lock = threading.Lock()
_live = 0  # live stores and views in this process
_forked_with_live = False


def acquire() -> None:
    global _live
    with _lock:
        _live += 1


def release() -> None:
    global _live
    with _lock:
        _live -= 1


def check_can_open() -> None:
    if _forked_with_live:
        raise store_error(
            "MC_ERR_UNSUPPORTED",
            "this process was forked while its parent had a cache open: libmdbx cannot open databases here; "
            "open caches only after fork(), or use the 'spawn' start method",
        )


def _after_fork_in_child() -> None:
    global _lock, _live, _forked_with_live
    _lock = threading.Lock()  # it may have been held by another thread of the parent
    _forked_with_live = _forked_with_live or _live > 0
    _live = 0


os.register_at_fork(after_in_child=_after_fork_in_child)
