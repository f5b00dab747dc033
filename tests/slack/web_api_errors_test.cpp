// How the Web API choke point fails and retries: typed errors, 429 Retry-After, 5xx and timeouts for
// reads, no blind resend of posts, and no token in any error or log line.
#include <doctest/doctest.h>

#include <boost/asio/ip/tcp.hpp>

#include "core/log.hpp"
#include "tests/slack/web_api_fixture.hpp"

using namespace tugboat;
using namespace tugboat::slack;
using namespace tugboat::test;
using boost::asio::awaitable;
using namespace std::chrono_literals;

namespace {

outgoing_message hello_message() {
  outgoing_message m;
  m.channel = channel_id{"C1"};
  m.text = "hello";
  return m;
}

// A loopback port with nothing listening: connecting to it is refused at once.
std::uint16_t closed_port(boost::asio::io_context& io) {
  boost::asio::ip::tcp::acceptor a{io, {boost::asio::ip::make_address("127.0.0.1"), 0}};
  const auto port = a.local_endpoint().port();
  a.close();
  return port;
}

}  // namespace

TEST_CASE("ok:false becomes an api_error naming the method and Slack's error code") {
  web_api_fixture f;
  f.script = [](const recorded_request&) { return slack_error("channel_not_found"); };
  f.run([&]() -> awaitable<void> {
    const auto e = co_await error_of(f.api.post_message(hello_message()));
    REQUIRE(e);
    CHECK(e->method() == "chat.postMessage");
    CHECK(e->code() == "channel_not_found");
    CHECK(e->klass() == error_class::permanent);
    CHECK_FALSE(e->retryable());
    CHECK_FALSE(e->may_have_been_delivered());
    CHECK(std::string{e->what()}.find("chat.postMessage failed: channel_not_found") != std::string::npos);
  }());
  CHECK(f.server.requests().size() == 1);
}

TEST_CASE("missing_scope is fatal and says which scope is needed and which the token has") {
  web_api_fixture f;
  f.script = [](const recorded_request&) {
    return ok_json(
        R"({"ok":false,"error":"missing_scope","needed":"users:read.email","provided":"chat:write,users:read"})");
  };
  f.run([&]() -> awaitable<void> {
    const auto e = co_await error_of(f.api.users_lookup_by_email("a@example.com"));
    REQUIRE(e);
    CHECK(e->code() == "missing_scope");
    CHECK(e->fatal());
    CHECK(e->needed() == "users:read.email");
    CHECK(e->provided() == "chat:write,users:read");
    CHECK(std::string{e->what()}.find("users:read.email") != std::string::npos);
  }());
}

TEST_CASE("authentication errors are fatal and not retried") {
  web_api_fixture f;
  f.script = [](const recorded_request&) { return slack_error("invalid_auth"); };
  f.run([&]() -> awaitable<void> {
    const auto e = co_await error_of(f.api.auth_test());
    REQUIRE(e);
    CHECK(e->fatal());
  }());
  CHECK(f.server.requests().size() == 1);
}

TEST_CASE("a 429 pauses the method for Retry-After, then the call succeeds; other methods are not paused") {
  web_api_fixture f;
  int posts = 0;
  f.script = [&](const recorded_request& r) {
    if (r.path() == "/api/chat.postMessage" && ++posts == 1) {
      auto limited = scripted_response::json(R"({"ok":false,"error":"ratelimited"})", 429);
      limited.headers.push_back({"Retry-After", "7"});
      return limited;
    }
    return ok_json(R"({"ok":true,"channel":"C1","ts":"1.000001"})");
  };
  const auto start = f.clock.now();
  f.run([&]() -> awaitable<void> {
    const auto posted = co_await f.api.post_message(hello_message());
    CHECK(posted.ts == message_ts{"1.000001"});
  }());
  CHECK(posts == 2);
  CHECK(f.clock.now() - start == 7s);
  CHECK(std::find(f.sleeper.sleeps.begin(), f.sleeper.sleeps.end(), sleeper::duration{7s}) !=
        f.sleeper.sleeps.end());

  // While a method is paused, others go straight through.
  web_api_fixture g;
  g.script = [](const recorded_request&) {
    auto limited = scripted_response::json(R"({"ok":false,"error":"ratelimited"})", 429);
    limited.headers.push_back({"Retry-After", "3000"});  // beyond max_retry_after: the call gives up at once
    return limited;
  };
  g.run([&]() -> awaitable<void> {
    (void)co_await error_of(g.api.call("chat.update", api_params{}.add("channel", "C1")));
  }());
  CHECK(g.server.requests().size() == 1);
  CHECK(g.api.limiter().paused_for("chat.update", g.clock.now()) == 3000s);
  CHECK(g.api.limiter().paused_for("users.info", g.clock.now()) == 0s);
}

