#include "node/workers/materialize-worker.hpp"

#include "node/util/errors.hpp"

namespace mc::node {

MaterializeWorker::MaterializeWorker(Napi::Env env, std::shared_ptr<Store> store, std::string repo, std::string path,
                                     std::string dest, MaterializeOptions opts)
    : Napi::AsyncWorker(env, "model-cache:materialize"),
      deferred_(Napi::Promise::Deferred::New(env)),
      store_(std::move(store)),
      repo_(std::move(repo)),
      path_(std::move(path)),
      dest_(std::move(dest)),
      opts_(opts) {}

void MaterializeWorker::Execute() {
  error_ = materialize_file(*store_, repo_, path_, dest_, opts_, &result_);
  if (!error_.ok()) SetError(error_.message());
}

void MaterializeWorker::OnOK() {
  Napi::Env env = Env();
  Napi::Object r = Napi::Object::New(env);
  r.Set("method", Napi::String::New(env, copy_method_name(result_.method)));
  r.Set("bytes", Napi::Number::New(env, double(result_.bytes)));
  r.Set("sha256", Napi::String::New(env, detail::hex(result_.info.sha256, 32)));
  deferred_.Resolve(r);
}

void MaterializeWorker::OnError(const Napi::Error&) { deferred_.Reject(MakeStoreError(Env(), error_).Value()); }

}  // namespace mc::node
