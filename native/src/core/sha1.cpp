// SHA-1 block functions (portable and Intel SHA extensions) and the streaming wrapper.
#include "sha1.hpp"

#include <cstring>
#include <type_traits>
#include <utility>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define MC_SHA1_X86 1
#include <immintrin.h>
#else
#define MC_SHA1_X86 0
#endif

namespace mc {
namespace {

// FIPS 180-4 section 5.3.1.
constexpr uint32_t kInitialState[5] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0};

using md::load_be32;
using md::store_be32;
inline uint32_t rotl(uint32_t x, int n) noexcept { return (x << n) | (x >> (32 - n)); }

// FIPS 180-4 section 6.1.2, with the message schedule kept as a 16-word ring. Full unrolling resolves
// each round's function and constant at compile time: 0.41 -> 0.81 GB/s on Zen 5 (g++ 12).
void blocks_portable(uint32_t* state, const uint8_t* p, size_t count) noexcept {
  for (; count != 0; --count, p += 64) {
    uint32_t w[16];
    for (int i = 0; i < 16; ++i) w[i] = load_be32(p + 4 * i);
    uint32_t a = state[0], b = state[1], c = state[2], d = state[3], e = state[4];
#pragma GCC unroll 80
    for (int t = 0; t < 80; ++t) {
      if (t >= 16) w[t & 15] = rotl(w[(t - 3) & 15] ^ w[(t - 8) & 15] ^ w[(t - 14) & 15] ^ w[t & 15], 1);
      uint32_t f, k;
      if (t < 20) {
        f = (b & c) | (~b & d);  // Ch
        k = 0x5a827999;
      } else if (t < 40) {
        f = b ^ c ^ d;  // Parity
        k = 0x6ed9eba1;
      } else if (t < 60) {
        f = (b & c) | (b & d) | (c & d);  // Maj
        k = 0x8f1bbcdc;
      } else {
        f = b ^ c ^ d;
        k = 0xca62c1d6;
      }
      const uint32_t next = rotl(a, 5) + f + e + k + w[t & 15];
      e = d;
      d = c;
      c = rotl(b, 30);
      b = a;
      a = next;
    }
    state[0] += a;
    state[1] += b;
    state[2] += c;
    state[3] += d;
    state[4] += e;
  }
}

#if MC_SHA1_X86

#define MC_TARGET_SHANI __attribute__((target("sha,sse4.1,ssse3")))

// Four rounds (Intel SHA extensions; Intel white paper "New Instructions Supporting the Secure Hash
// Algorithm on Intel Architecture Processors", 2013). sha1rnds4 keeps A..D in one register (A in the top
// dword) and takes E, already added to the schedule words, in the top dword of its second operand. E of
// the next four rounds is rol30(A) of the state before these four, which sha1nexte derives from `e_src`,
// the state saved before the previous sha1rnds4 (for the first quad, the input E itself).
// m[] is a ring of the last 16 schedule words; words 16..79 come from sha1msg1/msg2:
// W[t] = rol1(W[t-3] ^ W[t-8] ^ W[t-14] ^ W[t-16]), four at a time.
template <size_t I>
MC_TARGET_SHANI __attribute__((always_inline)) inline void sha1_quad(__m128i& abcd, __m128i& e_src,
                                                                      __m128i m[4]) noexcept {
  if constexpr (I >= 4) {
    m[I % 4] = _mm_sha1msg2_epu32(
        _mm_xor_si128(_mm_sha1msg1_epu32(m[I % 4], m[(I + 1) % 4]), m[(I + 2) % 4]), m[(I + 3) % 4]);
  }
  __m128i e_plus_w;
  if constexpr (I == 0)
    e_plus_w = _mm_add_epi32(e_src, m[0]);
  else
    e_plus_w = _mm_sha1nexte_epu32(e_src, m[I % 4]);
  e_src = abcd;
  abcd = _mm_sha1rnds4_epu32(abcd, e_plus_w, I / 5);  // round function and constant of rounds 20 * (I / 5)..
}

template <size_t... I>
MC_TARGET_SHANI __attribute__((always_inline)) inline void sha1_rounds(__m128i& abcd, __m128i& e_src,
                                                                        __m128i m[4],
                                                                        std::index_sequence<I...>) noexcept {
  (sha1_quad<I>(abcd, e_src, m), ...);
}

MC_TARGET_SHANI void blocks_shani(uint32_t* state, const uint8_t* p, size_t count) noexcept {
  // Reverses all 16 bytes: big-endian message words, with W[0] in the top dword.
  const __m128i bswap128 = _mm_set_epi64x(0x0001020304050607LL, 0x08090a0b0c0d0e0fLL);
  __m128i abcd = _mm_shuffle_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(state)), 0x1B);
  __m128i e = _mm_set_epi32(static_cast<int>(state[4]), 0, 0, 0);
  for (; count != 0; --count, p += 64) {
    const __m128i abcd_in = abcd, e_in = e;
    __m128i m[4];
    for (int i = 0; i < 4; ++i)
      m[i] = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * i)), bswap128);
    sha1_rounds(abcd, e, m, std::make_index_sequence<20>{});
    e = _mm_sha1nexte_epu32(e, e_in);  // rol30(A before the last four rounds) + E of the input
    abcd = _mm_add_epi32(abcd, abcd_in);
  }
  _mm_storeu_si128(reinterpret_cast<__m128i*>(state), _mm_shuffle_epi32(abcd, 0x1B));
  state[4] = static_cast<uint32_t>(_mm_extract_epi32(e, 3));
}

#endif  // MC_SHA1_X86

md::Dispatch select_blocks() noexcept {
#if MC_SHA1_X86
  if (md::cpu_has_sha_ni()) return {blocks_shani, "sha-ni"};
#endif
  return {blocks_portable, "portable"};
}

// Chosen once, on first use; C++11 guarantees thread-safe initialization of the local static.
const md::Dispatch& dispatch() noexcept {
  static const md::Dispatch d = select_blocks();
  return d;
}

}  // namespace

// Callers snapshot a running hash by copying the object (see the header).
static_assert(std::is_trivially_copyable<Sha1>::value, "Sha1 must stay plain state");

Sha1::Sha1(bool portable) noexcept : state_(kInitialState), portable_(portable) {}
Sha1::Sha1() noexcept : Sha1(false) {}
Sha1 Sha1::portable() noexcept { return Sha1(true); }

const char* Sha1::impl() noexcept { return dispatch().name; }

md::BlockFn Sha1::blocks() const noexcept { return portable_ ? blocks_portable : dispatch().blocks; }

void Sha1::update(const void* data, size_t len) noexcept { state_.update(blocks(), data, len); }

void Sha1::final(uint8_t out[kDigestSize]) noexcept { state_.finish(blocks(), out); }

}  // namespace mc
