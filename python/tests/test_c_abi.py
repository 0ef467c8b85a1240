"""The C header compiles as C11 and a C program can read a cache through the library: the ABI as a C
caller sees it (struct layouts, ownership: mc_free for strings, mc_view_release for views)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT, node_store

from model_cache import _ctypes_ext as C

PROGRAM = r"""
#include <stdio.h>
#include <string.h>
#include "model_cache.h"

#define CHECK(call) do { int rc_ = (call); if (rc_ != MC_OK) { \
  fprintf(stderr, "%s: %s %s (%s)\n", #call, mc_strcode(rc_), mc_strerror(rc_), mc_last_error()); return 1; } } while (0)

int main(int argc, char **argv) {
  if (argc != 2 || mc_abi_version() != MC_ABI_VERSION) return 2;
  mc_store *store = NULL;
  CHECK(mc_open(argv[1], MC_OPEN_READ_ONLY, &store));
  struct mc_file_info info;
  CHECK(mc_file_info(store, "org/c", "data.bin", &info));
  mc_view *view = NULL;
  const uint8_t *data = NULL;
  size_t size = 0;
  CHECK(mc_view_open(store, "org/c", "data.bin", 0, MC_VIEW_TO_END, &view, &data, &size));
  unsigned long sum = 0;
  for (size_t i = 0; i < size; i++) sum += data[i];
  int zero_copy = -1;
  CHECK(mc_view_info(view, NULL, &zero_copy));
  char *json = NULL;
  CHECK(mc_list_files(store, NULL, &json));
  int rc = mc_file_info(store, "org/c", "missing", &info);
  CHECK(mc_close(store));  /* the view stays valid after the handle is closed */
  unsigned long again = 0;
  for (size_t i = 0; i < size; i++) again += data[i];
  CHECK(mc_view_release(view));
  printf("%zu %lu %lu %d %s %s %d\n", size, sum, again, zero_copy, mc_strcode(rc), json, (int)sizeof(struct mc_file_info));
  mc_free(json);
  return 0;
}
"""


@pytest.mark.skipif(shutil.which("cc") is None, reason="needs a C compiler")
def test_c_program_reads_a_cache(cache_dir: Path, tmp_path: Path) -> None:
    data = bytes(range(256)) * 1024  # 256 KiB: a mapped view
    node_store(cache_dir, {("org/c", "data.bin"): data}, chunk_size=64 << 10)
    src = tmp_path / "reader.c"
    src.write_text(PROGRAM)
    exe = tmp_path / "reader"
    lib = C.library_path()
    subprocess.run(
        ["cc", "-std=c11", "-Wall", "-Wextra", "-pedantic", "-Werror", "-I", str(ROOT / "native" / "include"),
         str(src), "-o", str(exe), "-L", str(lib.parent), "-lmodel_cache", f"-Wl,-rpath,{lib.parent}"],
        check=True, capture_output=True, text=True,
    )
    r = subprocess.run([str(exe), str(cache_dir)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    size, total, again, zero_copy, missing, listing, struct_size = r.stdout.split(" ", 6)
    assert (int(size), int(total), int(again), int(zero_copy), missing) == (len(data), sum(data), sum(data), 1, "MC_ERR_NOT_FOUND")
    assert '"path":"data.bin"' in listing and int(struct_size) == 88
