#pragma once
// The emulator's insides, shared by its .cpp files (emulator.cpp: lifecycle and the thread-safe
// public methods; pushes.cpp: events as users; web_api.cpp: /api/ and response_url; control.cpp:
// /_emulator/). Everything in `impl` is touched only on the emulator's thread, except `run`, the
// change counter (`mu`, `cv`, `version`) and the immutable fields set before start.
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <condition_variable>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "slack/emulator/emulator.hpp"
#include "slack/emulator/model.hpp"
#include "slack/emulator/rate_limits.hpp"
#include "slack/emulator/server.hpp"
#include "slack/emulator/socket_mode.hpp"
#include "slack/emulator/tls.hpp"

namespace tugboat::slack {

using params = std::map<std::string, std::string, std::less<>>;

struct emulator::impl {
  explicit impl(emulator_settings s);

  emulator_settings settings;
  // Declared first so it is destroyed last: timers and sockets below must go before their io_context.
  std::unique_ptr<boost::asio::io_context> ioc;
  emu::workspace ws;
  emu::rate_limiter limiter;
  std::unique_ptr<emu::socket_hub> hub;
  std::unique_ptr<emu::server> srv;
  std::thread thread;
  emu::tls_material tls;
  bool started = false;
  bool stopped = false;
  std::uint16_t port = 0;

  // Faults and counters.
  std::vector<method_fault> faults;
  bool rate_limits_on = true;
  std::map<std::string, std::uint64_t, std::less<>> api_calls;
  std::uint64_t responses_429 = 0;

  // Subscribers and waiters.
  std::map<int, subscriber> subscribers;
  int next_subscriber = 0;
  mutable std::mutex mu;
  mutable std::condition_variable cv;
  std::uint64_t version = 0;  // guarded by mu; bumped on every message or connection change
  struct http_waiter {
    std::function<std::optional<emu::http_response>(bool timed_out)> check;
    emu::respond_fn respond;
    std::chrono::steady_clock::time_point deadline;
  };
  std::vector<http_waiter> waiters;
  std::unique_ptr<boost::asio::steady_timer> waiter_timer;

  // response_url targets: id → where a POST to it lands.
  struct response_target {
    std::string channel;
    std::string user;
    std::string message_ts;  // block_actions: the clicked message
    int uses_left = 5;
  };
  std::unordered_map<std::string, response_target> response_urls;
  std::uint64_t next_response_url = 0;
  std::uint64_t block_counter = 0;

  // Runs `f` on the emulator thread and returns its result (inline when already there or not running).
  template <class F>
  auto run(F&& f) const -> std::invoke_result_t<F> {
    using R = std::invoke_result_t<F>;
    if (stopped) throw std::logic_error("the Slack emulator is stopped");
    if (!started || ioc->get_executor().running_in_this_thread()) return f();
    std::packaged_task<R()> task(std::forward<F>(f));
    auto result = task.get_future();
    boost::asio::post(*ioc, [&task] { task(); });
    return result.get();
  }

  std::string scheme_http() const { return settings.tls.enabled ? "https" : "http"; }
  std::string base_url() const;

  // emulator.cpp
  void notify_change();
  void on_message(const emulated_message& m);
  void add_waiter(http_waiter w);
  void check_waiters(bool timer_fired);
  void arm_waiter_timer();

  // pushes.cpp
  push_result push_user_message(const std::string& user, const std::string& channel, const std::string& text,
                                const std::string& thread_ts, bool mention);
  push_result push_bot_message(const std::string& bot_id, const std::string& channel, const std::string& text,
                               bool classic);
  push_result push_edit(const std::string& channel, const std::string& ts, const std::string& text);
  push_result push_slash(const std::string& user, const std::string& channel, const std::string& text,
                         const std::string& command);
  push_result push_click(const std::string& user, const std::string& channel, const std::string& message_ts,
                         const std::string& action_id, const std::optional<std::string>& value);
  std::string new_response_url(const std::string& kind, response_target target);

  // web_api.cpp (front door) and web_methods.cpp (the methods)
  void handle_http(emu::http_request req, emu::respond_fn respond);
  emu::http_response web_api(const emu::http_request& req, std::string method);
  emu::http_response response_url_post(const emu::http_request& req, const std::string& id);
  emu::http_response auth_test();
  emu::http_response chat_post(const params& p, bool ephemeral);
  emu::http_response chat_update(const params& p);
  emu::http_response chat_delete(const params& p);
  emu::http_response conversations_open(const params& p);
  emu::http_response conversations_read(const params& p, bool replies);
  emu::http_response users_read(const params& p, bool by_email);
  emu::http_response reactions_add(const params& p);

  // control.cpp
  void control(const emu::http_request& req, emu::respond_fn respond);
  emu::http_response control_fault(const params& p);
};

// web_api.cpp: request parameters from the query string and a form or JSON body (nested JSON values
// are kept as JSON text). Returns false when a JSON body does not parse.
bool parse_params(const emu::http_request& req, params& out);
std::string url_decode(std::string_view s);

}  // namespace tugboat::slack
