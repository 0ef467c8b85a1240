// Runs core compact_database (a compacting copy of the whole database, renamed over it) on libuv's thread
// pool. It needs no open store: it opens the database exclusively itself (core/compact.hpp).
#pragma once
#include <napi.h>

#include <string>

#include "core/compact.hpp"

namespace mc::node {

class CompactWorker : public Napi::AsyncWorker {
 public:
  CompactWorker(Napi::Env env, std::string dir);
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override;  // C++ only: exclusive open, copy, fsync, rename
  void OnOK() override;
  void OnError(const Napi::Error& e) override;

 private:
  Napi::Promise::Deferred deferred_;
  std::string dir_;
  CompactResult result_;
  Error error_;
};

}  // namespace mc::node
