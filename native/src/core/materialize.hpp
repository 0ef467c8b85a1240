// Materializing a stored file as a real file, for loaders that only open paths (onnxruntime's external
// data, llama.cpp's GGUF, anything that mmaps by name).
//
// Every chunk payload is page-aligned in the database file (format.hpp, kPayloadOffset), so the bytes can
// move file-to-file inside the kernel instead of through user space:
//  1. FICLONERANGE (reflink): the destination shares the database's disk blocks, copy-on-write; no data is
//     read or written (btrfs, XFS with reflink=1, bcachefs; not ext4). Needs both files on one filesystem
//     and block-aligned ranges, so the last partial block of a chunk goes by the next method.
//  2. copy_file_range: an in-kernel copy through the page cache (any Linux filesystem since 5.3; on NFS
//     and some others a server-side copy).
//  3. pwrite() straight from libmdbx's memory map: no intermediate buffer.
// Each method falls back to the next when the kernel or filesystem refuses it. The copy runs inside one
// read transaction, so the chunks it reads cannot be reused by a concurrent writer meanwhile.
//
// The destination appears atomically: the bytes go to a temporary file in the destination's directory,
// which is fsynced, checked for size and renamed over `dest`; the directory is fsynced after. A reader
// that has the old `dest` open or mapped keeps its old inode.
#pragma once
#include <cstdint>
#include <string>

#include "core/errors.hpp"
#include "core/store.hpp"

namespace mc {

/** Ordered fastest first; a larger value is a fallback of a smaller one. Values are part of the C ABI. */
enum class CopyMethod : int { kReflink = 1, kCopyFileRange = 2, kCopy = 3 };

/** "reflink", "copy_file_range" or "copy". */
const char* copy_method_name(CopyMethod m) noexcept;

struct MaterializeOptions {
  /** The first method to try (tests force the fallbacks with it). */
  CopyMethod first = CopyMethod::kReflink;
  /** Check each chunk's CRC32C before copying it: a damaged chunk fails with MC_ERR_CHECKSUM and no
   *  destination file is left. On by default (docs/READING.md); it reads the data once, from the page cache
   *  when the file was read recently. */
  bool verify_crc = true;
};

struct MaterializeResult {
  /** The method that moved the file's block-aligned bytes (the last partial block of a chunk can
   *  need a fallback and does not count); for a file under one block, the method that copied it. */
  CopyMethod method = CopyMethod::kCopy;
  uint64_t bytes = 0;
  /** The file as it was copied (a concurrent writer may have replaced it since): size, sha256, ... */
  FileInfo info;
};

/**
 * Writes the content of (repo, path) to `dest` (a file path whose directory must exist), replacing it
 * atomically. MC_ERR_NOT_FOUND when the store has no such file; errno values for file system failures.
 * Thread-safe; runs for as long as the copy takes (call it off any event loop).
 */
Error materialize_file(const Store& store, const std::string& repo, const std::string& path,
                       const std::string& dest, const MaterializeOptions& opts, MaterializeResult* out);

}  // namespace mc
