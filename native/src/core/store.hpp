// The chunk store: named files (repo, path) over content-addressed blobs of CRC32C-checked chunks.
//
// A Store is one handle on a process-wide Env. Reads are synchronous and short. Writes are asynchronous:
// they run on the Env's writer thread (and hashing on its hasher thread) and report through a callback
// called on that thread; the caller moves the result to wherever it needs it (the Node binding posts it
// to the JS thread).
//
// Visibility: a file appears only when commit_upload()'s transaction commits, after every chunk is durable
// and the content hash was checked. A crash at any point leaves either the old state or the new one.
#pragma once
#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/chunk_read.hpp"
#include "core/env.hpp"
#include "core/errors.hpp"
#include "core/format.hpp"

namespace mc {

struct FileInfo {
  std::string repo;
  std::string path;
  uint64_t size = 0;
  uint8_t sha256[32] = {};
  bool has_sha1 = false;
  uint8_t sha1[20] = {};  // git blob sha1, when known
  uint64_t stored_ms = 0;
  uint64_t seq = 0;  // blob sequence number (names its chunks)
  uint32_t chunk_size = 0;
  uint32_t chunk_count = 0;
};

struct UploadParams {
  std::optional<uint64_t> size;              // total size when known up front
  uint32_t chunk_size = 0;                   // 0 = the handle's chunk size (a resumed upload keeps its own)
  std::string resume_key;                    // non-empty: resume an existing upload with this key
  std::optional<std::array<uint8_t, 32>> sha256;  // expected content hash
  bool want_sha1 = false;                    // also compute the git blob sha1
};

struct UploadInfo {
  uint64_t id = 0;  // the future blob's sequence number
  uint32_t chunk_size = 0;
  std::optional<uint64_t> size;
  std::string resume_key;
  std::vector<uint32_t> present;  // chunk indexes already durable (resume)
  std::vector<std::pair<uint32_t, uint32_t>> partial;  // (index, bytes kept) of chunks begun, not complete
  uint64_t created_ms = 0;
  uint64_t updated_ms = 0;
  uint32_t owner_pid = 0;
  bool resumed = false;
};

struct CommitParams {
  std::string repo;
  std::string path;
  std::optional<uint64_t> size;                    // required when the upload's size was not known
  std::optional<std::array<uint8_t, 32>> sha256;   // expected; mismatch -> MC_ERR_HASH_MISMATCH
  std::optional<std::array<uint8_t, 20>> sha1;     // expected git blob sha1
};

struct Stats {
  uint64_t files = 0, blobs = 0, chunks = 0, uploads = 0, docs = 0;
  uint64_t logical_bytes = 0;  // sum of file sizes
  uint64_t stored_bytes = 0;   // sum of blob sizes (deduplicated content)
  uint64_t db_file_bytes = 0, db_used_bytes = 0, map_size = 0;
  uint32_t page_size = 0, chunk_size = 0, max_readers = 0, readers_used = 0;
  uint64_t txnid = 0;
};

struct DamagedFile {
  std::string repo, path;  // empty repo/path: a blob no file names (orphan)
  uint64_t seq = 0;
  int64_t chunk = -1;      // -1: the blob as a whole (missing chunks, bad record)
  std::string reason;
};

struct VerifyReport {
  uint64_t files = 0, blobs = 0, chunks = 0;
  uint64_t bytes = 0;          // content bytes checked, damaged ones included
  uint64_t damaged_bytes = 0;  // of those, bytes in damaged chunks (or blobs)
  std::vector<DamagedFile> damaged;
};

struct Doc {
  std::string name;
  std::string value;
};

class Store : public std::enable_shared_from_this<Store> {
 public:
  using Done = std::function<void(const Error&)>;

  struct Options {
    EnvOptions env;
    uint32_t chunk_size = 0;  // for new uploads by this handle; 0 = the database's default
  };
  static Error open(const Options& opts, std::shared_ptr<Store>* out);

  /** Marks the handle closed: later calls fail with MC_ERR_CLOSED. Queued writes still complete; the
   *  environment closes when the last handle, pending write and view is gone. Idempotent. */
  void close() noexcept { closed_.store(true); }
  bool closed() const noexcept { return closed_.load(); }
  const std::shared_ptr<Env>& env() const noexcept { return env_; }
  uint32_t chunk_size() const noexcept { return chunk_size_; }
  /** Opened read-only. The shared environment may still be read-write (another handle of this process
   *  opened it so): writes through this handle are refused either way. */
  bool read_only() const noexcept { return read_only_; }

  /** Checks a (repo, path) pair: non-empty, no NUL byte, repo at most 256 bytes, key within libmdbx's
   *  key size limit. */
  Error check_names(const std::string& repo, const std::string& path) const;

