// A single background thread running tasks in FIFO order.
#pragma once
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace mc {

class TaskThread {
 public:
  using Task = std::function<void()>;

  TaskThread();
  ~TaskThread();  // runs the tasks already posted, then joins
  TaskThread(const TaskThread&) = delete;
  TaskThread& operator=(const TaskThread&) = delete;

  /** Queues a task. Tasks posted after stop() began run inline on the caller's thread: dropping them
   *  would leave a caller's callback uncalled. */
  void post(Task task);
  bool on_this_thread() const noexcept { return std::this_thread::get_id() == thread_.get_id(); }

 private:
  void run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Task> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace mc
