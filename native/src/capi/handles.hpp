// The C ABI's handle types and the boundary guard every exported function goes through.
#pragma once
#include <cstdint>
#include <memory>
#include <new>
#include <string>

#include "core/store.hpp"
#include "core/view.hpp"
#include "model_cache.h"

// An open cache: one core Store handle plus this handle's cache of read snapshots, so that views of one
// database state share one read transaction and one set of mirrors (as the Node binding does).
struct mc_store {
  std::shared_ptr<mc::Store> store;
  std::unique_ptr<mc::SnapshotCache> snapshots;
};

// The bytes of one file from one snapshot: a shared mirror of the database's pages (which holds the
// snapshot), or a private copy. Immutable after mc_view_open().
struct mc_view {
  std::shared_ptr<mc::Mirror> mirror;
  std::unique_ptr<uint8_t[]> copy;
  const uint8_t* data = nullptr;
  size_t size = 0;
  mc::FileInfo info;
};

namespace mc::capi {

/** Records `e` as this thread's last error (mc_last_error) and returns its code. */
int fail(const Error& e) noexcept;
/** Clears this thread's last error and returns MC_OK. */
int ok() noexcept;

/** Runs `body` (which returns an int code) with no exception escaping: C callers cannot catch them. */
template <typename F>
int guard(F&& body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return fail(Error{MC_ERR_NOMEM, ""});
  } catch (const std::exception& ex) {
    return fail(Error{MC_ERR_INTERNAL, ex.what()});
  } catch (...) {
    return fail(Error{MC_ERR_INTERNAL, "unknown exception"});
  }
}

/** Copies a NUL-terminated string into memory the caller frees with mc_free(). Null on allocation failure. */
char* to_c_string(const std::string& s) noexcept;

/** Fills the C struct from the core's FileInfo. */
void to_c_info(const FileInfo& f, struct mc_file_info* out) noexcept;

}  // namespace mc::capi
