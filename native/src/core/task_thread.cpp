#include "core/task_thread.hpp"

#include <cstdlib>
#include <new>
#include <stdexcept>

namespace mc {

namespace {
// The test fault hook (task_thread.hpp): the variable is read once per process.
const std::string& test_fault() {
  static const std::string value = [] {
    const char* v = std::getenv("MODEL_CACHE_TEST_FAULT");
    return std::string(v ? v : "");
  }();
  return value;
}
}  // namespace

TaskThread::TaskThread(std::string name) : name_(std::move(name)) {
  const std::string& fault = test_fault();
  if (!fault.empty() && fault == name_ + "-throw") fault_ = 1;
  if (!fault.empty() && fault == name_ + "-bad-alloc") fault_ = 2;
  thread_ = std::thread([this] { run(); });
}

TaskThread::~TaskThread() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  // The owner (Env) is never destroyed on this thread: EnvDeleter hands that off to another thread.
  thread_.join();
}

void TaskThread::post(Task task, OnError on_error) {
  Item item{std::move(task), std::move(on_error)};
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_) {
      queue_.push_back(std::move(item));
      cv_.notify_one();
      return;
    }
  }
  run_item(item);
}

void TaskThread::run_item(Item& item) noexcept {
  int rc = MC_OK;
  std::string what;
  try {
    if (fault_ == 1) throw std::runtime_error("test fault " + name_ + "-throw");
    if (fault_ == 2) throw std::bad_alloc();
    item.task();
    return;
  } catch (const std::bad_alloc&) {
    rc = MC_ERR_NOMEM;
  } catch (const std::exception& ex) {
    rc = MC_ERR_INTERNAL;
    try {
      what = ex.what();
    } catch (...) {
    }
  } catch (...) {
    rc = MC_ERR_INTERNAL;
  }
  // Nothing here may throw: without memory for the message, the code alone is reported.
  Error e;
  e.rc = rc;
  try {
    e.detail = name_ + (rc == MC_ERR_NOMEM ? " task" : " task threw") + (what.empty() ? "" : ": " + what);
  } catch (...) {
  }
  if (item.on_error) {
    try {
      item.on_error(e);
    } catch (...) {
    }
  }
}

void TaskThread::run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping and drained
    Item item = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    run_item(item);
    item = Item{};  // destroy captures outside the lock
    lock.lock();
  }
}

}  // namespace mc