TEST_CASE("a 429 without a usable Retry-After waits the default, and too many 429s give up as ratelimited") {
  web_api_fixture f;
  f.script = [](const recorded_request&) {
    return scripted_response::json(R"({"ok":false,"error":"ratelimited"})", 429);
  };
  const auto start = f.clock.now();
  f.run([&]() -> awaitable<void> {
    const auto e = co_await error_of(f.api.call("conversations.open", api_params{}.add("users", "U1")));
    REQUIRE(e);
    CHECK(e->code() == "ratelimited");
    CHECK(e->retryable());
    CHECK(e->http_status() == 429);
  }());
  const auto tries = f.api.settings().max_rate_limited_retries + 1;
  CHECK(f.server.requests().size() == tries);
  CHECK(f.clock.now() - start == f.api.settings().default_retry_after * (tries - 1));
}

TEST_CASE("5xx answers to reads are retried with backoff until they succeed") {
  web_api_fixture f;
  int calls = 0;
  f.script = [&](const recorded_request&) {
    if (++calls <= 2) return scripted_response::json("<html>bad gateway</html>", 503);
    return ok_json(R"({"ok":true,"user":{"id":"U1","name":"ada"}})");
  };
  f.run([&]() -> awaitable<void> {
    const auto user = co_await f.api.users_info(user_id{"U1"});
    CHECK(user.name == "ada");
  }());
  CHECK(calls == 3);
  CHECK(f.sleeper.sleeps.size() == 2);  // two backoff waits, no real time spent
}

TEST_CASE("reads that keep failing give up after max_attempts with a transient error") {
  web_api_fixture f;
  f.script = [](const recorded_request&) { return slack_error("internal_error"); };
  f.run([&]() -> awaitable<void> {
    const auto e = co_await error_of(f.api.users_info(user_id{"U1"}));
    REQUIRE(e);
    CHECK(e->code() == "internal_error");
    CHECK(e->retryable());
    CHECK_FALSE(e->may_have_been_delivered());
  }());
  CHECK(f.server.requests().size() == f.api.settings().max_attempts);
}

TEST_CASE("a post answered internal_error or fatal_error is not retried and may have been delivered") {
  for (const char* code : {"internal_error", "fatal_error"}) {
    CAPTURE(code);
    web_api_fixture f;
    f.script = [code](const recorded_request&) { return slack_error(code); };
    f.run([&]() -> awaitable<void> {
      const auto e = co_await error_of(f.api.post_message(hello_message()));
      REQUIRE(e);
      CHECK(e->code() == code);
      CHECK(e->may_have_been_delivered());
      CHECK(std::string{e->what()}.find("may have been delivered") != std::string::npos);
    }());
    CHECK(f.server.requests().size() == 1);
  }
}

TEST_CASE("a post answered 5xx is not retried and may have been delivered") {
  web_api_fixture f;
  f.script = [](const recorded_request&) { return scripted_response::json("oops", 500); };
  f.run([&]() -> awaitable<void> {
    const auto e = co_await error_of(f.api.post_message(hello_message()));
    REQUIRE(e);
    CHECK(e->code() == "http_500");
    CHECK(e->may_have_been_delivered());
  }());
  CHECK(f.server.requests().size() == 1);
}

TEST_CASE("a post that times out after it was sent is not retried and may have been delivered") {
  web_api_fixture f;
  f.script = [](const recorded_request&) {
    auto slow = ok_json(R"({"ok":true,"channel":"C1","ts":"1.1"})");
    slow.delay = 400ms;
    return slow;
  };
  f.run([&]() -> awaitable<void> {
    call_options options;
    options.timeout = 100ms;
    const auto e = co_await error_of(
        f.api.call("chat.postMessage", api_params{}.add("channel", "C1").add("text", "hi"), options));
    REQUIRE(e);
    CHECK(e->code() == "timeout");
    CHECK(e->retryable());
    CHECK(e->may_have_been_delivered());
  }());
  CHECK(f.server.requests().size() == 1);
}

