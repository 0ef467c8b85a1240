#include "core/errors.hpp"

#include <cerrno>
#include <cstring>

#include "mdbx.h"

namespace mc {
namespace {

struct Named {
  int rc;
  const char* name;
};

// libmdbx 0.11.3 has mdbx_strerror() for messages but no function for stable names; the values come from
// the MDBX_error_t enum in mdbx.h.
constexpr Named kMdbxNames[] = {
    {MDBX_KEYEXIST, "MDBX_KEYEXIST"},
    {MDBX_NOTFOUND, "MDBX_NOTFOUND"},
    {MDBX_PAGE_NOTFOUND, "MDBX_PAGE_NOTFOUND"},
    {MDBX_CORRUPTED, "MDBX_CORRUPTED"},
    {MDBX_PANIC, "MDBX_PANIC"},
    {MDBX_VERSION_MISMATCH, "MDBX_VERSION_MISMATCH"},
    {MDBX_INVALID, "MDBX_INVALID"},
    {MDBX_MAP_FULL, "MDBX_MAP_FULL"},
    {MDBX_DBS_FULL, "MDBX_DBS_FULL"},
    {MDBX_READERS_FULL, "MDBX_READERS_FULL"},
    {MDBX_TXN_FULL, "MDBX_TXN_FULL"},
    {MDBX_CURSOR_FULL, "MDBX_CURSOR_FULL"},
    {MDBX_PAGE_FULL, "MDBX_PAGE_FULL"},
    {MDBX_UNABLE_EXTEND_MAPSIZE, "MDBX_UNABLE_EXTEND_MAPSIZE"},
    {MDBX_INCOMPATIBLE, "MDBX_INCOMPATIBLE"},
    {MDBX_BAD_RSLOT, "MDBX_BAD_RSLOT"},
    {MDBX_BAD_TXN, "MDBX_BAD_TXN"},
    {MDBX_BAD_VALSIZE, "MDBX_BAD_VALSIZE"},
    {MDBX_BAD_DBI, "MDBX_BAD_DBI"},
    {MDBX_PROBLEM, "MDBX_PROBLEM"},
    {MDBX_BUSY, "MDBX_BUSY"},
    {MDBX_EMULTIVAL, "MDBX_EMULTIVAL"},
    {MDBX_EBADSIGN, "MDBX_EBADSIGN"},
    {MDBX_WANNA_RECOVERY, "MDBX_WANNA_RECOVERY"},
    {MDBX_EKEYMISMATCH, "MDBX_EKEYMISMATCH"},
    {MDBX_TOO_LARGE, "MDBX_TOO_LARGE"},
    {MDBX_THREAD_MISMATCH, "MDBX_THREAD_MISMATCH"},
    {MDBX_TXN_OVERLAPPING, "MDBX_TXN_OVERLAPPING"},
};

constexpr Named kOwnNames[] = {
#define MC_X_NAME(name, value, msg) {value, #name},
    MC_ERROR_TABLE(MC_X_NAME)
#undef MC_X_NAME
};

constexpr Named kOwnMessages[] = {
#define MC_X_MSG(name, value, msg) {value, msg},
    MC_ERROR_TABLE(MC_X_MSG)
#undef MC_X_MSG
};

const char* find(const Named* table, size_t n, int rc) noexcept {
  for (size_t i = 0; i < n; i++)
    if (table[i].rc == rc) return table[i].name;
  return nullptr;
}

}  // namespace

const char* error_code_name(int rc) noexcept {
  if (rc == MC_OK) return "MC_OK";
  if (const char* s = find(kOwnNames, sizeof kOwnNames / sizeof *kOwnNames, rc)) return s;
  if (const char* s = find(kMdbxNames, sizeof kMdbxNames / sizeof *kMdbxNames, rc)) return s;
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
  if (rc > 0) {
    if (const char* s = strerrorname_np(rc)) return s;
  }
#else
  if (rc == ENOSPC) return "ENOSPC";
  if (rc == EACCES) return "EACCES";
  if (rc == ENOENT) return "ENOENT";
  if (rc == EIO) return "EIO";
  if (rc == ENOMEM) return "ENOMEM";
  if (rc == EROFS) return "EROFS";
  if (rc == EFBIG) return "EFBIG";
  if (rc == EINVAL) return "EINVAL";
#endif
  return "UNKNOWN";
}

const char* error_message(int rc) noexcept {
  if (rc == MC_OK) return "success";
  if (const char* s = find(kOwnMessages, sizeof kOwnMessages / sizeof *kOwnMessages, rc)) return s;
  // mdbx_strerror() covers libmdbx codes and falls back to strerror() for errno values. Its static
  // buffer for unknown codes is not thread-safe, so only known codes reach it.
  if (find(kMdbxNames, sizeof kMdbxNames / sizeof *kMdbxNames, rc) || rc == MDBX_RESULT_TRUE)
    return mdbx_strerror(rc);
  if (rc > 0) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
    if (strerrordesc_np(rc)) return strerrordesc_np(rc);
#else
    return strerror(rc);
#endif
  }
  return "unknown error";
}

std::string Error::message() const {
  if (detail.empty()) return error_message(rc);
  return detail + " (" + error_message(rc) + ")";
}

}  // namespace mc
