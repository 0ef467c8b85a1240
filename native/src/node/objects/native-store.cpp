#include "node/objects/native-store.hpp"

#include <cstring>

#include "node/addon.hpp"
#include "node/util/args.hpp"
#include "node/util/convert.hpp"
#include "node/util/errors.hpp"
#include "node/objects/native-reader.hpp"
#include "node/util/views.hpp"
#include "node/util/wrap.hpp"
#include "node/workers/compact-worker.hpp"
#include "node/workers/materialize-worker.hpp"
#include "node/workers/open-worker.hpp"
#include "node/workers/verify-worker.hpp"

namespace mc::node {

namespace {

Napi::Value Settle(Napi::Env env, Napi::Promise::Deferred& d, const Error& e, Napi::Value ok) {
  if (e.ok()) {
    d.Resolve(ok);
  } else {
    d.Reject(MakeStoreError(env, e).Value());
  }
  return env.Undefined();
}

}  // namespace

Napi::Function NativeStore::Init(Napi::Env env) {
  return DefineTaggedClass<NativeStore>(env, {
      TaggedMethod<NativeStore, &NativeStore::JS_open>(env, "open"),
      TaggedMethod<NativeStore, &NativeStore::JS_close>(env, "close"),
      TaggedMethod<NativeStore, &NativeStore::JS_fileInfo>(env, "fileInfo"),
      TaggedMethod<NativeStore, &NativeStore::JS_getFile>(env, "getFile"),
      TaggedMethod<NativeStore, &NativeStore::JS_getRange>(env, "getRange"),
      TaggedMethod<NativeStore, &NativeStore::JS_release>(env, "release"),
      TaggedMethod<NativeStore, &NativeStore::JS_openReader>(env, "openReader"),
      TaggedMethod<NativeStore, &NativeStore::JS_listFiles>(env, "listFiles"),
      TaggedMethod<NativeStore, &NativeStore::JS_stats>(env, "stats"),
      TaggedMethod<NativeStore, &NativeStore::JS_verify>(env, "verify"),
      TaggedMethod<NativeStore, &NativeStore::JS_beginUpload>(env, "beginUpload"),
      TaggedMethod<NativeStore, &NativeStore::JS_putChunk>(env, "putChunk"),
      TaggedMethod<NativeStore, &NativeStore::JS_commitUpload>(env, "commitUpload"),
      TaggedMethod<NativeStore, &NativeStore::JS_abortUpload>(env, "abortUpload"),
      TaggedMethod<NativeStore, &NativeStore::JS_listUploads>(env, "listUploads"),
      TaggedMethod<NativeStore, &NativeStore::JS_linkFile>(env, "linkFile"),
      TaggedMethod<NativeStore, &NativeStore::JS_deleteFile>(env, "deleteFile"),
      TaggedMethod<NativeStore, &NativeStore::JS_getDoc>(env, "getDoc"),
      TaggedMethod<NativeStore, &NativeStore::JS_putDoc>(env, "putDoc"),
      TaggedMethod<NativeStore, &NativeStore::JS_listDocs>(env, "listDocs"),
      TaggedMethod<NativeStore, &NativeStore::JS_materialize>(env, "materialize"),
      // partial chunks of an upload (pieces)
      TaggedMethod<NativeStore, &NativeStore::JS_putPiece>(env, "putPiece"),
      TaggedMethod<NativeStore, &NativeStore::JS_readPartial>(env, "readPartial"),
      // repair (objects/native-store-repair.cpp)
      TaggedMethod<NativeStore, &NativeStore::JS_repairChunk>(env, "repairChunk"),
      TaggedMethod<NativeStore, &NativeStore::JS_checkFile>(env, "checkFile"),
  });
}

NativeStore::NativeStore(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeStore>(info), env_(info.Env()) {
  info.This().As<Napi::Object>().TypeTag(&kTypeTag);
  napi_add_env_cleanup_hook(env_, CleanupHook, this);
  hook_added_ = true;
}

NativeStore::~NativeStore() {
  // The destructor may be deferred (node-addon-api object_wrap.md); the cleanup hook may have run already.
  CloseHandles();
  if (hook_added_) napi_remove_env_cleanup_hook(env_, CleanupHook, this);
}

void NativeStore::CleanupHook(void* arg) {
  auto* self = static_cast<NativeStore*>(arg);
  self->hook_added_ = false;  // Node removes a hook once it ran
  self->CloseHandles();
  // The environment is going away: pending promises can no longer settle.
  if (self->queue_) self->queue_->Close();
}

void NativeStore::CloseHandles() {
  closed_ = true;
  if (store_) store_->close();
  snapshots_.reset();  // views keep their own snapshots
  store_.reset();      // the environment closes when the last handle, write and view are gone
  if (queue_) queue_->CloseWhenIdle();
}

void NativeStore::Opened(Napi::Env env, std::shared_ptr<Store> store) {
  opening_ = false;
  if (!store) return;
  if (closed_) {  // close() was called while opening
    store->close();
    return;
  }
  store_ = std::move(store);
  snapshots_ = std::make_unique<SnapshotCache>(store_->env());
  queue_ = CompletionQueue::Create(env);
}

bool NativeStore::RequireOpen(Napi::Env env) {
  if (store_ && !closed_) return true;
  ThrowStoreError(env, Error{MC_ERR_CLOSED, closed_ ? "" : "open() has not finished"});
  return false;
}

Napi::Value NativeStore::RejectClosed(Napi::Env env) {
  auto d = Napi::Promise::Deferred::New(env);
  d.Reject(MakeStoreError(env, Error{MC_ERR_CLOSED, closed_ ? "" : "open() has not finished"}).Value());
  return d.Promise();
}

// ---- open / close -------------------------------------------------------------------------------------

Napi::Value NativeStore::JS_open(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string dir;
  Napi::Object o;
  if (!GetString(info, 0, "path", &dir) || !GetOptions(info, 1, &o)) return env.Undefined();
  if (store_ || opening_ || closed_) return ThrowStoreError(env, Error{MC_ERR_INVALID_ARGUMENT, "open() called twice"});
  std::optional<uint64_t> chunk, max_size, readers, copy_below;
  bool read_only = false;
  if (!GetOptUint(o, "chunkSize", UINT32_MAX, &chunk) || !GetOptUint(o, "maxSize", UINT64_MAX, &max_size) ||
      !GetOptUint(o, "maxReaders", 1u << 20, &readers) || !GetOptBool(o, "readOnly", &read_only) ||
      !GetOptUint(o, "copyBelow", kMaxBufferLength, &copy_below))
    return env.Undefined();
  Store::Options opts;
  opts.env.dir = dir;
  opts.env.read_only = read_only;
  opts.env.max_size = max_size.value_or(0);
  opts.env.max_readers = uint32_t(readers.value_or(0));
  opts.env.chunk_size = uint32_t(chunk.value_or(0));
  opts.chunk_size = uint32_t(chunk.value_or(0));
  if (copy_below) copy_below_ = *copy_below;
  opening_ = true;
  auto* worker = new OpenWorker(env, this, Value(), std::move(opts));
  Napi::Promise p = worker->Promise();
  worker->Queue();
  return p;
}

Napi::Value NativeStore::JS_close(const Napi::CallbackInfo& info) {
  CloseHandles();
  return info.Env().Undefined();
}

// ---- reads ------------------------------------------------------------------------------------------

Napi::Value NativeStore::JS_fileInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string repo, path;
  if (!GetString(info, 0, "repo", &repo) || !GetString(info, 1, "path", &path) || !RequireOpen(env)) return env.Undefined();
  FileInfo f;
  Error e = store_->file_info(repo, path, &f);
  if (e.rc == MC_ERR_NOT_FOUND) return env.Null();
  if (!e.ok()) return ThrowStoreError(env, e);
  return FileInfoToJs(env, f);
}

Napi::Value NativeStore::GetView(const Napi::CallbackInfo& info, uint64_t offset, uint64_t length, bool to_end,
                                 size_t opts_arg) {
  Napi::Env env = info.Env();
  std::string repo, path;
  Napi::Object o;
  ViewOptions vo;
  if (!GetString(info, 0, "repo", &repo) || !GetString(info, 1, "path", &path) || !GetOptions(info, opts_arg, &o) ||
      !GetOptBool(o, "verify", &vo.verify) || !RequireOpen(env))
    return env.Undefined();
  Error e = store_->check_names(repo, path);
  if (!e.ok()) return ThrowStoreError(env, e);
  std::shared_ptr<Snapshot> snap;
  if (!(e = snapshots_->current(&snap)).ok()) return ThrowStoreError(env, e);
  FileInfo f;
  e = snap->lookup(repo, path, &f);
  if (e.rc == MC_ERR_NOT_FOUND) return env.Null();
  if (!e.ok()) return ThrowStoreError(env, e);
  if (to_end) length = f.size;
  if (offset > f.size || length > f.size - offset) {
    Napi::Error err = Napi::RangeError::New(env, "range " + std::to_string(offset) + "+" + std::to_string(length) +
                                                     " is outside the " + std::to_string(f.size) + "-byte file");
    err.Set("code", Napi::String::New(env, "ERR_OUT_OF_RANGE"));
    err.ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::string what = f.repo + "/" + f.path;
  if (length > kMaxBufferLength)  // before mapping anything
    return ThrowStoreError(env, Error{MC_ERR_TOO_LARGE, what + " is " + std::to_string(length) +
                                                           " bytes; one Buffer holds at most 4 GiB"});
  vo.copy_below = copy_below_;
  ViewBytes bytes;
  if (!(e = snap->view(f, offset, length, vo, &bytes)).ok()) return ThrowStoreError(env, e);
  return MakeViewBuffer(env, std::move(bytes), what);
}

// getFile(repo, path, options?: { verify?: boolean })
Napi::Value NativeStore::JS_getFile(const Napi::CallbackInfo& info) { return GetView(info, 0, 0, true, 2); }

// getRange(repo, path, offset, length, options?: { verify?: boolean })
Napi::Value NativeStore::JS_getRange(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint64_t offset = 0, length = 0;
  if (!GetUint(info, 2, "offset", UINT64_MAX, &offset) || !GetUint(info, 3, "length", UINT64_MAX, &length))
    return env.Undefined();
  return GetView(info, offset, length, false, 4);
}

Napi::Value NativeStore::JS_release(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), ReleaseView(info[0]));
}

