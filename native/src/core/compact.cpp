#include "core/compact.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/db_file.hpp"
#include "core/env.hpp"
#include "core/format.hpp"
#include "core/test_hooks.hpp"
#include "mdbx.h"

namespace mc {
namespace {

// Closes the exclusive environment, then releases the registry reservation: the environment must be closed
// before another handle of this process may open the database.
struct Exclusive {
  std::string key;
  MDBX_env* env = nullptr;
  ~Exclusive() {
    if (env) mdbx_env_close_ex(env, false);
    if (!key.empty()) Env::release_exclusive(key);
  }
};

Error checked_stat(const std::string& path, struct stat* st) {
  if (::stat(path.c_str(), st) != 0) {
    int err = errno;
    return Error{err == ENOENT ? MC_ERR_NOT_FOUND : err, "stat " + path};
  }
  return {};
}

// A model-cache database has its format record in mc.meta (env.cpp writes it at creation).
Error check_format(MDBX_env* env, const std::string& db_path) {
  MDBX_txn* txn = nullptr;
  int rc = mdbx_txn_begin(env, nullptr, MDBX_TXN_RDONLY, &txn);
  if (rc != MDBX_SUCCESS) return Error{rc, "begin read transaction"};
  MDBX_dbi meta = 0;
  rc = mdbx_dbi_open(txn, format::kTableMeta, MDBX_DB_DEFAULTS, &meta);
  Error e;
  if (rc == MDBX_NOTFOUND) {
    e = not_a_database(db_path, "it lacks the model-cache table " + std::string(format::kTableMeta));
  } else if (rc != MDBX_SUCCESS) {
    e = Error{rc, "open table mc.meta"};
  } else {
    MDBX_val k{const_cast<char*>(format::kMetaFormat), strlen(format::kMetaFormat)}, d;
    rc = mdbx_get(txn, meta, &k, &d);
    if (rc != MDBX_SUCCESS || d.iov_len != 4 || format::get_u32(static_cast<const uint8_t*>(d.iov_base)) != format::kVersion)
      e = Error{MC_ERR_FORMAT, db_path + " has no model-cache format record of version " + std::to_string(format::kVersion)};
  }
  mdbx_txn_abort(txn);
  return e;
}

}  // namespace

Error compact_database(const std::string& dir, CompactResult* out) {
  *out = CompactResult{};
  Exclusive ex;
  Error e = Env::reserve_exclusive(dir, &ex.key);
  if (!e.ok()) return e;
  const std::string db_path = ex.key + "/" + format::kDbFileName;
  const std::string tmp_path = db_path + ".compact";

  struct stat before;
  if (!(e = checked_stat(db_path, &before)).ok()) return e;
  // Never hand libmdbx a file that is not a whole database: it would initialise it (db_file.hpp).
  DbFileState state = DbFileState::kMissing;
  if (!(e = check_db_file(ex.key, db_path, &state)).ok()) return e;
  if (state != DbFileState::kPresent) return Error{MC_ERR_NOT_FOUND, "no model-cache database in " + ex.key};

  int rc = mdbx_env_create(&ex.env);
  if (rc != MDBX_SUCCESS) return Error{rc, "mdbx_env_create"};
  if ((rc = mdbx_env_set_option(ex.env, MDBX_opt_max_db, 16)) != MDBX_SUCCESS) return Error{rc, "max_db"};
  if ((rc = mdbx_env_set_option(ex.env, MDBX_opt_max_readers, Env::kDefaultMaxReaders)) != MDBX_SUCCESS)
    return Error{rc, "max_readers"};
  // No geometry call: an existing database keeps its stored geometry, and the copy inherits it.
  rc = mdbx_env_open(ex.env, db_path.c_str(), MDBX_NOSUBDIR | MDBX_EXCLUSIVE | MDBX_NORDAHEAD, 0644);
  if (rc != MDBX_SUCCESS) {
    mdbx_env_close_ex(ex.env, false);  // a failed open still needs its handle released
    ex.env = nullptr;
    if (rc == MDBX_BUSY || rc == EAGAIN || rc == EWOULDBLOCK)
      return Error{MC_ERR_BUSY, "another process has " + db_path + " open: stop it (downloads, servers, Python) and retry"};
    if (is_not_a_database_rc(rc))
      return not_a_database(db_path, std::string("libmdbx cannot open it: ") + mdbx_strerror(rc));
    return Error{rc, "open " + db_path + " exclusively"};
  }
  if (!(e = check_format(ex.env, db_path)).ok()) return e;

  // A leftover of a compaction that crashed: nothing else can be using it while we hold the database.
  if (::unlink(tmp_path.c_str()) != 0 && errno != ENOENT) return Error{errno, "remove " + tmp_path};
  rc = mdbx_env_copy(ex.env, tmp_path.c_str(), MDBX_CP_COMPACT);
  if (rc != MDBX_SUCCESS) {
    ::unlink(tmp_path.c_str());
    return Error{rc, "compacting copy to " + tmp_path};
  }
  // libmdbx creates the copy 0660; keep the database's own permissions.
  if (::chmod(tmp_path.c_str(), before.st_mode & 07777) != 0) {
    int err = errno;
    ::unlink(tmp_path.c_str());
    return Error{err, "chmod " + tmp_path};
  }
  // Renamed while the exclusive environment is open: nobody can have opened the old file since the copy
  // began, and anyone waiting to open it fails on the unlinked inode rather than use it (compact.hpp).
  test::kill_point("compact.before_rename");
  if (::rename(tmp_path.c_str(), db_path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp_path.c_str());
    return Error{err, "rename " + tmp_path + " to " + db_path};
  }
  int dfd = ::open(ex.key.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  mdbx_env_close_ex(ex.env, false);
  ex.env = nullptr;

  struct stat after;
  if (!(e = checked_stat(db_path, &after)).ok()) return e;
  out->file_bytes_before = uint64_t(before.st_size);
  out->disk_bytes_before = uint64_t(before.st_blocks) * 512;
  out->file_bytes_after = uint64_t(after.st_size);
  out->disk_bytes_after = uint64_t(after.st_blocks) * 512;
  return {};
}

}  // namespace mc