  // ---- reads (synchronous; any thread) ----
  Error file_info(const std::string& repo, const std::string& path, FileInfo* out) const;
  Error list_files(const std::string* repo, std::vector<FileInfo>* out) const;
  Error stats(Stats* out) const;
  /** Recomputes every chunk's CRC32C and checks every record; `progress(bytes)` is called now and then. */
  Error verify(VerifyReport* out, const std::function<void(uint64_t)>& progress) const;
  Error get_doc(const std::string& kind, const std::string& name, std::string* out) const;
  Error list_docs(const std::string& kind, const std::string& prefix, std::vector<Doc>* out) const;
  Error list_uploads(std::vector<UploadInfo>* out) const;

  // ---- writes (asynchronous; callbacks run on the writer or hasher thread) ----
  void begin_upload(const UploadParams& p, std::function<void(const Error&, const UploadInfo&)> cb);
  /** Stores chunk `index` of upload `id`. `data` must stay valid until `cb` runs. */
  void put_chunk(uint64_t id, uint32_t index, const uint8_t* data, size_t len, Done cb);
  /** Stores bytes [offset, offset+len) of chunk `index` of upload `id` durably as a piece: `offset` must
   *  be the number of bytes of that chunk already kept (its pieces so far). put_chunk of the chunk, abort
   *  and commit delete its pieces. `data` must stay valid until `cb` runs. */
  void put_piece(uint64_t id, uint32_t index, uint32_t offset, const uint8_t* data, size_t len, Done cb);
  /** Copies the kept prefix of chunk `index` of upload `id` (its CRC-checked pieces, in order) into
   *  `dst` (up to `cap` bytes); `*len` is the number of bytes copied. */
  Error read_partial(uint64_t id, uint32_t index, uint8_t* dst, size_t cap, size_t* len) const;
  void commit_upload(uint64_t id, const CommitParams& p, std::function<void(const Error&, const FileInfo&)> cb);
  void abort_upload(uint64_t id, Done cb);
  /** Names existing content (by sha256) as (repo, path) without copying it: deduplication. */
  void link_file(const std::string& repo, const std::string& path, const std::array<uint8_t, 32>& sha256,
                 std::function<void(const Error&, const FileInfo&)> cb);
  void delete_file(const std::string& repo, const std::string& path, std::function<void(const Error&, bool)> cb);
  /** Writes a document; with `expect`, only if the current value equals *expect (std::nullopt inside:
   *  only if absent), else MC_ERR_BUSY. An empty `value` pointer deletes. */
  void put_doc(const std::string& kind, const std::string& name, std::optional<std::string> value,
               std::optional<std::optional<std::string>> expect, Done cb);

 private:
  Store() = default;
  Error check_open() const;

  std::shared_ptr<Env> env_;
  uint32_t chunk_size_ = 0;
  bool read_only_ = false;
  std::atomic<bool> closed_{false};
};

// ---- helpers shared by the store's translation units ----
namespace detail {
/** A read transaction that aborts itself. */
struct ReadTxn {
  MDBX_txn* txn = nullptr;
  ReadTxn() = default;
  ReadTxn(const ReadTxn&) = delete;
  ReadTxn& operator=(const ReadTxn&) = delete;
  ~ReadTxn() {
    if (txn) mdbx_txn_abort(txn);
  }
};

/** A cursor that closes itself. Declare it after the transaction it reads (so it closes first). */
struct Cursor {
  MDBX_cursor* cur = nullptr;
  Cursor() = default;
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;
  ~Cursor() { close(); }
  /** Opens a cursor on `dbi` (closing the one held before); returns libmdbx's code. */
  int open(MDBX_txn* txn, MDBX_dbi dbi) noexcept {
    close();
    return mdbx_cursor_open(txn, dbi, &cur);
  }
  void close() noexcept {
    if (cur) mdbx_cursor_close(cur);
    cur = nullptr;
  }
  operator MDBX_cursor*() const noexcept { return cur; }
};

Error read_file(MDBX_txn* txn, const Tables& t, const std::string& repo, const std::string& path, FileInfo* out);
Error read_blob(MDBX_txn* txn, const Tables& t, const uint8_t sha256[32], format::BlobRecord* out);
/** Deletes the chunks of blob `seq` (a key range). */
Error delete_chunks(MDBX_txn* txn, const Tables& t, uint64_t seq);
/** Drops one reference to a blob; deletes it and its chunks at zero. */
Error unref_blob(MDBX_txn* txn, const Tables& t, const uint8_t sha256[32]);
/** Names blob `sha256` as (repo, path), replacing and unreferencing what the name pointed to before. */
Error put_file(MDBX_txn* txn, const Tables& t, const std::string& repo, const std::string& path,
               const uint8_t sha256[32], uint64_t size, FileInfo* out);
std::string hex(const uint8_t* p, size_t n);
}  // namespace detail

}  // namespace mc
