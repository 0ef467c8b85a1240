// Self-test and benchmark of the native hash kernels (CRC32C, SHA-256, SHA-1), independent of Node.
//
// Build and run from the repository root:
//   g++ -O2 -std=c++17 -o hash_selftest native/test/hash_selftest.cpp
//       native/src/core/crc32c.cpp native/src/core/sha256.cpp native/src/core/sha1.cpp   (one line)
//   ./hash_selftest            # all checks, then throughput
//   ./hash_selftest --no-bench # checks only (a few seconds)
// Exits 1 when any check fails. The SHA cross-checks pipe data through sha256sum/sha1sum (or shasum) and
// are reported as skipped where neither tool exists. POSIX only (popen, mkstemp).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include <unistd.h>  // close

#include "../src/core/crc32c.hpp"
#include "../src/core/sha1.hpp"
#include "../src/core/sha256.hpp"

namespace {

int g_failures = 0;

void check(bool ok, const char* what, const std::string& detail = "") {
  if (ok) return;
  ++g_failures;
  if (g_failures <= 20) std::printf("FAIL %s %s\n", what, detail.c_str());
}

std::string hex(const uint8_t* d, size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) s += digits[d[i] >> 4], s += digits[d[i] & 15];
  return s;
}

std::string context(size_t len, size_t offset) {
  return "len=" + std::to_string(len) + " offset=" + std::to_string(offset);
}

// Bit-at-a-time CRC32C straight from the definition: a reference that shares no tables or constants
// with the library.
uint32_t crc32c_bitwise(const uint8_t* p, size_t n) {
  uint32_t c = 0xFFFFFFFF;
  for (size_t i = 0; i < n; ++i) {
    c ^= p[i];
    for (int bit = 0; bit < 8; ++bit) c = (c >> 1) ^ (0x82F63B78 & (0u - (c & 1)));
  }
  return ~c;
}

template <class Hash>
std::string digest(Hash h, const uint8_t* p, size_t n) {
  h.update(p, n);
  uint8_t out[Hash::kDigestSize];
  h.final(out);
  return hex(out, sizeof out);
}

// Feeds `n` bytes in random-sized pieces (including empty ones) to show that streaming equals one-shot.
template <class Hash>
std::string digest_in_pieces(Hash h, const uint8_t* p, size_t n, std::mt19937_64& rng) {
  size_t done = 0;
  while (done < n) {
    const size_t piece = std::min<size_t>(n - done, rng() % 4 == 0 ? 0 : rng() % 200);
    h.update(p + done, piece);
    done += piece;
  }
  uint8_t out[Hash::kDigestSize];
  h.final(out);
  return hex(out, sizeof out);
}

// ---- known-answer tests ------------------------------------------------------------------------------
void test_crc_vectors() {
  uint8_t zeros[32] = {}, ones[32], ascending[32], descending[32];
  for (int i = 0; i < 32; ++i) ones[i] = 0xFF, ascending[i] = static_cast<uint8_t>(i),
                               descending[i] = static_cast<uint8_t>(31 - i);
  struct Vector {
    const char* name;
    const void* data;
    size_t len;
    uint32_t crc;
  };
  // "123456789" is the CRC catalogue check value; the 32-byte ones are RFC 3720 (iSCSI) appendix B.4.
  const Vector vectors[] = {{"123456789", "123456789", 9, 0xE3069283},
                            {"32 x 0x00", zeros, 32, 0x8A9136AA},
                            {"32 x 0xFF", ones, 32, 0x62A8AB43},
                            {"0..31", ascending, 32, 0x46DD794E},
                            {"31..0", descending, 32, 0x113FDB5C},
                            {"empty", "", 0, 0x00000000}};
  for (const Vector& v : vectors) {
    char got[64];
    std::snprintf(got, sizeof got, "dispatched=%08X portable=%08X want=%08X", mc::crc32c(0, v.data, v.len),
                  mc::crc32c_portable(0, v.data, v.len), v.crc);
    check(mc::crc32c(0, v.data, v.len) == v.crc, "crc32c vector", std::string(v.name) + " " + got);
    check(mc::crc32c_portable(0, v.data, v.len) == v.crc, "crc32c_portable vector",
          std::string(v.name) + " " + got);
  }
  check(mc::crc32c(0x12345678, nullptr, 0) == 0x12345678, "crc32c of nothing keeps the seed");
  check(mc::crc32c_portable(0x12345678, nullptr, 0) == 0x12345678,
        "crc32c_portable of nothing keeps the seed");
}

