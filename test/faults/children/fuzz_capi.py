"""Fault campaign child: bad handles and arguments through the C ABI (raw ctypes calls with NULL
handles, NULL/odd strings, out-of-range offsets) and through the Python client (use after close, double
release, random names), for a bounded time. Every failure must be a typed error (a ModelCacheError with
a code, or ValueError/TypeError from argument checks); a crash ends this process with a signal, which the
test reports. argv: <python dir> <cache dir> <seconds> <seed>. stdout: one JSON summary."""
import ctypes
import json
import os
import random
import sys
import tempfile
import time

sys.path.insert(0, sys.argv[1])
from model_cache import Cache, ModelCacheError  # noqa: E402
from model_cache import _ctypes_ext as C  # noqa: E402

cache_dir, seconds, seed = sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
rnd = random.Random(seed)
deadline = time.time() + seconds
out = {"calls": 0, "typed": {}, "untyped": {}, "ok": 0}
ALPHABET = ["a", "/", "..", ".", "%00", "\u00e9", "\u202e", " ", "\\", "*", "?", "org", "model.onnx", "\x7f", "~", "-", "_"]


def name() -> str:
    k = rnd.choice([0, 1, 2, 3, 8, 40, 300])
    s = "".join(rnd.choice(ALPHABET) for _ in range(k))
    return s if rnd.random() < 0.9 else s + "\x00" + s


def b(s: str) -> bytes:
    return s.replace("\x00", "").encode("utf-8", "surrogatepass") if rnd.random() < 0.8 else bytes(rnd.getrandbits(8) for _ in range(rnd.randint(0, 20))).replace(b"\x00", b"")


def record(kind: str, code: str) -> None:
    out[kind][code] = out[kind].get(code, 0) + 1


def call(f) -> None:
    out["calls"] += 1
    try:
        f()
        out["ok"] += 1
    except ModelCacheError as e:
        record("typed", e.code)
    except (ValueError, TypeError) as e:
        record("typed", type(e).__name__)
    except Exception as e:  # noqa: BLE001 - the finding
        record("untyped", f"{type(e).__name__}: {str(e)[:80]}")


files = []
with Cache(cache_dir) as c0:
    files = [(f.repo, f.path, f.size) for f in c0.list_files()]

tmp = tempfile.mkdtemp(prefix="mc-fuzz-")
while time.time() < deadline:
    op = rnd.randrange(12)
    info = C.FileInfoStruct()
    if op == 0:  # NULL store handle into every store function
        fn = rnd.choice([
            lambda: C.mc_file_info(None, b(name()), b(name()), ctypes.byref(info)),
            lambda: C.mc_list_files(None, None, ctypes.byref(ctypes.c_void_p())),
            lambda: C.mc_list_repos(None, ctypes.byref(ctypes.c_void_p())),
            lambda: C.mc_stats(None, ctypes.byref(C.StatsStruct())),
            lambda: C.mc_verify(None, ctypes.byref(ctypes.c_void_p())),
            lambda: C.mc_close(None),
            lambda: C.mc_get_doc(None, b"manifest", b(name()), ctypes.byref(ctypes.c_void_p()), ctypes.byref(ctypes.c_size_t())),
            lambda: C.mc_view_open(None, b"a", b"b", 0, 1, ctypes.byref(C.mc_view_p()), ctypes.byref(ctypes.c_void_p()), ctypes.byref(ctypes.c_size_t())),
        ])
        call(fn)
    elif op == 1:  # NULL view handle
        call(lambda: C.mc_view_release(None))
        call(lambda: C.mc_view_info(None, ctypes.byref(info), ctypes.byref(ctypes.c_int())))
    elif op == 2:  # open odd paths (flags random too)
        def o():
            h = C.mc_store_p()
            C.mc_open(b(name()) if rnd.random() < 0.7 else None, rnd.choice([0, 1, 0xFFFFFFFF, 0x80]) & 0x1 | 1, ctypes.byref(h))
            C.mc_close(h)
        call(o)
    else:
        def session():
            c = Cache(cache_dir)
            k = rnd.randrange(8)
            repo, path, size = rnd.choice(files) if files and rnd.random() < 0.6 else (name(), name(), 10)
            if k == 0:
                c.file_info(repo, path)
            elif k == 1:
                off = rnd.choice([0, size, size + 1, 2**63, rnd.randint(0, max(0, size))])
                ln = rnd.choice([None, 0, 1, size, 2**62])
                with c.get_file(repo, path, off, ln) as v:
                    v.tobytes()[:16]
            elif k == 2:  # a view used after its release, released twice
                v = c.get_file(repo, path)
                v.release()
                v.release()
                v.tobytes()
            elif k == 3:  # the cache used after close, closed twice
                c.close()
                c.close()
                c.list_files()
            elif k == 4:
                c.get_doc(name() or "k", name())
            elif k == 5:
                c.list_docs(name(), name())
            elif k == 6:
                c.materialize(repo, path, os.path.join(tmp, name().replace("\x00", "") or "x"))
            else:
                c.list_files(name())
            c.close()
        call(session)
print(json.dumps(out))
