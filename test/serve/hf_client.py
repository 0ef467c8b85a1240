"""Drives the real huggingface_hub client against a model-cache server for test/serve/*.test.ts.

Usage: python hf_client.py CASES_JSON. CASES_JSON is a list of cases; each is run in order and its outcome
printed as one JSON object per line (`{"name": ..., "ok": true, ...}` or `{"name": ..., "ok": false,
"error": <class>, "mro": [...], "status": <http status or null>, "message": ...}`). One interpreter runs
every case, so the suite pays Python's start-up (about a second with huggingface_hub) once.

A case's "token" is passed to huggingface_hub as is: a string, false (no token), or null (the library's
own lookup: HF_TOKEN).
"""

import hashlib
import json
import os
import sys

import huggingface_hub
from huggingface_hub import get_hf_file_metadata, hf_hub_download, hf_hub_url, snapshot_download


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def run(case):
    op = case["op"]
    common = {"repo_id": case["repo"], "token": case.get("token"), "endpoint": case.get("endpoint")}
    if case.get("revision") is not None:
        common["revision"] = case["revision"]
    if op == "download":
        path = hf_hub_download(filename=case["filename"], cache_dir=case["cache_dir"], **common)
        return {"sha256": sha256_of(path), "size": os.path.getsize(path), "path": path}
    if op == "snapshot":
        root = snapshot_download(cache_dir=case["cache_dir"], allow_patterns=case.get("allow_patterns"), **common)
        files = {}
        for dirpath, _dirs, names in os.walk(root):
            for name in names:
                full = os.path.join(dirpath, name)
                files[os.path.relpath(full, root)] = sha256_of(full)
        return {"files": files, "root": root}
    if op == "metadata":
        url = hf_hub_url(case["repo"], case["filename"], revision=case.get("revision"), endpoint=case.get("endpoint"))
        meta = get_hf_file_metadata(url, token=case.get("token"))
        return {"commit": meta.commit_hash, "etag": meta.etag, "size": meta.size, "location": meta.location}
    raise ValueError(f"unknown op {op}")


def main():
    cases = json.loads(sys.argv[1])
    print(json.dumps({"name": "__version__", "ok": True, "version": huggingface_hub.__version__}), flush=True)
    for case in cases:
        try:
            result = {"name": case["name"], "ok": True, **run(case)}
        except Exception as e:  # noqa: BLE001 - every failure is reported to the test, which asserts on it
            response = getattr(e, "response", None)
            result = {
                "name": case["name"],
                "ok": False,
                "error": type(e).__name__,
                "mro": [c.__name__ for c in type(e).__mro__],
                "status": getattr(response, "status_code", None),
                "message": str(e)[:2000],
            }
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
