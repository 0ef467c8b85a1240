// Promises completed from core threads.
//
// Core callbacks run on the writer or hasher thread and must not touch JS. They call Finish(id, fn) with a
// function that captures only plain C++ data; a thread-safe function brings it to the JS thread, where fn
// settles the promise. Everything JS-side (the deferred, and a reference keeping an input Buffer alive)
// stays in this queue and is only touched on the JS thread, so nothing JS is ever destroyed elsewhere.
// The thread-safe function is referenced only while operations are pending, so an idle store never keeps
// the process alive.
#pragma once
#include <napi.h>

#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace mc::node {

class CompletionQueue : public std::enable_shared_from_this<CompletionQueue> {
 public:
  using Complete = std::function<void(Napi::Env, Napi::Promise::Deferred&)>;

  static std::shared_ptr<CompletionQueue> Create(Napi::Env env);
  ~CompletionQueue();

  /** JS thread: a new pending operation. `keep` (if not empty) is referenced until it completes. */
  Napi::Promise Start(Napi::Env env, uint64_t* id, Napi::Value keep = Napi::Value());
  /** Any thread: settle operation `id` on the JS thread with `fn`. Dropped after Close(). */
  void Finish(uint64_t id, Complete fn);
  /** JS thread: stop delivering now; releases the thread-safe function. Idempotent. */
  void Close();
  /** JS thread: Close() once the pending operations have settled. */
  void CloseWhenIdle();
  size_t pending() const { return ops_.size(); }

 private:
  struct Item {
    std::shared_ptr<CompletionQueue> queue;
    uint64_t id;
    Complete fn;
  };
  struct Op {
    Napi::Promise::Deferred deferred;
    Napi::Reference<Napi::Value> keep;
  };
  static void CallJs(Napi::Env env, Napi::Function, CompletionQueue*, Item* item);
  using Tsfn = Napi::TypedThreadSafeFunction<CompletionQueue, Item, CallJs>;

  CompletionQueue() = default;
  void Deliver(Napi::Env env, uint64_t id, Complete& fn);

  std::mutex mu_;
  bool closed_ = false;
  bool closing_ = false;  // JS thread only
  Tsfn tsfn_;
  // JS thread only:
  std::unordered_map<uint64_t, Op> ops_;
  uint64_t next_id_ = 1;
};

}  // namespace mc::node