TEST_CASE("a read that times out is retried on a new connection") {
  web_api_fixture f;
  int calls = 0;
  f.script = [&](const recorded_request&) {
    auto answer = ok_json(R"({"ok":true,"user":{"id":"U1","name":"ada"}})");
    if (++calls == 1)
      answer.delay = 900ms;  // generous margins: the retry must fit in the timeout under ASan and load
    return answer;
  };
  f.run([&]() -> awaitable<void> {
    call_options options;
    options.timeout = 300ms;
    const auto result = co_await f.api.call("users.info", api_params{}.add("user", "U1"), options);
    CHECK(result.body.find("ada") != std::string::npos);
  }());
  CHECK(calls == 2);
  CHECK(f.server.connections_accepted() == 2);
}

TEST_CASE("a refused connection is retried even for a post, because nothing was sent") {
  web_api_fixture f;
  auto settings = f.settings("http://127.0.0.1:" + std::to_string(closed_port(f.io)) + "/api/");
  settings.max_attempts = 3;
  web_api api{f.http, f.sleeper, f.clock, settings};
  f.run([&]() -> awaitable<void> {
    const auto e = co_await error_of(api.post_message(hello_message()));
    REQUIRE(e);
    CHECK(e->code() == "connection_failed");
    CHECK(e->retryable());
    CHECK_FALSE(e->may_have_been_delivered());
  }());
  CHECK(f.sleeper.sleeps.size() == 2);  // three attempts, two backoff waits
}

TEST_CASE("an answer that is not Slack JSON is an invalid_response; a read retries it") {
  web_api_fixture f;
  int calls = 0;
  f.script = [&](const recorded_request&) {
    if (++calls == 1) return scripted_response::json("<html>proxy says hi</html>");
    return ok_json(R"({"ok":true,"user":{"id":"U1"}})");
  };
  f.run([&]() -> awaitable<void> { (void)co_await f.api.users_info(user_id{"U1"}); }());
  CHECK(calls == 2);

  web_api_fixture g;
  g.script = [](const recorded_request&) { return scripted_response::json("not json"); };
  g.run([&]() -> awaitable<void> {
    const auto e = co_await error_of(g.api.post_message(hello_message()));
    REQUIRE(e);
    CHECK(e->code() == "invalid_response");
    CHECK(e->may_have_been_delivered());
  }());
  CHECK(g.server.requests().size() == 1);
}

TEST_CASE("no token appears in any error text or log line") {
  static std::vector<std::string> lines;
  lines.clear();
  tugboat::log::set_sink([](std::string_view line) { lines.emplace_back(line); });
  tugboat::log::set_level(tugboat::log::level::debug);
  std::vector<std::string> messages;
  {
    web_api_fixture f;
    int calls = 0;
    f.script = [&](const recorded_request&) {
      switch (++calls % 4) {
        case 0:
          return slack_error("invalid_auth");
        case 1:
          return scripted_response::json("gateway", 502);
        case 2:
          return ok_json(
              R"({"ok":false,"error":"missing_scope","needed":"chat:write","provided":"users:read"})");
        default:
          return slack_error("internal_error");
      }
    };
    auto dead_settings = f.settings("http://127.0.0.1:" + std::to_string(closed_port(f.io)) + "/api/");
    web_api dead{f.http, f.sleeper, f.clock, dead_settings};
    auto broken_settings = f.settings();
    broken_settings.bot_token = "xoxb-broken\r\nX-Injected: 1";
    web_api broken{f.http, f.sleeper, f.clock, broken_settings};
    f.run([&]() -> awaitable<void> {
      for (int i = 0; i < 6; ++i) {
        if (auto e = co_await error_of(f.api.post_message(hello_message()))) messages.emplace_back(e->what());
        if (auto e = co_await error_of(f.api.users_info(user_id{"U1"}))) messages.emplace_back(e->what());
      }
      if (auto e = co_await error_of(f.api.apps_connections_open())) messages.emplace_back(e->what());
      if (auto e = co_await error_of(dead.auth_test())) messages.emplace_back(e->what());
      if (auto e = co_await error_of(broken.auth_test())) messages.emplace_back(e->what());
    }());
  }
  tugboat::log::set_level(tugboat::log::level::info);
  tugboat::log::set_sink(nullptr);
  CHECK(messages.size() >= 10);
  for (const auto* secret : {kBotToken, kAppToken, "testbottokenvalue", "testapptokenvalue", "xoxb-broken"}) {
    for (const auto& m : messages) {
      CAPTURE(m);
      CHECK(m.find(secret) == std::string::npos);
    }
    for (const auto& l : lines) {
      CAPTURE(l);
      CHECK(l.find(secret) == std::string::npos);
    }
  }
}

