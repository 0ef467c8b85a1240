// Opens (or shares) the environment off the JS thread: opening may run libmdbx's recovery and create the
// file, which must not block the event loop.
#pragma once
#include <napi.h>

#include "core/store.hpp"

namespace mc::node {

class NativeStore;

class OpenWorker : public Napi::AsyncWorker {
 public:
  OpenWorker(Napi::Env env, NativeStore* target, Napi::Object target_js, Store::Options opts);
  ~OpenWorker() override;
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override;  // C++ only: no node-addon-api calls here
  void OnOK() override;
  void OnError(const Napi::Error& e) override;

 private:
  Napi::Promise::Deferred deferred_;
  NativeStore* target_;
  Napi::ObjectReference target_ref_;  // keeps the NativeStore alive until OnOK/OnError
  Store::Options opts_;
  std::shared_ptr<Store> store_;
  Error error_;
};

}  // namespace mc::node
