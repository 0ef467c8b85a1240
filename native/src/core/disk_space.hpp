// Disk space for write transactions: a full disk fails one write cleanly instead of breaking the
// environment.
//
// libmdbx 0.11.3 grows its file with ftruncate() (sparse: no blocks are allocated) and writes a commit's
// pages with pwrite(). When that pwrite() fails with ENOSPC inside mdbx_txn_commit(), libmdbx marks the
// whole environment fatal (MDBX_PANIC for every later transaction of the process) although nothing on disk
// was damaged. So before a commit, the writer allocates the blocks of the pages the commit will write past
// the previous end of the data (fallocate); if that fails, the transaction is aborted and the environment
// stays usable. docs/LIBMDBX.md ("Disk full") has the details and what was measured.
#pragma once
#include <cstdint>

#include "core/errors.hpp"
#include "mdbx.h"

namespace mc {

/** The end of the used pages of `txn` in bytes (its next page number times the page size). */
uint64_t txn_used_bytes(MDBX_txn* txn) noexcept;

/**
 * Allocates disk blocks for what committing `txn` writes beyond `used_at_begin` (txn_used_bytes() when it
 * began), plus a margin for the pages commit itself adds (the GC records). MC_ERR_DISK_FULL when the file
 * system cannot provide them: the caller aborts the transaction.
 */
Error reserve_commit_space(MDBX_txn* txn, uint64_t used_at_begin) noexcept;

/** MC_ERR_DISK_FULL naming how many bytes were needed (0: unknown) and how many the file system of `fd`
 *  has free. */
Error disk_full_error(int fd, uint64_t needed, const char* what) noexcept;

}  // namespace mc
