// Repair: rewrites damaged chunks of a stored blob with good bytes fetched again from the Hub.
//
// Chunks are otherwise written once (docs/FORMAT.md, Invariants); a repair is the one exception, and it
// keeps the other invariants: the blob's sha256, size, seq and chunk layout stay as they are, and only a
// chunk that is still damaged is replaced, in one write transaction on the writer thread. Readers that
// pinned an older snapshot keep seeing the old (damaged) pages until they let go; libmdbx's MVCC does not
// reuse pages a reader still holds.
//
// The caller (lib/cache/repair-files.ts) has checked the whole file's hash against the Hub's with the new
// bytes spliced in; this module checks what it can on its own: the blob is still the one the damage was
// found in, the chunk still fails its check, the new bytes have the chunk's length and, when the chunk's
// header survived, the CRC32C it recorded when the chunk was first written.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "core/store.hpp"

namespace mc {

struct RepairChunkParams {
  std::array<uint8_t, 32> sha256{};  // the blob (content address)
  uint64_t seq = 0;                  // the blob's seq when the damage was found: it must still be this
  uint32_t index = 0;                // the chunk to rewrite
  const uint8_t* data = nullptr;     // its new payload; must stay valid until the callback runs
  size_t len = 0;
};

/**
 * Rewrites chunk `p.index` of blob `p.sha256` with `p.data` (a new header and CRC32C), asynchronously on
 * the writer thread; `cb` runs there.
 * \retval MC_ERR_NOT_FOUND       the blob is no longer stored, or has another seq (deleted, replaced).
 * \retval MC_ERR_INVALID_ARGUMENT index past the blob's last chunk.
 * \retval MC_ERR_SIZE_MISMATCH   `len` is not the chunk's length.
 * \retval MC_ERR_BUSY            the chunk is not damaged (any more): nothing written.
 * \retval MC_ERR_HASH_MISMATCH   the chunk's surviving header records another CRC32C than the new bytes'.
 * \retval MC_ERR_CORRUPT         the blob record itself is damaged (re-download the file instead).
 * \retval MC_ERR_READ_ONLY, MC_ERR_CLOSED, libmdbx codes.
 */
void repair_chunk(const std::shared_ptr<Store>& store, const RepairChunkParams& p, std::function<void(const Error&)> cb);

struct DamagedChunk {
  uint32_t index = 0;
  std::string reason;
};

struct FileCheck {
  FileInfo info;                       // valid unless `unusable`
  bool unusable = false;               // the file or blob record is damaged or missing: no chunk to repair
  std::string reason;                  // why, when unusable
  std::vector<DamagedChunk> damaged;   // chunks failing their header, length or CRC32C check
};

/**
 * Checks one stored file's chunks (header, length, CRC32C) in one read transaction: what pull runs before
 * it counts a file as stored. Synchronous; CRC32C runs at memory bandwidth, so call it off the JS thread
 * for large files. \retval MC_ERR_NOT_FOUND (no such file), MC_ERR_INVALID_NAME, MC_ERR_CLOSED, libmdbx
 * codes. Damage is reported in `out`, not returned.
 */
Error check_file(const Store& store, const std::string& repo, const std::string& path, FileCheck* out);

}  // namespace mc
