// The HTTP client on its own, over plain HTTP on loopback: pooling limits, connections that must not
// be reused, transport failures and what they say about delivery.
#include "slack/http_client.hpp"

#include <doctest/doctest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "tests/support/async_test.hpp"
#include "tests/support/fake_http_server.hpp"

using namespace tugboat;
using namespace tugboat::slack;
using namespace tugboat::test;
using boost::asio::awaitable;
using namespace std::chrono_literals;

namespace {

struct client_fixture {
  boost::asio::io_context io;
  fake_http_server::handler script = [](const recorded_request&) { return scripted_response::json("{}"); };
  fake_http_server server{io, [this](const recorded_request& r) { return script(r); }};

  http_request get(const std::string& path = "x") const {
    http_request r;
    r.url = server.base_url() + path;
    return r;
  }
  void run(awaitable<void> task) {
    run_test(io, std::move(task), [this] { server.stop(); });
    server.rethrow_if_failed();
  }
};

template <typename T>
awaitable<std::optional<http_error>> http_error_of(awaitable<T> operation) {
  std::optional<http_error> caught;
  try {
    co_await std::move(operation);
  } catch (const http_error& e) {
    caught = e;
  }
  co_return caught;
}

}  // namespace

TEST_CASE("response headers are found whatever their case") {
  client_fixture f;
  f.script = [](const recorded_request&) {
    auto r = scripted_response::json("{}");
    r.headers.push_back({"X-OAuth-Scopes", "chat:write"});
    return r;
  };
  http_client http{f.io.get_executor()};
  f.run([&]() -> awaitable<void> {
    const auto response = co_await http.request(f.get());
    CHECK(response.status == 200);
    CHECK(response.header("x-oauth-scopes") == "chat:write");
    CHECK(response.header("X-OAUTH-SCOPES") == "chat:write");
    CHECK_FALSE(response.header("Retry-After"));
  }());
}

TEST_CASE("a URL that is not absolute http(s) is a programming error") {
  client_fixture f;
  http_client http{f.io.get_executor()};
  f.run([&]() -> awaitable<void> {
    for (const char* url : {"wss://example.test/", "example.test/api", ""}) {
      http_request r;
      r.url = url;
      bool refused = false;
      try {
        (void)co_await http.request(r);
      } catch (const std::invalid_argument&) {
        refused = true;
      }
      CHECK(refused);
    }
  }());
}

TEST_CASE("an answer with Connection: close is not pooled") {
  client_fixture f;
  f.script = [](const recorded_request&) {
    auto r = scripted_response::json("{}");
    r.say_close = true;
    return r;
  };
  http_client http{f.io.get_executor()};
  f.run([&]() -> awaitable<void> {
    (void)co_await http.request(f.get());
    CHECK(http.idle_connections() == 0);
    (void)co_await http.request(f.get());
  }());
  CHECK(f.server.connections_accepted() == 2);
  CHECK(http.stats().connections_reused == 0);
}

TEST_CASE("idle connections older than max_idle_time are not reused") {
  client_fixture f;
  http_client_settings settings;
  settings.max_idle_time = 0ms;
  http_client http{f.io.get_executor(), settings};
  f.run([&]() -> awaitable<void> {
    (void)co_await http.request(f.get());
    (void)co_await http.request(f.get());
  }());
  CHECK(f.server.connections_accepted() == 2);
  CHECK(http.stats().stale_connections_dropped == 1);
}

TEST_CASE("concurrent requests use separate connections and at most max_idle_per_host stay pooled") {
  client_fixture f;
  f.script = [](const recorded_request&) {
    auto r = scripted_response::json("{}");
    r.delay = 50ms;  // keeps all six in flight at once
    return r;
  };
  http_client http{f.io.get_executor()};
  int done = 0;
  std::exception_ptr failure;
  for (int i = 0; i < 6; ++i) {
    boost::asio::co_spawn(f.io, http.request(f.get()), [&](std::exception_ptr e, const http_response&) {
      if (e) failure = e;
      if (++done == 6) f.server.stop();
    });
  }
  f.io.run();
  REQUIRE_FALSE(failure);
  CHECK(done == 6);
  CHECK(f.server.connections_accepted() == 6);
  CHECK(http.idle_connections() == 4);
}

