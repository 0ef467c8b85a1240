// C ABI: versions, the error table, the thread's last error, and freeing library memory.
#include <cstdlib>
#include <cstring>

#include "capi/handles.hpp"
#include "core/materialize.hpp"

namespace mc::capi {

namespace {
// One per thread, as errno: mc_last_error() reads the detail of the last failure on the calling thread.
thread_local std::string t_last_error;

constexpr struct {
  int value;
  const char* name;
} kTable[] = {
#define MC_X_ENTRY(name, value, msg) {value, #name},
    MC_ERROR_TABLE(MC_X_ENTRY)
#undef MC_X_ENTRY
};
constexpr int kTableSize = int(sizeof kTable / sizeof *kTable);
}  // namespace

int fail(const Error& e) noexcept {
  try {
    t_last_error = e.message();
  } catch (...) {
    t_last_error.clear();  // no memory for the detail: the code still says what happened
  }
  return e.rc;
}

int ok() noexcept {
  t_last_error.clear();  // clear() never allocates
  return MC_OK;
}

char* to_c_string(const std::string& s) noexcept {
  char* p = static_cast<char*>(std::malloc(s.size() + 1));
  if (!p) return nullptr;
  std::memcpy(p, s.data(), s.size());
  p[s.size()] = '\0';
  return p;
}

void to_c_info(const FileInfo& f, struct mc_file_info* out) noexcept {
  std::memset(out, 0, sizeof *out);
  out->size = f.size;
  out->stored_ms = f.stored_ms;
  out->chunk_size = f.chunk_size;
  out->chunk_count = f.chunk_count;
  out->has_git_sha1 = f.has_sha1 ? 1 : 0;
  std::memcpy(out->sha256, f.sha256, 32);
  std::memcpy(out->git_sha1, f.sha1, 20);
}

}  // namespace mc::capi

using namespace mc;

extern "C" {

MC_API int mc_abi_version(void) noexcept { return MC_ABI_VERSION; }

MC_API const char* mc_strerror(int code) noexcept { return error_message(code); }

MC_API const char* mc_strcode(int code) noexcept { return error_code_name(code); }

MC_API int mc_error_count(void) noexcept { return capi::kTableSize; }

MC_API int mc_error_entry(int i, int* value, const char** name) noexcept {
  if (i < 0 || i >= capi::kTableSize) return MC_ERR_INVALID_ARGUMENT;
  if (value) *value = capi::kTable[i].value;
  if (name) *name = capi::kTable[i].name;
  return MC_OK;
}

MC_API const char* mc_last_error(void) noexcept { return capi::t_last_error.c_str(); }

MC_API const char* mc_copy_method_name(int method) noexcept {
  if (method < int(CopyMethod::kReflink) || method > int(CopyMethod::kCopy)) return "unknown";
  return copy_method_name(CopyMethod(method));
}

MC_API int mc_free(void* p) noexcept {
  std::free(p);
  return MC_OK;
}

}  // extern "C"
