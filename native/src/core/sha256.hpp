// SHA-256 (FIPS 180-4): checks downloaded model files against the Hugging Face LFS oid, which is the
// SHA-256 of the whole file.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/md_hash.hpp"

namespace mc {

// Streaming SHA-256. Any number of update() calls of any size, then one final(); after final() the object
// is spent, assign a fresh Sha256 to start over.
//
// The object is plain, trivially copyable state without pointers: copying it snapshots the hash so far
// (e.g. at a chunk boundary), and the copy continues independently. Distinct objects may be used from
// different threads at the same time; one object is not thread-safe.
class Sha256 {
 public:
  static constexpr size_t kDigestSize = 32;

  // Uses the fastest block function this CPU supports (see impl()).
  Sha256() noexcept;
  // Always uses the portable block function; for tests and benchmarks of the fallback.
  static Sha256 portable() noexcept;

  // `data` may be null when `len` is 0.
  void update(const void* data, size_t len) noexcept;
  void final(uint8_t out[kDigestSize]) noexcept;

  // Name of the block function Sha256() uses: "sha-ni" or "portable". A static string.
  static const char* impl() noexcept;

 private:
  explicit Sha256(bool portable) noexcept;
  md::BlockFn blocks() const noexcept;

  md::State<8> state_;
  bool portable_;
};

}  // namespace mc
