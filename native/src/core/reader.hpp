// A pinned, verified reader of one stored file: the read path of streams, `cat`, `serve`, `export` and
// the Python range reads.
//
// A Reader holds one Snapshot (view.hpp) and the file's FileInfo as of that snapshot for its whole life,
// so every byte it returns comes from one database state: a writer replacing or deleting the file
// meanwhile (this process or another) changes nothing for it. libmdbx keeps the snapshot's pages until
// the reader (and every view it handed out) is gone; a reader held through many commits makes the
// database file grow, like any long read transaction.
//
// Every byte a Reader returns is checked: the CRC32C of each chunk it touches is computed over the whole
// payload (the CRC covers the whole payload) before the bytes leave, once per chunk per reader, and a
// mismatch is MC_ERR_CHECKSUM naming the chunk. Policy and costs: docs/READING.md.
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "core/errors.hpp"
#include "core/store.hpp"
#include "core/view.hpp"

namespace mc {

class Reader {
 public:
  /** Looks (repo, path) up in `snap` and pins both. MC_ERR_NOT_FOUND when the snapshot has no such file. */
  static Error open(std::shared_ptr<Snapshot> snap, const std::string& repo, const std::string& path,
                    std::shared_ptr<Reader>* out);

  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  /** The file as of the reader's snapshot. */
  const FileInfo& info() const noexcept { return info_; }
  const std::shared_ptr<Snapshot>& snapshot() const noexcept { return snap_; }

  /** Copies bytes [offset, offset+len) into dst after checking the CRC32C of every chunk they touch.
   *  MC_ERR_INVALID_ARGUMENT outside the file, MC_ERR_CHECKSUM, MC_ERR_CORRUPT. Thread-safe. */
  Error read(uint64_t offset, uint64_t len, uint8_t* dst);

  /** Bytes [offset, offset+len) as a checked view: a mirror of the database's pages when the range is at
   *  least `copy_below` bytes and the platform can mirror (CRC32C checked over the mapped pages), else a
   *  checked copy. The view holds the snapshot on its own: it outlives the reader. Thread-safe. */
  Error view(uint64_t offset, uint64_t len, uint64_t copy_below, ViewBytes* out);

 private:
  Reader() = default;
  std::shared_ptr<Snapshot> snap_;
  FileInfo info_;
  std::mutex mu_;        // guards checked_
  ChunkChecks checked_;  // chunks whose CRC32C this reader checked
};

}  // namespace mc
