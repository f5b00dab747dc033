#pragma once
// Shared set-up for the Web API tests: a scripted server on 127.0.0.1, a real http_client on the same
// io_context, a manual clock and a sleeper that advances it (so 429 and backoff waits take no time).
#include <boost/asio/io_context.hpp>
#include <optional>
#include <string>

#include "slack/web_api.hpp"
#include "tests/support/async_test.hpp"
#include "tests/support/fake_http_server.hpp"

namespace tugboat::test {

inline constexpr const char* kBotToken = "xoxb-1111-2222-testbottokenvalue";
inline constexpr const char* kAppToken = "xapp-1-A111-3333-testapptokenvalue";

inline scripted_response ok_json(std::string body) {
  return scripted_response::json(std::move(body));
}
inline scripted_response slack_error(const std::string& code) {
  return scripted_response::json(R"({"ok":false,"error":")" + code + R"("})");
}

inline slack::http_client_settings test_http_settings() {
  slack::http_client_settings s;
  s.connect_timeout = std::chrono::milliseconds{2000};
  s.request_timeout = std::chrono::milliseconds{5000};
  return s;
}

struct web_api_fixture {
  boost::asio::io_context io;
  manual_clock clock;
  manual_sleeper sleeper{clock};
  fake_http_server::handler script = [](const recorded_request&) { return ok_json(R"({"ok":true})"); };
  fake_http_server server{io, [this](const recorded_request& r) { return script(r); }};
  slack::http_client http{io.get_executor(), test_http_settings()};

  slack::web_api_settings settings(std::string base_url = {}) {
    slack::web_api_settings s;
    s.base_url = base_url.empty() ? server.base_url() + "api/" : std::move(base_url);
    s.bot_token = kBotToken;
    s.app_token = kAppToken;
    s.jitter_seed = 99;
    return s;
  }
  slack::web_api api{http, sleeper, clock, settings()};

  void run(boost::asio::awaitable<void> task) {
    run_test(io, std::move(task), [this] { server.stop(); });
    server.rethrow_if_failed();
  }
};

// The api_error an operation ends with, or nullopt if it succeeded.
template <typename T>
boost::asio::awaitable<std::optional<slack::api_error>> error_of(boost::asio::awaitable<T> operation) {
  std::optional<slack::api_error> caught;
  try {
    co_await std::move(operation);
  } catch (const slack::api_error& e) {
    caught = e;
  }
  co_return caught;
}

}  // namespace tugboat::test
