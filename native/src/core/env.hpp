// One libmdbx environment per database per process, shared by every Store handle and Node worker thread.
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "core/errors.hpp"
#include "mdbx.h"

namespace mc {

class Writer;
class TaskThread;
class UploadTable;

struct EnvOptions {
  std::string dir;             // cache directory; the database is dir/model-cache.mdbx
  bool read_only = false;      // MDBX_RDONLY: no writer, never creates the database
  uint64_t max_size = 0;       // map upper bound at creation; 0 = kDefaultMaxSize
  uint32_t max_readers = 0;    // reader slots (the first opener of the database sets it); 0 = 4096
  uint32_t chunk_size = 0;     // default chunk size recorded at creation; 0 = format::kDefaultChunkSize
};

struct Tables {
  MDBX_dbi meta = 0, files = 0, blobs = 0, chunks = 0, uploads = 0, docs = 0;
};

class Env {
 public:
  // 1 TiB of address space: reserved, never committed. The map never moves because its upper bound is
  // fixed and MDBX_NOTLS is set (docs/LIBMDBX.md), which zero-copy views rely on.
  static constexpr uint64_t kDefaultMaxSize = uint64_t(1) << 40;
  static constexpr uint32_t kDefaultMaxReaders = 4096;

  /** Opens or shares the process-wide environment of `opts.dir`. A read-only request may share an
   *  environment already open read-write; the reverse fails with MC_ERR_READ_ONLY. */
  static Error open(const EnvOptions& opts, std::shared_ptr<Env>* out);

  Env(const Env&) = delete;
  Env& operator=(const Env&) = delete;
  ~Env();

  MDBX_env* raw() const noexcept { return env_; }
  const Tables& tables() const noexcept { return tables_; }
  bool read_only() const noexcept { return read_only_; }
  const std::string& db_path() const noexcept { return db_path_; }
  uint32_t default_chunk_size() const noexcept { return default_chunk_size_; }
  size_t max_key_size() const noexcept { return max_key_size_; }
  uint64_t max_value_size() const noexcept { return max_value_size_; }
  uint64_t map_size() const noexcept { return map_size_; }

  /** The writer thread (read-write environments only). Every write transaction runs there. */
  Writer& writer() noexcept { return *writer_; }
  /** A background thread for hashing and other long reads that must stay in order with writes. */
  TaskThread& hasher() noexcept { return *hasher_; }
  /** Uploads in progress in this process. */
  UploadTable& uploads() noexcept { return *uploads_; }

  /**
   * Reserves the database of `dir` for exclusive use by this process (compaction): waits while an
   * environment of it is still closing, fails with MC_ERR_BUSY while one is open, and then makes every
   * open() of it in this process wait until release_exclusive(). `*key` receives the registry key (the
   * directory's real path), which release_exclusive() takes. Another process is not kept out by this:
   * the caller opens the database with MDBX_EXCLUSIVE for that.
   */
  static Error reserve_exclusive(const std::string& dir, std::string* key);
  static void release_exclusive(const std::string& key) noexcept;

  /** Begins a read-only transaction. Caller aborts it (or hands it to a Snapshot). */
  Error begin_read(MDBX_txn** out) const;

  /** Whether views can mirror map pages (Linux, 4 KiB pages, map located in /proc/self/maps). */
  bool mirror_supported() const noexcept { return mirror_fd_ >= 0; }
  /** Read-only descriptor of the database file, for MAP_PRIVATE mirrors (never writes the file). */
  int mirror_fd() const noexcept { return mirror_fd_; }
  /** Offset in the database file of a pointer into the memory map; false when outside it. */
  bool file_offset(const void* p, uint64_t* out) const noexcept;
  /**
   * Drops the pages around a chunk just read through libmdbx's map (its header and payload, to the
   * 2 MiB blocks that hold them) from this process's page tables. They stay in the page cache; only the process stops
   * counting them. Reading a chunk header maps more than its page: on Linux 6.18 with large page-cache
   * folios, about 1.5 MiB per chunk (107 MiB of RSS after streaming a 288 MiB file in 4 MiB chunks).
   * Safe at any time: the map is shared and read-only, so an access later only faults the page back in.
   */
  void forget(const uint8_t* payload, size_t len) const noexcept;
  /** forget() for a chunk of which only the header was read (a mirror maps the payload elsewhere). */
  void forget_header(const uint8_t* payload) const noexcept { forget(payload, 0); }

 private:
  Env() = default;
  Error open_locked(const EnvOptions& opts);
  Error init_tables(const EnvOptions& opts);
  void locate_map();
  void close_handles() noexcept;  // closes handles; the registry lock is not held

  MDBX_env* env_ = nullptr;
  Tables tables_;
  bool read_only_ = false;
  std::string dir_key_;
  std::string db_path_;
  uint32_t default_chunk_size_ = 0;
  size_t max_key_size_ = 0;
  uint64_t max_value_size_ = 0;
  uint64_t map_size_ = 0;
  bool existed_ = false;    // the database file held a database before this open
  bool registered_ = true;  // false for an environment that failed to open (never entered the registry)
  int mirror_fd_ = -1;
  uintptr_t map_base_ = 0;  // address of file offset 0
  std::unique_ptr<Writer> writer_;
  std::unique_ptr<TaskThread> hasher_;
  std::unique_ptr<UploadTable> uploads_;

  friend struct EnvDeleter;
};

/** Milliseconds since the Unix epoch. */
uint64_t now_ms() noexcept;

}  // namespace mc
