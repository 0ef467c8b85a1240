#include "core/writer.hpp"

#include <cerrno>
#include <chrono>
#include <future>

#include "core/disk_space.hpp"
#include "core/mdbx_alloc.hpp"
#include "core/test_hooks.hpp"

namespace mc {

Writer::Writer(MDBX_env* env) : env_(env), thread_([this] { run(); }) {}

Writer::~Writer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();  // EnvDeleter never destroys the environment on this thread
}

void Writer::submit(Job job, Done done, size_t weight) {
  std::unique_lock<std::mutex> lock(mu_);
  if (stopping_) {
    lock.unlock();
    done(Error{MC_ERR_CLOSED, "writer stopped"});
    return;
  }
  queue_.push_back(Item{std::move(job), std::move(done), weight});
  cv_.notify_one();
}

Error Writer::run_sync(Job job) {
  std::promise<Error> result;
  auto fut = result.get_future();
  submit(std::move(job), [&result](const Error& e) { result.set_value(e); });
  return fut.get();
}

// A job or a commit that ran out of disk space says so, with the numbers (disk_space.hpp).
static Error disk_full_if_enospc(MDBX_txn* txn, Error e) {
  if (e.rc != ENOSPC) return e;
  mdbx_filehandle_t fd = -1;
  mdbx_env_get_fd(mdbx_txn_env(txn), &fd);
  return disk_full_error(fd, 0, e.detail.empty() ? "write" : e.detail.c_str());
}

// Commits, after making sure the disk has room for the pages the commit writes: a commit that fails to
// write them leaves libmdbx's environment unusable (MDBX_PANIC), an aborted transaction does not.
static Error commit_or_abort(MDBX_txn* txn, const Error& job_error, uint64_t used_at_begin) {
  if (!job_error.ok()) {
    Error e = disk_full_if_enospc(txn, job_error);
    mdbx_txn_abort(txn);
    return e;
  }
  Error space = reserve_commit_space(txn, used_at_begin);
  if (!space.ok()) {
    mdbx_txn_abort(txn);
    return space;
  }
  mdbx_filehandle_t fd = -1;
  mdbx_env_get_fd(mdbx_txn_env(txn), &fd);
  test::kill_point("txn.before_commit");
  int rc = mdbx_txn_commit(txn);
  if (rc == ENOSPC) return disk_full_error(fd, 0, "commit");
  if (rc != MDBX_SUCCESS) return Error{rc, "commit"};
  test::kill_point("txn.after_commit");
  return {};
}

// Runs one job in `txn`; a job that throws (bad_alloc, or anything else) fails with a typed error and the
// transaction is aborted by the caller, as for any other failed job.
template <typename Job>
static Error run_job(Job& job, MDBX_txn* txn) noexcept {
  try {
    return job(txn);
  } catch (const std::bad_alloc&) {
    return Error{MC_ERR_NOMEM, "write job"};
  } catch (...) {
    return Error{MC_ERR_INTERNAL, "write job threw"};
  }
}

Error Writer::run_one(Item& item) {
  MDBX_txn* txn = nullptr;
  int rc = mdbx_txn_begin(env_, nullptr, MDBX_TXN_READWRITE, &txn);
  if (rc != MDBX_SUCCESS) return Error{rc, "begin write transaction"};
  uint64_t used = txn_used_bytes(txn);
  return commit_or_abort(txn, run_job(item.job, txn), used);
}

Error Writer::run_group(std::deque<Item>& group) {
  MDBX_txn* txn = nullptr;
  int rc = mdbx_txn_begin(env_, nullptr, MDBX_TXN_READWRITE, &txn);
  if (rc != MDBX_SUCCESS) return Error{rc, "begin write transaction"};
  uint64_t used = txn_used_bytes(txn);
  Error e;
  for (auto& item : group) {
    e = run_job(item.job, txn);
    if (!e.ok()) break;
  }
  return commit_or_abort(txn, e, used);
}

void Writer::run() {
  std::unique_lock<std::mutex> lock(mu_);
  bool trimmed = true;
  for (;;) {
    if (!trimmed && queue_.empty() && !stopping_) {
      // Idle for a second after writing: give libmdbx's pooled page buffers back (mdbx_alloc.hpp).
      if (!cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_ || !queue_.empty(); })) {
        lock.unlock();
        mdbx_alloc_trim();
        lock.lock();
        trimmed = true;
        continue;
      }
    }
    cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) {
      lock.unlock();
      mdbx_alloc_trim();
      return;
    }
    trimmed = false;
    std::deque<Item> group;
    size_t weight = 0;
    while (!queue_.empty() && group.size() < kMaxGroupJobs &&
           (group.empty() || weight + queue_.front().weight <= kMaxGroupWeight)) {
      weight += queue_.front().weight;
      group.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    lock.unlock();

    if (group.size() == 1) {
      Error e = run_one(group.front());
      group.front().done(e);
    } else {
      Error e = run_group(group);
      if (e.ok()) {
        for (auto& item : group) item.done(e);
      } else {
        // Roll back happened; give every job its own transaction so only the failing one fails.
        for (auto& item : group) item.done(run_one(item));
      }
    }
    group.clear();  // destroy captures outside the lock
    lock.lock();
  }
}

}  // namespace mc
