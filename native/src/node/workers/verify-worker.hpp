// Runs Store::verify (a CRC32C pass over every chunk) on libuv's thread pool.
#pragma once
#include <napi.h>

#include "core/store.hpp"

namespace mc::node {

class VerifyWorker : public Napi::AsyncWorker {
 public:
  VerifyWorker(Napi::Env env, std::shared_ptr<Store> store);
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override;  // C++ only
  void OnOK() override;
  void OnError(const Napi::Error& e) override;

 private:
  Napi::Promise::Deferred deferred_;
  std::shared_ptr<Store> store_;
  VerifyReport report_;
  Error error_;
};

}  // namespace mc::node
