#include "node/util/completion-queue.hpp"

namespace mc::node {

std::shared_ptr<CompletionQueue> CompletionQueue::Create(Napi::Env env) {
  std::shared_ptr<CompletionQueue> q(new CompletionQueue());
  q->tsfn_ = Tsfn::New(env, "model-cache:completion", 0, 1, q.get());
  q->tsfn_.Unref(env);
  return q;
}

CompletionQueue::~CompletionQueue() = default;

Napi::Promise CompletionQueue::Start(Napi::Env env, uint64_t* id, Napi::Value keep) {
  if (ops_.empty() && !closed_) tsfn_.Ref(env);  // callers check the store is open before starting
  *id = next_id_++;
  Op op{Napi::Promise::Deferred::New(env), Napi::Reference<Napi::Value>()};
  if (!keep.IsEmpty() && !keep.IsUndefined()) op.keep = Napi::Persistent(keep);
  Napi::Promise promise = op.deferred.Promise();
  ops_.emplace(*id, std::move(op));
  return promise;
}

void CompletionQueue::Finish(uint64_t id, Complete fn) {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return;
  auto* item = new Item{shared_from_this(), id, std::move(fn)};
  if (tsfn_.NonBlockingCall(item) != napi_ok) delete item;  // the environment is shutting down
}

void CompletionQueue::CallJs(Napi::Env env, Napi::Function, CompletionQueue*, Item* item) {
  std::unique_ptr<Item> owned(item);
  if (env == nullptr) return;  // teardown: only free the data
  Napi::HandleScope scope(env);
  owned->queue->Deliver(env, owned->id, owned->fn);
}

void CompletionQueue::Deliver(Napi::Env env, uint64_t id, Complete& fn) {
  auto it = ops_.find(id);
  if (it == ops_.end()) return;
  fn(env, it->second.deferred);
  ops_.erase(it);
  if (!ops_.empty()) return;
  if (closing_) {
    Close();
  } else if (!closed_) {
    tsfn_.Unref(env);
  }
}

void CompletionQueue::CloseWhenIdle() {
  closing_ = true;
  if (ops_.empty()) Close();
}

void CompletionQueue::Close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return;
    closed_ = true;
    tsfn_.Release();
  }
  // Drop the JS references here, on the JS thread: the queue itself may die later on a core thread.
  ops_.clear();
}

}  // namespace mc::node
