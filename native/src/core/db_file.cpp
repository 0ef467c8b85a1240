#include "core/db_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "core/format.hpp"
#include "mdbx.h"

namespace mc {

namespace {
// libmdbx 0.11.3's on-disk meta pages (mdbx.c: MDBX_page, MDBX_meta): three pages at the start of the
// file, each a 20-byte page header followed by the meta, which starts with the 64-bit magic and version
// (MDBX_MAGIC << 8 | version) and holds the page size at byte 44 of the meta (mm_dbs[FREE_DBI].md_xsize).
constexpr uint64_t kMdbxMagic = UINT64_C(0x59659DBDEF4C11);
constexpr size_t kMetaOffset = 20;
constexpr size_t kMetaPageSizeOffset = kMetaOffset + 44;
constexpr size_t kNumMetas = 3;

uint64_t le64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}
uint32_t le32(const uint8_t* p) { return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24; }
}  // namespace

Error not_a_database(const std::string& path, const std::string& why) {
  return Error{MC_ERR_NOT_A_DATABASE, path + ": " + why + "; left unchanged. Move it aside (mv '" + path + "' '" +
                                          path + ".bad') to start an empty cache"};
}

bool is_not_a_database_rc(int rc) noexcept {
  return rc == MDBX_INVALID || rc == MDBX_CORRUPTED || rc == MDBX_ENODATA || rc == MDBX_PAGE_NOTFOUND ||
         rc == MDBX_WANNA_RECOVERY || rc == MDBX_EBADSIGN;
}

Error check_db_file(const std::string& dir, const std::string& db_path, DbFileState* state) {
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) return Error{errno, "cache directory " + dir};
  if (!S_ISDIR(st.st_mode))
    return Error{MC_ERR_NOT_A_DATABASE, dir + " is not a directory: a cache is a directory holding " +
                                            format::kDbFileName + ". Give the path of a directory (or of a new one)"};
  if (::stat(db_path.c_str(), &st) != 0) {
    if (errno != ENOENT) return Error{errno, db_path};
    *state = DbFileState::kMissing;
    return {};
  }
  if (!S_ISREG(st.st_mode)) return not_a_database(db_path, "not a regular file");
  if (st.st_size == 0) {
    *state = DbFileState::kEmpty;
    return {};
  }
  if (uint64_t(st.st_size) < kNumMetas * format::kPageSize)
    return not_a_database(db_path, "truncated to " + std::to_string(st.st_size) + " bytes (a database has at least " +
                                       std::to_string(kNumMetas * format::kPageSize) + ")");
  int fd = ::open(db_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error{errno, db_path};
  uint8_t buf[kNumMetas * format::kPageSize];
  ssize_t n = ::pread(fd, buf, sizeof buf, 0);
  int err = errno;
  ::close(fd);
  if (n < 0) return Error{err, "read " + db_path};
  if (size_t(n) < sizeof buf) return not_a_database(db_path, "truncated while being read");
  // One intact meta page is enough for libmdbx to open it (it picks the newest valid one).
  for (size_t i = 0; i < kNumMetas; i++) {
    const uint8_t* page = buf + i * format::kPageSize;
    if ((le64(page + kMetaOffset) >> 8) == kMdbxMagic && le32(page + kMetaPageSizeOffset) == format::kPageSize) {
      *state = DbFileState::kPresent;
      return {};
    }
  }
  return not_a_database(db_path, "not a libmdbx database of 4 KiB pages (foreign or damaged file)");
}

}  // namespace mc
