#pragma once
// Runs jobs as child processes (core/subprocess: argv, no shell, own process group, bounded output,
// timeout) on worker threads, one thread per running job, so the event loop never waits on a child.
// Results go back to the loop and into the engine as `job_finished`. `kill` signals the job's process
// group (SIGTERM, then SIGKILL after a grace period). Construct, start, kill and shut down on the loop
// thread; the worker threads only run the child and post the result.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <atomic>
#include <chrono>
#include <cstdint>
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

  boost::asio::any_io_executor loop_;
  engine& engine_;
  job_runner_settings settings_;
  std::map<std::int64_t, std::shared_ptr<active>> active_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  bool shutting_down_ = false;
};

}  // namespace tugboat::workflows