// openReader(repo, path): a NativeReader pinned to the newest snapshot, or null when the file is absent.
Napi::Value NativeStore::JS_openReader(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string repo, path;
  if (!GetString(info, 0, "repo", &repo) || !GetString(info, 1, "path", &path) || !RequireOpen(env)) return env.Undefined();
  Error e = store_->check_names(repo, path);
  if (!e.ok()) return ThrowStoreError(env, e);
  std::shared_ptr<Snapshot> snap;
  if (!(e = snapshots_->current(&snap)).ok()) return ThrowStoreError(env, e);
  std::shared_ptr<Reader> reader;
  e = Reader::open(std::move(snap), repo, path, &reader);
  if (e.rc == MC_ERR_NOT_FOUND) return env.Null();
  if (!e.ok()) return ThrowStoreError(env, e);
  return NativeReader::New(env, std::move(reader), copy_below_);
}

Napi::Value NativeStore::JS_listFiles(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string repo;
  bool filter = !info[0].IsUndefined() && !info[0].IsNull();
  if ((filter && !GetString(info, 0, "repo", &repo)) || !RequireOpen(env)) return env.Undefined();
  std::vector<FileInfo> files;
  Error e = store_->list_files(filter ? &repo : nullptr, &files);
  if (!e.ok()) return ThrowStoreError(env, e);
  Napi::Array out = Napi::Array::New(env, files.size());
  for (size_t i = 0; i < files.size(); i++) out.Set(uint32_t(i), FileInfoToJs(env, files[i]));
  return out;
}

