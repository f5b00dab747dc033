// Measurements, not checks: skipped by default; run with
//   slack_web_api_test --test-suite=measure --no-skip
// Prints throughput and cost of the Web API path (client and fake server share one thread, so the
// figures include the server's work) and of the pure parts.
#include <doctest/doctest.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "tests/slack/web_api_fixture.hpp"
#include "tests/support/test_certificate.hpp"

using namespace tugboat;
using namespace tugboat::slack;
using namespace tugboat::test;
using boost::asio::awaitable;

namespace {

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

struct stopwatch {
  std::chrono::steady_clock::time_point wall = std::chrono::steady_clock::now();
  double cpu = cpu_seconds();
  void report(const char* what, int n) const {
    const double w = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall).count();
    const double c = cpu_seconds() - cpu;
    std::printf("%-58s %8d ops  %9.1f ops/s  %8.1f us wall/op  %8.1f us cpu/op\n", what, n, n / w,
                w * 1e6 / n, c * 1e6 / n);
  }
};

}  // namespace

TEST_SUITE("measure" * doctest::skip()) {
  TEST_CASE("Web API calls over one keep-alive HTTP connection") {
    web_api_fixture f;
    auto settings = f.settings();
    settings.rate_limits_enabled = false;
    web_api api{f.http, f.sleeper, f.clock, settings};
    constexpr int kCalls = 2000;
    stopwatch sw;
    f.run([&]() -> awaitable<void> {
      outgoing_message m;
      m.channel = channel_id{"C1"};
      m.text = "hello";
      m.blocks.emplace_back(section_block{"*hello* world", std::nullopt, ""});
      f.script = [](const recorded_request&) { return ok_json(R"({"ok":true,"channel":"C1","ts":"1.1"})"); };
      for (int i = 0; i < kCalls; ++i) (void)co_await api.post_message(m);
    }());
    sw.report("chat.postMessage, plain HTTP keep-alive (client+server)", kCalls);
    CHECK(f.server.connections_accepted() == 1);
  }

  TEST_CASE("Web API calls over HTTPS, keep-alive and fresh connections") {
    const auto cert = make_self_signed_certificate({"localhost"}, {"127.0.0.1"});
    const temp_file ca{cert.cert_pem};
    boost::asio::io_context io;
    manual_clock clock;
    manual_sleeper sleeper{clock};
    fake_http_server server{io,
                            [](const recorded_request&) { return ok_json(R"({"ok":true,"user_id":"U1"})"); },
                            tls_identity{cert.cert_pem, cert.key_pem}};
    auto http_settings = test_http_settings();
    http_settings.extra_ca_file = ca.path();
    http_client http{io.get_executor(), http_settings};
    web_api_settings s;
    s.base_url = server.base_url("localhost") + "api/";
    s.bot_token = kBotToken;
    s.rate_limits_enabled = false;
    web_api api{http, sleeper, clock, s};
    constexpr int kKeepAlive = 1000;
    constexpr int kFresh = 100;
    stopwatch keep;
    run_test(
        io,
        [&]() -> awaitable<void> {
          for (int i = 0; i < kKeepAlive; ++i) (void)co_await api.auth_test();
        }(),
        [&] { io.stop(); });  // the server keeps listening for the second half
    keep.report("auth.test, HTTPS keep-alive (client+server)", kKeepAlive);
    stopwatch fresh;
    run_test(
        io,
        [&]() -> awaitable<void> {
          for (int i = 0; i < kFresh; ++i) {
            http.close_idle();
            (void)co_await api.auth_test();
          }
        }(),
        [&] { server.stop(); });
    fresh.report("auth.test, HTTPS new connection each (TCP+TLS handshake)", kFresh);
  }

  TEST_CASE("rate limiter reservations") {
    rate_limiter limiter;
    manual_clock clock;
    constexpr int kOps = 1'000'000;
    std::vector<std::string> channels;
    for (int i = 0; i < 200; ++i) channels.push_back("C" + std::to_string(i));
    stopwatch sw;
    for (int i = 0; i < kOps; ++i) {
      const rate_route route{"chat.postMessage", channels[static_cast<std::size_t>(i) % channels.size()]};
      (void)limiter.reserve_channel(route, clock.now());
      (void)limiter.reserve_method(route.method, clock.now());
      clock.advance(std::chrono::milliseconds{1});
    }
    sw.report("rate_limiter channel+method reservation", kOps);
  }

  TEST_CASE("Block Kit encoding of a full message") {
    outgoing_message m;
    m.channel = channel_id{"C1"};
    m.text = "Release 1.4.0: 12 failures";
    for (int i = 0; i < 50; ++i)
      m.blocks.emplace_back(section_block{"*test_" + std::to_string(i) + "* failed — owner <@U123>",
                                          button{"Fixed", "fixed", std::to_string(i), button_style::primary},
                                          ""});
    constexpr int kOps = 10'000;
    std::size_t bytes = 0;
    stopwatch sw;
    for (int i = 0; i < kOps; ++i) bytes += message_json(m).size();
    sw.report("message_json, 50 sections with buttons", kOps);
    CHECK(bytes > 0);
  }
}
