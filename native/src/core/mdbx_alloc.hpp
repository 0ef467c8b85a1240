// The allocator libmdbx is compiled against (CMakeLists.txt renames malloc/free/realloc in mdbx.c only).
//
// Without MDBX_WRITEMAP, libmdbx gives MDBX_RESERVE a heap buffer the size of the value and frees it at
// commit. glibc serves a 16 MiB request with a fresh mmap and unmaps it on free (its dynamic mmap
// threshold rises only to the size just freed, so an equal request maps again), so every chunk paid for
// zero-filled pages it had never touched: on this VM's memory balloon, 0.5-2 s per GiB, which halved
// store throughput (bench/cases/store.ts: 508 -> 1187 MB/s median with the buffers kept warm).
// Large blocks are therefore kept for reuse while writes are under way and released when the writer goes
// idle. Small allocations go straight to malloc. Only libmdbx's allocations come through here: the host
// process's malloc settings are left alone.
#pragma once
#include <cstddef>

extern "C" {
void* mc_mdbx_malloc(size_t size);
void mc_mdbx_free(void* ptr);
void* mc_mdbx_realloc(void* ptr, size_t size);
}

namespace mc {
/** Frees the blocks kept for reuse (the writer calls it when idle). */
void mdbx_alloc_trim() noexcept;
}  // namespace mc