Napi::Value NativeStore::JS_stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!RequireOpen(env)) return env.Undefined();
  Stats s;
  Error e = store_->stats(&s);
  if (!e.ok()) return ThrowStoreError(env, e);
  Napi::Object o = StatsToJs(env, s);
  o.Set("zeroCopy", Napi::Boolean::New(env, store_->env()->mirror_supported()));
  o.Set("readOnly", Napi::Boolean::New(env, store_->read_only()));
  o.Set("path", Napi::String::New(env, store_->env()->db_path()));
  o.Set("copyBelow", Napi::Number::New(env, double(copy_below_)));
  o.Set("maxKeySize", Napi::Number::New(env, double(store_->env()->max_key_size())));
  return o;
}

Napi::Value NativeStore::JS_verify(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!store_ || closed_) return RejectClosed(env);
  auto* worker = new VerifyWorker(env, store_);
  Napi::Promise p = worker->Promise();
  worker->Queue();
  return p;
}

Napi::Value NativeStore::JS_listUploads(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!RequireOpen(env)) return env.Undefined();
  std::vector<UploadInfo> uploads;
  Error e = store_->list_uploads(&uploads);
  if (!e.ok()) return ThrowStoreError(env, e);
  Napi::Array out = Napi::Array::New(env, uploads.size());
  for (size_t i = 0; i < uploads.size(); i++) out.Set(uint32_t(i), UploadInfoToJs(env, uploads[i]));
  return out;
}

