"""Small ONNX models for the tests and benchmarks: y = x @ W + B, with values chosen so that every result
is exact in float32 (multiples of 1/8 far below 2^24), so outputs can be compared for equality.

    W[i, j] = ((i * n + j) % 7 - 3) / 8     B[j] = (j % 5) / 4     x[i] = i % 3 - 1

Usable as a script (the jest tests and the benchmarks call it with the venv's python):
    python onnx_models.py OUT.onnx --n 64 [--external DATA_NAME]
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np


def weights(n: int) -> tuple[np.ndarray, np.ndarray]:
    w = np.empty((n, n), dtype=np.float32)
    j = np.arange(n, dtype=np.int64)
    step = max(1, (64 << 20) // (8 * n))  # rows per block: bounded temporaries for the 1 GB models
    for start in range(0, n, step):
        i = np.arange(start, min(n, start + step), dtype=np.int64)[:, None]
        w[start : start + len(i)] = ((i * n + j) % 7 - 3) / 8
    b = ((np.arange(n) % 5) / 4).astype(np.float32)
    return w, b


def model_input(n: int) -> np.ndarray:
    return ((np.arange(n) % 3) - 1).astype(np.float32).reshape(1, n)


def expected_output(n: int) -> np.ndarray:
    w, b = weights(n)
    return (model_input(n).astype(np.float64) @ w.astype(np.float64) + b).astype(np.float32)


def make_model(path: str | os.PathLike[str], n: int, external: str | None = None) -> None:
    """Writes the model to ``path``; with ``external``, W and B go to that file beside it (onnx's
    external data, as transformers.js exports store `<model>.onnx_data`)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    w, b = weights(n)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "W"], ["t"]), helper.make_node("Add", ["t", "B"], ["y"])],
        "matmul_add",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, n])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, n])],
        [numpy_helper.from_array(w, "W"), numpy_helper.from_array(b, "B")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 9  # onnxruntime 1.30 reads up to 11; 9 keeps older runtimes working too
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if external is None:
        onnx.save_model(model, path)
    else:
        onnx.save_model(model, path, save_as_external_data=True, all_tensors_to_one_file=True, location=external, size_threshold=0)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--n", type=int, default=64)
    p.add_argument("--external", default=None, help="external data file name (beside the model)")
    a = p.parse_args()
    make_model(a.out, a.n, a.external)


if __name__ == "__main__":
    main()
