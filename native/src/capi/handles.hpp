// The C ABI's handle types and the boundary guard every exported function goes through.
#pragma once
#include <cstdint>
#include <memory>
#include <new>
#include <utility>
#include <string>

#include "core/store.hpp"
#include "core/view.hpp"
#include "model_cache.h"

// An mc_store* is not a pointer to memory: it is the number of an entry in a process-wide table of open
// stores (handles.cpp), never reused. Every call looks its handle up and holds the store it finds for as
// long as the call runs; mc_close() removes the entry, and the store is freed when the last call holding
// it returns. So a close that races other calls on the same handle never frees memory they use, and a
// call made after the close (a stale handle) finds no entry: MC_ERR_CLOSED, never a use-after-free.
namespace mc::capi {

// An open cache: one core Store handle plus this handle's cache of read snapshots, so that views of one
// database state share one read transaction and one set of mirrors (as the Node binding does).
struct StoreState {
  std::shared_ptr<Store> store;
  std::unique_ptr<SnapshotCache> snapshots;
};

/** Enters the table; returns the new handle. */
mc_store* register_store(std::shared_ptr<StoreState> state);
/** Removes `handle` from the table; returns its state (null when it was not there: closed or bogus). */
std::shared_ptr<StoreState> unregister_store(mc_store* handle) noexcept;

/**
 * The store behind a handle, held for one call. `store->store` and `store->snapshots` read as they did
 * when the handle was a pointer. Check it first: `if (!ref) return ref.fail();`.
 */
class StoreRef {
 public:
  explicit StoreRef(const mc_store* handle) noexcept;
  explicit operator bool() const noexcept { return state_ != nullptr; }
  /** MC_ERR_INVALID_ARGUMENT for NULL, MC_ERR_CLOSED for a handle closed (or never opened). */
  int fail() const noexcept;
  StoreState* operator->() const noexcept { return state_.get(); }
  StoreState* get() const noexcept { return state_.get(); }

 private:
  std::shared_ptr<StoreState> state_;
  bool null_ = false;
};

}  // namespace mc::capi

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
