// What SHA-1 and SHA-256 share (FIPS 180-4): 64-byte blocks, the Merkle-Damgard padding of section 5.1.1
// (0x80, zeros up to 56 mod 64, the message length in bits, big-endian), a state of 32-bit words written out
// big-endian, and the choice between a portable block function and one using the CPU's SHA extensions.
// Each algorithm supplies only its block functions (sha1.cpp, sha256.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace mc {
namespace md {

/** Compresses `count` consecutive 64-byte blocks into `state`. */
using BlockFn = void (*)(uint32_t* state, const uint8_t* blocks, size_t count) noexcept;

inline uint32_t load_be32(const uint8_t* p) noexcept {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}
inline void store_be32(uint8_t* p, uint32_t v) noexcept {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}

/** True when the CPU runs the SHA extensions (and the SSSE3 / SSE4.1 shuffles the kernels use with them). */
inline bool cpu_has_sha_ni() noexcept {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  // Idempotent; needed when the first hash runs from another translation unit's static initializer.
  __builtin_cpu_init();
  return __builtin_cpu_supports("sha") && __builtin_cpu_supports("sse4.1") && __builtin_cpu_supports("ssse3");
#else
  return false;
#endif
}

/** A block function chosen once for this CPU, and its name ("sha-ni" or "portable"). */
struct Dispatch {
  BlockFn blocks;
  const char* name;
};

/** The running state of a hash of `Words` 32-bit words: plain, trivially copyable data without pointers,
 *  so a copy is a snapshot that continues independently. */
template <size_t Words>
struct State {
  uint32_t words[Words];
  uint64_t length;  // bytes passed to update(); the first length % 64 bytes of buffer are pending
  uint8_t buffer[64];

  explicit State(const uint32_t (&initial)[Words]) noexcept : words{}, length(0), buffer{} {
    std::memcpy(words, initial, sizeof words);
  }

  void update(BlockFn compress, const void* data, size_t len) noexcept {
    if (len == 0) return;
    auto p = static_cast<const uint8_t*>(data);
    const size_t pending = length % 64;
    length += len;
    if (pending != 0) {
      const size_t take = len < 64 - pending ? len : 64 - pending;
      std::memcpy(buffer + pending, p, take);
      if (pending + take < 64) return;
      compress(words, buffer, 1);
      p += take;
      len -= take;
    }
    // Whole blocks straight from the caller's memory, in one call so the state stays in registers.
    compress(words, p, len / 64);
    p += len / 64 * 64;
    len %= 64;
    std::memcpy(buffer, p, len);
  }

  /** Pads, compresses the last block(s) and writes the digest (Words * 4 bytes). The state is spent. */
  void finish(BlockFn compress, uint8_t* out) noexcept {
    const uint64_t bits = length * 8;
    size_t used = length % 64;
    buffer[used++] = 0x80;
    if (used > 56) {
      std::memset(buffer + used, 0, 64 - used);
      compress(words, buffer, 1);
      used = 0;
    }
    std::memset(buffer + used, 0, 56 - used);
    store_be32(buffer + 56, static_cast<uint32_t>(bits >> 32));
    store_be32(buffer + 60, static_cast<uint32_t>(bits));
    compress(words, buffer, 1);
    for (size_t i = 0; i < Words; ++i) store_be32(out + 4 * i, words[i]);
  }
};

}  // namespace md
}  // namespace mc
