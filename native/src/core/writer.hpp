// The writer thread: every write transaction of an environment begins, runs and commits here.
//
// libmdbx requires a write transaction to be begun, used and committed on one thread (MDBX_TXN_CHECKOWNER;
// committing elsewhere aborts the process, docs/LIBMDBX.md). One dedicated thread per environment also keeps
// writes from occupying libuv's small thread pool while they wait for the database's write lock.
//
// Jobs queued together are group-committed in one transaction (one fsync). If any job of a group fails,
// the group is rolled back and each job is re-run in a transaction of its own, so one job's failure never
// undoes another's work. Jobs must therefore be re-runnable: a pure function of the transaction's state and
// their captured inputs.
#pragma once
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "core/errors.hpp"
#include "mdbx.h"

namespace mc {

class Writer {
 public:
  using Job = std::function<Error(MDBX_txn*)>;
  using Done = std::function<void(const Error&)>;

  explicit Writer(MDBX_env* env);
  ~Writer();  // commits the jobs already queued, then joins
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  /** Queues `job`; `done` runs on the writer thread once the job's transaction committed or failed.
   *  `weight` (bytes written) bounds how much one group commit carries. */
  void submit(Job job, Done done, size_t weight = 0);

  /** Runs `job` in a write transaction and waits for it (for setup and tests, never the JS thread). */
  Error run_sync(Job job);

  bool on_this_thread() const noexcept { return std::this_thread::get_id() == thread_.get_id(); }

 private:
  struct Item {
    Job job;
    Done done;
    size_t weight;
  };
  static constexpr size_t kMaxGroupWeight = 64u << 20;
  static constexpr size_t kMaxGroupJobs = 256;

  void run();
  Error run_group(std::deque<Item>& group);
  Error run_one(Item& item);

  MDBX_env* env_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace mc
