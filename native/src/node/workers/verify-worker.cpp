#include "node/workers/verify-worker.hpp"

#include "node/util/errors.hpp"

namespace mc::node {

VerifyWorker::VerifyWorker(Napi::Env env, std::shared_ptr<Store> store)
    : Napi::AsyncWorker(env, "model-cache:verify"), deferred_(Napi::Promise::Deferred::New(env)), store_(std::move(store)) {}

void VerifyWorker::Execute() {
  error_ = store_->verify(&report_, nullptr);
  if (!error_.ok()) SetError(error_.message());
}

void VerifyWorker::OnOK() {
  Napi::Env env = Env();
  Napi::Object r = Napi::Object::New(env);
  r.Set("files", Napi::Number::New(env, double(report_.files)));
  r.Set("blobs", Napi::Number::New(env, double(report_.blobs)));
  r.Set("chunks", Napi::Number::New(env, double(report_.chunks)));
  r.Set("bytes", Napi::Number::New(env, double(report_.bytes)));
  r.Set("damagedBytes", Napi::Number::New(env, double(report_.damaged_bytes)));
  Napi::Array damaged = Napi::Array::New(env, report_.damaged.size());
  for (size_t i = 0; i < report_.damaged.size(); i++) {
    const DamagedFile& d = report_.damaged[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("repo", d.repo.empty() ? env.Null() : Napi::String::New(env, d.repo));
    o.Set("path", d.path.empty() ? env.Null() : Napi::String::New(env, d.path));
    o.Set("blob", Napi::Number::New(env, double(d.seq)));
    o.Set("chunk", d.chunk < 0 ? env.Null() : Napi::Number::New(env, double(d.chunk)));
    o.Set("reason", Napi::String::New(env, d.reason));
    damaged.Set(uint32_t(i), o);
  }
  r.Set("damaged", damaged);
  deferred_.Resolve(r);
}

void VerifyWorker::OnError(const Napi::Error&) { deferred_.Reject(MakeStoreError(Env(), error_).Value()); }

}  // namespace mc::node
