// Runs check_file (a CRC32C pass over one file's chunks, core/repair.hpp) on libuv's thread pool.
#pragma once
#include <napi.h>

#include <memory>
#include <string>

#include "core/repair.hpp"

namespace mc::node {

class CheckFileWorker : public Napi::AsyncWorker {
 public:
  CheckFileWorker(Napi::Env env, std::shared_ptr<Store> store, std::string repo, std::string path);
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override;  // C++ only
  void OnOK() override;
  void OnError(const Napi::Error& e) override;

 private:
  Napi::Promise::Deferred deferred_;
  std::shared_ptr<Store> store_;
  std::string repo_, path_;
  FileCheck result_;
  Error error_;
};

}  // namespace mc::node