TEST_CASE("a call without a usable token fails as not_authed before anything is sent") {
  web_api_fixture f;
  auto settings = f.settings();
  settings.app_token.clear();
  web_api api{f.http, f.sleeper, f.clock, settings};
  f.run([&]() -> awaitable<void> {
    const auto e = co_await error_of(api.apps_connections_open());
    REQUIRE(e);
    CHECK(e->code() == "not_authed");
    CHECK(e->fatal());
  }());
  CHECK(f.server.requests().empty());
}

TEST_CASE("a base URL that is not http(s) is refused at construction") {
  web_api_fixture f;
  CHECK_THROWS_AS(web_api(f.http, f.sleeper, f.clock, f.settings("ftp://slack.com/api/")),
                  std::invalid_argument);
  f.run([]() -> awaitable<void> { co_return; }());
}

TEST_CASE("after a 429 the next call of that method waits out Retry-After while other methods go at once") {
  web_api_fixture f;
  auto settings = f.settings();
  settings.max_rate_limited_retries = 0;  // the first call gives up at once, leaving the pause in force
  web_api api{f.http, f.sleeper, f.clock, settings};
  bool limited = true;
  f.script = [&](const recorded_request& r) {
    if (r.path() == "/api/chat.update" && limited) {
      limited = false;
      auto answer = scripted_response::json(R"({"ok":false,"error":"ratelimited"})", 429);
      answer.headers.push_back({"Retry-After", "10"});
      return answer;
    }
    return ok_json(R"({"ok":true,"user":{"id":"U1"}})");
  };
  const auto start = f.clock.now();
  f.run([&]() -> awaitable<void> {
    api_params update;
    update.add("channel", "C1").add("ts", "1.1").add("text", "x");
    const auto e = co_await error_of(api.call("chat.update", update, call_options{}));
    REQUIRE(e);
    CHECK(e->code() == "ratelimited");
    CHECK(f.clock.now() == start);

    (void)co_await api.users_info(user_id{"U1"});  // another method: no wait
    CHECK(f.clock.now() == start);

    (void)co_await api.call("chat.update", update, call_options{});  // same method: waits the pause
    CHECK(f.clock.now() - start == std::chrono::seconds{10});
  }());
  CHECK(f.server.requests().size() == 3);
}

TEST_CASE("with the real timer sleeper and clock, retries wait on an asio timer") {
  web_api_fixture f;
  int calls = 0;
  f.script = [&](const recorded_request&) {
    if (++calls <= 2) return scripted_response::json("busy", 503);
    return ok_json(R"({"ok":true,"user":{"id":"U1"}})");
  };
  timer_sleeper real_sleeper{f.io.get_executor()};
  system_clock_source real_clock;
  auto settings = f.settings();
  settings.retry_backoff = {std::chrono::milliseconds{20}, std::chrono::milliseconds{20}, jitter::none};
  web_api api{f.http, real_sleeper, real_clock, settings};
  const auto started = std::chrono::steady_clock::now();
  f.run([&]() -> awaitable<void> { (void)co_await api.users_info(user_id{"U1"}); }());
  CHECK(calls == 3);
  CHECK(std::chrono::steady_clock::now() - started >= std::chrono::milliseconds{40});
}

TEST_CASE("Slack's error codes are classified as transient, permanent or fatal") {
  for (const char* code : {"ratelimited", "internal_error", "fatal_error", "service_unavailable",
                           "request_timeout", "timeout", "connection_failed", "http_503"})
    CHECK(classify_error(code) == error_class::transient);
  for (const char* code : {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "missing_scope",
                           "not_allowed_token_type"})
    CHECK(classify_error(code) == error_class::fatal);
  for (const char* code :
       {"channel_not_found", "not_in_channel", "invalid_blocks", "msg_too_long", "http_404", ""})
    CHECK(classify_error(code) == error_class::permanent);
}

TEST_CASE("reads go as GET, and only posts are treated as unsafe to resend") {
  for (const char* m : {"users.info", "users.lookupByEmail", "conversations.replies"}) CHECK(uses_get(m));
  for (const char* m :
       {"chat.postMessage", "chat.update", "auth.test", "apps.connections.open", "reactions.add"})
    CHECK_FALSE(uses_get(m));
  for (const char* m :
       {"users.info", "chat.update", "reactions.add", "conversations.open", "apps.connections.open"})
    CHECK(is_idempotent(m));
  for (const char* m : {"chat.postMessage", "chat.postEphemeral", "some.newMethod"})
    CHECK_FALSE(is_idempotent(m));
}
