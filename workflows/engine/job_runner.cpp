#include "workflows/engine/job_runner.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <fmt/format.h>
#include <signal.h>

#include <filesystem>

#include "core/log.hpp"
#include "core/subprocess.hpp"

namespace tugboat::workflows {
namespace {

constexpr std::string_view kLog = "jobs";

store::job_result to_result(const proc::result& r, bool cancelled) {
  store::job_result j;
  j.exit_code = r.exit_code;
  j.term_signal = r.term_signal;
  j.timed_out = r.timed_out;
  j.spawn_failed = r.spawn_failed;
  j.cancelled = cancelled && !r.timed_out;
  j.duration_ms = r.duration.count();
  j.output = r.out;
  if (!r.err.empty()) {
    if (!j.output.empty() && j.output.back() != '\n') j.output += '\n';
    j.output += r.err;
  }
  j.error = r.error;
  return j;
}

store::job_result failed_task(std::string why) {
  store::job_result r;
  r.exit_code = 1;
  r.error = std::move(why);
  return r;
}

}  // namespace

void job_runner::add_task(std::string name, blocking_task fn) { blocking_tasks_[std::move(name)] = std::move(fn); }

void job_runner::add_async_task(std::string name, async_task fn) { async_tasks_[std::move(name)] = std::move(fn); }

void job_runner::post_result(std::weak_ptr<bool> alive, std::int64_t job_id, store::job_result result) {
  boost::asio::post(loop_, [alive, job_id, result = std::move(result), this]() mutable {
    if (alive.lock()) finished(job_id, std::move(result));
  });
}

void job_runner::start_task(const store::job_row& row, const std::shared_ptr<active>& a) {
  const auto job_id = row.id;
  log::info(kLog, "job {} ({}) of run {} starting task {}", job_id, row.name, row.run_id, row.spec.task);
  if (auto it = blocking_tasks_.find(row.spec.task); it != blocking_tasks_.end()) {
    std::weak_ptr<bool> alive = alive_;  // read here, on the loop thread
    a->worker = std::thread([a, fn = it->second, row, job_id, alive, this] {
      const auto began = std::chrono::steady_clock::now();
      store::job_result result;
      try {
        result = fn(row);
      } catch (const std::exception& e) {
        result = failed_task(e.what());
      }
      result.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - began).count();
      result.cancelled = result.cancelled || a->cancelled.load();
      post_result(alive, job_id, std::move(result));
    });
    return;
  }
  if (auto it = async_tasks_.find(row.spec.task); it != async_tasks_.end()) {
    const auto began = std::chrono::steady_clock::now();
    std::weak_ptr<bool> alive = alive_;
    boost::asio::co_spawn(loop_, it->second(row),
                          [a, job_id, began, alive, this](const std::exception_ptr& ep, store::job_result result) {
                            if (ep) {
                              try {
                                std::rethrow_exception(ep);
                              } catch (const std::exception& e) {
                                result = failed_task(e.what());
                              } catch (...) {
                                result = failed_task("the task failed");
                              }
                            }
                            result.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                                     std::chrono::steady_clock::now() - began)
                                                     .count();
                            result.cancelled = result.cancelled || a->cancelled.load();
                            post_result(alive, job_id, std::move(result));
                          });
    return;
  }
  store::job_result result;
  result.spawn_failed = true;
  result.error = fmt::format("no task called '{}' in this version of Tugboat", row.spec.task);
  post_result(alive_, job_id, std::move(result));
}

job_runner::job_runner(boost::asio::any_io_executor loop, engine& eng, job_runner_settings settings)
    : loop_(std::move(loop)), engine_(eng), settings_(settings) {}

job_runner::~job_runner() { shutdown(); }

void job_runner::start(std::int64_t job_id) {
  if (shutting_down_ || active_.contains(job_id)) return;
  auto row = engine_.jobs().find(job_id);
  if (!row || row->state != "queued") return;
  engine_.jobs().mark_running(job_id, to_unix_ms(std::chrono::system_clock::now()));

  auto a = std::make_shared<active>();
  active_[job_id] = a;
  if (!row->spec.task.empty()) return start_task(*row, a);
  for (const auto& dir : row->spec.make_dirs) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) log::warn(kLog, "job {}: cannot create {}: {}", job_id, dir, ec.message());
  }
  proc::spawn_options options;
  options.argv = row->spec.argv;
  options.cwd = row->spec.cwd;
  options.env = row->spec.env;
  options.env.emplace_back(kJobTagVariable, engine_.job_tag(job_id));
  options.timeout = std::chrono::milliseconds{row->spec.timeout_ms};
  options.kill_grace = settings_.kill_grace;
  options.max_output = settings_.max_output;
  auto loop = loop_;
  std::weak_ptr<bool> alive = alive_;
  options.on_start = [a, loop, alive, job_id, this](int pid) {
    a->pid = pid;
    // Cancelled (or shutting down) before the child existed: stop it now.
    if (a->cancelled.load()) proc::kill_group(pid, a->stopping.load() ? SIGKILL : SIGTERM);
    boost::asio::post(loop, [alive, job_id, pid, this] {
      if (alive.lock()) engine_.job_started(job_id, pid);
    });
  };
  log::info(kLog, "job {} ({}) of run {} starting: {}", job_id, row->name, row->run_id, options.argv.empty() ? "" : options.argv[0]);
  a->worker = std::thread([a, options = std::move(options), loop, alive, job_id, this] {
    auto r = proc::run(options);
    auto result = to_result(r, a->cancelled.load());
    boost::asio::post(loop, [alive, job_id, result = std::move(result), this]() mutable {
      if (alive.lock()) finished(job_id, std::move(result));
    });
  });
}

void job_runner::finished(std::int64_t job_id, store::job_result result) {
  auto it = active_.find(job_id);
  if (it != active_.end()) {
    if (it->second->worker.joinable()) it->second->worker.join();
    active_.erase(it);
  }
  if (shutting_down_) return;  // the row stays `running`: the next start reports it interrupted
  log::info(kLog, "job {} ended: {}", job_id, result.describe());
  engine_.job_finished(job_id, result);
}

void job_runner::kill(std::int64_t job_id) {
  auto it = active_.find(job_id);
  if (it == active_.end()) return;
  auto a = it->second;
  a->cancelled = true;
  if (auto row = engine_.jobs().find(job_id); row && !row->spec.task.empty()) return;  // ends as cancelled
  const int pid = a->pid.load();
  if (pid <= 0) return;  // not started yet: proc::run is about to; the SIGTERM below would miss it
  proc::kill_group(pid, SIGTERM);
  a->grace = std::make_unique<boost::asio::steady_timer>(loop_, settings_.kill_grace);
  a->grace->async_wait([a, pid](const boost::system::error_code& ec) {
    if (!ec) proc::kill_group(pid, SIGKILL);
  });
}

void job_runner::shutdown() {
  shutting_down_ = true;
  for (auto& [id, a] : active_) {
    a->stopping = true;
    a->cancelled = true;
    if (const int pid = a->pid.load(); pid > 0) proc::kill_group(pid, SIGKILL);
  }
  for (auto& [id, a] : active_) {
    if (a->worker.joinable()) a->worker.join();
  }
  active_.clear();
  *alive_ = false;
  alive_ = std::make_shared<bool>(false);
}

}  // namespace tugboat::workflows