Napi::Value NativeStore::JS_getDoc(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string kind, name, value;
  if (!GetString(info, 0, "kind", &kind) || !GetString(info, 1, "name", &name) || !RequireOpen(env)) return env.Undefined();
  Error e = store_->get_doc(kind, name, &value);
  if (e.rc == MC_ERR_NOT_FOUND) return env.Null();
  if (!e.ok()) return ThrowStoreError(env, e);
  return Napi::String::New(env, value);
}

Napi::Value NativeStore::JS_listDocs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string kind, prefix;
  if (!GetString(info, 0, "kind", &kind) || !RequireOpen(env)) return env.Undefined();
  if (!info[1].IsUndefined() && !GetString(info, 1, "prefix", &prefix)) return env.Undefined();
  std::vector<Doc> docs;
  Error e = store_->list_docs(kind, prefix, &docs);
  if (!e.ok()) return ThrowStoreError(env, e);
  Napi::Array out = Napi::Array::New(env, docs.size());
  for (size_t i = 0; i < docs.size(); i++) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", Napi::String::New(env, docs[i].name));
    o.Set("value", Napi::String::New(env, docs[i].value));
    out.Set(uint32_t(i), o);
  }
  return out;
}

// ---- writes -----------------------------------------------------------------------------------------

Napi::Value NativeStore::JS_beginUpload(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o;
  if (!GetOptions(info, 0, &o)) return env.Undefined();
  UploadParams p;
  std::optional<uint64_t> size, chunk;
  std::optional<std::string> key;
  if (!GetOptUint(o, "size", UINT64_MAX, &size) || !GetOptUint(o, "chunkSize", UINT32_MAX, &chunk) ||
      !GetOptString(o, "resumeKey", &key) || !GetOptHex<32>(o, "sha256", &p.sha256) || !GetOptBool(o, "wantSha1", &p.want_sha1))
    return env.Undefined();
  if (!store_ || closed_) return RejectClosed(env);
  p.size = size;
  p.chunk_size = uint32_t(chunk.value_or(0));
  p.resume_key = key.value_or("");
  uint64_t id;
  Napi::Promise promise = queue_->Start(env, &id);
  store_->begin_upload(p, [q = queue_, id](const Error& e, const UploadInfo& u) {
    q->Finish(id, [e, u](Napi::Env env, Napi::Promise::Deferred& d) { Settle(env, d, e, UploadInfoToJs(env, u)); });
  });
  return promise;
}

Napi::Value NativeStore::JS_putChunk(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint64_t id = 0, index = 0;
  const uint8_t* data = nullptr;
  size_t len = 0;
  if (!GetUint(info, 0, "id", UINT64_MAX, &id) || !GetUint(info, 1, "index", UINT32_MAX, &index) ||
      !GetBytes(info, 2, "data", &data, &len))
    return env.Undefined();
  if (!store_ || closed_) return RejectClosed(env);
  uint64_t op;
  // The Buffer stays referenced until the writer has copied it; callers must not modify it meanwhile.
  Napi::Promise promise = queue_->Start(env, &op, info[2]);
  store_->put_chunk(id, uint32_t(index), data, len, [q = queue_, op](const Error& e) {
    q->Finish(op, [e](Napi::Env env, Napi::Promise::Deferred& d) { Settle(env, d, e, env.Undefined()); });
  });
  return promise;
}

