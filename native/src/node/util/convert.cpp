#include "node/util/convert.hpp"

namespace mc::node {

static Napi::Value Num(Napi::Env env, uint64_t v) { return Napi::Number::New(env, double(v)); }

Napi::Object FileInfoToJs(Napi::Env env, const FileInfo& f) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("repo", Napi::String::New(env, f.repo));
  o.Set("path", Napi::String::New(env, f.path));
  o.Set("size", Num(env, f.size));
  o.Set("sha256", Napi::String::New(env, detail::hex(f.sha256, 32)));
  o.Set("gitSha1", f.has_sha1 ? Napi::Value(Napi::String::New(env, detail::hex(f.sha1, 20))) : env.Null());
  o.Set("storedAt", Num(env, f.stored_ms));
  o.Set("chunkSize", Num(env, f.chunk_size));
  o.Set("chunkCount", Num(env, f.chunk_count));
  return o;
}

Napi::Object UploadInfoToJs(Napi::Env env, const UploadInfo& u) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("id", Num(env, u.id));
  o.Set("chunkSize", Num(env, u.chunk_size));
  o.Set("size", u.size ? Num(env, *u.size) : env.Null());
  o.Set("resumeKey", Napi::String::New(env, u.resume_key));
  Napi::Array present = Napi::Array::New(env, u.present.size());
  for (size_t i = 0; i < u.present.size(); i++) present.Set(uint32_t(i), Num(env, u.present[i]));
  o.Set("present", present);
  Napi::Array partial = Napi::Array::New(env, u.partial.size());
  for (size_t i = 0; i < u.partial.size(); i++) {
    Napi::Object p = Napi::Object::New(env);
    p.Set("index", Num(env, u.partial[i].first));
    p.Set("kept", Num(env, u.partial[i].second));
    partial.Set(uint32_t(i), p);
  }
  o.Set("partial", partial);
  o.Set("createdAt", Num(env, u.created_ms));
  o.Set("updatedAt", Num(env, u.updated_ms));
  o.Set("ownerPid", Num(env, u.owner_pid));
  o.Set("resumed", Napi::Boolean::New(env, u.resumed));
  return o;
}

Napi::Object StatsToJs(Napi::Env env, const Stats& s) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("files", Num(env, s.files));
  o.Set("blobs", Num(env, s.blobs));
  o.Set("chunks", Num(env, s.chunks));
  o.Set("uploads", Num(env, s.uploads));
  o.Set("docs", Num(env, s.docs));
  o.Set("logicalBytes", Num(env, s.logical_bytes));
  o.Set("storedBytes", Num(env, s.stored_bytes));
  o.Set("dbFileBytes", Num(env, s.db_file_bytes));
  o.Set("dbUsedBytes", Num(env, s.db_used_bytes));
  o.Set("mapSize", Num(env, s.map_size));
  o.Set("pageSize", Num(env, s.page_size));
  o.Set("chunkSize", Num(env, s.chunk_size));
  o.Set("maxReaders", Num(env, s.max_readers));
  o.Set("readersUsed", Num(env, s.readers_used));
  o.Set("txnId", Num(env, s.txnid));
  return o;
}

}  // namespace mc::node
