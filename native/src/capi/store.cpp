// C ABI: opening a cache and reading its metadata, documents, statistics and verification report.
#include <set>

#include "capi/handles.hpp"
#include "capi/json.hpp"
#include "core/materialize.hpp"

using namespace mc;
using mc::capi::fail;
using mc::capi::guard;
using mc::capi::StoreRef;

namespace {

bool bad_str(const char* s) { return s == nullptr; }

// Hands a JSON document to the caller as mc_free()-able memory.
int give_json(const capi::JsonWriter& w, char** out) {
  char* p = capi::to_c_string(w.str());
  if (!p) return fail(Error{MC_ERR_NOMEM, ""});
  *out = p;
  return capi::ok();
}

void file_json(capi::JsonWriter& w, const FileInfo& f) {
  w.begin_object();
  w.key("repo").string(f.repo);
  w.key("path").string(f.path);
  w.key("size").number(f.size);
  w.key("sha256").string(detail::hex(f.sha256, 32));
  if (f.has_sha1) {
    w.key("gitSha1").string(detail::hex(f.sha1, 20));
  } else {
    w.key("gitSha1").null();
  }
  w.key("storedAt").number(f.stored_ms);
  w.key("chunkSize").number(uint64_t(f.chunk_size));
  w.key("chunkCount").number(uint64_t(f.chunk_count));
  w.end_object();
}

}  // namespace

