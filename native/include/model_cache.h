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
 *  - Threads: every function may be called from any thread. An mc_store may be used by several threads at
 *    once, mc_close() included: calls already running on the handle finish normally (the store is freed
 *    when the last of them returns), and any call made with the handle after mc_close() fails with
 *    MC_ERR_CLOSED (an mc_store is a handle number, never reused, not a pointer to freed memory). An
 *    mc_view is immutable; release it once, from any thread.
 *  - Processes: many processes may open one cache at once (one of them, typically Node, writing). A
 *    reader never blocks the writer and never sees a partly written file: a file appears whole when its
 *    upload commits. After fork(), the child must not use, close or release anything its parent opened
 *    (they belong to the parent's locks and threads): it opens the cache again.
 *  - Version: the same static libmdbx build as the Node addon is linked in. A library built with another
 *    libmdbx configuration cannot open the database (MDBX_VERSION_MISMATCH).
 */
#ifndef MODEL_CACHE_H
#define MODEL_CACHE_H

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define MC_API __attribute__((visibility("default")))
#else
#define MC_API
#endif

/* Every function of this ABI reports failures by return code and never throws: noexcept for C++ callers
 * (definitions catch everything at the boundary), the nothrow attribute for C compilers that know it. */
#if defined(__cplusplus)
#define MC_NOTHROW noexcept
#elif defined(__GNUC__)
#define MC_NOTHROW __attribute__((__nothrow__))
#else
#define MC_NOTHROW
#endif

#ifdef __cplusplus
extern "C" {
#endif

/** ABI version: bumped on any incompatible change of this header. Check it with mc_abi_version().
 *  2: mc_materialize() checks CRC32C by default; mc_view_open_ex(), mc_reader_*, MC_ERR_CHECKSUM added. */
#define MC_ABI_VERSION 2
/** On-disk format version written by this build (docs/FORMAT.md). */
#define MC_FORMAT_VERSION 1

/*
 * Error table: X(name, value, message). The same table is mirrored by lib/errors.ts (TypeScript) and
 * python/model_cache/_errors.py; test/native/09.error-tables.test.ts and python/tests/test_errors.py check
 * that the three agree.
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
  X(MC_ERR_INTERNAL, -32017, "internal error")                                                             \
  X(MC_ERR_CHECKSUM, -32018, "a stored chunk failed its CRC32C check (damaged data); run verify --repair") \
  X(MC_ERR_NOT_A_DATABASE, -32019, "not a model-cache database (truncated, foreign or not a regular file)") \
  X(MC_ERR_DISK_FULL, -32020, "not enough disk space")

enum mc_error {
  MC_OK = 0,
#define MC_X_ENUM(name, value, msg) name = value,
  MC_ERROR_TABLE(MC_X_ENUM)
#undef MC_X_ENUM
};

/** Returns MC_ABI_VERSION of the loaded library. Never fails. */
MC_API int mc_abi_version(void) MC_NOTHROW;

/** Static, thread-safe English message for any code (ours, libmdbx's, or errno). Never NULL. */
MC_API const char *mc_strerror(int code) MC_NOTHROW;

/** Static, thread-safe stable name of a code: "MC_ERR_NOT_FOUND", "MDBX_MAP_FULL", "ENOSPC", ...
 *  Returns "MC_OK" for 0 and "UNKNOWN" for a code it does not know. Never NULL. */
MC_API const char *mc_strcode(int code) MC_NOTHROW;

/** Number of entries in the model-cache error table, and the i-th entry (0-based).
 *  \retval MC_OK, MC_ERR_INVALID_ARGUMENT when i is out of range.
 *  [out] value and name (static string). */
MC_API int mc_error_count(void) MC_NOTHROW;
MC_API int mc_error_entry(int i, int *value, const char **name) MC_NOTHROW;

/** Thread-local detail of the last failure on the calling thread ("open /x/model-cache.mdbx: ..."), or ""
 *  when the last call succeeded or the code says it all. Valid until the next mc_* call on this thread.
 *  Never NULL. */
MC_API const char *mc_last_error(void) MC_NOTHROW;

/* ---- Stores -------------------------------------------------------------------------------------- */

/** An open cache directory (opaque). Create with mc_open(), destroy with mc_close(). */
typedef struct mc_store mc_store;

/** mc_open() flags. */
#define MC_OPEN_READ_ONLY 0x1u /**< No writes; never creates the database; another process may write. */

/** Opens the cache in directory `dir` (the database is dir/model-cache.mdbx).
 *  Handles of one directory in one process share one libmdbx environment, which closes when the last
 *  handle and the last view of it are gone.
 *  \param [in] dir    Cache directory (NUL-terminated). Without MC_OPEN_READ_ONLY it is created if missing.
 *  \param [in] flags  0 or MC_OPEN_READ_ONLY. Read-write is for creating a cache; this ABI has no writes.
 *  \param [out] out   The new handle; set only on success. Release it with mc_close().
 *  \retval MC_OK
 *  \retval MC_ERR_NOT_FOUND          read-only and there is no database in `dir`.
 *  \retval MC_ERR_NOT_A_DATABASE     `dir` is not a directory, or its database file is not a whole
 *                                    model-cache database (truncated, foreign, not a regular file); the
 *                                    file is left unchanged. Only an empty (0-byte) file is initialised.
 *  \retval MC_ERR_FORMAT             a model-cache database of another format version.
 *  \retval MC_ERR_READ_ONLY          read-write requested while this process has it open read-only.
 *  \retval MDBX_VERSION_MISMATCH     the database is in use by an incompatible libmdbx build.
 *  \retval MC_ERR_INVALID_ARGUMENT, errno values (EACCES, ...). */
MC_API int mc_open(const char *dir, unsigned flags, mc_store **out) MC_NOTHROW;

/** Closes a handle. Calls running on it from other threads finish first (the store is freed when the
 *  last returns); later calls with it fail with MC_ERR_CLOSED. Views opened through it stay valid until
 *  released: the environment closes after the last one. Idempotent; NULL is accepted.
 *  \retval MC_OK */
MC_API int mc_close(mc_store *store) MC_NOTHROW;

/** A stored file's metadata (fixed layout; a change bumps MC_ABI_VERSION). Like POSIX `struct stat`
 *  beside stat(), the struct shares its name with the function that fills it: write `struct mc_file_info`. */
struct mc_file_info {
  uint64_t size;         /**< bytes */
  uint64_t stored_ms;    /**< when it was stored, Unix milliseconds */
  uint32_t chunk_size;   /**< chunk size of its content */
  uint32_t chunk_count;
  uint32_t has_git_sha1; /**< 1 when git_sha1 is known */
  uint32_t reserved0;
  uint8_t sha256[32];    /**< sha256 of the content: also its address in the store */
  uint8_t git_sha1[20];  /**< git blob sha1 of the content, when has_git_sha1 */
  uint8_t reserved1[4];
};

/** Metadata of (repo, path).
 *  \param [out] out  Written only on success.
 *  \retval MC_OK, MC_ERR_NOT_FOUND (no such file), MC_ERR_INVALID_NAME, MC_ERR_CLOSED. */
MC_API int mc_file_info(mc_store *store, const char *repo, const char *path, struct mc_file_info *out) MC_NOTHROW;

/** Files as a JSON array, sorted by repo then path: [{"repo","path","size","sha256","gitSha1"|null,
 *  "storedAt","chunkSize","chunkCount"}] (the field names of the TypeScript FileInfo).
 *  \param [in] repo   Only this repo's files, or NULL for all.
 *  \param [out] json  NUL-terminated UTF-8, owned by the caller: free it with mc_free().
 *  \retval MC_OK, MC_ERR_CLOSED, MC_ERR_NOMEM. */
MC_API int mc_list_files(mc_store *store, const char *repo, char **json) MC_NOTHROW;

/** Repos that have stored files or a manifest, as a sorted JSON array of strings.
 *  \param [out] json  Free with mc_free(). */
MC_API int mc_list_repos(mc_store *store, char **json) MC_NOTHROW;

/** A document of the docs table: (kind "manifest", name = repo id) is a repo's manifest (JSON).
 *  \param [out] value  The bytes, followed by a NUL the length does not count; free with mc_free().
 *  \param [out] len    Length in bytes (may be NULL).
 *  \retval MC_OK, MC_ERR_NOT_FOUND, MC_ERR_CLOSED. */
MC_API int mc_get_doc(mc_store *store, const char *kind, const char *name, char **value, size_t *len) MC_NOTHROW;

/** Documents of `kind` whose name starts with `prefix` (NULL = all), sorted by name, as a JSON array
 *  [{"name","value"}]; values are JSON strings (bytes that are not UTF-8 become U+FFFD).
 *  \param [out] json  Free with mc_free(). */
MC_API int mc_list_docs(mc_store *store, const char *kind, const char *prefix, char **json) MC_NOTHROW;

/** Database statistics (fixed layout; a change bumps MC_ABI_VERSION). Write `struct mc_stats`. */
struct mc_stats {
  uint64_t files, blobs, chunks, uploads, docs;
  uint64_t logical_bytes; /**< sum of file sizes */
  uint64_t stored_bytes;  /**< sum of distinct contents' sizes */
  uint64_t db_file_bytes, db_used_bytes, map_size, txnid;
  uint32_t page_size, chunk_size, max_readers, readers_used;
  uint32_t read_only; /**< 1 when opened with MC_OPEN_READ_ONLY */
  uint32_t zero_copy; /**< 1 when views map the database's pages (Linux); 0: views are copies */
};

/** \param [out] out  Written only on success. \retval MC_OK, MC_ERR_CLOSED, libmdbx codes. */
MC_API int mc_stats(mc_store *store, struct mc_stats *out) MC_NOTHROW;

/** Recomputes every chunk's CRC32C and checks every record (reads the whole database; may take long).
 *  \param [out] json  {"files","blobs","chunks","bytes","damagedBytes","damaged":[{"repo"|null,
 *                     "path"|null,"blob","chunk"|null,"reason"}]}; free with mc_free(). "bytes" counts
 *                     every content byte checked, "damagedBytes" those of damaged chunks; each damaged
 *                     chunk is listed. Damage is reported, not returned as an error.
 *  \retval MC_OK, MC_ERR_CLOSED, libmdbx codes. */
MC_API int mc_verify(mc_store *store, char **json) MC_NOTHROW;

/* ---- Views: a file's bytes, zero-copy --------------------------------------------------------------- */

/** Bytes of one file from one database state (opaque). Create with mc_view_open(), destroy with
 *  mc_view_release(). */
typedef struct mc_view mc_view;

/** mc_view_open() `length` for "to the end of the file". */
#define MC_VIEW_TO_END UINT64_MAX

/** Bytes [offset, offset+length) of (repo, path), with no copy where the platform allows it.
 *  On Linux the view maps the database's own pages privately (MAP_PRIVATE, PROT_READ|PROT_WRITE) into one
 *  contiguous, page-aligned range; ranges under 64 KiB are copied instead (cheaper than mapping them).
 *  The bytes are not checksummed here (use mc_view_open_ex() with MC_VIEW_VERIFY, or an mc_reader).
 *  Validity: *data stays valid and unchanged until mc_view_release(view), even across mc_close() and
 *  concurrent writes by any process: the view pins its read snapshot (libmdbx never reuses its pages;
 *  a view held through many rewrites makes the database file grow). Writes into *data do not crash and
 *  never reach the database, but are seen by other views of the same file and snapshot in this process:
 *  treat the bytes as read-only.
 *  \param [in] offset  First byte; at most the file size.
 *  \param [in] length  Number of bytes, or MC_VIEW_TO_END.
 *  \param [out] view   The new view; release it with mc_view_release(). Set only on success.
 *  \param [out] data   First byte. Not NULL, also for length 0 (then it must not be read).
 *  \param [out] size   Number of bytes.
 *  \retval MC_OK
 *  \retval MC_ERR_NOT_FOUND         no such file.
 *  \retval MC_ERR_INVALID_ARGUMENT  the range is outside the file.
 *  \retval MC_ERR_INVALID_NAME, MC_ERR_CLOSED, MC_ERR_CORRUPT, MC_ERR_NOMEM, errno (ENOMEM: mmap). */
MC_API int mc_view_open(mc_store *store, const char *repo, const char *path, uint64_t offset, uint64_t length,
                        mc_view **view, const uint8_t **data, size_t *size) MC_NOTHROW;

/** mc_view_open_ex() flags. */
#define MC_VIEW_VERIFY 0x1u /**< check the CRC32C of every chunk the range touches before returning */

/** mc_view_open() with flags. A view trusts the CRC32C checks made when the bytes were stored and by
 *  mc_verify(); with MC_VIEW_VERIFY it checks every chunk the range touches (whole chunks: the CRC covers
 *  the whole payload) before returning, which reads those bytes once (docs/READING.md).
 *  \param [in] flags  0 or MC_VIEW_VERIFY.
 *  \retval MC_ERR_CHECKSUM  (MC_VIEW_VERIFY) a chunk of the range is damaged; no view is returned.
 *  \retval as mc_view_open(). */
MC_API int mc_view_open_ex(mc_store *store, const char *repo, const char *path, uint64_t offset, uint64_t length,
                           unsigned flags, mc_view **view, const uint8_t **data, size_t *size) MC_NOTHROW;

/** Metadata of the file as of the view's snapshot (what the view shows), and whether the view maps the
 *  database (1) or is a copy (0).
 *  \param [out] info       May be NULL.
 *  \param [out] zero_copy  May be NULL.
 *  \retval MC_OK, MC_ERR_INVALID_ARGUMENT (view NULL). */
MC_API int mc_view_info(const mc_view *view, struct mc_file_info *info, int *zero_copy) MC_NOTHROW;

/** Releases a view: its memory is unmapped or freed at once, so nothing may use its data afterwards.
 *  NULL is accepted. \retval MC_OK */
MC_API int mc_view_release(mc_view *view) MC_NOTHROW;

/* ---- Readers: a file's bytes, copied and checked ------------------------------------------------------ */

/** One file from one database state, read by copies whose every chunk is CRC32C-checked (opaque). Create
 *  with mc_reader_open(), destroy with mc_reader_close(). A reader pins its read snapshot like a view:
 *  whatever is written meanwhile, by any process, it keeps returning the bytes of the file as it was when
 *  opened (a reader held through many rewrites makes the database file grow). Several threads may read
 *  through one reader at once; mc_reader_close() must not overlap any other call on it. */
typedef struct mc_reader mc_reader;

/** Opens a reader of (repo, path) on the newest database state.
 *  \param [out] out  The new reader; set only on success. Close it with mc_reader_close(). It stays valid
 *                    across mc_close() of the store.
 *  \retval MC_OK, MC_ERR_NOT_FOUND (no such file), MC_ERR_INVALID_NAME, MC_ERR_CLOSED, MC_ERR_NOMEM. */
MC_API int mc_reader_open(mc_store *store, const char *repo, const char *path, mc_reader **out) MC_NOTHROW;

/** Metadata of the file the reader reads (as of its snapshot).
 *  \param [out] info  Written only on success.
 *  \retval MC_OK, MC_ERR_INVALID_ARGUMENT (NULL argument). */
MC_API int mc_reader_info(const mc_reader *reader, struct mc_file_info *info) MC_NOTHROW;

/** Copies up to `len` bytes from `offset` into `buf`, after checking the CRC32C of every chunk they
 *  touch (the whole chunk, once per chunk per reader; it runs at memory speed). Reads past the end are
 *  short: *nread is the number of bytes copied (0 at the end of the file).
 *  \param [in] buf     Caller's memory of at least `len` bytes; the library never keeps it.
 *  \param [out] nread  Bytes copied; 0 on failure.
 *  \retval MC_OK
 *  \retval MC_ERR_CHECKSUM          a chunk failed its CRC32C check: the stored bytes are damaged (`buf`
 *                                   then holds unspecified bytes; `verify --repair` fetches them again).
 *  \retval MC_ERR_INVALID_ARGUMENT  offset past the end of the file, or a NULL argument.
 *  \retval MC_ERR_CORRUPT           a chunk is missing or its header is damaged. */
MC_API int mc_reader_read(mc_reader *reader, uint64_t offset, void *buf, size_t len, size_t *nread) MC_NOTHROW;

/** Closes a reader and frees it; its snapshot ends with it. NULL is accepted. \retval MC_OK */
MC_API int mc_reader_close(mc_reader *reader) MC_NOTHROW;

/* ---- Materializing: a real file for path-based loaders ------------------------------------------------ */

/** mc_materialize() flags. */
#define MC_MATERIALIZE_VERIFY 0x1u       /**< check every chunk's CRC32C (the default since ABI 2; kept) */
#define MC_MATERIALIZE_NO_REFLINK 0x2u   /**< start with copy_file_range */
#define MC_MATERIALIZE_PLAIN_COPY 0x4u   /**< only read/write (pwrite from the map) */
#define MC_MATERIALIZE_NO_VERIFY 0x8u    /**< skip the CRC32C checks (trust the stored bytes) */

/** How mc_materialize() moved the bytes. */
enum mc_copy_method {
  MC_COPY_REFLINK = 1,         /**< FICLONERANGE: shares the database's disk blocks, copy-on-write */
  MC_COPY_COPY_FILE_RANGE = 2, /**< in-kernel copy */
  MC_COPY_PLAIN = 3            /**< pwrite from the memory map */
};

/** Static name of an mc_copy_method: "reflink", "copy_file_range", "copy"; "unknown" otherwise. */
MC_API const char *mc_copy_method_name(int method) MC_NOTHROW;

/** Writes the content of (repo, path) to the file `dest`, replacing it atomically (temporary file in the
 *  same directory, fsync, rename, fsync of the directory). The directory must exist. Tries reflink, then
 *  copy_file_range, then a plain copy, each falling back when the filesystem refuses it; the file's size
 *  is checked before the rename. The copy reads one database state: a concurrent rewrite of the file
 *  yields either version whole, and `info` says which. Every chunk's CRC32C is checked on the way (it
 *  reads the data once) unless MC_MATERIALIZE_NO_VERIFY: a damaged chunk fails with MC_ERR_CHECKSUM and
 *  leaves no file at `dest`. Runs for as long as the copy takes; thread-safe.
 *  \param [in] flags    0 or MC_MATERIALIZE_* flags.
 *  \param [out] method  The mc_copy_method that moved the bulk of the bytes (may be NULL).
 *  \param [out] info    The file that was written: size, sha256, ... (may be NULL).
 *  \retval MC_OK, MC_ERR_NOT_FOUND, MC_ERR_CHECKSUM, MC_ERR_CORRUPT, MC_ERR_SIZE_MISMATCH, errno values (ENOENT: no such
 *          directory, ENOSPC, EACCES, ...). */
MC_API int mc_materialize(mc_store *store, const char *repo, const char *path, const char *dest, unsigned flags,
                          int *method, struct mc_file_info *info) MC_NOTHROW;

/* ---- Memory ------------------------------------------------------------------------------------------ */

/** Frees memory the library returned (JSON strings, document values). NULL is accepted. \retval MC_OK */
MC_API int mc_free(void *p) MC_NOTHROW;

#ifdef __cplusplus
}
#endif
#endif /* MODEL_CACHE_H */
