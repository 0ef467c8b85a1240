// Reading stored chunks: the one place that decodes a chunk's header, points at its payload and checks
// the payload's CRC32C. Every read path (views, readers, materialize, verify, the hasher) goes through
// these helpers, so "what counts as a good chunk" has one definition.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/env.hpp"
#include "core/errors.hpp"
#include "core/format.hpp"

namespace mc {
namespace detail {

/** Reads chunk `index` of blob `seq`: checks its header (not its CRC) and points at its payload.
 *  MC_ERR_CORRUPT when the chunk is missing or its header is damaged. */
Error read_chunk(MDBX_txn* txn, const Tables& t, uint64_t seq, uint32_t index, format::ChunkHeader* h,
                 const uint8_t** payload);

/** CRC32C of `src` while copying it to `dst`, in blocks that stay in L2 so the source is read from memory
 *  once: about the cost of the copy alone. */
uint32_t copy_crc(uint8_t* dst, const uint8_t* src, size_t len);

/** The payload length chunk `index` must have in a blob of `size` bytes cut in `chunk_size` chunks. */
inline uint64_t expected_chunk_len(uint64_t size, uint32_t chunk_size, uint32_t index) {
  uint64_t start = uint64_t(index) * chunk_size;
  return size - start < chunk_size ? size - start : chunk_size;
}

/** MC_ERR_CHECKSUM for chunk `index` (starting at file offset index * chunk_size) of `what`
 *  ("repo/path"), whose payload hashed to `got` instead of `want`. */
Error checksum_error(const std::string& what, uint32_t index, uint32_t chunk_size, uint32_t want, uint32_t got);

}  // namespace detail
}  // namespace mc
