"""Fault campaign child (test/faults/02.corruption.test.ts): reads listed files of a (possibly damaged)
cache through the Python ctypes client and compares them byte for byte with a golden copy.
argv: <python dir> <cache dir> <golden dir> <repo> <path>...   stdout: one JSON document."""
import json
import os
import sys

sys.path.insert(0, sys.argv[1])
from model_cache import Cache  # noqa: E402

cache_dir, golden, repo, paths = sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
out = {"open": None, "reads": []}
try:
    cache = Cache(cache_dir)
except Exception as e:  # noqa: BLE001 - reported by code
    out["open"] = getattr(e, "code", "untyped: " + repr(e)[:120])
    print(json.dumps(out))
    sys.exit(0)
for p in paths:
    with open(os.path.join(golden, p), "rb") as f:
        want = f.read()
    try:
        got = cache.read_bytes(repo, p)
        wrong = 0
        if got != want:
            wrong = abs(len(got) - len(want))
            for off in range(0, min(len(got), len(want)), 65536):
                a, b = got[off:off + 65536], want[off:off + 65536]
                if a != b:
                    wrong += sum(1 for x, y in zip(a, b) if x != y)
        out["reads"].append({"path": p, "via": "python", "outcome": "wrong" if wrong else "ok", "wrongBytes": wrong})
    except Exception as e:  # noqa: BLE001 - reported by code
        out["reads"].append({"path": p, "via": "python", "outcome": "error", "code": getattr(e, "code", "untyped: " + repr(e)[:120])})
cache.close()
print(json.dumps(out))