Napi::Value NativeStore::JS_commitUpload(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint64_t id = 0;
  Napi::Object o;
  if (!GetUint(info, 0, "id", UINT64_MAX, &id) || !GetOptions(info, 1, &o)) return env.Undefined();
  CommitParams p;
  std::optional<std::string> repo, path;
  if (!GetOptString(o, "repo", &repo) || !GetOptString(o, "path", &path) || !GetOptUint(o, "size", UINT64_MAX, &p.size) ||
      !GetOptHex<32>(o, "sha256", &p.sha256) || !GetOptHex<20>(o, "gitSha1", &p.sha1))
    return env.Undefined();
  if (!repo || !path) return ThrowTypeError(env, "repo and path must be strings");
  if (!store_ || closed_) return RejectClosed(env);
  p.repo = *repo;
  p.path = *path;
  uint64_t op;
  Napi::Promise promise = queue_->Start(env, &op);
  store_->commit_upload(id, p, [q = queue_, op](const Error& e, const FileInfo& f) {
    q->Finish(op, [e, f](Napi::Env env, Napi::Promise::Deferred& d) { Settle(env, d, e, FileInfoToJs(env, f)); });
  });
  return promise;
}

Napi::Value NativeStore::JS_abortUpload(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint64_t id = 0;
  if (!GetUint(info, 0, "id", UINT64_MAX, &id)) return env.Undefined();
  if (!store_ || closed_) return RejectClosed(env);
  uint64_t op;
  Napi::Promise promise = queue_->Start(env, &op);
  store_->abort_upload(id, [q = queue_, op](const Error& e) {
    q->Finish(op, [e](Napi::Env env, Napi::Promise::Deferred& d) { Settle(env, d, e, env.Undefined()); });
  });
  return promise;
}

// ---- partial chunks of an upload (pieces) -------------------------------------------------------------

Napi::Value NativeStore::JS_putPiece(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint64_t id = 0, index = 0, offset = 0;
  const uint8_t* data = nullptr;
  size_t len = 0;
  if (!GetUint(info, 0, "id", UINT64_MAX, &id) || !GetUint(info, 1, "index", UINT32_MAX, &index) ||
      !GetUint(info, 2, "offset", UINT32_MAX, &offset) || !GetBytes(info, 3, "data", &data, &len))
    return env.Undefined();
  if (!store_ || closed_) return RejectClosed(env);
  uint64_t op;
  // As putChunk: the Buffer stays referenced until the writer has copied it.
  Napi::Promise promise = queue_->Start(env, &op, info[3]);
  store_->put_piece(id, uint32_t(index), uint32_t(offset), data, len, [q = queue_, op](const Error& e) {
    q->Finish(op, [e](Napi::Env env, Napi::Promise::Deferred& d) { Settle(env, d, e, env.Undefined()); });
  });
  return promise;
}

Napi::Value NativeStore::JS_readPartial(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint64_t id = 0, index = 0;
  const uint8_t* data = nullptr;
  size_t cap = 0;
  if (!GetUint(info, 0, "id", UINT64_MAX, &id) || !GetUint(info, 1, "index", UINT32_MAX, &index) ||
      !GetBytes(info, 2, "dest", &data, &cap) || !RequireOpen(env))
    return env.Undefined();
  size_t len = 0;
  Error e = store_->read_partial(id, uint32_t(index), const_cast<uint8_t*>(data), cap, &len);
  if (!e.ok()) return ThrowStoreError(env, e);
  return Napi::Number::New(env, double(len));
}