void test_sha_vectors() {
  const std::string million_a(1000000, 'a');
  struct Vector {
    const char* name;
    std::string message;
    const char* sha256;  // null where no published value exists
    const char* sha1;
  };
  // FIPS 180-2 appendix examples and the NIST CAVP "one million a" message.
  const Vector vectors[] = {
      {"empty", "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
      {"abc", "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
       "a9993e364706816aba3e25717850c26c9cd0d89d"},
      {"448 bits", "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
       "84983e441c3bd26ebaae4aa1f95129e5e54670f1"},
      {"896 bits",
       "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrs"
       "mnopqrstnopqrstu",
       "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1",
       "a49b2446a02c645bf419f995b67091253a04a259"},
      {"million a", million_a, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
       "34aa973cd4c4daa4f61eeb2bdbad27316534016f"},
      // git's id of a blob holding "hello world\n" (`echo 'hello world' | git hash-object --stdin`).
      {"git blob", std::string("blob 12\0hello world\n", 20), nullptr,
       "3b18e512dba79e4c8300dd08aeb37f8e728b8dad"},
  };
  for (const Vector& v : vectors) {
    const auto* p = reinterpret_cast<const uint8_t*>(v.message.data());
    const size_t n = v.message.size();
    if (v.sha256) {
      check(digest(mc::Sha256(), p, n) == v.sha256, "sha256 vector", v.name);
      check(digest(mc::Sha256::portable(), p, n) == v.sha256, "sha256 portable vector", v.name);
    }
    check(digest(mc::Sha1(), p, n) == v.sha1, "sha1 vector", v.name);
    check(digest(mc::Sha1::portable(), p, n) == v.sha1, "sha1 portable vector", v.name);
  }
  mc::Sha256 h256;
  h256.update(nullptr, 0);
  uint8_t out256[32];
  h256.final(out256);
  check(hex(out256, 32) == vectors[0].sha256, "sha256 update(nullptr, 0)");
}

// ---- every implementation == portable, streaming == one-shot -------------------------------------------
std::vector<mc::Crc32cImpl> crc_impls() {
  size_t count = 0;
  const mc::Crc32cImpl* impls = mc::crc32c_impls(&count);
  return std::vector<mc::Crc32cImpl>(impls, impls + count);
}

void test_crc_equivalence(const std::vector<uint8_t>& data, std::mt19937_64& rng) {
  const auto impls = crc_impls();
  check(std::strcmp(impls.front().name, mc::crc32c_impl()) == 0, "crc32c_impls()[0] is crc32c_impl()");
  check(std::strcmp(impls.back().name, "portable") == 0, "crc32c_impls() ends with portable");
  for (size_t len = 0; len <= 4200; ++len) {
    const size_t offset = rng() % 64;
    const uint8_t* p = data.data() + offset;
    const uint32_t seed = static_cast<uint32_t>(rng());
    const uint32_t want = mc::crc32c_portable(seed, p, len);
    const size_t split = len == 0 ? 0 : rng() % (len + 1);
    check(mc::crc32c(seed, p, len) == want, "crc32c vs portable", context(len, offset));
    for (const mc::Crc32cImpl& impl : impls) {
      const std::string where = std::string(impl.name) + " " + context(len, offset);
      check(impl.fn(seed, p, len) == want, "crc32c impl vs portable", where);
      // Streaming: split at a random point, continue with the first result as the seed.
      check(impl.fn(impl.fn(seed, p, split), p + split, len - split) == want, "crc32c impl streaming", where);
    }
    if (len <= 300)
      check(mc::crc32c_portable(0, p, len) == crc32c_bitwise(p, len), "crc32c_portable vs bitwise",
            context(len, offset));
    // Combine: crc(A||B) from crc(A), crc(B), |B|.
    const uint32_t head = mc::crc32c(0, p, split), tail = mc::crc32c(0, p + split, len - split);
    check(mc::crc32c_combine(head, tail, len - split) == mc::crc32c(0, p, len), "crc32c_combine",
          context(len, offset));
  }
  // Longer inputs at a coarser step: reaches every stream length (32-byte granules up to 4 KiB, three
  // streams per round) of the sse4.2 kernel and every 64-byte tail of the avx512 one.
  for (size_t len = 4200; len <= 3 * 4096 + 200; len += 1 + rng() % 95) {
    const size_t offset = rng() % 64;
    const uint8_t* p = data.data() + offset;
    const uint32_t want = mc::crc32c_portable(0, p, len);
    for (const mc::Crc32cImpl& impl : impls)
      check(impl.fn(0, p, len) == want, "crc32c impl vs portable",
            std::string(impl.name) + " " + context(len, offset));
  }
}

void test_crc_large(const std::vector<uint8_t>& data, std::mt19937_64& rng) {
  const size_t big = 64u << 20;
  for (size_t offset : {size_t{0}, size_t{1}, size_t{61}}) {
    const uint8_t* p = data.data() + offset;
    const uint32_t want = mc::crc32c_portable(0, p, big);
    for (const mc::Crc32cImpl& impl : crc_impls()) {
      const std::string where = std::string(impl.name) + " " + context(big, offset);
      check(impl.fn(0, p, big) == want, "crc32c 64 MiB vs portable", where);
      // Uneven pieces exercise every kernel path (long streams, short streams, folding, tails) mid-stream.
      uint32_t c = 0;
      size_t done = 0;
      while (done < big) {
        const size_t piece = std::min<size_t>(big - done, rng() % 3 == 0 ? rng() % 300 : rng() % (1u << 20));
        c = impl.fn(c, p + done, piece);
        done += piece;
      }
      check(c == want, "crc32c 64 MiB in pieces", where);
    }
    const size_t split = rng() % big;
    const uint32_t head = mc::crc32c(0, p, split), tail = mc::crc32c(0, p + split, big - split);
    check(mc::crc32c_combine(head, tail, big - split) == want, "crc32c_combine 64 MiB", context(big, offset));
  }
  // Lengths far beyond memory: combine must be associative, since crc(A||B||C) can be joined either way.
  for (int i = 0; i < 100; ++i) {
    const auto a = static_cast<uint32_t>(rng()), b = static_cast<uint32_t>(rng()), c = static_cast<uint32_t>(rng());
    const uint64_t lb = rng() >> (rng() % 64), lc = rng() >> (rng() % 64);
    const uint32_t left = mc::crc32c_combine(mc::crc32c_combine(a, b, lb), c, lc);
    const uint32_t right = mc::crc32c_combine(a, mc::crc32c_combine(b, c, lc), lb + lc);
    check(left == right, "crc32c_combine associativity", "lb=" + std::to_string(lb) + " lc=" + std::to_string(lc));
  }
}

template <class Hash>
void test_sha_equivalence(const char* name, const std::vector<uint8_t>& data, std::mt19937_64& rng) {
  for (size_t len = 0; len <= 4200; ++len) {
    const size_t offset = rng() % 64;
    const uint8_t* p = data.data() + offset;
    const std::string want = digest(Hash::portable(), p, len);
    check(digest(Hash(), p, len) == want, name, "dispatched vs portable " + context(len, offset));
    check(digest_in_pieces(Hash(), p, len, rng) == want, name, "streaming " + context(len, offset));
    // A copy taken mid-stream continues independently of the original.
    Hash original;
    const size_t split = len == 0 ? 0 : rng() % (len + 1);
    original.update(p, split);
    Hash snapshot = original;
    original.update(data.data(), 100);  // diverge the original
    check(digest_in_pieces(snapshot, p + split, len - split, rng) == want, name,
          "snapshot " + context(len, offset));
  }
}

template <class Hash>
void test_sha_large(const char* name, const std::vector<uint8_t>& data, std::mt19937_64& rng) {
  const size_t big = 64u << 20;
  const uint8_t* p = data.data() + 3;
  const std::string want = digest(Hash::portable(), p, big);
  check(digest(Hash(), p, big) == want, name, "64 MiB dispatched vs portable");
  Hash h;
  size_t done = 0;
  while (done < big) {
    const size_t piece = std::min<size_t>(big - done, rng() % 3 == 0 ? rng() % 300 : rng() % (1u << 20));
    h.update(p + done, piece);
    done += piece;
  }
  uint8_t out[Hash::kDigestSize];
  h.final(out);
  check(hex(out, sizeof out) == want, name, "64 MiB in pieces");
}

// ---- cross-check against the coreutils/perl tools --------------------------------------------------------
// The tool's hex digest of p[0..n) repeated `repeats` times (piped to its stdin), or "" when no tool ran.
std::string external_digest(const char* tool_command, const uint8_t* p, size_t n, int repeats) {
  char out_path[] = "/tmp/hash_selftest_XXXXXX";
  const int fd = mkstemp(out_path);
  if (fd < 0) return "";
  close(fd);
  std::string result;
  const std::string command = std::string("(") + tool_command + ") > " + out_path + " 2>/dev/null";
  if (FILE* pipe = popen(command.c_str(), "w")) {
    bool written = true;
    for (int i = 0; i < repeats && written; ++i) written = std::fwrite(p, 1, n, pipe) == n;
    if (pclose(pipe) == 0 && written) {
      if (FILE* f = std::fopen(out_path, "r")) {
        char line[256] = {};
        if (std::fgets(line, sizeof line, f)) result.assign(line, std::strcspn(line, " \t\n"));
        std::fclose(f);
      }
    }
  }
  std::remove(out_path);
  return result;
}

template <class Hash>
std::string digest_repeated(const uint8_t* p, size_t n, int repeats) {
  Hash h;
  for (int i = 0; i < repeats; ++i) h.update(p, n);
  uint8_t out[Hash::kDigestSize];
  h.final(out);
  return hex(out, sizeof out);
}

void test_external(const std::vector<uint8_t>& data, std::mt19937_64& rng) {
  struct Case {
    size_t len;
    int repeats;
  };
  // The last case is 576 MiB, past 2^32 bits, so the high word of the length in the padding is nonzero
  // (model files are often several GB).
  const Case cases[] = {{0, 1},    {1, 1},    {55, 1},       {56, 1},   {63, 1},  {64, 1},
                        {65, 1},   {1000, 1}, {4096 + 7, 1}, {(1u << 20) + 13, 1}, {64u << 20, 9}};
  int compared = 0;
  for (const Case& c : cases) {
    const uint8_t* p = data.data() + rng() % 64;
    const std::string where = std::to_string(c.len) + " bytes x " + std::to_string(c.repeats);
    const std::string s256 = external_digest("sha256sum || shasum -a 256", p, c.len, c.repeats);
    if (s256.size() == 64) {
      check(digest_repeated<mc::Sha256>(p, c.len, c.repeats) == s256, "sha256 vs sha256sum", where);
      ++compared;
    }
    const std::string s1 = external_digest("sha1sum || shasum -a 1", p, c.len, c.repeats);
    if (s1.size() == 40) {
      check(digest_repeated<mc::Sha1>(p, c.len, c.repeats) == s1, "sha1 vs sha1sum", where);
      ++compared;
    }
  }
  std::printf("external cross-check: %d of %zu digests compared%s\n", compared, 2 * std::size(cases),
              compared == 0 ? " (SKIPPED: no sha256sum/sha1sum/shasum)" : "");
}

// ---- throughput ------------------------------------------------------------------------------------------
// GB/s of `step(size)` over a buffer of `size` bytes: median of 7 runs of a repetition count calibrated to
// take >= 50 ms. 4 KiB and 1 MiB stay in cache; 64 MiB streams from memory.
template <class Step>
double throughput(size_t size, Step step) {
  using clock = std::chrono::steady_clock;
  size_t reps = 1;
  for (;;) {
    const auto t0 = clock::now();
    for (size_t i = 0; i < reps; ++i) step();
    if (std::chrono::duration<double>(clock::now() - t0).count() >= 0.05) break;
    reps *= 2;
  }
  std::vector<double> rates;
  for (int run = 0; run < 7; ++run) {
    const auto t0 = clock::now();
    for (size_t i = 0; i < reps; ++i) step();
    const double seconds = std::chrono::duration<double>(clock::now() - t0).count();
    rates.push_back(double(size) * double(reps) / seconds / 1e9);
  }
  std::sort(rates.begin(), rates.end());
  return rates[rates.size() / 2];
}

volatile uint32_t g_sink;  // keeps benchmark results alive

void benchmark(const std::vector<uint8_t>& data) {
  const size_t sizes[] = {4u << 10, 1u << 20, 64u << 20};
  std::printf("\nthroughput, GB/s (median of 7; streaming calls of the given size)\n");
  std::printf("%-32s %9s %9s %9s\n", "kernel", "4 KiB", "1 MiB", "64 MiB");
  auto row = [&](const std::string& label, auto&& make_step) {
    std::printf("%-32s", label.c_str());
    for (size_t size : sizes) std::printf(" %9.2f", throughput(size, make_step(size)));
    std::printf("\n");
    std::fflush(stdout);
  };
  const uint8_t* p = data.data();
  for (const mc::Crc32cImpl& impl : crc_impls()) {
    const auto fn = impl.fn;
    row(std::string("crc32c ") + impl.name,
        [&](size_t n) { return [p, n, fn] { g_sink = fn(g_sink, p, n); }; });
  }
  // One long-lived hash object per row, as when hashing a multi-GB file chunk by chunk.
  auto sha_row = [&](const std::string& label, auto make_hash) {
    row(label, [&](size_t n) {
      return [p, n, h = make_hash()]() mutable {
        h.update(p, n);
        g_sink = g_sink + 1;
      };
    });
  };
  sha_row(std::string("sha256 ") + mc::Sha256::impl(), [] { return mc::Sha256(); });
  sha_row("sha256 portable", [] { return mc::Sha256::portable(); });
  sha_row(std::string("sha1 ") + mc::Sha1::impl(), [] { return mc::Sha1(); });
  sha_row("sha1 portable", [] { return mc::Sha1::portable(); });
}

}  // namespace

