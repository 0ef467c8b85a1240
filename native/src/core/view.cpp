#include "core/view.hpp"

#include <algorithm>
#include <cstring>
#include <iterator>

#ifdef __linux__
#include <sys/mman.h>
#endif

namespace mc {

Snapshot::Snapshot(std::shared_ptr<Env> env, MDBX_txn* txn)
    : env_(std::move(env)), txn_(txn), txnid_(mdbx_txn_id(txn)) {}

Snapshot::~Snapshot() {
  // With MDBX_NOTLS a read transaction may end on any thread (views are collected on the JS thread).
  if (txn_) mdbx_txn_abort(txn_);
}

Error Snapshot::lookup(const std::string& repo, const std::string& path, FileInfo* out) {
  std::lock_guard<std::mutex> lock(mu_);
  return detail::read_file(txn_, env_->tables(), repo, path, out);
}

Error Snapshot::copy(const FileInfo& f, uint64_t offset, uint64_t len, uint8_t* dst) {
  if (offset > f.size || len > f.size - offset) return Error{MC_ERR_INVALID_ARGUMENT, "range outside the file"};
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t end = offset + len;
  while (offset < end) {
    uint32_t index = uint32_t(offset / f.chunk_size);
    uint64_t in_chunk = offset - uint64_t(index) * f.chunk_size;
    format::ChunkHeader h;
    const uint8_t* payload = nullptr;
    Error e = detail::read_chunk(txn_, env_->tables(), f.seq, index, &h, &payload);
    if (!e.ok()) return e;
    if (in_chunk >= h.payload_len) return Error{MC_ERR_CORRUPT, "chunk " + std::to_string(index) + " is short"};
    uint64_t n = std::min<uint64_t>(h.payload_len - in_chunk, end - offset);
    std::memcpy(dst, payload + in_chunk, n);
    env_->forget(payload, h.payload_len);
    dst += n;
    offset += n;
  }
  return {};
}

Error Snapshot::mirror(const FileInfo& f, uint32_t first, uint32_t last, std::shared_ptr<Mirror>* out) {
  if (!env_->mirror_supported()) return Error{MC_ERR_UNSUPPORTED, "zero-copy views"};
  if (f.chunk_count == 0 || last < first || last >= f.chunk_count) return Error{MC_ERR_INVALID_ARGUMENT, "chunk range"};
  std::lock_guard<std::mutex> lock(mu_);
  auto key = std::make_tuple(f.seq, first, last);
  auto it = mirrors_.find(key);
  if (it != mirrors_.end()) {
    if (auto m = it->second.lock()) {
      *out = std::move(m);
      return {};
    }
  }
  Error e = build(f, first, last, out);
  if (!e.ok()) return e;
  mirrors_[key] = *out;
  if (mirrors_.size() > 256) {  // forget mirrors that died, so the index stays small
    for (auto i = mirrors_.begin(); i != mirrors_.end();) i = i->second.expired() ? mirrors_.erase(i) : std::next(i);
  }
  return {};
}

Error Snapshot::build(const FileInfo& f, uint32_t first, uint32_t last, std::shared_ptr<Mirror>* out) {
#ifdef __linux__
  const uint64_t page = format::kPageSize;
  uint64_t start = uint64_t(first) * f.chunk_size;
  uint64_t end = std::min<uint64_t>(uint64_t(last + 1) * f.chunk_size, f.size);
  uint64_t reserved = (end - start + page - 1) / page * page;
  void* base = mmap(nullptr, reserved, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (base == MAP_FAILED) return Error{errno, "reserve address space for a view"};
  std::shared_ptr<Mirror> m(new Mirror());
  m->snap_ = shared_from_this();
  m->base_ = static_cast<uint8_t*>(base);
  m->reserved_ = reserved;
  m->size_ = end - start;
  for (uint32_t i = first; i <= last; i++) {
    format::ChunkHeader h;
    const uint8_t* payload = nullptr;
    Error e = detail::read_chunk(txn_, env_->tables(), f.seq, i, &h, &payload);
    if (!e.ok()) return e;
    uint64_t expect = i + 1 < f.chunk_count ? f.chunk_size : f.size - uint64_t(i) * f.chunk_size;
    if (h.payload_len != expect) return Error{MC_ERR_CORRUPT, "chunk " + std::to_string(i) + " has the wrong length"};
    uint64_t file_off = 0;
    if (reinterpret_cast<uintptr_t>(payload) % page != 0 || !env_->file_offset(payload, &file_off))
      return Error{MC_ERR_UNSUPPORTED, "chunk payload is not page-aligned in the map"};
    uint64_t len = (h.payload_len + page - 1) / page * page;
    void* dst = static_cast<uint8_t*>(base) + uint64_t(i - first) * f.chunk_size;
    // MAP_PRIVATE + PROT_WRITE: a write copies the page for this process only; the descriptor is
    // read-only, so nothing can reach the file. MAP_NORESERVE: no commit charge for pages never written.
    void* got = mmap(dst, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED | MAP_NORESERVE, env_->mirror_fd(),
                     off_t(file_off));
    if (got == MAP_FAILED) return Error{errno, "map chunk " + std::to_string(i)};
    env_->forget_header(payload);  // the header read mapped pages of libmdbx's map: drop them
  }
  *out = std::move(m);
  return {};
#else
  return Error{MC_ERR_UNSUPPORTED, "zero-copy views"};
#endif
}

Mirror::~Mirror() {
#ifdef __linux__
  if (base_) munmap(base_, reserved_);
#endif
  // snap_ is released after the pages are gone: a reused page can never be visible through this range.
}

Error SnapshotCache::current(std::shared_ptr<Snapshot>* out) {
  MDBX_txn* txn = nullptr;
  Error e = env_->begin_read(&txn);
  if (!e.ok()) return e;
  std::lock_guard<std::mutex> lock(mu_);
  auto cur = current_.lock();
  if (cur && cur->txnid() == mdbx_txn_id(txn)) {
    mdbx_txn_abort(txn);  // nothing committed since: share the existing snapshot
    *out = std::move(cur);
    return {};
  }
  std::shared_ptr<Snapshot> s(new Snapshot(env_, txn));
  current_ = s;
  *out = std::move(s);
  return {};
}

}  // namespace mc
