#include "node/workers/compact-worker.hpp"

#include "node/objects/native-store.hpp"
#include "node/util/args.hpp"
#include "node/util/errors.hpp"

namespace mc::node {

CompactWorker::CompactWorker(Napi::Env env, std::string dir)
    : Napi::AsyncWorker(env, "model-cache:compact"), deferred_(Napi::Promise::Deferred::New(env)), dir_(std::move(dir)) {}

void CompactWorker::Execute() {
  error_ = compact_database(dir_, &result_);
  if (!error_.ok()) SetError(error_.message());
}

void CompactWorker::OnOK() {
  Napi::Env env = Env();
  Napi::Object r = Napi::Object::New(env);
  r.Set("fileBytesBefore", Napi::Number::New(env, double(result_.file_bytes_before)));
  r.Set("fileBytesAfter", Napi::Number::New(env, double(result_.file_bytes_after)));
  r.Set("diskBytesBefore", Napi::Number::New(env, double(result_.disk_bytes_before)));
  r.Set("diskBytesAfter", Napi::Number::New(env, double(result_.disk_bytes_after)));
  deferred_.Resolve(r);
}

void CompactWorker::OnError(const Napi::Error&) { deferred_.Reject(MakeStoreError(Env(), error_).Value()); }

// NativeStore's entry point lives beside its worker, so native-store.cpp only gains the InstanceMethod
// line. compact(dir): on a NativeStore that is not open, because the compaction needs the database to
// itself (an open handle of this process makes it fail with MC_ERR_BUSY anyway).
Napi::Value NativeStore::JS_compact(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string dir;
  if (!GetString(info, 0, "path", &dir)) return env.Undefined();
  if (store_ || opening_)
    return ThrowStoreError(env, Error{MC_ERR_INVALID_ARGUMENT,
                                      "compact() opens the database itself: call it on a NativeStore that is not open"});
  auto* worker = new CompactWorker(env, std::move(dir));
  Napi::Promise p = worker->Promise();
  worker->Queue();
  return p;
}

}  // namespace mc::node
