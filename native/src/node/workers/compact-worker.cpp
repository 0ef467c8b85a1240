#include "node/workers/compact-worker.hpp"

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

}  // namespace mc::node
