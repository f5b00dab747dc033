#pragma once
// Runs jobs: child processes, or in-process tasks registered by name (see store::job_spec). Runs jobs
// as child processes (core/subprocess: argv, no shell, own process group, bounded output,
// timeout) on worker threads, one thread per running job, so the event loop never waits on a child.
// Results go back to the loop and into the engine as `job_finished`. `kill` signals the job's process
// group (SIGTERM, then SIGKILL after a grace period). Construct, start, kill and shut down on the loop
// thread; the worker threads only run the child and post the result.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <thread>

#include "workflows/engine/engine.hpp"

namespace tugboat::workflows {

struct job_runner_settings {
  std::size_t max_output = 64 * 1024;             // the last bytes kept of stdout and of stderr
  std::chrono::milliseconds kill_grace{2000};     // SIGTERM → SIGKILL
};

class job_runner {
 public:
  job_runner(boost::asio::any_io_executor loop, engine& eng, job_runner_settings settings = {});
  ~job_runner();
  job_runner(const job_runner&) = delete;
  job_runner& operator=(const job_runner&) = delete;

  // In-process tasks. A blocking task (git, file parsing) runs on a worker thread of its own; an async
  // task (Slack lookups) runs on the loop as a coroutine. Either returns the job's result; an exception
  // becomes a failed result carrying its message. A killed task finishes as cancelled.
  using blocking_task = std::function<store::job_result(const store::job_row&)>;
  using async_task = std::function<boost::asio::awaitable<store::job_result>(store::job_row)>;
  void add_task(std::string name, blocking_task fn);
  void add_async_task(std::string name, async_task fn);

  void start(std::int64_t job_id);
  void kill(std::int64_t job_id);
  // Stops every running child (their rows stay `running`: the next start reports them interrupted)
  // and joins the worker threads.
  void shutdown();
  std::size_t running() const { return active_.size(); }

 private:
  struct active {
    std::thread worker;
    std::atomic<int> pid{0};
    std::atomic<bool> cancelled{false};
    std::atomic<bool> stopping{false};
    std::unique_ptr<boost::asio::steady_timer> grace;
  };

  void finished(std::int64_t job_id, store::job_result result);
  void start_task(const store::job_row& row, const std::shared_ptr<active>& a);
  void post_result(std::weak_ptr<bool> alive, std::int64_t job_id, store::job_result result);

  boost::asio::any_io_executor loop_;
  engine& engine_;
  job_runner_settings settings_;
  std::map<std::int64_t, std::shared_ptr<active>> active_;
  std::map<std::string, blocking_task, std::less<>> blocking_tasks_;
  std::map<std::string, async_task, std::less<>> async_tasks_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  bool shutting_down_ = false;
};

}  // namespace tugboat::workflows
