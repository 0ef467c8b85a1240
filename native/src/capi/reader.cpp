// C ABI: pinned, verified readers (core/reader.hpp).
#include "capi/handles.hpp"
#include "core/reader.hpp"

using namespace mc;
using mc::capi::fail;
using mc::capi::guard;

// One file from one snapshot, with the CRC32C of every chunk it returns checked. The core Reader is
// thread-safe, so an mc_reader may be used by several threads at once (except mc_reader_close).
struct mc_reader {
  std::shared_ptr<Reader> reader;
};

extern "C" {

MC_API int mc_reader_open(mc_store* store, const char* repo, const char* path, mc_reader** out) noexcept {
  return guard([&] {
    capi::StoreRef h(store);  // holds the store for this call (handles.hpp)
    if (!h) return h.fail();
    if (!repo || !path || !out) return fail(Error{MC_ERR_INVALID_ARGUMENT, "NULL argument"});
    Error e = h->store->check_names(repo, path);
    if (!e.ok()) return fail(e);
    std::shared_ptr<Snapshot> snap;
    if (!(e = h->snapshots->current(&snap)).ok()) return fail(e);
    std::unique_ptr<mc_reader> r(new mc_reader());
    if (!(e = Reader::open(std::move(snap), repo, path, &r->reader)).ok()) return fail(e);
    *out = r.release();
    return capi::ok();
  });
}

MC_API int mc_reader_info(const mc_reader* reader, struct mc_file_info* info) noexcept {
  if (!reader || !reader->reader || !info) return fail(Error{MC_ERR_INVALID_ARGUMENT, "NULL argument"});
  capi::to_c_info(reader->reader->info(), info);
  return capi::ok();
}

MC_API int mc_reader_read(mc_reader* reader, uint64_t offset, void* buf, size_t len, size_t* nread) noexcept {
  return guard([&] {
    if (!reader || !reader->reader || (!buf && len > 0) || !nread)
      return fail(Error{MC_ERR_INVALID_ARGUMENT, "NULL argument"});
    *nread = 0;
    const FileInfo& f = reader->reader->info();
    if (offset > f.size) return fail(Error{MC_ERR_INVALID_ARGUMENT, "offset is past the end of the file"});
    uint64_t n = std::min<uint64_t>(len, f.size - offset);
    if (n > 0) {
      Error e = reader->reader->read(offset, n, static_cast<uint8_t*>(buf));
      if (!e.ok()) return fail(e);
    }
    *nread = size_t(n);
    return capi::ok();
  });
}

MC_API int mc_reader_close(mc_reader* reader) noexcept {
  // The last reference to the snapshot ends its read transaction.
  return guard([&] {
    delete reader;
    return capi::ok();
  });
}

}  // extern "C"
