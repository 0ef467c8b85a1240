#include "core/disk_space.hpp"

#include <fcntl.h>
#include <sys/statvfs.h>

#include <cerrno>
#include <string>

namespace mc {

namespace {
// Commit adds pages of its own after the job ran (GC records, the tables' root records): a few pages for
// a small write, more when much was freed. The margin covers them generously; blocks allocated past what
// the commit used are used by the next one.
constexpr uint64_t kMarginBase = uint64_t(1) << 20;
constexpr uint64_t kMarginShift = 5;  // plus 1/32 of the new bytes

uint64_t free_bytes(int fd) noexcept {
  struct statvfs vfs;
  if (::fstatvfs(fd, &vfs) != 0) return 0;
  return uint64_t(vfs.f_bavail) * uint64_t(vfs.f_frsize);
}
}  // namespace

uint64_t txn_used_bytes(MDBX_txn* txn) noexcept {
  MDBX_txn_info info;
  if (mdbx_txn_info(txn, &info, false) != MDBX_SUCCESS) return 0;
  return info.txn_space_used;
}

Error disk_full_error(int fd, uint64_t needed, const char* what) noexcept {
  try {
    std::string need = needed ? "needs " + std::to_string(needed) + " bytes, " : std::string("out of space, ");
    return Error{MC_ERR_DISK_FULL, std::string(what) + ": " + need + std::to_string(free_bytes(fd)) +
                                       " bytes free (ENOSPC); free some space and retry"};
  } catch (...) {
    return Error{MC_ERR_DISK_FULL, ""};
  }
}

Error reserve_commit_space(MDBX_txn* txn, uint64_t used_at_begin) noexcept {
  mdbx_filehandle_t fd = -1;
  if (mdbx_env_get_fd(mdbx_txn_env(txn), &fd) != MDBX_SUCCESS || fd < 0) return {};
  uint64_t used = txn_used_bytes(txn);
  if (used == 0) return {};  // no information: let the commit try
  uint64_t start = used_at_begin < used ? used_at_begin : used;
  uint64_t fresh = used - start;
  uint64_t len = fresh + kMarginBase + (fresh >> kMarginShift);
  // KEEP_SIZE: the file's size is libmdbx's business (its geometry); blocks past the end are harmless and
  // become part of the file when libmdbx grows it.
  for (;;) {
    if (::fallocate(fd, FALLOC_FL_KEEP_SIZE, off_t(start), off_t(len)) == 0) return {};
    int err = errno;
    if (err == EINTR) continue;
    if (err == ENOSPC || err == EDQUOT) return disk_full_error(fd, len, "write");
    if (err == EOPNOTSUPP || err == ENOSYS) {
      // The file system cannot preallocate (some network file systems): compare with the free space.
      if (free_bytes(fd) < len) return disk_full_error(fd, len, "write");
      return {};
    }
    return {};  // anything else (EFBIG, ...): the commit reports it itself
  }
}

}  // namespace mc
