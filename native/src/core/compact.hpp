// Compaction: rewrite the database without its free pages, to give disk space back after deletions.
//
// libmdbx reuses freed pages but never returns them to the file system (this store also never shrinks the
// file: a shrink would truncate pages that private view mirrors may still map, env.cpp). Compaction is
// therefore an offline operation on the whole database:
//  1. The directory is reserved in this process's environment registry (Env::reserve_exclusive): no handle
//     of this process may have it open, and none can open it until the end.
//  2. The database is opened with MDBX_EXCLUSIVE, which fails with MDBX_BUSY (-> MC_ERR_BUSY) when any
//     other process has it open (libmdbx's fcntl locks on the -lck and data files), and keeps every other
//     opener waiting until it is closed.
//  3. mdbx_env_copy(MDBX_CP_COMPACT) writes a compact copy next to it (`model-cache.mdbx.compact`; live
//     pages renumbered, free pages left out; fsynced by libmdbx, metas last). Large values keep their page
//     runs, so every chunk payload stays page-aligned (format.hpp) and views keep working.
//  4. The copy takes the original's permissions and is renamed over it while the exclusive environment is
//     still open, then the directory is fsynced: a crash leaves either the old or the new file whole. A
//     process that opened the old file while waiting sees it unlinked and fails to open (EBADFD) rather
//     than use it; opening again finds the new file.
//  5. The environment closes; the next opener re-initialises the lock file.
#pragma once
#include <cstdint>
#include <string>

#include "core/errors.hpp"

namespace mc {

struct CompactResult {
  /** Size of the database file (st_size) before and after. */
  uint64_t file_bytes_before = 0, file_bytes_after = 0;
  /** Disk space it occupies (st_blocks * 512) before and after: the file is sparse past its last page. */
  uint64_t disk_bytes_before = 0, disk_bytes_after = 0;
};

/**
 * Compacts `<dir>/model-cache.mdbx` as described above. MC_ERR_BUSY when this process or another one has
 * the database open; MC_ERR_NOT_FOUND when there is none; MC_ERR_FORMAT for a file that is not a
 * model-cache database; libmdbx or errno codes otherwise (the original is then untouched). Blocks for as
 * long as the copy takes: call it off any event loop.
 */
Error compact_database(const std::string& dir, CompactResult* out);

}  // namespace mc
