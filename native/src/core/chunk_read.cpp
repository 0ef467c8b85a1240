#include "core/chunk_read.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "core/crc32c.hpp"

namespace mc::detail {

Error read_chunk(MDBX_txn* txn, const Tables& t, uint64_t seq, uint32_t index, format::ChunkHeader* h,
                 const uint8_t** payload) {
  format::ChunkKey key(seq, index);
  MDBX_val k{key.bytes, sizeof key.bytes}, d;
  int rc = mdbx_get(txn, t.chunks, &k, &d);
  std::string where = "chunk " + std::to_string(index) + " of blob " + std::to_string(seq);
  if (rc == MDBX_NOTFOUND) return Error{MC_ERR_CORRUPT, where + " is missing"};
  if (rc != MDBX_SUCCESS) return Error{rc, "read " + where};
  if (!h->decode(d.iov_base, d.iov_len, crc32c) || h->seq != seq || h->index != index ||
      d.iov_len < format::kPayloadOffset + uint64_t(h->payload_len))
    return Error{MC_ERR_CORRUPT, where + " has a damaged header"};
  *payload = static_cast<const uint8_t*>(d.iov_base) + format::kPayloadOffset;
  return {};
}

uint32_t copy_crc(uint8_t* dst, const uint8_t* src, size_t len) {
  constexpr size_t kBlock = 256 << 10;
  uint32_t crc = 0;
  for (size_t off = 0; off < len; off += kBlock) {
    size_t n = std::min(kBlock, len - off);
    crc = crc32c(crc, src + off, n);
    std::memcpy(dst + off, src + off, n);
  }
  return crc;
}

Error checksum_error(const std::string& what, uint32_t index, uint32_t chunk_size, uint32_t want, uint32_t got) {
  char crcs[64];
  std::snprintf(crcs, sizeof crcs, "CRC32C %08x, stored %08x", got, want);
  return Error{MC_ERR_CHECKSUM, "chunk " + std::to_string(index) + " (bytes from " +
                                    std::to_string(uint64_t(index) * chunk_size) + ") of " + what + ": " + crcs};
}

}  // namespace mc::detail
