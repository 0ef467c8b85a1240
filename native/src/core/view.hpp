// Zero-copy views: a file's chunks presented as one contiguous, write-safe region.
//
// A Snapshot is a read transaction shared by every view of one database state. A Mirror maps the pages of
// a run of a blob's chunks, in order, into one reserved address range with mmap(MAP_PRIVATE|MAP_FIXED)
// over a read-only descriptor of the database file. That works because every chunk payload is
// page-aligned in the file (format.hpp, kPayloadOffset). Properties the binding relies on:
//  - No copy: the pages are the page cache's; reading runs at memory bandwidth.
//  - Write-safe: the mapping is private and writable, so a stray write copies one page for this process
//    and never reaches the file (the map libmdbx itself reads is PROT_READ: a write there is SIGSEGV).
//  - Stable: a Mirror holds its Snapshot, so libmdbx never reuses the pages it shows while it lives.
//  - Shared: one Mirror per (snapshot, blob, chunk run), so thousands of views of one file cost one set of
//    mappings (vm.max_map_count) and one reader slot.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>

#include "core/env.hpp"
#include "core/store.hpp"

namespace mc {

class Mirror;

class Snapshot : public std::enable_shared_from_this<Snapshot> {
 public:
  ~Snapshot();
  Snapshot(const Snapshot&) = delete;
  Snapshot& operator=(const Snapshot&) = delete;

  uint64_t txnid() const noexcept { return txnid_; }
  const std::shared_ptr<Env>& env() const noexcept { return env_; }

  Error lookup(const std::string& repo, const std::string& path, FileInfo* out);
  /** The shared mirror of chunks [first, last] of the file's blob. MC_ERR_UNSUPPORTED when this platform
   *  or database cannot mirror (the caller copies instead). */
  Error mirror(const FileInfo& f, uint32_t first, uint32_t last, std::shared_ptr<Mirror>* out);
  /** Copies bytes [offset, offset+len) of the file's content into dst. */
  Error copy(const FileInfo& f, uint64_t offset, uint64_t len, uint8_t* dst);

 private:
  friend class SnapshotCache;
  friend class Mirror;
  Snapshot(std::shared_ptr<Env> env, MDBX_txn* txn);
  Error build(const FileInfo& f, uint32_t first, uint32_t last, std::shared_ptr<Mirror>* out);

  std::shared_ptr<Env> env_;
  MDBX_txn* txn_;
  uint64_t txnid_;
  std::mutex mu_;  // a libmdbx read transaction is not for concurrent use
  std::map<std::tuple<uint64_t, uint32_t, uint32_t>, std::weak_ptr<Mirror>> mirrors_;
};

class Mirror {
 public:
  ~Mirror();
  Mirror(const Mirror&) = delete;
  Mirror& operator=(const Mirror&) = delete;

  /** First byte of chunk `first` of the run. */
  uint8_t* data() const noexcept { return base_; }
  uint64_t size() const noexcept { return size_; }

 private:
  friend class Snapshot;
  Mirror() = default;
  std::shared_ptr<Snapshot> snap_;
  uint8_t* base_ = nullptr;
  size_t reserved_ = 0;
  uint64_t size_ = 0;
};

/** The newest snapshot, shared while the database does not change. Holds it weakly: a snapshot lives only
 *  as long as a view (or a caller) holds it, so an idle cache pins nothing. */
class SnapshotCache {
 public:
  explicit SnapshotCache(std::shared_ptr<Env> env) : env_(std::move(env)) {}
  Error current(std::shared_ptr<Snapshot>* out);

 private:
  std::shared_ptr<Env> env_;
  std::mutex mu_;
  std::weak_ptr<Snapshot> current_;
};

}  // namespace mc
