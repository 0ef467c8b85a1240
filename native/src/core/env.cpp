#include "core/env.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <condition_variable>
#include <map>
#include <sstream>
#include <thread>

#include "core/db_file.hpp"
#include "core/format.hpp"
#include "core/task_thread.hpp"
#include "core/upload.hpp"
#include "core/writer.hpp"

namespace mc {

uint64_t now_ms() noexcept {
  using namespace std::chrono;
  return uint64_t(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

// The registry of open environments. libmdbx does not support opening one database twice in a process
// (docs/LIBMDBX.md; its POSIX file locks are per process, so closing one copy would drop the other's locks), and
// Node worker threads load the addon once each, so every opener goes through here. An entry stays until
// its environment has finished closing (~Env erases it); an open that finds an expired entry waits for
// that, so a close and a re-open never overlap. The registry lock is not held while closing: a close joins
// threads whose callbacks may close other environments.
static std::mutex g_registry_mu;
static std::condition_variable g_registry_cv;
static std::map<std::string, std::weak_ptr<Env>>& registry() {
  static auto* r = new std::map<std::string, std::weak_ptr<Env>>();  // never destroyed: envs may close late
  return *r;
}

// The last reference to an environment may be dropped on its own writer or hasher thread (a job's capture
// holding it). Joining a thread from itself is impossible, so destruction moves to a short-lived thread.
struct EnvDeleter {
  void operator()(Env* env) const {
    bool internal = (env->writer_ && env->writer_->on_this_thread()) ||
                    (env->hasher_ && env->hasher_->on_this_thread());
    if (internal) {
      std::thread([env] { delete env; }).detach();
    } else {
      delete env;
    }
  }
};

static Error mdbx_error(int rc, const std::string& what) { return Error{rc, what}; }

Error Env::open(const EnvOptions& opts, std::shared_ptr<Env>* out) {
  if (opts.dir.empty() || opts.dir.find('\0') != std::string::npos)
    return Error{MC_ERR_INVALID_ARGUMENT, "cache directory path"};
  if (opts.chunk_size != 0 &&
      (opts.chunk_size % format::kPageSize != 0 || opts.chunk_size < format::kMinChunkSize ||
       opts.chunk_size > format::kMaxChunkSize))
    return Error{MC_ERR_INVALID_ARGUMENT, "chunk size must be a multiple of 4096 between 64 KiB and 1 GiB"};

  if (!opts.read_only) {
    if (::mkdir(opts.dir.c_str(), 0755) != 0 && errno != EEXIST)
      return Error{errno, "create cache directory " + opts.dir};
  }
  char resolved[PATH_MAX];
  if (!::realpath(opts.dir.c_str(), resolved)) {
    int err = errno;
    return Error{err == ENOENT ? MC_ERR_NOT_FOUND : err, "cache directory " + opts.dir};
  }
  std::string key(resolved);

  std::shared_ptr<Env> failed;  // destroyed after the lock is released
  std::unique_lock<std::mutex> lock(g_registry_mu);
  auto& reg = registry();
  for (;;) {
    auto it = reg.find(key);
    if (it == reg.end()) break;
    if (auto existing = it->second.lock()) {
      if (existing->read_only_ && !opts.read_only)
        return Error{MC_ERR_READ_ONLY, "database already open read-only in this process"};
      *out = std::move(existing);
      return {};
    }
    g_registry_cv.wait(lock);  // the previous environment of this path is still closing
  }
  std::shared_ptr<Env> env(new Env(), EnvDeleter());
  env->dir_key_ = key;
  Error e = env->open_locked(opts);
  if (!e.ok()) {
    env->registered_ = false;
    failed = std::move(env);
    return e;
  }
  reg[key] = env;
  *out = std::move(env);
  return {};
}

// A reservation is an entry whose weak_ptr never held an environment: to open() it looks like an
// environment still closing, so an open of the same directory waits on g_registry_cv until it is erased.
Error Env::reserve_exclusive(const std::string& dir, std::string* key) {
  char resolved[PATH_MAX];
  if (dir.empty() || !::realpath(dir.c_str(), resolved)) {
    int err = errno;
    return Error{err == ENOENT ? MC_ERR_NOT_FOUND : err, "cache directory " + dir};
  }
  std::unique_lock<std::mutex> lock(g_registry_mu);
  auto& reg = registry();
  // Every handle may be closed and the environment still alive for a moment: the last write's job, or a
  // view's snapshot, lets go of it on another thread just after the caller saw the write complete. So a
  // live environment gets a short grace period before it counts as open.
  const auto grace = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  for (;;) {
    auto it = reg.find(resolved);
    if (it == reg.end()) break;
    if (it->second.expired()) {
      g_registry_cv.wait(lock);  // closing (or reserved by another compaction): wait for it to finish
      continue;
    }
    if (g_registry_cv.wait_until(lock, grace) == std::cv_status::timeout && reg.count(resolved) != 0 &&
        !reg[resolved].expired())
      return Error{MC_ERR_BUSY, "the database is open in this process: close every handle on it first"};
  }
  reg[resolved] = std::weak_ptr<Env>();
  *key = resolved;
  return {};
}

void Env::release_exclusive(const std::string& key) noexcept {
  std::lock_guard<std::mutex> lock(g_registry_mu);
  registry().erase(key);
  g_registry_cv.notify_all();
}

Env::~Env() {
  close_handles();
  if (!registered_) return;
  std::lock_guard<std::mutex> lock(g_registry_mu);
  registry().erase(dir_key_);  // only this (expired) environment can be registered under its key
  g_registry_cv.notify_all();
}

void Env::close_handles() noexcept {
  writer_.reset();  // drains queued writes
  hasher_.reset();
  if (mirror_fd_ >= 0) ::close(mirror_fd_);
  mirror_fd_ = -1;
  if (env_) mdbx_env_close_ex(env_, false);
  env_ = nullptr;
}

Error Env::open_locked(const EnvOptions& opts) {
  read_only_ = opts.read_only;
  db_path_ = dir_key_ + "/" + format::kDbFileName;
  // An empty file is one another process has just created and not yet initialised: whichever process
  // initialises it must use our geometry, or libmdbx's defaults (a 1 MiB upper bound) win the race and
  // every later write fails with MDBX_MAP_FULL (seen in 2 of 120 concurrent first opens). Any other file
  // must already be a database: libmdbx would initialise one it cannot read whole (db_file.hpp).
  DbFileState state = DbFileState::kMissing;
  Error checked = check_db_file(dir_key_, db_path_, &state);
  if (!checked.ok()) return checked;
  bool exists = state == DbFileState::kPresent;
  existed_ = exists;
  if (!exists && read_only_) return Error{MC_ERR_NOT_FOUND, "no model-cache database in " + dir_key_};

  int rc = mdbx_env_create(&env_);
  if (rc != MDBX_SUCCESS) return mdbx_error(rc, "mdbx_env_create");
  rc = mdbx_env_set_option(env_, MDBX_opt_max_db, 16);
  if (rc != MDBX_SUCCESS) return mdbx_error(rc, "max_db");
  // Reader slots are set by the first process that opens the database; later openers share its table.
  rc = mdbx_env_set_option(env_, MDBX_opt_max_readers, opts.max_readers ? opts.max_readers : kDefaultMaxReaders);
  if (rc != MDBX_SUCCESS) return mdbx_error(rc, "max_readers");
  if (!exists) {
    // A fixed, large upper bound so the map is reserved once and never moves; grow the file in 256 MiB
    // steps; never shrink (a shrink would truncate pages that private mirrors still map: SIGBUS).
    // An existing database keeps its stored geometry (docs/LIBMDBX.md: pass -1 when opening an existing one).
    intptr_t upper = intptr_t(opts.max_size ? opts.max_size : kDefaultMaxSize);
    rc = mdbx_env_set_geometry(env_, -1, -1, upper, intptr_t(256) << 20, 0, format::kPageSize);
    if (rc != MDBX_SUCCESS) return mdbx_error(rc, "set geometry");
  }
  // MDBX_NOTLS: read transactions are not bound to threads (several per thread, shared by views).
  // Durability stays MDBX_SYNC_DURABLE: every commit is on disk when its promise resolves.
  // MDBX_NORDAHEAD: libmdbx otherwise madvise(WILLNEED)s the whole used database at every open when it
  // fits in free memory (seen: 288 MiB for a 288 MiB cache), i.e. reads the entire cache for a `ls`; views
  // read exactly what they use. MDBX_ACCEDE: a process already using other mode flags (an older build)
  // is joined in its mode instead of failing with MDBX_INCOMPATIBLE.
  MDBX_env_flags_t flags = MDBX_NOSUBDIR | MDBX_NOTLS | MDBX_COALESCE | MDBX_LIFORECLAIM | MDBX_NORDAHEAD | MDBX_ACCEDE;
  if (read_only_) flags = MDBX_NOSUBDIR | MDBX_NOTLS | MDBX_RDONLY | MDBX_NORDAHEAD | MDBX_ACCEDE;
  rc = mdbx_env_open(env_, db_path_.c_str(), flags, 0644);
  if (rc != MDBX_SUCCESS) {
    if (exists && is_not_a_database_rc(rc))
      return not_a_database(db_path_, std::string("libmdbx cannot open it: ") + mdbx_strerror(rc));
    std::string what = "open " + db_path_;
    if (rc == MDBX_VERSION_MISMATCH || rc == MDBX_INCOMPATIBLE)
      what += " (opened by an incompatible libmdbx build or with other durability flags)";
    return mdbx_error(rc, what);
  }

  MDBX_envinfo info;
  rc = mdbx_env_info_ex(env_, nullptr, &info, sizeof(info));
  if (rc != MDBX_SUCCESS) return mdbx_error(rc, "env info");
  if (info.mi_dxb_pagesize != format::kPageSize)
    return Error{MC_ERR_FORMAT, "database page size is " + std::to_string(info.mi_dxb_pagesize) + ", expected 4096"};
  map_size_ = info.mi_geo.upper;
  max_key_size_ = size_t(mdbx_env_get_maxkeysize_ex(env_, MDBX_DB_DEFAULTS));
  max_value_size_ = uint64_t(mdbx_env_get_maxvalsize_ex(env_, MDBX_DB_DEFAULTS));

  Error e = init_tables(opts);
  if (!e.ok()) return e;
  locate_map();
  if (!read_only_) writer_ = std::make_unique<Writer>(env_);
  hasher_ = std::make_unique<TaskThread>("hasher");
  uploads_ = std::make_unique<UploadTable>();
  return {};
}

static int put_u32_meta(MDBX_txn* txn, MDBX_dbi dbi, const char* key, uint32_t v) {
  uint8_t buf[4];
  format::put_u32(buf, v);
  MDBX_val k{const_cast<char*>(key), strlen(key)}, d{buf, 4};
  return mdbx_put(txn, dbi, &k, &d, MDBX_UPSERT);
}
static int put_u64_meta(MDBX_txn* txn, MDBX_dbi dbi, const char* key, uint64_t v) {
  uint8_t buf[8];
  format::put_u64(buf, v);
  MDBX_val k{const_cast<char*>(key), strlen(key)}, d{buf, 8};
  return mdbx_put(txn, dbi, &k, &d, MDBX_UPSERT);
}
static int get_u32_meta(MDBX_txn* txn, MDBX_dbi dbi, const char* key, uint32_t* v) {
  MDBX_val k{const_cast<char*>(key), strlen(key)}, d;
  int rc = mdbx_get(txn, dbi, &k, &d);
  if (rc != MDBX_SUCCESS) return rc;
  if (d.iov_len != 4) return MC_ERR_FORMAT;
  *v = format::get_u32(static_cast<const uint8_t*>(d.iov_base));
  return MDBX_SUCCESS;
}

Error Env::init_tables(const EnvOptions& opts) {
  MDBX_txn* txn = nullptr;
  int rc = mdbx_txn_begin(env_, nullptr, read_only_ ? MDBX_TXN_RDONLY : MDBX_TXN_READWRITE, &txn);
  if (rc != MDBX_SUCCESS) return mdbx_error(rc, "begin setup transaction");
  auto fail = [&](Error e) {
    mdbx_txn_abort(txn);
    return e;
  };
  if (existed_) {
    // A database that existed before this open is written to only if it is model-cache's, or blank (its
    // first opener stopped before creating the tables): never add tables to another application's.
    MDBX_dbi probe = 0, main = 0;
    rc = mdbx_dbi_open(txn, format::kTableMeta, MDBX_DB_DEFAULTS, &probe);
    if (rc == MDBX_NOTFOUND) {
      MDBX_stat ms;
      rc = mdbx_dbi_open(txn, nullptr, MDBX_DB_DEFAULTS, &main);
      if (rc == MDBX_SUCCESS) rc = mdbx_dbi_stat(txn, main, &ms, sizeof ms);
      if (rc != MDBX_SUCCESS) return fail(mdbx_error(rc, "read main table"));
      if (ms.ms_entries != 0)
        return fail(not_a_database(db_path_, "a libmdbx database of another application (no model-cache tables)"));
      if (read_only_) return fail(Error{MC_ERR_NOT_FOUND, "no model-cache database in " + dir_key_ + " yet"});
    } else if (rc == MDBX_INCOMPATIBLE) {
      return fail(not_a_database(db_path_, "a libmdbx database of another application"));
    } else if (rc != MDBX_SUCCESS) {
      return fail(mdbx_error(rc, "open table " + std::string(format::kTableMeta)));
    }
  }
  MDBX_db_flags_t create = read_only_ ? MDBX_DB_DEFAULTS : MDBX_CREATE;
  struct {
    const char* name;
    MDBX_dbi* dbi;
  } tables[] = {{format::kTableMeta, &tables_.meta},       {format::kTableFiles, &tables_.files},
                {format::kTableBlobs, &tables_.blobs},     {format::kTableChunks, &tables_.chunks},
                {format::kTableUploads, &tables_.uploads}, {format::kTableDocs, &tables_.docs}};
  for (auto& t : tables) {
    rc = mdbx_dbi_open(txn, t.name, create, t.dbi);
    if (rc == MDBX_NOTFOUND) return fail(not_a_database(db_path_, "it lacks the model-cache table " + std::string(t.name)));
    if (rc != MDBX_SUCCESS) return fail(mdbx_error(rc, std::string("open table ") + t.name));
  }
  uint32_t version = 0;
  rc = get_u32_meta(txn, tables_.meta, format::kMetaFormat, &version);
  if (rc == MDBX_NOTFOUND && !read_only_) {
    // A new database: record the format so that other readers (and later versions) can check it.
    uint32_t chunk = opts.chunk_size ? opts.chunk_size : format::kDefaultChunkSize;
    if ((rc = put_u32_meta(txn, tables_.meta, format::kMetaFormat, format::kVersion)) ||
        (rc = put_u32_meta(txn, tables_.meta, format::kMetaPageSize, format::kPageSize)) ||
        (rc = put_u32_meta(txn, tables_.meta, format::kMetaPayloadOffset, format::kPayloadOffset)) ||
        (rc = put_u32_meta(txn, tables_.meta, format::kMetaChunkSize, chunk)) ||
        (rc = put_u64_meta(txn, tables_.meta, format::kMetaNextSeq, 1)) ||
        (rc = put_u64_meta(txn, tables_.meta, format::kMetaCreatedMs, now_ms())))
      return fail(mdbx_error(rc, "initialise meta"));
    version = format::kVersion;
  } else if (rc == MDBX_NOTFOUND) {
    return fail(Error{MC_ERR_FORMAT, db_path_ + " has no model-cache format record"});
  } else if (rc != MDBX_SUCCESS) {
    return fail(Error{rc, "read format version"});
  }
  if (version != format::kVersion)
    return fail(Error{MC_ERR_FORMAT, "format version " + std::to_string(version) + " (this build reads " +
                                         std::to_string(format::kVersion) + ")"});
  uint32_t payload_offset = 0, chunk_size = 0;
  if (get_u32_meta(txn, tables_.meta, format::kMetaPayloadOffset, &payload_offset) != MDBX_SUCCESS ||
      payload_offset != format::kPayloadOffset ||
      get_u32_meta(txn, tables_.meta, format::kMetaChunkSize, &chunk_size) != MDBX_SUCCESS)
    return fail(Error{MC_ERR_FORMAT, "meta records"});
  default_chunk_size_ = chunk_size;
  // Commit also for read-only: table handles opened in a transaction stay valid only if it commits.
  rc = mdbx_txn_commit(txn);
  if (rc != MDBX_SUCCESS) return mdbx_error(rc, "commit setup transaction");
  return {};
}

// Finds where the database file is mapped, so that views can map the same file pages privately. libmdbx
// 0.11.3 has no call that returns the map address, so this reads /proc/self/maps once: the map never moves
// (fixed upper bound, MDBX_NOTLS).
void Env::locate_map() {
#ifdef __linux__
  if (sysconf(_SC_PAGESIZE) != long(format::kPageSize)) return;
  MDBX_txn* txn = nullptr;
  if (mdbx_txn_begin(env_, nullptr, MDBX_TXN_RDONLY, &txn) != MDBX_SUCCESS) return;
  MDBX_val k{const_cast<char*>(format::kMetaFormat), strlen(format::kMetaFormat)}, d;
  uintptr_t probe = 0;
  if (mdbx_get(txn, tables_.meta, &k, &d) == MDBX_SUCCESS) probe = reinterpret_cast<uintptr_t>(d.iov_base);
  mdbx_txn_abort(txn);
  if (!probe) return;

  int fd = ::open(db_path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return;
  }
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    unsigned long start = 0, end = 0, offset = 0, inode = 0;
    char perms[8] = {0};
    unsigned int dev_major = 0, dev_minor = 0;
    if (std::sscanf(line.c_str(), "%lx-%lx %7s %lx %x:%x %lu", &start, &end, perms, &offset, &dev_major,
                    &dev_minor, &inode) != 7)
      continue;
    if (probe < start || probe >= end) continue;
    if (inode == st.st_ino) {
      map_base_ = start - offset;
      mirror_fd_ = fd;
      return;
    }
    break;
  }
  ::close(fd);
#endif
}

bool Env::file_offset(const void* p, uint64_t* out) const noexcept {
  uintptr_t a = reinterpret_cast<uintptr_t>(p);
  if (mirror_fd_ < 0 || a < map_base_ || a - map_base_ >= map_size_) return false;
  *out = a - map_base_;
  return true;
}

void Env::forget(const uint8_t* payload, size_t len) const noexcept {
#ifdef __linux__
  // A fault maps at most the page-cache folio around the touched page, and folios are at most 2 MiB
  // (PMD size) and aligned to their size: forgetting the aligned 2 MiB blocks that hold the value
  // covers everything reading it can have mapped.
  constexpr uintptr_t kFolio = uintptr_t(2) << 20;
  uintptr_t value = reinterpret_cast<uintptr_t>(payload) - format::kPayloadOffset;
  uintptr_t start = value & ~(kFolio - 1);
  uintptr_t end = (reinterpret_cast<uintptr_t>(payload) + len + kFolio - 1) & ~(kFolio - 1);
  if (end <= value) end = start + kFolio;
  // Only ever inside the map: MADV_DONTNEED on anonymous memory (a write transaction's dirty page
  // buffers) would zero it. Where the map was not located, do nothing.
  if (map_base_ == 0) return;
  start = std::max(start, map_base_);
  end = std::min<uintptr_t>(end, map_base_ + map_size_);
  if (end > start) madvise(reinterpret_cast<void*>(start), end - start, MADV_DONTNEED);
#endif
}

Error Env::begin_read(MDBX_txn** out) const {
  int rc = mdbx_txn_begin(env_, nullptr, MDBX_TXN_RDONLY, out);
  if (rc != MDBX_SUCCESS) return Error{rc, "begin read transaction"};
  return {};
}

}  // namespace mc
