// C ABI: zero-copy views of stored files.
#include "capi/handles.hpp"

using namespace mc;
using mc::capi::fail;
using mc::capi::guard;

namespace {

// The one body of mc_view_open and mc_view_open_ex: the core decides mirror or copy (Snapshot::view).
int view_open(mc_store* store, const char* repo, const char* path, uint64_t offset, uint64_t length,
                     unsigned flags, mc_view** view, const uint8_t** data, size_t* size) {
  return guard([&] {
    capi::StoreRef h(store);  // holds the store for this call (handles.hpp)
    if (!h) return h.fail();
    if (!repo || !path || !view || !data || !size) return fail(Error{MC_ERR_INVALID_ARGUMENT, "NULL argument"});
    if (flags & ~unsigned(MC_VIEW_VERIFY)) return fail(Error{MC_ERR_INVALID_ARGUMENT, "unknown flags"});
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
    ViewOptions o;
    o.verify = (flags & MC_VIEW_VERIFY) != 0;
    ViewBytes b;
    if (!(e = snap->view(f, offset, length, o, &b)).ok()) return fail(e);
    v->mirror = std::move(b.mirror);
    v->copy = std::move(b.copy);
    v->data = b.data;
    v->size = size_t(b.size);
    *data = v->data;
    *size = v->size;
    *view = v.release();
    return capi::ok();
  });
}

}  // namespace

extern "C" {

MC_API int mc_view_open(mc_store* store, const char* repo, const char* path, uint64_t offset, uint64_t length,
                        mc_view** view, const uint8_t** data, size_t* size) noexcept {
  return view_open(store, repo, path, offset, length, 0, view, data, size);
}

MC_API int mc_view_open_ex(mc_store* store, const char* repo, const char* path, uint64_t offset, uint64_t length,
                           unsigned flags, mc_view** view, const uint8_t** data, size_t* size) noexcept {
  return view_open(store, repo, path, offset, length, flags, view, data, size);
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