Napi::Value NativeStore::JS_linkFile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string repo, path, hex;
  if (!GetString(info, 0, "repo", &repo) || !GetString(info, 1, "path", &path) || !GetString(info, 2, "sha256", &hex))
    return env.Undefined();
  std::array<uint8_t, 32> sha;
  if (!ParseHex(hex, sha.data(), 32)) return ThrowTypeError(env, "sha256 must be 64 hex digits");
  if (!store_ || closed_) return RejectClosed(env);
  uint64_t op;
  Napi::Promise promise = queue_->Start(env, &op);
  store_->link_file(repo, path, sha, [q = queue_, op](const Error& e, const FileInfo& f) {
    q->Finish(op, [e, f](Napi::Env env, Napi::Promise::Deferred& d) { Settle(env, d, e, FileInfoToJs(env, f)); });
  });
  return promise;
}

Napi::Value NativeStore::JS_deleteFile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string repo, path;
  if (!GetString(info, 0, "repo", &repo) || !GetString(info, 1, "path", &path)) return env.Undefined();
  if (!store_ || closed_) return RejectClosed(env);
  uint64_t op;
  Napi::Promise promise = queue_->Start(env, &op);
  store_->delete_file(repo, path, [q = queue_, op](const Error& e, bool existed) {
    q->Finish(op, [e, existed](Napi::Env env, Napi::Promise::Deferred& d) { Settle(env, d, e, Napi::Boolean::New(env, existed)); });
  });
  return promise;
}

Napi::Value NativeStore::JS_putDoc(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string kind, name;
  if (!GetString(info, 0, "kind", &kind) || !GetString(info, 1, "name", &name)) return env.Undefined();
  std::optional<std::string> value;
  if (!info[2].IsNull()) {
    std::string v;
    if (!GetString(info, 2, "value", &v)) return env.Undefined();
    value = std::move(v);
  }
  // expect: undefined = unconditional; null = only if absent; string = only if equal.
  std::optional<std::optional<std::string>> expect;
  if (info.Length() > 3 && !info[3].IsUndefined()) {
    if (info[3].IsNull()) {
      expect.emplace(std::nullopt);
    } else {
      std::string v;
      if (!GetString(info, 3, "expect", &v)) return env.Undefined();
      expect.emplace(std::move(v));
    }
  }
  if (!store_ || closed_) return RejectClosed(env);
  uint64_t op;
  Napi::Promise promise = queue_->Start(env, &op);
  store_->put_doc(kind, name, std::move(value), std::move(expect), [q = queue_, op](const Error& e) {
    q->Finish(op, [e](Napi::Env env, Napi::Promise::Deferred& d) { Settle(env, d, e, env.Undefined()); });
  });
  return promise;
}

// ---- whole-file operations ----------------------------------------------------------------------

// materialize(repo, path, dest, options?: { method?: 'reflink'|'copy_file_range'|'copy', verify?: boolean })
Napi::Value NativeStore::JS_materialize(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string repo, path, dest;
  Napi::Object o;
  if (!GetString(info, 0, "repo", &repo) || !GetString(info, 1, "path", &path) || !GetString(info, 2, "dest", &dest) ||
      !GetOptions(info, 3, &o))
    return env.Undefined();
  MaterializeOptions opts;  // verify_crc is on unless options.verify is false
  std::optional<std::string> method;
  if (!GetOptString(o, "method", &method) || !GetOptBool(o, "verify", &opts.verify_crc)) return env.Undefined();
  if (method) {
    if (*method == "reflink") {
      opts.first = CopyMethod::kReflink;
    } else if (*method == "copy_file_range") {
      opts.first = CopyMethod::kCopyFileRange;
    } else if (*method == "copy") {
      opts.first = CopyMethod::kCopy;
    } else {
      return ThrowTypeError(env, "method must be 'reflink', 'copy_file_range' or 'copy'");
    }
  }
  if (!store_ || closed_) return RejectClosed(env);
  auto* worker = new MaterializeWorker(env, store_, std::move(repo), std::move(path), std::move(dest), opts);
  Napi::Promise p = worker->Promise();
  worker->Queue();
  return p;
}

// compact(path): a module function, since it needs no open store (an open handle of this process on the
// database makes it fail with MC_ERR_BUSY anyway).
Napi::Value NativeStore::JS_compact(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string dir;
  if (!GetString(info, 0, "path", &dir)) return env.Undefined();
  auto* worker = new CompactWorker(env, std::move(dir));
  Napi::Promise p = worker->Promise();
  worker->Queue();
  return p;
}

}  // namespace mc::node
