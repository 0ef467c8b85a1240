// SHA-1 (FIPS 180-4): checks files against git blob ids, sha1("blob <size>\0" || content), which the
// Hugging Face Hub reports for files stored without LFS.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/md_hash.hpp"

namespace mc {

// Streaming SHA-1, with the same contract as Sha256: any number of update() calls, then one final();
// trivially copyable, pointer-free state (a copy is a snapshot); one object per thread at a time.
class Sha1 {
 public:
  static constexpr size_t kDigestSize = 20;

  // Uses the fastest block function this CPU supports (see impl()).
  Sha1() noexcept;
  // Always uses the portable block function; for tests and benchmarks of the fallback.
  static Sha1 portable() noexcept;

  // `data` may be null when `len` is 0.
  void update(const void* data, size_t len) noexcept;
  void final(uint8_t out[kDigestSize]) noexcept;

  // Name of the block function Sha1() uses: "sha-ni" or "portable". A static string.
  static const char* impl() noexcept;

 private:
  explicit Sha1(bool portable) noexcept;
  md::BlockFn blocks() const noexcept;

  md::State<5> state_;
  bool portable_;
};

}  // namespace mc