TEST_CASE("a connection dropped after the request was sent may have reached the server") {
  client_fixture f;
  f.script = [](const recorded_request&) {
    scripted_response r;
    r.drop = true;
    return r;
  };
  http_client http{f.io.get_executor()};
  f.run([&]() -> awaitable<void> {
    auto request = f.get();
    request.verb = http_verb::post;
    request.body = "{}";
    const auto e = co_await http_error_of(http.request(request));
    REQUIRE(e);
    CHECK(e->stage() == http_stage::receiving);
    CHECK(e->may_have_reached_server());
    CHECK_FALSE(e->timed_out());
  }());
  CHECK(f.server.requests().size() == 1);
}

TEST_CASE("a refused connection cannot have reached the server") {
  boost::asio::io_context io;
  std::uint16_t port = 0;
  {
    boost::asio::ip::tcp::acceptor a{io, {boost::asio::ip::make_address("127.0.0.1"), 0}};
    port = a.local_endpoint().port();
  }
  http_client http{io.get_executor()};
  run_test(io, [&]() -> awaitable<void> {
    http_request r;
    r.url = "http://127.0.0.1:" + std::to_string(port) + "/";
    const auto e = co_await http_error_of(http.request(r));
    REQUIRE(e);
    CHECK(e->stage() == http_stage::connecting);
    CHECK_FALSE(e->may_have_reached_server());
    CHECK(std::string{e->what()}.find("127.0.0.1") != std::string::npos);
  }());
}

TEST_CASE("an answer larger than max_response_bytes is refused") {
  client_fixture f;
  f.script = [](const recorded_request&) { return scripted_response::json(std::string(5000, 'x')); };
  http_client_settings settings;
  settings.max_response_bytes = 1000;
  http_client http{f.io.get_executor(), settings};
  f.run([&]() -> awaitable<void> {
    const auto e = co_await http_error_of(http.request(f.get()));
    REQUIRE(e);
    CHECK(e->stage() == http_stage::receiving);
  }());
}

TEST_CASE("a request that outlives its timeout fails as timed out, and a slow answer is not pooled") {
  client_fixture f;
  f.script = [](const recorded_request&) {
    auto r = scripted_response::json("{}");
    r.delay = 300ms;
    return r;
  };
  http_client http{f.io.get_executor()};
  f.run([&]() -> awaitable<void> {
    auto request = f.get();
    request.timeout = 50ms;
    const auto e = co_await http_error_of(http.request(request));
    REQUIRE(e);
    CHECK(e->timed_out());
    CHECK(e->stage() == http_stage::receiving);
    CHECK(http.idle_connections() == 0);
  }());
}

TEST_CASE("a TLS handshake the server never answers times out while connecting, before anything was sent") {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor silent{io, {boost::asio::ip::make_address("127.0.0.1"), 0}};
  boost::asio::ip::tcp::socket held{io};  // accepted and then ignored: no ServerHello ever comes
  silent.async_accept(held, [](boost::system::error_code) {});
  http_client_settings settings;
  settings.connect_timeout = 100ms;
  http_client http{io.get_executor(), settings};
  run_test(
      io,
      [&]() -> awaitable<void> {
        http_request r;
        r.url = "https://127.0.0.1:" + std::to_string(silent.local_endpoint().port()) + "/api/auth.test";
        const auto e = co_await http_error_of(http.request(r));
        REQUIRE(e);
        CHECK(e->stage() == http_stage::connecting);
        CHECK(e->timed_out());
        CHECK_FALSE(e->may_have_reached_server());
      }(),
      [&] {
        boost::system::error_code ec;
        silent.close(ec);
        held.close(ec);
      });
}
