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
//  - Checked on request: Mirror::verify() recomputes the CRC32C of the chunks it maps (once per chunk per
//    mirror). A view handed out without it trusts the CRC checks made at write time and by verify
//    (docs/READING.md states the policy).
//
// Snapshot::view() is the one place that decides between a mirror and a copy (both bindings call it).
#pragma once
#include <cstdint>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "core/env.hpp"
#include "core/store.hpp"

namespace mc {

class Mirror;

/** Ranges shorter than this are copied rather than mirrored: copying a few KiB costs less than mapping
 *  pages, and a copy does not pin its snapshot (the Node binding's `copyBelow` default). */
constexpr uint64_t kDefaultCopyBelow = 64 << 10;

/** Bytes of a file range from one snapshot: a shared mirror of the database's pages (which holds the
 *  snapshot), or a private copy. `data` is never null (an empty range points at a static byte). */
struct ViewBytes {
  std::shared_ptr<Mirror> mirror;
  std::unique_ptr<uint8_t[]> copy;
  const uint8_t* data = nullptr;
  uint64_t size = 0;
};

/** Per chunk of one file: whether its CRC32C was checked already (a reader checks each chunk once). */
using ChunkChecks = std::vector<uint8_t>;

struct ViewOptions {
  /** Ranges shorter than this are copied. */
  uint64_t copy_below = kDefaultCopyBelow;
  /** Check the CRC32C of every chunk the range touches (the whole chunk) before handing the bytes out:
   *  MC_ERR_CHECKSUM on a mismatch. */
  bool verify = false;
  /** With verify: chunks already checked by the caller (skipped) and marked once checked; may be null. */
  ChunkChecks* checked = nullptr;
};

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
  /** Copies bytes [offset, offset+len) of the file's content into dst. With `verify`, every chunk touched
   *  has its whole payload's CRC32C checked (fused with the copy when the whole chunk is copied), unless
   *  `checked` (one flag per chunk of the file, may be null) says it was already: MC_ERR_CHECKSUM. */
  Error copy(const FileInfo& f, uint64_t offset, uint64_t len, uint8_t* dst, bool verify = false,
             ChunkChecks* checked = nullptr);
  /** Bytes [offset, offset+length) of the file as a mirror (zero-copy) when the range is at least
   *  `o.copy_below` long and this platform can mirror, else as a copy. MC_ERR_INVALID_ARGUMENT outside
   *  the file; MC_ERR_CHECKSUM (with o.verify) on a damaged chunk; MC_ERR_NOMEM, errno (mmap). */
  Error view(const FileInfo& f, uint64_t offset, uint64_t length, const ViewOptions& o, ViewBytes* out);

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
  /** Checks the CRC32C of chunks [first, last] of the file (within this mirror's run) over the mapped
   *  pages; each chunk is checked once per mirror. MC_ERR_CHECKSUM names the first damaged chunk. */
  Error verify(uint32_t first, uint32_t last);

 private:
  friend class Snapshot;
  Mirror() = default;
  std::shared_ptr<Snapshot> snap_;
  uint8_t* base_ = nullptr;
  size_t reserved_ = 0;
  uint64_t size_ = 0;
  uint32_t first_ = 0;                        // file chunk index of the run's first chunk
  uint32_t chunk_size_ = 0;
  std::string what_;                          // "repo/path", for error messages
  std::vector<uint32_t> crc_, len_;           // stored CRC32C and payload length of each chunk of the run
  std::unique_ptr<std::atomic<bool>[]> checked_;  // chunk i - first_ passed verify()
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
