"""Closing a Cache while other threads are inside calls on it (issue: "Python close is a use-after-free").

ctypes releases the GIL, so mc_close() can run while another thread is inside mc_view_open() or
mc_list_files() on the same handle. The C ABI keeps the store alive until those calls return, and a call
made after the close raises MC_ERR_CLOSED. The stress runs in a child process under faulthandler, so a
crash shows its stacks and fails this test instead of killing pytest."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from conftest import ROOT, node_store

STRESS = textwrap.dedent(
    """
    import faulthandler, random, sys, threading
    faulthandler.enable()
    sys.path.insert(0, sys.argv[2])
    from model_cache import Cache, ModelStoreError

    ROUNDS, READERS = int(sys.argv[3]), 8
    cache_dir = sys.argv[1]
    state = {"cache": None, "stop": False}
    start = threading.Barrier(READERS + 1)
    end = threading.Barrier(READERS + 1)
    unexpected = []
    calls = [0, 0]  # succeeded, MC_ERR_CLOSED

    def reader(k):
        rng = random.Random(k)
        while True:
            start.wait()
            if state["stop"]:
                return
            c = state["cache"]
            while True:
                try:
                    op = rng.randrange(4)
                    if op == 0:
                        with c.get_file("org/m", "big.bin") as v:
                            assert v.memoryview[100] == 100 % 251
                    elif op == 1:
                        with c.get_file("org/m", "small.bin") as v:
                            assert len(v.memoryview) == 1000
                    elif op == 2:
                        assert len(c.list_files()) == 2
                    else:
                        assert c.file_info("org/m", "big.bin").size == 300_000
                    calls[0] += 1
                except ModelStoreError as e:
                    if e.code != "MC_ERR_CLOSED":
                        unexpected.append(repr(e))
                    calls[1] += 1
                    break
                except Exception as e:  # noqa: BLE001
                    unexpected.append(repr(e))
                    break
            end.wait()

    threads = [threading.Thread(target=reader, args=(k,)) for k in range(READERS)]
    for t in threads:
        t.start()
    rng = random.Random(0)
    for _ in range(ROUNDS):
        state["cache"] = Cache(cache_dir)
        start.wait()
        # Close while the readers are in the middle of calls (a random point within their first few).
        for _ in range(rng.randrange(50)):
            pass
        state["cache"].close()
        end.wait()
    state["stop"] = True
    start.wait()
    for t in threads:
        t.join()
    print(f"calls {calls[0]} closed {calls[1]} unexpected {len(unexpected)}")
    if unexpected:
        print("\\n".join(unexpected[:10]))
        sys.exit(1)
    """
)


def test_close_while_eight_threads_read_1000_times(cache_dir: Path, tmp_path: Path) -> None:
    node_store(
        cache_dir,
        {("org/m", "big.bin"): bytes(i % 251 for i in range(300_000)), ("org/m", "small.bin"): b"s" * 1000},
        chunk_size=64 << 10,
    )
    script = tmp_path / "stress.py"
    script.write_text(STRESS)
    res = subprocess.run(
        [sys.executable, "-X", "faulthandler", str(script), str(cache_dir), str(ROOT / "python"), "1000"],
        capture_output=True, text=True, timeout=120,
    )
    assert res.returncode == 0, f"exit {res.returncode}\n{res.stdout}\n{res.stderr[-4000:]}"
    assert "unexpected 0" in res.stdout
    # Every round ended with each reader seeing MC_ERR_CLOSED: the calls after close() were refused.
    closed = int(res.stdout.split("closed ")[1].split()[0])
    assert closed == 8 * 1000
