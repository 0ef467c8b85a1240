// C ABI: zero-copy views of stored files.
#include "capi/handles.hpp"

using namespace mc;
using mc::capi::fail;
using mc::capi::guard;

namespace {
// Ranges shorter than this are copied: a copy of a few KiB costs less than mapping pages, and it does not
// pin a snapshot (the Node binding's `copyBelow` default).
constexpr uint64_t kCopyBelow = 64 << 10;
// mc_view_open's data pointer for empty views: not NULL, never read.
const uint8_t kEmpty[1] = {0};
}  // namespace

extern "C" {

MC_API int mc_view_open(mc_store* store, const char* repo, const char* path, uint64_t offset, uint64_t length,
                        mc_view** view, const uint8_t** data, size_t* size) noexcept {
  return guard([&] {
    capi::StoreRef h(store);  // holds the store for this call (handles.hpp)
    if (!h) return h.fail();
    if (!repo || !path || !view || !data || !size) return fail(Error{MC_ERR_INVALID_ARGUMENT, "NULL argument"});
    Error e = h->store->check_names(repo, path);
    if (!e.ok()) return fail(e);
    std::shared_ptr<Snapshot> snap;
    if (!(e = h->snapshots->current(&snap)).ok()) return fail(e);
    std::unique_ptr<mc_view> v(new mc_view());
    if (!(e = snap->lookup(repo, path, &v->info)).ok()) return fail(e);
    const FileInfo& f = v->info;
    if (offset > f.size) return fail(Error{MC_ERR_INVALID_ARGUMENT, "offset is past the end of the file"});
    if (length == MC_VIEW_TO_END) length = f.size - offset;
    if (length > f.size - offset) return fail(Error{MC_ERR_INVALID_ARGUMENT, "range is outside the file"});
    if (length > uint64_t(SIZE_MAX)) return fail(Error{MC_ERR_TOO_LARGE, "range"});
    v->size = size_t(length);
    if (length == 0) {
      v->data = kEmpty;
    } else {
      e = Error{MC_ERR_UNSUPPORTED, ""};
      uint32_t first = uint32_t(offset / f.chunk_size);
      uint32_t last = uint32_t((offset + length - 1) / f.chunk_size);
      if (length >= kCopyBelow) e = snap->mirror(f, first, last, &v->mirror);
      if (e.ok()) {
        v->data = v->mirror->data() + (offset - uint64_t(first) * f.chunk_size);
      } else if (e.rc == MC_ERR_UNSUPPORTED) {
        v->copy.reset(new (std::nothrow) uint8_t[v->size]);
        if (!v->copy) return fail(Error{MC_ERR_NOMEM, "copy of " + f.repo + "/" + f.path});
        if (!(e = snap->copy(f, offset, length, v->copy.get())).ok()) return fail(e);
        v->data = v->copy.get();
      } else {
        return fail(e);
      }
    }
    *data = v->data;
    *size = v->size;
    *view = v.release();
    return capi::ok();
  });
}

MC_API int mc_view_info(const mc_view* view, struct mc_file_info* info, int* zero_copy) noexcept {
  if (!view) return fail(Error{MC_ERR_INVALID_ARGUMENT, "view is NULL"});
  if (info) capi::to_c_info(view->info, info);
  if (zero_copy) *zero_copy = view->mirror ? 1 : 0;
  return capi::ok();
}

MC_API int mc_view_release(mc_view* view) noexcept {
  // Destroying the view drops its mirror reference: the last one unmaps the pages, then ends the snapshot.
  return guard([&] {
    delete view;
    return capi::ok();
  });
}

}  // extern "C"
