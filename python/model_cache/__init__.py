"""model_cache: read a model-cache directory from Python (ctypes over the C ABI; standard library only).

    from model_cache import Cache
    with Cache("/path/to/cache") as cache:
        with cache.get_file("org/model", "model.onnx") as f:
            data = f.memoryview        # zero-copy, read-only

``model_cache.onnx`` builds onnxruntime sessions from cached files (needs numpy, onnx and onnxruntime).
"""

from ._errors import STORE_ERROR_CODES, STORE_ERROR_TABLE, ModelCacheError, ModelStoreError
from ._types import Damage, FileInfo, MaterializeResult, Stats, VerifyReport
from ._view import FileView
from .cache import Cache

__all__ = [
    "Cache",
    "Damage",
    "FileInfo",
    "FileView",
    "MaterializeResult",
    "ModelCacheError",
    "ModelStoreError",
    "STORE_ERROR_CODES",
    "STORE_ERROR_TABLE",
    "Stats",
    "VerifyReport",
]
