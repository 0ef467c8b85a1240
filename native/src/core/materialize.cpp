#include "core/materialize.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>
#include <new>

#ifdef __linux__
#include <linux/fs.h>  // FICLONERANGE, struct file_clone_range
#include <sys/ioctl.h>
#endif

#include "core/crc32c.hpp"
#include "core/test_hooks.hpp"

namespace mc {

const char* copy_method_name(CopyMethod m) noexcept {
  switch (m) {
    case CopyMethod::kReflink: return "reflink";
    case CopyMethod::kCopyFileRange: return "copy_file_range";
    case CopyMethod::kCopy: return "copy";
  }
  return "unknown";
}

namespace {

using detail::ReadTxn;

// Owns the temporary file until it is renamed into place; removes it on every failure path.
struct TempFile {
  std::string path;
  int fd = -1;
  bool keep = false;
  ~TempFile() {
    if (fd >= 0) ::close(fd);
    if (!keep && !path.empty()) ::unlink(path.c_str());
  }
};

// errno values with which a method says "not here" rather than "failed": the caller falls back.
bool refused(int err, CopyMethod m) {
  switch (err) {
    case EOPNOTSUPP:  // filesystem without the operation (ext4 and FICLONERANGE)
#if EOPNOTSUPP != ENOTSUP
    case ENOTSUP:
#endif
    case EXDEV:   // different filesystems (copy_file_range before Linux 5.3, any reflink)
    case ENOSYS:  // kernel without the call
    case ENOTTY:  // ioctl unknown to the file's driver
    case EINVAL:  // unaligned range for this filesystem's block size, or a file type the call refuses
      return true;
    case EPERM:  // some filesystems refuse clones of files they consider in use
    case ETXTBSY:
      return m == CopyMethod::kReflink;
    default:
      return false;
  }
}

Error write_all(int fd, const uint8_t* p, uint64_t len, uint64_t off) {
  while (len > 0) {
    size_t n = size_t(std::min<uint64_t>(len, uint64_t(1) << 30));
    ssize_t w = ::pwrite(fd, p, n, off_t(off));
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return Error{errno, "write"};
    p += w;
    off += uint64_t(w);
    len -= uint64_t(w);
  }
  return {};
}

// Copies [src_off, src_off+len) of the database file to [dst_off, ...) of the temporary file, with the
// method *m or a fallback (which then sticks: *m is lowered for the rest of the file).
Error copy_range(int src_fd, const uint8_t* src_ptr, uint64_t src_off, int dst_fd, uint64_t dst_off,
                 uint64_t len, CopyMethod* m) {
#ifdef __linux__
  if (*m == CopyMethod::kCopyFileRange && src_fd >= 0) {
    loff_t in = loff_t(src_off), out = loff_t(dst_off);
    uint64_t left = len;
    bool first = true;
    while (left > 0) {
      ssize_t n = ::copy_file_range(src_fd, &in, dst_fd, &out, size_t(std::min<uint64_t>(left, uint64_t(1) << 30)), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && first && refused(errno, *m)) {
        *m = CopyMethod::kCopy;
        break;
      }
      if (n < 0) return Error{errno, "copy_file_range"};
      if (n == 0) return Error{MC_ERR_CORRUPT, "the database file ends inside a chunk"};
      first = false;
      left -= uint64_t(n);
    }
    if (left == 0) return {};
    // Refused before any byte moved: fall through to the plain copy of the whole range.
  }
#endif
  *m = CopyMethod::kCopy;
  return write_all(dst_fd, src_ptr, len, dst_off);
}

// CRC32C of a chunk payload for the check before copying it. With a descriptor, through pread() in blocks
// that stay in L2: reading through libmdbx's map instead costs a page fault per page (under load, three
// times the copy itself for 1 GiB), and the preads leave the data in the page cache for the copy.
Error crc_of(int fd, uint64_t off, const uint8_t* map_ptr, uint64_t len, std::unique_ptr<uint8_t[]>* scratch,
             uint32_t* out) {
  if (fd < 0) {
    *out = crc32c(0, map_ptr, size_t(len));
    return {};
  }
  constexpr size_t kBlock = 1 << 20;
  if (!*scratch) scratch->reset(new (std::nothrow) uint8_t[kBlock]);
  if (!*scratch) return Error{MC_ERR_NOMEM, "CRC32C buffer"};
  uint32_t crc = 0;
  while (len > 0) {
    ssize_t n = ::pread(fd, scratch->get(), size_t(std::min<uint64_t>(len, kBlock)), off_t(off));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error{errno, "read the database file"};
    if (n == 0) return Error{MC_ERR_CORRUPT, "the database file ends inside a chunk"};
    crc = crc32c(crc, scratch->get(), size_t(n));
    off += uint64_t(n);
    len -= uint64_t(n);
  }
  *out = crc;
  return {};
}

std::string parent_dir(const std::string& p) {
  size_t slash = p.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return p.substr(0, slash);
}

}  // namespace

Error materialize_file(const Store& store, const std::string& repo, const std::string& path,
                       const std::string& dest, const MaterializeOptions& opts, MaterializeResult* out) {
  if (store.closed()) return Error{MC_ERR_CLOSED, "store"};
  Error e = store.check_names(repo, path);
  if (!e.ok()) return e;
  if (dest.empty() || dest.find('\0') != std::string::npos || dest.back() == '/')
    return Error{MC_ERR_INVALID_ARGUMENT, "destination must be a file path"};
  const Env& env = *store.env();

  // One read transaction for the whole copy: the chunks' pages stay as they are until it ends, even if a
  // writer replaces or deletes the file meanwhile (we then materialize the version we looked up).
  ReadTxn r;
  if (!(e = env.begin_read(&r.txn)).ok()) return e;
  FileInfo f;
  if (!(e = detail::read_file(r.txn, env.tables(), repo, path, &f)).ok()) return e;

  static std::atomic<uint64_t> counter{0};
  TempFile tmp;
  tmp.path = dest + ".mc-tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1));
  // O_EXCL never follows a symbolic link at the temporary name (O_NOFOLLOW says so twice), and rename()
  // below replaces a link at `dest` instead of writing through it. Directories above `dest` are the
  // caller's to check (lib/hf-cache/export-files.ts refuses links there).
  tmp.fd = ::open(tmp.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (tmp.fd < 0) {
    int err = errno;
    tmp.path.clear();  // not ours to unlink
    return Error{err, "create " + dest};
  }

  const int src_fd = env.mirror_fd();
  const uint64_t page = format::kPageSize;
  CopyMethod method = opts.first;
  if (src_fd < 0) method = CopyMethod::kCopy;  // no descriptor of the database file: copy from the map
  CopyMethod bulk = CopyMethod::kReflink;      // weakest method that moved block-aligned bytes
  bool any_bulk = false;
  CopyMethod tail_method = CopyMethod::kReflink;
  std::unique_ptr<uint8_t[]> scratch;  // crc_of()'s buffer

  for (uint32_t i = 0; i < f.chunk_count; i++) {
    format::ChunkHeader h;
    const uint8_t* payload = nullptr;
    if (!(e = detail::read_chunk(r.txn, env.tables(), f.seq, i, &h, &payload)).ok()) return e;
    // However this chunk is copied, what reading it mapped of libmdbx's map goes afterwards (Env::forget).
    struct Forget {
      const Env& env;
      const uint8_t* p;
      size_t n;
      ~Forget() { env.forget(p, n); }
    } forget{env, payload, h.payload_len};
    uint64_t expect = i + 1 < f.chunk_count ? f.chunk_size : f.size - uint64_t(i) * f.chunk_size;
    if (h.payload_len != expect)
      return Error{MC_ERR_CORRUPT, "chunk " + std::to_string(i) + " of " + repo + "/" + path + " has the wrong length"};
    uint64_t src_off = 0;
    bool has_off = src_fd >= 0 && env.file_offset(payload, &src_off) && src_off % page == 0;
    if (opts.verify_crc) {
      uint32_t got = 0;
      if (!(e = crc_of(has_off ? src_fd : -1, src_off, payload, h.payload_len, &scratch, &got)).ok()) return e;
      if (got != h.crc32c) return detail::checksum_error(repo + "/" + path, i, f.chunk_size, h.crc32c, got);
    }
    if (!has_off) method = CopyMethod::kCopy;
    uint64_t dst_off = uint64_t(i) * f.chunk_size;
    uint64_t len = h.payload_len;
    uint64_t aligned = len / page * page;

#ifdef __linux__
    if (method == CopyMethod::kReflink && aligned > 0) {
      struct file_clone_range fcr;
      fcr.src_fd = src_fd;
      fcr.src_offset = src_off;
      fcr.src_length = aligned;
      fcr.dest_offset = dst_off;
      if (::ioctl(tmp.fd, FICLONERANGE, &fcr) == 0) {
        any_bulk = true;
        if (aligned < len) {  // the last partial block: a clone must end on a block boundary
          CopyMethod tm = CopyMethod::kCopyFileRange;
          if (!(e = copy_range(src_fd, payload + aligned, src_off + aligned, tmp.fd, dst_off + aligned, len - aligned, &tm)).ok())
            return e;
          tail_method = std::max(tail_method, tm);
        }
        continue;
      }
      if (!refused(errno, CopyMethod::kReflink)) return Error{errno, "FICLONERANGE"};
      method = CopyMethod::kCopyFileRange;
    }
#endif
    if (method == CopyMethod::kReflink) method = CopyMethod::kCopyFileRange;
    if (!(e = copy_range(src_fd, payload, src_off, tmp.fd, dst_off, len, &method)).ok()) return e;
    if (aligned > 0) {
      any_bulk = true;
      bulk = std::max(bulk, method);
    } else {
      tail_method = std::max(tail_method, method);
    }
  }

  struct stat st;
  if (::fstat(tmp.fd, &st) != 0) return Error{errno, "stat " + tmp.path};
  if (uint64_t(st.st_size) != f.size)
    return Error{MC_ERR_SIZE_MISMATCH, dest + " has " + std::to_string(st.st_size) + " bytes, expected " + std::to_string(f.size)};
  if (::fsync(tmp.fd) != 0) return Error{errno, "fsync " + tmp.path};
  test::kill_point("materialize.before_rename");
  if (::rename(tmp.path.c_str(), dest.c_str()) != 0) return Error{errno, "rename to " + dest};
  tmp.keep = true;
  // The rename is durable only once the directory is: a crash could otherwise leave the old name.
  int dir = ::open(parent_dir(dest).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  out->bytes = f.size;
  out->info = f;
  out->method = any_bulk ? bulk : (f.chunk_count ? tail_method : CopyMethod::kCopy);
  return {};
}

}  // namespace mc
