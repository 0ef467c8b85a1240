#include "core/view.hpp"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <new>

#include "core/crc32c.hpp"

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

Error Snapshot::copy(const FileInfo& f, uint64_t offset, uint64_t len, uint8_t* dst, bool verify, ChunkChecks* checked) {
  if (offset > f.size || len > f.size - offset) return Error{MC_ERR_INVALID_ARGUMENT, "range outside the file"};
  if (checked && checked->size() != f.chunk_count) checked->assign(f.chunk_count, 0);
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t end = offset + len;
  while (offset < end) {
    uint32_t index = uint32_t(offset / f.chunk_size);
    uint64_t in_chunk = offset - uint64_t(index) * f.chunk_size;
    format::ChunkHeader h;
    const uint8_t* payload = nullptr;
    Error e = detail::read_chunk(txn_, env_->tables(), f.seq, index, &h, &payload);
    if (!e.ok()) return e;
    struct Forget {  // whatever happens, drop what reading the chunk mapped of libmdbx's map (Env::forget)
      const Env& env;
      const uint8_t* p;
      size_t n;
      ~Forget() { env.forget(p, n); }
    } forget{*env_, payload, h.payload_len};
    if (h.payload_len != detail::expected_chunk_len(f.size, f.chunk_size, index))
      return Error{MC_ERR_CORRUPT, "chunk " + std::to_string(index) + " of " + f.repo + "/" + f.path + " has the wrong length"};
    uint64_t n = std::min<uint64_t>(h.payload_len - in_chunk, end - offset);
    bool check = verify && !(checked && (*checked)[index]);
    if (check) {
      // The CRC covers the whole payload: a partial copy still reads all of it once.
      uint32_t got = n == h.payload_len ? detail::copy_crc(dst, payload, n) : crc32c(0, payload, h.payload_len);
      if (got != h.crc32c) return detail::checksum_error(f.repo + "/" + f.path, index, f.chunk_size, h.crc32c, got);
      if (checked) (*checked)[index] = 1;
      if (n != h.payload_len) std::memcpy(dst, payload + in_chunk, n);
    } else {
      std::memcpy(dst, payload + in_chunk, n);
    }
    dst += n;
    offset += n;
  }
  return {};
}

Error Snapshot::view(const FileInfo& f, uint64_t offset, uint64_t length, const ViewOptions& o, ViewBytes* out) {
  static const uint8_t kEmpty[1] = {0};
  if (offset > f.size || length > f.size - offset) return Error{MC_ERR_INVALID_ARGUMENT, "range outside the file"};
  out->size = length;
  if (length == 0) {
    out->data = kEmpty;
    return {};
  }
  uint32_t first = uint32_t(offset / f.chunk_size);
  uint32_t last = uint32_t((offset + length - 1) / f.chunk_size);
  Error e{MC_ERR_UNSUPPORTED, ""};
  std::shared_ptr<Mirror> m;
  if (length >= o.copy_below) e = mirror(f, first, last, &m);
  if (e.ok()) {
    if (o.verify) {
      bool all = o.checked != nullptr && o.checked->size() == f.chunk_count;
      for (uint32_t i = first; all && i <= last; i++) all = (*o.checked)[i] != 0;
      if (!all && !(e = m->verify(first, last)).ok()) return e;
      if (o.checked && o.checked->size() == f.chunk_count)
        for (uint32_t i = first; i <= last; i++) (*o.checked)[i] = 1;
    }
    out->data = m->data() + (offset - uint64_t(first) * f.chunk_size);
    out->mirror = std::move(m);
    return {};
  }
  if (e.rc != MC_ERR_UNSUPPORTED) return e;
  if (length > uint64_t(SIZE_MAX)) return Error{MC_ERR_TOO_LARGE, "range"};
  out->copy.reset(new (std::nothrow) uint8_t[size_t(length)]);
  if (!out->copy) return Error{MC_ERR_NOMEM, "copy of " + f.repo + "/" + f.path};
  if (!(e = copy(f, offset, length, out->copy.get(), o.verify, o.checked)).ok()) {
    out->copy.reset();
    return e;
  }
  out->data = out->copy.get();
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
  m->first_ = first;
  m->chunk_size_ = f.chunk_size;
  m->what_ = f.repo + "/" + f.path;
  m->crc_.resize(last - first + 1);
  m->len_.resize(last - first + 1);
  m->checked_.reset(new std::atomic<bool>[last - first + 1]);
  for (uint32_t i = 0; i <= last - first; i++) m->checked_[i].store(false, std::memory_order_relaxed);
  for (uint32_t i = first; i <= last; i++) {
    format::ChunkHeader h;
    const uint8_t* payload = nullptr;
    Error e = detail::read_chunk(txn_, env_->tables(), f.seq, i, &h, &payload);
    if (!e.ok()) return e;
    uint64_t expect = i + 1 < f.chunk_count ? f.chunk_size : f.size - uint64_t(i) * f.chunk_size;
    if (h.payload_len != expect) return Error{MC_ERR_CORRUPT, "chunk " + std::to_string(i) + " has the wrong length"};
    m->crc_[i - first] = h.crc32c;
    m->len_[i - first] = h.payload_len;
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

Error Mirror::verify(uint32_t first, uint32_t last) {
  if (first < first_ || last >= first_ + crc_.size() || last < first) return Error{MC_ERR_INVALID_ARGUMENT, "chunk range"};
  for (uint32_t i = first; i <= last; i++) {
    size_t k = i - first_;
    if (checked_[k].load(std::memory_order_acquire)) continue;
    // Two threads may check one chunk at once: both compute the same answer, so no lock is needed.
    uint32_t got = crc32c(0, base_ + uint64_t(k) * chunk_size_, len_[k]);
    if (got != crc_[k]) return detail::checksum_error(what_, i, chunk_size_, crc_[k], got);
    checked_[k].store(true, std::memory_order_release);
  }
  return {};
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
