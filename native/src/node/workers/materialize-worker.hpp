// Runs core materialize_file (a copy of a stored file to a real file) on libuv's thread pool.
#pragma once
#include <napi.h>

#include "core/materialize.hpp"
#include "core/store.hpp"

namespace mc::node {

class MaterializeWorker : public Napi::AsyncWorker {
 public:
  MaterializeWorker(Napi::Env env, std::shared_ptr<Store> store, std::string repo, std::string path, std::string dest,
                    MaterializeOptions opts);
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override;  // C++ only: the whole copy, fsync and rename
  void OnOK() override;
  void OnError(const Napi::Error& e) override;

 private:
  Napi::Promise::Deferred deferred_;
  std::shared_ptr<Store> store_;  // keeps the environment open while the copy runs, even across close()
  std::string repo_, path_, dest_;
  MaterializeOptions opts_;
  MaterializeResult result_;
  Error error_;
};

}  // namespace mc::node
