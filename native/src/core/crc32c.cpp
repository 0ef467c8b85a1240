// CRC32C kernels and their run-time dispatch.
//
// Conventions used throughout (the "reflected" bit order of CRC32C, where the first bit of the message is
// the highest power of x):
//   - A 32-bit value r represents the polynomial sum(bit i of r * x^(31-i)); 0x80000000 is 1, kPoly is P
//     without its x^32 term. Likewise a little-endian 64-bit word w stands for sum(bit i * x^(63-i)).
//   - The kernels work on the raw CRC state s = M(x) * x^32 mod P, i.e. the finished value with the pre-
//     and post-inversion undone; the public functions do the inversions.
//   - crc32 instruction: crc32_u64(s, w) = (s * x^64 + w * x^32) mod P.
//   - Multiplication constants are residues x^e mod P stored like a state. A pclmulqdq product by one,
//     read where crc32 or a fold consumes it, carries an extra x^33: x^32 from the state convention and x
//     because the carry-less product of two reflected values is one bit short. Hence the -33 in the
//     exponents below.
#include "crc32c.hpp"

#include <cstring>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define MC_CRC32C_X86 1
#include <immintrin.h>
#else
#define MC_CRC32C_X86 0
#endif

namespace mc {
namespace {

constexpr uint32_t kPoly = 0x82F63B78;  // Castagnoli 0x1EDC6F41, bit-reflected

// a(x) * b(x) mod P in the reflected representation: b is multiplied by x once per bit of a, from the x^0
// coefficient (bit 31) upwards.
constexpr uint32_t mul_mod(uint32_t a, uint32_t b) noexcept {
  uint32_t product = 0;
  for (int i = 0; i < 32; ++i) {
    if (a & (0x80000000u >> i)) product ^= b;
    b = (b >> 1) ^ ((b & 1) ? kPoly : 0);
  }
  return product;
}

// x^n mod P by square-and-multiply; used for the compile-time constants.
constexpr uint32_t x_pow(uint64_t n) noexcept {
  uint32_t result = 0x80000000u;  // 1
  uint32_t square = 0x40000000u;  // x
  for (; n != 0; n >>= 1) {
    if (n & 1) result = mul_mod(result, square);
    square = mul_mod(square, square);
  }
  return result;
}

// kShiftBytes[j] = x^(8 * 2^j) mod P: the factor that appends 2^j zero bytes. With it crc32c_combine needs
// one mul_mod per set bit of len2 and never overflows 8 * len2.
struct ShiftTable {
  uint32_t x8pow2[64];
};
constexpr ShiftTable make_shift_table() noexcept {
  ShiftTable t{};
  t.x8pow2[0] = x_pow(8);
  for (int j = 1; j < 64; ++j) t.x8pow2[j] = mul_mod(t.x8pow2[j - 1], t.x8pow2[j - 1]);
  return t;
}
constexpr ShiftTable kShiftBytes = make_shift_table();

// ---- portable: slice-by-16 (Intel's slicing-by-8 technique widened to 16 bytes per step) -------------
// t[k][b] is the raw CRC of byte b followed by k zero bytes, so 16 input bytes are folded with 16
// independent table lookups instead of a 16-step dependency chain.
struct SliceTables {
  uint32_t t[16][256];
};
constexpr SliceTables make_slice_tables() noexcept {
  SliceTables s{};
  for (uint32_t b = 0; b < 256; ++b) {
    uint32_t c = b;
    for (int bit = 0; bit < 8; ++bit) c = (c >> 1) ^ ((c & 1) ? kPoly : 0);
    s.t[0][b] = c;
  }
  for (int k = 1; k < 16; ++k)
    for (int b = 0; b < 256; ++b) s.t[k][b] = (s.t[k - 1][b] >> 8) ^ s.t[0][s.t[k - 1][b] & 0xFF];
  return s;
}
constexpr SliceTables kSlice = make_slice_tables();

// Little-endian load from any alignment; memcpy compiles to one mov on x86 and arm64.
inline uint64_t load_le64(const uint8_t* p) noexcept {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
#else
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
#endif
}

uint32_t portable_raw(uint32_t s, const uint8_t* p, size_t n) noexcept {
  const auto& t = kSlice.t;
  for (; n >= 16; n -= 16, p += 16) {
    const uint64_t a = load_le64(p) ^ s;
    const uint64_t b = load_le64(p + 8);
    s = t[15][a & 0xFF] ^ t[14][(a >> 8) & 0xFF] ^ t[13][(a >> 16) & 0xFF] ^ t[12][(a >> 24) & 0xFF] ^
        t[11][(a >> 32) & 0xFF] ^ t[10][(a >> 40) & 0xFF] ^ t[9][(a >> 48) & 0xFF] ^ t[8][a >> 56] ^
        t[7][b & 0xFF] ^ t[6][(b >> 8) & 0xFF] ^ t[5][(b >> 16) & 0xFF] ^ t[4][(b >> 24) & 0xFF] ^
        t[3][(b >> 32) & 0xFF] ^ t[2][(b >> 40) & 0xFF] ^ t[1][(b >> 48) & 0xFF] ^ t[0][b >> 56];
  }
  if (n >= 8) {
    const uint64_t a = load_le64(p) ^ s;
    s = t[7][a & 0xFF] ^ t[6][(a >> 8) & 0xFF] ^ t[5][(a >> 16) & 0xFF] ^ t[4][(a >> 24) & 0xFF] ^
        t[3][(a >> 32) & 0xFF] ^ t[2][(a >> 40) & 0xFF] ^ t[1][(a >> 48) & 0xFF] ^ t[0][a >> 56];
    n -= 8;
    p += 8;
  }
  for (; n != 0; --n, ++p) s = (s >> 8) ^ t[0][(s ^ *p) & 0xFF];
  return s;
}

#if MC_CRC32C_X86

inline uint32_t load32(const uint8_t* p) noexcept {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
inline uint16_t load16(const uint8_t* p) noexcept {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}

// One crc32 instruction chain: the small-input path and the tail of the wide kernels.
__attribute__((target("sse4.2"))) inline uint32_t serial_sse42(uint32_t s, const uint8_t* p,
                                                                size_t n) noexcept {
  uint64_t c = s;
  for (; n >= 8; n -= 8, p += 8) c = _mm_crc32_u64(c, load_le64(p));
  uint32_t c32 = static_cast<uint32_t>(c);
  if (n & 4) c32 = _mm_crc32_u32(c32, load32(p)), p += 4;
  if (n & 2) c32 = _mm_crc32_u16(c32, load16(p)), p += 2;
  if (n & 1) c32 = _mm_crc32_u8(c32, *p);
  return c32;
}

// ---- sse4.2 + pclmul: 3 interleaved crc32 streams (Intel white paper "Fast CRC Computation for iSCSI
// Polynomial Using CRC32 Instruction", 2011; Mark Adler's crc32c.c) ------------------------------------
// crc32 has a latency of 3 cycles and a throughput of 1 per cycle on Intel since Nehalem, so three
// independent streams over adjacent blocks keep the unit busy. The streams are joined by multiplying the
// earlier states by x^(8 * distance) with one pclmulqdq each and feeding the products into the last crc32
// of the last stream: an operand s multiplied by K = x^(8d - 33) and passed through crc32 becomes
// s * x^(8d) (the -33 undoes the x^32 of crc32 and the extra x of pclmulqdq).
struct StreamShift {
  uint64_t one, two;  // shift by one and by two stream lengths
};
constexpr StreamShift stream_shift(size_t stream) noexcept {
  return {x_pow(8 * stream - 33), x_pow(16 * stream - 33)};
}

// Large inputs use long streams: each stream jump lands on a new page, where the hardware prefetchers
// (which stop at 4 KiB page boundaries) start cold. Measured on Zen 5 with 64 MiB from DRAM: 4 KiB
// streams 15 GB/s, 64 KiB streams 25 GB/s.
constexpr size_t kLongStream = 64 * 1024;
constexpr StreamShift kLongShift = stream_shift(kLongStream);

// Shorter inputs are split into three equal streams, a multiple of kStreamGranule bytes long, with the
// constants from this table; the remainder (< 3 * kStreamGranule bytes) goes through one crc32 chain.
constexpr size_t kStreamGranule = 32;
constexpr size_t kMaxShortStream = 4096;  // the per-round join (~10 cycles) stays under 1% of a round
struct ShortShifts {
  StreamShift by_granules[kMaxShortStream / kStreamGranule];  // [i]: streams of (i + 1) granules
};
constexpr ShortShifts make_short_shifts() noexcept {
  ShortShifts t{};
  for (size_t i = 0; i < kMaxShortStream / kStreamGranule; ++i)
    t.by_granules[i] = stream_shift((i + 1) * kStreamGranule);
  return t;
}
constexpr ShortShifts kShortShifts = make_short_shifts();

// CRCs 3 * stream bytes at p onto state s. Precondition: stream is a nonzero multiple of 8 and `shift`
// belongs to it.
__attribute__((target("sse4.2,pclmul"))) inline uint32_t round_3way(uint32_t s, const uint8_t* p,
                                                                     size_t stream, StreamShift shift) noexcept {
  uint64_t a = s, b = 0, c = 0;
  for (const uint8_t* last = p + stream - 8; p < last; p += 8) {
    a = _mm_crc32_u64(a, load_le64(p));
    b = _mm_crc32_u64(b, load_le64(p + stream));
    c = _mm_crc32_u64(c, load_le64(p + 2 * stream));
  }
  a = _mm_crc32_u64(a, load_le64(p));
  b = _mm_crc32_u64(b, load_le64(p + stream));
  const __m128i shifted =
      _mm_xor_si128(_mm_clmulepi64_si128(_mm_cvtsi64_si128(static_cast<long long>(a)),
                                         _mm_cvtsi64_si128(static_cast<long long>(shift.two)), 0x00),
                    _mm_clmulepi64_si128(_mm_cvtsi64_si128(static_cast<long long>(b)),
                                         _mm_cvtsi64_si128(static_cast<long long>(shift.one)), 0x00));
  const uint64_t joined = load_le64(p + 2 * stream) ^ static_cast<uint64_t>(_mm_cvtsi128_si64(shifted));
  return static_cast<uint32_t>(_mm_crc32_u64(c, joined));
}

__attribute__((target("sse4.2,pclmul"))) uint32_t sse42_3way_raw(uint32_t s, const uint8_t* p,
                                                                   size_t n) noexcept {
  for (; n >= 3 * kLongStream; n -= 3 * kLongStream, p += 3 * kLongStream)
    s = round_3way(s, p, kLongStream, kLongShift);
  while (n >= 3 * kStreamGranule) {
    size_t stream = n / 3 / kStreamGranule * kStreamGranule;
    if (stream > kMaxShortStream) stream = kMaxShortStream;
    s = round_3way(s, p, stream, kShortShifts.by_granules[stream / kStreamGranule - 1]);
    p += 3 * stream;
    n -= 3 * stream;
  }
  return serial_sse42(s, p, n);
}

// ---- avx512 + vpclmulqdq: carry-less folding (Intel white paper "Fast CRC Computation for Generic
// Polynomials Using PCLMULQDQ Instruction", 2009, widened to 512-bit registers) ------------------------
// A 128-bit lane holding 16 message bytes stands for L * x^64 + H (L, H its low and high qwords). Moving
// it d bytes further into the message multiplies it by x^(8d) mod P, which two pclmulqdq compute as
// L * x^(8d + 31) + H * x^(8d - 33) (the -33 of every product, plus 64 for L's position); the
// product stays below 96 bits, so it is xored onto the lane d bytes later without reduction. One reduction
// happens at the end: the 128-bit remainder R gives s = R * x^32 mod P = crc32_u64(crc32_u64(0, L), H).
struct Fold {
  uint64_t lo, hi;
};
constexpr Fold fold_by(size_t bytes) noexcept { return {x_pow(8 * bytes + 31), x_pow(8 * bytes - 33)}; }

// Independent 64-byte chains, enough to cover pclmulqdq's latency. Zen 5 retires about one zmm pclmulqdq
// every two cycles, which caps folding at ~16 bytes/cycle: 4 and 8 accumulators both reach 58 GB/s on
// 1 MiB, 2 reach 53 GB/s.
constexpr size_t kFoldAccumulators = 4;
constexpr size_t kFoldBlock = 64 * kFoldAccumulators;

// Folding constants, all evaluated at compile time.
struct FoldConstants {
  Fold by_block;                      // one accumulator over kFoldBlock bytes
  Fold by64;                          // one zmm over the next 64 bytes
  Fold merge[kFoldAccumulators - 1];  // accumulator i onto the last one: kFoldBlock - 64 * (i + 1) bytes
  Fold to_last_lane[3];               // lane i onto lane 3: 48 - 16 * i bytes
};
constexpr FoldConstants make_fold_constants() noexcept {
  FoldConstants c{};
  c.by_block = fold_by(kFoldBlock);
  c.by64 = fold_by(64);
  for (size_t i = 0; i + 1 < kFoldAccumulators; ++i) c.merge[i] = fold_by(kFoldBlock - 64 * (i + 1));
  for (size_t i = 0; i < 3; ++i) c.to_last_lane[i] = fold_by(48 - 16 * i);
  return c;
}
constexpr FoldConstants kFold = make_fold_constants();

#define MC_TARGET_AVX512 __attribute__((target("avx512f,vpclmulqdq,pclmul,sse4.2")))

MC_TARGET_AVX512 inline __m512i fold_constant(Fold f) noexcept {
  const auto lo = static_cast<long long>(f.lo), hi = static_cast<long long>(f.hi);
  return _mm512_set_epi64(hi, lo, hi, lo, hi, lo, hi, lo);
}

// Each lane of x moved forward by the distance encoded in k (x * x^(8d)), xored onto data.
MC_TARGET_AVX512 inline __m512i fold(__m512i x, __m512i k, __m512i data) noexcept {
  return _mm512_ternarylogic_epi64(_mm512_clmulepi64_epi128(x, k, 0x00), _mm512_clmulepi64_epi128(x, k, 0x11),
                                   data, 0x96);
}

// Below kFoldBlock bytes the 3-way kernel is faster: one zmm plus the lane reduction costs ~30 cycles of
// latency, as much as 64 bytes of crc32 (measured on Zen 5: 192 bytes 10.9 ns 3-way vs 12.4 ns folded).
MC_TARGET_AVX512 uint32_t avx512_raw(uint32_t s, const uint8_t* p, size_t n) noexcept {
  if (n < kFoldBlock) return sse42_3way_raw(s, p, n);
  __m512i acc[kFoldAccumulators];
#pragma GCC unroll 16
  for (size_t i = 0; i < kFoldAccumulators; ++i) acc[i] = _mm512_loadu_si512(p + 64 * i);
  // The initial state joins the first four message bytes: crc(s, M) = crc(0, M ^ s), for |M| >= 4.
  acc[0] = _mm512_xor_si512(acc[0], _mm512_zextsi128_si512(_mm_cvtsi32_si128(static_cast<int>(s))));
  p += kFoldBlock;
  n -= kFoldBlock;
  const __m512i by_block = fold_constant(kFold.by_block);
  for (; n >= kFoldBlock; n -= kFoldBlock, p += kFoldBlock) {
#pragma GCC unroll 16
    for (size_t i = 0; i < kFoldAccumulators; ++i)
      acc[i] = fold(acc[i], by_block, _mm512_loadu_si512(p + 64 * i));
  }
  __m512i x = acc[kFoldAccumulators - 1];
#pragma GCC unroll 16
  for (size_t i = 0; i + 1 < kFoldAccumulators; ++i) x = fold(acc[i], fold_constant(kFold.merge[i]), x);
  const __m512i by64 = fold_constant(kFold.by64);
  for (; n >= 64; n -= 64, p += 64) x = fold(x, by64, _mm512_loadu_si512(p));
  // Lanes 0..2 move onto lane 3, which is kept as it is (its constants are zero, the mask keeps it).
  const Fold* t = kFold.to_last_lane;
  const __m512i to_last_lane = _mm512_set_epi64(0, 0, t[2].hi, t[2].lo, t[1].hi, t[1].lo, t[0].hi, t[0].lo);
  const __m512i lanes = fold(x, to_last_lane, _mm512_maskz_mov_epi64(0xC0, x));
  // XOR the four lanes together. The maskz_ shuffle and the vector subscripts avoid GCC 12's extract and
  // cast intrinsics, whose _mm*_undefined_* placeholders raise false -Wuninitialized warnings (fixed in 13).
  const __m512i pairs = _mm512_xor_si512(lanes, _mm512_maskz_shuffle_i64x2(0xFF, lanes, lanes, 0x4E));
  const __m512i r = _mm512_xor_si512(pairs, _mm512_maskz_shuffle_i64x2(0xFF, pairs, pairs, 0xB1));
  const uint64_t lo = static_cast<uint64_t>(r[0]);
  const uint64_t hi = static_cast<uint64_t>(r[1]);
  return serial_sse42(static_cast<uint32_t>(_mm_crc32_u64(_mm_crc32_u64(0, lo), hi)), p, n);
}

#endif  // MC_CRC32C_X86

using Kernel = uint32_t (*)(uint32_t raw_state, const uint8_t* data, size_t len) noexcept;

// Adapts a kernel on raw states to the public contract (finished values, void data).
template <Kernel kernel>
uint32_t finished(uint32_t crc, const void* data, size_t len) noexcept {
  return ~kernel(~crc, static_cast<const uint8_t*>(data), len);
}

struct Available {
  Crc32cImpl impls[3];
  size_t count;
  Kernel best;  // the raw kernel behind impls[0], so crc32c() makes one indirect call
};

Available detect() noexcept {
  Available a{};
#if MC_CRC32C_X86
  // Idempotent; needed when the first CRC runs from another translation unit's static initializer,
  // before libgcc's own constructor has filled in the CPU model.
  __builtin_cpu_init();
  const bool sse42_pclmul = __builtin_cpu_supports("sse4.2") && __builtin_cpu_supports("pclmul");
  // avx512f also reports whether the OS saves the zmm state (XCR0), not just the CPUID bit.
  if (sse42_pclmul && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("vpclmulqdq")) {
    if (a.count == 0) a.best = avx512_raw;
    a.impls[a.count++] = {"avx512-vpclmul", finished<avx512_raw>};
  }
  if (sse42_pclmul) {
    if (a.count == 0) a.best = sse42_3way_raw;
    a.impls[a.count++] = {"sse4.2-3way-pclmul", finished<sse42_3way_raw>};
  }
#endif
  if (a.count == 0) a.best = portable_raw;
  a.impls[a.count++] = {"portable", finished<portable_raw>};
  return a;
}

// Detected once, on first use; C++11 guarantees thread-safe initialization of the local static.
const Available& available() noexcept {
  static const Available a = detect();
  return a;
}

}  // namespace

uint32_t crc32c(uint32_t crc, const void* data, size_t len) noexcept {
  return ~available().best(~crc, static_cast<const uint8_t*>(data), len);
}

uint32_t crc32c_portable(uint32_t crc, const void* data, size_t len) noexcept {
  return finished<portable_raw>(crc, data, len);
}

const char* crc32c_impl() noexcept { return available().impls[0].name; }

const Crc32cImpl* crc32c_impls(size_t* count) noexcept {
  *count = available().count;
  return available().impls;
}

// With finished (inverted) values the inversions cancel: crc(A||B) = crc(A) * x^(8|B|) + crc(B) mod P
// (zlib's crc32_combine identity).
uint32_t crc32c_combine(uint32_t crc1, uint32_t crc2, uint64_t len2) noexcept {
  for (int j = 0; len2 != 0; ++j, len2 >>= 1)
    if (len2 & 1) crc1 = mul_mod(crc1, kShiftBytes.x8pow2[j]);
  return crc1 ^ crc2;
}

}  // namespace mc
