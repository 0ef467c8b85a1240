// Drives the C ABI library through every function, the close race and the error paths, for the memory
// checks: scripts/test-asan.js builds it and the library with AddressSanitizer and runs it; LeakSanitizer
// reports anything still allocated at exit. Exit status 0 when every check held.
//
//   capi_driver <cache dir holding org/m big.bin (300000 bytes) and small.bin (1000 bytes)> <scratch dir>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "model_cache.h"

namespace {

int failures = 0;

void check(bool ok, const char* what, int rc = 0) {
  if (ok) return;
  failures++;
  std::fprintf(stderr, "FAILED: %s (rc %d %s: %s)\n", what, rc, mc_strcode(rc), mc_last_error());
}

#define CHECK_RC(call, expected)                \
  do {                                          \
    int rc_ = (call);                           \
    check(rc_ == (expected), #call, rc_);       \
  } while (0)

void write_file(const std::string& path, const void* data, size_t len) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return check(false, ("create " + path).c_str());
  if (len) std::fwrite(data, 1, len, f);
  std::fclose(f);
}

void reads(const char* dir) {
  mc_store* s = nullptr;
  CHECK_RC(mc_open(dir, MC_OPEN_READ_ONLY, &s), MC_OK);
  if (!s) return;
  char* json = nullptr;
  CHECK_RC(mc_list_files(s, nullptr, &json), MC_OK);
  check(json && std::strstr(json, "big.bin") != nullptr, "list_files names big.bin");
  mc_free(json);
  CHECK_RC(mc_list_files(s, "org/m", &json), MC_OK);
  mc_free(json);
  CHECK_RC(mc_list_repos(s, &json), MC_OK);
  mc_free(json);
  CHECK_RC(mc_list_docs(s, "manifest", nullptr, &json), MC_OK);
  mc_free(json);
  char* value = nullptr;
  CHECK_RC(mc_get_doc(s, "manifest", "nothing", &value, nullptr), MC_ERR_NOT_FOUND);
  struct mc_file_info info;
  CHECK_RC(mc_file_info(s, "org/m", "big.bin", &info), MC_OK);
  check(info.size == 300000, "big.bin size");
  CHECK_RC(mc_file_info(s, "org/m", "missing", &info), MC_ERR_NOT_FOUND);
  CHECK_RC(mc_file_info(s, "", "x", &info), MC_ERR_INVALID_NAME);
  struct mc_stats st;
  CHECK_RC(mc_stats(s, &st), MC_OK);
  CHECK_RC(mc_verify(s, &json), MC_OK);
  check(json && std::strstr(json, "\"damaged\":[]") != nullptr, "verify finds no damage");
  mc_free(json);

  // Views: whole files (mapped and copied), ranges, empty ranges; every byte is read.
  struct {
    const char* path;
    uint64_t off, len;
  } ranges[] = {{"big.bin", 0, MC_VIEW_TO_END}, {"big.bin", 70000, 100000}, {"big.bin", 300000, 0},
                {"small.bin", 0, MC_VIEW_TO_END}, {"small.bin", 10, 20}};
  for (auto& r : ranges) {
    mc_view* v = nullptr;
    const uint8_t* data = nullptr;
    size_t size = 0;
    CHECK_RC(mc_view_open(s, "org/m", r.path, r.off, r.len, &v, &data, &size), MC_OK);
    if (!v) continue;
    bool right = true;
    if (std::strcmp(r.path, "big.bin") == 0) {
      for (size_t i = 0; i < size; i++) right = right && data[i] == uint8_t((r.off + i) % 251);
    } else {
      for (size_t i = 0; i < size; i++) right = right && data[i] == 's';
    }
    check(right, "view bytes");
    int zero_copy = -1;
    CHECK_RC(mc_view_info(v, &info, &zero_copy), MC_OK);
    CHECK_RC(mc_view_release(v), MC_OK);
  }
  mc_view* v = nullptr;
  const uint8_t* data = nullptr;
  size_t size = 0;
  CHECK_RC(mc_view_open(s, "org/m", "big.bin", 300001, 1, &v, &data, &size), MC_ERR_INVALID_ARGUMENT);

  // A view outlives the handle it came from.
  CHECK_RC(mc_view_open(s, "org/m", "big.bin", 0, MC_VIEW_TO_END, &v, &data, &size), MC_OK);
  CHECK_RC(mc_close(s), MC_OK);
  uint64_t sum = 0;
  for (size_t i = 0; i < size; i++) sum += data[i];
  check(sum > 0, "view after close");
  CHECK_RC(mc_view_release(v), MC_OK);
  // A stale handle: MC_ERR_CLOSED, and closing again is harmless.
  CHECK_RC(mc_list_files(s, nullptr, &json), MC_ERR_CLOSED);
  CHECK_RC(mc_file_info(s, "org/m", "big.bin", &info), MC_ERR_CLOSED);
  CHECK_RC(mc_view_open(s, "org/m", "big.bin", 0, 1, &v, &data, &size), MC_ERR_CLOSED);
  CHECK_RC(mc_close(s), MC_OK);
  CHECK_RC(mc_close(nullptr), MC_OK);
  CHECK_RC(mc_list_files(nullptr, nullptr, &json), MC_ERR_INVALID_ARGUMENT);
}

void materialize(const char* dir, const std::string& scratch) {
  mc_store* s = nullptr;
  CHECK_RC(mc_open(dir, MC_OPEN_READ_ONLY, &s), MC_OK);
  unsigned flags[] = {0, MC_MATERIALIZE_NO_REFLINK | MC_MATERIALIZE_VERIFY, MC_MATERIALIZE_PLAIN_COPY};
  for (unsigned f : flags) {
    int method = 0;
    struct mc_file_info info;
    CHECK_RC(mc_materialize(s, "org/m", "big.bin", (scratch + "/out.bin").c_str(), f, &method, &info), MC_OK);
    check(info.size == 300000, "materialized size");
  }
  CHECK_RC(mc_materialize(s, "org/m", "big.bin", (scratch + "/no/such/dir/out.bin").c_str(), 0, nullptr, nullptr), ENOENT);
  CHECK_RC(mc_close(s), MC_OK);
}

// Eight threads call on a handle while the main thread closes it (python/tests/test_close_race.py is the
// same from Python).
void close_race(const char* dir, int rounds) {
  for (int round = 0; round < rounds; round++) {
    mc_store* s = nullptr;
    CHECK_RC(mc_open(dir, MC_OPEN_READ_ONLY, &s), MC_OK);
    std::atomic<int> started{0};
    std::atomic<int> unexpected{0};
    std::vector<std::thread> threads;
    for (int k = 0; k < 8; k++) {
      threads.emplace_back([&, k] {
        started++;
        for (int i = 0;; i++) {
          int rc;
          if ((i + k) % 2 == 0) {
            mc_view* v = nullptr;
            const uint8_t* data = nullptr;
            size_t size = 0;
            rc = mc_view_open(s, "org/m", (i + k) % 4 == 0 ? "big.bin" : "small.bin", 0, MC_VIEW_TO_END, &v, &data, &size);
            if (rc == MC_OK) {
              volatile uint8_t b = data[size / 2];
              (void)b;
              mc_view_release(v);
            }
          } else {
            char* json = nullptr;
            rc = mc_list_files(s, nullptr, &json);
            if (rc == MC_OK) mc_free(json);
          }
          if (rc == MC_ERR_CLOSED) return;
          if (rc != MC_OK) {
            unexpected++;
            return;
          }
        }
      });
    }
    while (started < 8) std::this_thread::yield();
    for (volatile int spin = 0; spin < round * 97 % 5000; spin = spin + 1) {
    }
    CHECK_RC(mc_close(s), MC_OK);
    for (auto& t : threads) t.join();
    check(unexpected == 0, "close race: only MC_OK or MC_ERR_CLOSED");
  }
}

void not_a_database(const std::string& scratch) {
  std::string bad = scratch + "/bad";
  std::string cmd = "mkdir -p '" + bad + "'";
  check(std::system(cmd.c_str()) == 0, "mkdir");
  std::vector<uint8_t> page(4096, 0xab);
  write_file(bad + "/model-cache.mdbx", page.data(), page.size());
  mc_store* s = nullptr;
  CHECK_RC(mc_open(bad.c_str(), MC_OPEN_READ_ONLY, &s), MC_ERR_NOT_A_DATABASE);
  CHECK_RC(mc_open(bad.c_str(), 0, &s), MC_ERR_NOT_A_DATABASE);
  check(std::strstr(mc_last_error(), "Move it aside") != nullptr, "recovery advice");
  std::string file = scratch + "/plain-file";
  write_file(file, "x", 1);
  CHECK_RC(mc_open(file.c_str(), 0, &s), MC_ERR_NOT_A_DATABASE);
  CHECK_RC(mc_open((scratch + "/missing").c_str(), MC_OPEN_READ_ONLY, &s), MC_ERR_NOT_FOUND);
  CHECK_RC(mc_open(nullptr, 0, &s), MC_ERR_INVALID_ARGUMENT);
}

void tables() {
  int n = mc_error_count();
  for (int i = 0; i < n; i++) {
    int value = 0;
    const char* name = nullptr;
    CHECK_RC(mc_error_entry(i, &value, &name), MC_OK);
    check(std::strcmp(mc_strcode(value), name) == 0, "error table name");
    check(mc_strerror(value)[0] != '\0', "error message");
  }
  check(std::strcmp(mc_strcode(ENOSPC), "ENOSPC") == 0, "errno names");
  check(std::strcmp(mc_strcode(MC_ERR_DISK_FULL), "MC_ERR_DISK_FULL") == 0, "disk full name");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: capi_driver <cache dir> <scratch dir>\n");
    return 2;
  }
  check(mc_abi_version() == MC_ABI_VERSION, "abi version");
  tables();
  reads(argv[1]);
  materialize(argv[1], argv[2]);
  close_race(argv[1], 200);
  not_a_database(argv[2]);
  if (failures) {
    std::fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  std::printf("capi_driver: all checks passed\n");
  return 0;
}
