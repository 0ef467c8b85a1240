// A single background thread running tasks in FIFO order.
//
// A task that throws (std::bad_alloc from a hash state or a string, anything else from a bug) must not
// end the process, as an exception escaping a std::thread would (std::terminate): the thread catches it
// and hands the error to the task's `on_error`, which reports it to whoever waits for the task (the
// writer thread does the same for write jobs, writer.cpp).
#pragma once
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "core/errors.hpp"

namespace mc {

class TaskThread {
 public:
  using Task = std::function<void()>;
  using OnError = std::function<void(const Error&)>;

  /** `name` names the thread in errors ("hasher task threw") and in the test fault hook: with
   *  MODEL_CACHE_TEST_FAULT=<name>-throw (or <name>-bad-alloc) in the environment at the first start,
   *  every task throws std::runtime_error (or std::bad_alloc) instead of running. Tests only. */
  explicit TaskThread(std::string name);
  ~TaskThread();  // runs the tasks already posted, then joins
  TaskThread(const TaskThread&) = delete;
  TaskThread& operator=(const TaskThread&) = delete;

  /** Queues a task. If it throws, `on_error` runs on the same thread with MC_ERR_NOMEM (bad_alloc) or
   *  MC_ERR_INTERNAL; it must not throw. Tasks posted after stop() began run inline on the caller's
   *  thread: dropping them would leave a caller's callback uncalled. */
  void post(Task task, OnError on_error);
  bool on_this_thread() const noexcept { return std::this_thread::get_id() == thread_.get_id(); }

 private:
  struct Item {
    Task task;
    OnError on_error;
  };
  void run();
  void run_item(Item& item) noexcept;

  std::string name_;
  int fault_ = 0;  // test hook: 1 = throw std::runtime_error, 2 = throw std::bad_alloc
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace mc
