#include "node/workers/open-worker.hpp"

#include "node/objects/native-store.hpp"
#include "node/util/errors.hpp"

namespace mc::node {

OpenWorker::OpenWorker(Napi::Env env, NativeStore* target, Napi::Object target_js, Store::Options opts)
    : Napi::AsyncWorker(env, "model-cache:open"),
      deferred_(Napi::Promise::Deferred::New(env)),
      target_(target),
      target_ref_(Napi::Persistent(target_js)),
      opts_(std::move(opts)) {}

OpenWorker::~OpenWorker() = default;

void OpenWorker::Execute() {
  error_ = Store::open(opts_, &store_);
  if (!error_.ok()) SetError(error_.message());
}

void OpenWorker::OnOK() {
  Napi::Env env = Env();
  target_->Opened(env, store_);
  deferred_.Resolve(env.Undefined());
}

void OpenWorker::OnError(const Napi::Error&) {
  Napi::Env env = Env();
  target_->Opened(env, nullptr);
  deferred_.Reject(MakeStoreError(env, error_).Value());
}

}  // namespace mc::node
