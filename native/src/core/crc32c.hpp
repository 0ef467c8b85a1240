// CRC32C (Castagnoli): the chunk checksum of the store.
//
// All functions take and return the finished CRC value (pre- and post-inversion are applied inside), so
// a running CRC is continued by passing the previous result back in:
//   crc32c(crc32c(0, a, na), b, nb) == crc32c(0, a||b, na + nb), and crc32c(0, "123456789", 9) == 0xE3069283.
// Every function is thread-safe and accepts any pointer alignment and any length, including 0 (which
// returns `crc` unchanged; `data` may then be null).
#pragma once

#include <cstddef>
#include <cstdint>

namespace mc {

// The fastest implementation this CPU supports, chosen once per process (see crc32c_impl()).
uint32_t crc32c(uint32_t crc, const void* data, size_t len) noexcept;

// Table-driven (slice-by-16) implementation that runs on any CPU; crc32c() falls back to it and the
// self-test compares the two.
uint32_t crc32c_portable(uint32_t crc, const void* data, size_t len) noexcept;

// Name of the implementation crc32c() dispatches to: "avx512-vpclmul" (inputs under 256 bytes take the
// sse4.2 path inside it), "sse4.2-3way-pclmul" or "portable". A static string.
const char* crc32c_impl() noexcept;

// One implementation, with the same contract as crc32c().
struct Crc32cImpl {
  const char* name;
  uint32_t (*fn)(uint32_t crc, const void* data, size_t len) noexcept;
};

// The implementations this CPU can run, fastest first; crc32c() uses the first, and the last is always
// crc32c_portable. Sets *count and returns a static array. For tests and benchmarks: on a CPU with
// AVX-512, crc32c() never reaches the sse4.2 kernel for inputs of 256 bytes and more.
const Crc32cImpl* crc32c_impls(size_t* count) noexcept;

// crc32c(0, A||B) from crc1 = crc32c(0, A), crc2 = crc32c(0, B) and len2 = |B| in bytes, without the
// data. Costs O(log len2); portable.
uint32_t crc32c_combine(uint32_t crc1, uint32_t crc2, uint64_t len2) noexcept;

}  // namespace mc