int main(int argc, char** argv) {
  const bool bench = !(argc > 1 && std::strcmp(argv[1], "--no-bench") == 0);
  const uint64_t seed = 0x6d6f64656c636163;  // fixed, so a failure reproduces
  std::mt19937_64 rng(seed);
  std::vector<uint8_t> data((64u << 20) + 64);
  for (size_t i = 0; i < data.size(); i += 8) {
    const uint64_t r = rng();
    std::memcpy(&data[i], &r, std::min<size_t>(8, data.size() - i));
  }
  std::printf("crc32c: %s, sha256: %s, sha1: %s\n", mc::crc32c_impl(), mc::Sha256::impl(), mc::Sha1::impl());

  test_crc_vectors();
  test_sha_vectors();
  test_crc_equivalence(data, rng);
  test_crc_large(data, rng);
  test_sha_equivalence<mc::Sha256>("sha256", data, rng);
  test_sha_equivalence<mc::Sha1>("sha1", data, rng);
  test_sha_large<mc::Sha256>("sha256", data, rng);
  test_sha_large<mc::Sha1>("sha1", data, rng);
  test_external(data, rng);

  std::printf("%s: %d failure(s)\n", g_failures == 0 ? "PASS" : "FAIL", g_failures);
  if (g_failures == 0 && bench) benchmark(data);
  return g_failures == 0 ? 0 : 1;
}
