#include "node/workers/check-file-worker.hpp"

#include "node/objects/native-store.hpp"
#include "node/util/args.hpp"
#include "node/util/convert.hpp"
#include "node/util/errors.hpp"

namespace mc::node {

CheckFileWorker::CheckFileWorker(Napi::Env env, std::shared_ptr<Store> store, std::string repo, std::string path)
    : Napi::AsyncWorker(env, "model-cache:check-file"),
      deferred_(Napi::Promise::Deferred::New(env)),
      store_(std::move(store)),
      repo_(std::move(repo)),
      path_(std::move(path)) {}

void CheckFileWorker::Execute() {
  error_ = check_file(*store_, repo_, path_, &result_);
  if (!error_.ok()) SetError(error_.message());
}

void CheckFileWorker::OnOK() {
  Napi::Env env = Env();
  Napi::Object r = Napi::Object::New(env);
  r.Set("file", result_.unusable ? env.Null() : Napi::Value(FileInfoToJs(env, result_.info)));
  r.Set("blob", result_.unusable ? env.Null() : Napi::Number::New(env, double(result_.info.seq)));
  r.Set("unusable", result_.unusable ? Napi::String::New(env, result_.reason) : env.Null());
  Napi::Array damaged = Napi::Array::New(env, result_.damaged.size());
  for (size_t i = 0; i < result_.damaged.size(); i++) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("chunk", Napi::Number::New(env, double(result_.damaged[i].index)));
    o.Set("reason", Napi::String::New(env, result_.damaged[i].reason));
    damaged.Set(uint32_t(i), o);
  }
  r.Set("damaged", damaged);
  deferred_.Resolve(r);
}

void CheckFileWorker::OnError(const Napi::Error&) {
  if (error_.rc == MC_ERR_NOT_FOUND) {
    deferred_.Resolve(Env().Null());
    return;
  }
  deferred_.Reject(MakeStoreError(Env(), error_).Value());
}

// checkFile(repo, path): entry point beside its worker (see materialize-worker.cpp for why).
Napi::Value NativeStore::JS_checkFile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string repo, path;
  if (!GetString(info, 0, "repo", &repo) || !GetString(info, 1, "path", &path)) return env.Undefined();
  if (!store_ || closed_) return RejectClosed(env);
  auto* worker = new CheckFileWorker(env, store_, std::move(repo), std::move(path));
  Napi::Promise p = worker->Promise();
  worker->Queue();
  return p;
}

}  // namespace mc::node
