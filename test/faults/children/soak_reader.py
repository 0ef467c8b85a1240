"""Fault campaign soak child: the Python client reads random stored files until the deadline, checking
each by sha256. argv: <python dir> <cache dir> <expected.json> <seconds>. stdout: one JSON summary."""
import hashlib
import json
import resource
import sys
import time

sys.path.insert(0, sys.argv[1])
from model_cache import Cache  # noqa: E402

cache_dir, expected_path, seconds = sys.argv[2], sys.argv[3], float(sys.argv[4])
with open(expected_path) as f:
    expected = json.load(f)
deadline = time.time() + seconds
out = {"reads": 0, "bytes": 0, "wrong": 0, "wrongDetail": [], "errors": {}}
i = 0
while time.time() < deadline:
    try:
        with Cache(cache_dir) as cache:
            for _ in range(20):
                files = [f for f in cache.list_files() if f"{f.repo}/{f.path}" in expected]
                if not files:
                    time.sleep(0.1)
                    continue
                f = files[i % len(files)]
                i += 1
                try:
                    with cache.get_file(f.repo, f.path) as view:
                        digest = hashlib.sha256(view.memoryview).hexdigest()
                        n = len(view.memoryview)
                except Exception as e:  # noqa: BLE001 - counted by code
                    code = getattr(e, "code", "untyped: " + type(e).__name__)
                    out["errors"][code] = out["errors"].get(code, 0) + 1
                    continue
                out["reads"] += 1
                out["bytes"] += n
                if digest != expected[f"{f.repo}/{f.path}"]:
                    out["wrong"] += 1
                    if len(out["wrongDetail"]) < 5:
                        out["wrongDetail"].append(f"{f.repo}/{f.path}")
    except Exception as e:  # noqa: BLE001 - counted by code
        code = getattr(e, "code", "untyped: " + type(e).__name__)
        out["errors"][code] = out["errors"].get(code, 0) + 1
        time.sleep(0.05)
out["maxRssBytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps(out))
