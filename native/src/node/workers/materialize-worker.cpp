#include "node/workers/materialize-worker.hpp"

#include "node/objects/native-store.hpp"
#include "node/util/args.hpp"
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

// NativeStore's entry point lives beside its worker, so native-store.cpp only gains the InstanceMethod
// line (that file is shared with other work in progress).
// materialize(repo, path, dest, options?: { method?: 'reflink'|'copy_file_range'|'copy', verify?: boolean })
Napi::Value NativeStore::JS_materialize(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string repo, path, dest;
  Napi::Object o;
  if (!GetString(info, 0, "repo", &repo) || !GetString(info, 1, "path", &path) || !GetString(info, 2, "dest", &dest) ||
      !GetOptions(info, 3, &o))
    return env.Undefined();
  MaterializeOptions opts;
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

}  // namespace mc::node