extern "C" {

MC_API int mc_open(const char* dir, unsigned flags, mc_store** out) noexcept {
  return guard([&] {
    if (bad_str(dir) || !out) return fail(Error{MC_ERR_INVALID_ARGUMENT, "dir and out must not be NULL"});
    if (flags & ~unsigned(MC_OPEN_READ_ONLY)) return fail(Error{MC_ERR_INVALID_ARGUMENT, "unknown flags"});
    Store::Options opts;
    opts.env.dir = dir;
    opts.env.read_only = (flags & MC_OPEN_READ_ONLY) != 0;
    auto s = std::make_shared<capi::StoreState>();
    Error e = Store::open(opts, &s->store);
    if (!e.ok()) return fail(e);
    s->snapshots = std::make_unique<SnapshotCache>(s->store->env());
    *out = capi::register_store(std::move(s));
    return capi::ok();
  });
}

MC_API int mc_close(mc_store* store) noexcept {
  return guard([&] {
    // Idempotent: NULL, or a handle already closed, is MC_OK.
    std::shared_ptr<capi::StoreState> s = capi::unregister_store(store);
    // Calls in flight on this handle keep the state until they return; the environment closes after
    // them and after the last view (views hold their own snapshots).
    if (s && s->store) s->store->close();
    return capi::ok();
  });
}

MC_API int mc_file_info(mc_store* store, const char* repo, const char* path, struct mc_file_info* out) noexcept {
  return guard([&] {
    StoreRef h(store);
    if (!h) return h.fail();
    Error e;
    if (bad_str(repo) || bad_str(path) || !out) return fail(Error{MC_ERR_INVALID_ARGUMENT, "NULL argument"});
    FileInfo f;
    if (!(e = h->store->file_info(repo, path, &f)).ok()) return fail(e);
    capi::to_c_info(f, out);
    return capi::ok();
  });
}

MC_API int mc_list_files(mc_store* store, const char* repo, char** json) noexcept {
  return guard([&] {
    StoreRef h(store);
    if (!h) return h.fail();
    Error e;
    if (!json) return fail(Error{MC_ERR_INVALID_ARGUMENT, "json must not be NULL"});
    std::vector<FileInfo> files;
    std::string r = repo ? repo : "";
    if (!(e = h->store->list_files(repo ? &r : nullptr, &files)).ok()) return fail(e);
    capi::JsonWriter w;
    w.begin_array();
    for (const FileInfo& f : files) file_json(w, f);
    w.end_array();
    return give_json(w, json);
  });
}

MC_API int mc_list_repos(mc_store* store, char** json) noexcept {
  return guard([&] {
    StoreRef h(store);
    if (!h) return h.fail();
    Error e;
    if (!json) return fail(Error{MC_ERR_INVALID_ARGUMENT, "json must not be NULL"});
    std::vector<FileInfo> files;
    std::vector<Doc> manifests;
    if (!(e = h->store->list_files(nullptr, &files)).ok()) return fail(e);
    if (!(e = h->store->list_docs("manifest", "", &manifests)).ok()) return fail(e);
    std::set<std::string> repos;
    for (const FileInfo& f : files) repos.insert(f.repo);
    for (const Doc& d : manifests) repos.insert(d.name);
    capi::JsonWriter w;
    w.begin_array();
    for (const std::string& r : repos) w.string(r);
    w.end_array();
    return give_json(w, json);
  });
}

MC_API int mc_get_doc(mc_store* store, const char* kind, const char* name, char** value, size_t* len) noexcept {
  return guard([&] {
    StoreRef h(store);
    if (!h) return h.fail();
    Error e;
    if (bad_str(kind) || bad_str(name) || !value) return fail(Error{MC_ERR_INVALID_ARGUMENT, "NULL argument"});
    std::string v;
    if (!(e = h->store->get_doc(kind, name, &v)).ok()) return fail(e);
    char* p = capi::to_c_string(v);
    if (!p) return fail(Error{MC_ERR_NOMEM, ""});
    *value = p;
    if (len) *len = v.size();
    return capi::ok();
  });
}

MC_API int mc_list_docs(mc_store* store, const char* kind, const char* prefix, char** json) noexcept {
  return guard([&] {
    StoreRef h(store);
    if (!h) return h.fail();
    Error e;
    if (bad_str(kind) || !json) return fail(Error{MC_ERR_INVALID_ARGUMENT, "NULL argument"});
    std::vector<Doc> docs;
    if (!(e = h->store->list_docs(kind, prefix ? prefix : "", &docs)).ok()) return fail(e);
    capi::JsonWriter w;
    w.begin_array();
    for (const Doc& d : docs) {
      w.begin_object();
      w.key("name").string(d.name);
      w.key("value").string(d.value);
      w.end_object();
    }
    w.end_array();
    return give_json(w, json);
  });
}

MC_API int mc_stats(mc_store* store, struct mc_stats* out) noexcept {
  return guard([&] {
    StoreRef h(store);
    if (!h) return h.fail();
    Error e;
    if (!out) return fail(Error{MC_ERR_INVALID_ARGUMENT, "out must not be NULL"});
    Stats s;
    if (!(e = h->store->stats(&s)).ok()) return fail(e);
    struct mc_stats r = {};
    r.files = s.files;
    r.blobs = s.blobs;
    r.chunks = s.chunks;
    r.uploads = s.uploads;
    r.docs = s.docs;
    r.logical_bytes = s.logical_bytes;
    r.stored_bytes = s.stored_bytes;
    r.db_file_bytes = s.db_file_bytes;
    r.db_used_bytes = s.db_used_bytes;
    r.map_size = s.map_size;
    r.txnid = s.txnid;
    r.page_size = s.page_size;
    r.chunk_size = s.chunk_size;
    r.max_readers = s.max_readers;
    r.readers_used = s.readers_used;
    r.read_only = h->store->read_only() ? 1 : 0;
    r.zero_copy = h->store->env()->mirror_supported() ? 1 : 0;
    *out = r;
    return capi::ok();
  });
}

MC_API int mc_verify(mc_store* store, char** json) noexcept {
  return guard([&] {
    StoreRef h(store);
    if (!h) return h.fail();
    Error e;
    if (!json) return fail(Error{MC_ERR_INVALID_ARGUMENT, "json must not be NULL"});
    VerifyReport rep;
    if (!(e = h->store->verify(&rep, nullptr)).ok()) return fail(e);
    capi::JsonWriter w;
    w.begin_object();
    w.key("files").number(rep.files);
    w.key("blobs").number(rep.blobs);
    w.key("chunks").number(rep.chunks);
    w.key("bytes").number(rep.bytes);
    w.key("damagedBytes").number(rep.damaged_bytes);
    w.key("damaged").begin_array();
    for (const DamagedFile& d : rep.damaged) {
      w.begin_object();
      if (d.repo.empty()) w.key("repo").null(); else w.key("repo").string(d.repo);
      if (d.path.empty()) w.key("path").null(); else w.key("path").string(d.path);
      w.key("blob").number(d.seq);
      if (d.chunk < 0) w.key("chunk").null(); else w.key("chunk").number(int64_t(d.chunk));
      w.key("reason").string(d.reason);
      w.end_object();
    }
    w.end_array();
    w.end_object();
    return give_json(w, json);
  });
}

MC_API int mc_materialize(mc_store* store, const char* repo, const char* path, const char* dest, unsigned flags,
                          int* method, struct mc_file_info* info) noexcept {
  return guard([&] {
    StoreRef h(store);
    if (!h) return h.fail();
    Error e;
    if (bad_str(repo) || bad_str(path) || bad_str(dest)) return fail(Error{MC_ERR_INVALID_ARGUMENT, "NULL argument"});
    constexpr unsigned known =
        MC_MATERIALIZE_VERIFY | MC_MATERIALIZE_NO_REFLINK | MC_MATERIALIZE_PLAIN_COPY | MC_MATERIALIZE_NO_VERIFY;
    if (flags & ~known) return fail(Error{MC_ERR_INVALID_ARGUMENT, "unknown flags"});
    MaterializeOptions opts;
    opts.verify_crc = (flags & MC_MATERIALIZE_NO_VERIFY) == 0;  // MC_MATERIALIZE_VERIFY is the default
    if (flags & MC_MATERIALIZE_NO_REFLINK) opts.first = CopyMethod::kCopyFileRange;
    if (flags & MC_MATERIALIZE_PLAIN_COPY) opts.first = CopyMethod::kCopy;
    MaterializeResult r;
    if (!(e = materialize_file(*h->store, repo, path, dest, opts, &r)).ok()) return fail(e);
    if (method) *method = int(r.method);
    if (info) capi::to_c_info(r.info, info);
    return capi::ok();
  });
}

}  // extern "C"
