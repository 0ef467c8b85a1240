/*
 * model_cache.h - the C ABI of model-cache's chunk store.
 *
 * One libmdbx database per cache directory holds model files in content-addressed chunks (format:
 * docs/FORMAT.md). This header is the stable surface for other languages (the Python package uses it
 * through ctypes). The Node addon uses the same C++ core directly.
 *
 * Conventions (as in mdbx.h):
 *  - Handles are opaque. Every function returns an int: MC_OK (0) or an error code; outputs are written
 *    through the pointer arguments, which come last.
 *  - Error codes: model-cache's own codes sit in -32001..-32099 (below libmdbx's -30999..-30400 range);
 *    libmdbx codes pass through unchanged; positive values are errno values from the OS.
 *    mc_strerror() and mc_strcode() return static strings and are thread-safe.
 *  - Memory: strings and arrays returned by the library are freed only with mc_free(). File views are
 *    released only with mc_view_release().
 *  - Threads: a handle may be used from any thread, one call at a time per handle unless stated.
 */
#ifndef MODEL_CACHE_H
#define MODEL_CACHE_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#define MC_API __declspec(dllexport)
#elif defined(__GNUC__)
#define MC_API __attribute__((visibility("default")))
#else
#define MC_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/** ABI version: bumped on any incompatible change of this header. Check it with mc_abi_version(). */
#define MC_ABI_VERSION 1
/** On-disk format version written by this build (docs/FORMAT.md). */
#define MC_FORMAT_VERSION 1

/*
 * Error table: X(name, value, message). The same table is mirrored by lib/errors.ts (TypeScript) and
 * python/model_cache/_errors.py; test/native/errors.test.ts checks that the three agree.
 */
#define MC_ERROR_TABLE(X)                                                                                  \
  X(MC_ERR_INVALID_ARGUMENT, -32001, "invalid argument")                                                   \
  X(MC_ERR_INVALID_NAME, -32002, "invalid repo or file name (empty, too long, or contains NUL)")          \
  X(MC_ERR_CLOSED, -32003, "the store is closed")                                                          \
  X(MC_ERR_NOT_FOUND, -32004, "not found")                                                                 \
  X(MC_ERR_CORRUPT, -32005, "stored data is damaged (checksum or record mismatch)")                        \
  X(MC_ERR_FORMAT, -32006, "the database was written by an incompatible model-cache format")              \
  X(MC_ERR_TOO_LARGE, -32007, "too large for one view (use a ranged view or a stream)")                     \
  X(MC_ERR_HASH_MISMATCH, -32008, "content hash does not match the expected hash")                         \
  X(MC_ERR_SIZE_MISMATCH, -32009, "content size does not match the expected size")                         \
  X(MC_ERR_INCOMPLETE, -32010, "upload is missing chunks")                                                 \
  X(MC_ERR_RELEASED, -32011, "the view was released")                                                      \
  X(MC_ERR_READ_ONLY, -32012, "the store is open read-only")                                               \
  X(MC_ERR_BUSY, -32013, "held by another writer")                                                         \
  X(MC_ERR_UNSUPPORTED, -32014, "not supported on this platform")                                          \
  X(MC_ERR_ABI, -32015, "ABI version mismatch")                                                            \
  X(MC_ERR_NOMEM, -32016, "out of memory")                                                                 \
  X(MC_ERR_INTERNAL, -32017, "internal error")

enum mc_error {
  MC_OK = 0,
#define MC_X_ENUM(name, value, msg) name = value,
  MC_ERROR_TABLE(MC_X_ENUM)
#undef MC_X_ENUM
};

/** Returns MC_ABI_VERSION of the loaded library. Never fails. */
MC_API int mc_abi_version(void);

/** Static, thread-safe English message for any code (ours, libmdbx's, or errno). Never NULL. */
MC_API const char *mc_strerror(int code);

/** Static, thread-safe stable name of a code: "MC_ERR_NOT_FOUND", "MDBX_MAP_FULL", "ENOSPC", ...
 *  Returns "MC_OK" for 0 and "UNKNOWN" for a code it does not know. Never NULL. */
MC_API const char *mc_strcode(int code);

/** Number of entries in the model-cache error table, and the i-th entry (0-based).
 *  \retval MC_OK, MC_ERR_INVALID_ARGUMENT when i is out of range.
 *  [out] value and name (static string). */
MC_API int mc_error_count(void);
MC_API int mc_error_entry(int i, int *value, const char **name);

#ifdef __cplusplus
}
#endif
#endif /* MODEL_CACHE_H */
