// The HTTPS path against a fake server with a certificate made at test time: trusted through
// SSL_CERT_FILE (the system default paths) or an extra CA file, refused when untrusted or issued for
// another host, and kept alive across calls.
#include <doctest/doctest.h>

#include <cstdlib>

#include "tests/slack/web_api_fixture.hpp"
#include "tests/support/test_certificate.hpp"

using namespace tugboat;
using namespace tugboat::slack;
using namespace tugboat::test;
using boost::asio::awaitable;

namespace {

// Points OpenSSL's default trust at one file for the lifetime of the object.
class trust_only {
 public:
  explicit trust_only(const std::string& path) {
    if (const char* old = std::getenv("SSL_CERT_FILE")) previous_ = old;
    ::setenv("SSL_CERT_FILE", path.c_str(), 1);
  }
  ~trust_only() {
    if (previous_) {
      ::setenv("SSL_CERT_FILE", previous_->c_str(), 1);
    } else {
      ::unsetenv("SSL_CERT_FILE");
    }
  }
  trust_only(const trust_only&) = delete;
  trust_only& operator=(const trust_only&) = delete;

 private:
  std::optional<std::string> previous_;
};

struct tls_fixture {
  boost::asio::io_context io;
  manual_clock clock;
  manual_sleeper sleeper{clock};
  fake_http_server server;
  http_client http;

  tls_fixture(const test_certificate& served, http_client_settings settings = test_http_settings())
      : server(
            io,
            [](const recorded_request&) {
              return ok_json(
                  R"({"ok":true,"user_id":"UBOT","team_id":"T1","team":"Acme","url":"https://acme.slack.com/"})");
            },
            tls_identity{served.cert_pem, served.key_pem}),
        http(io.get_executor(), std::move(settings)) {}

  web_api api_for(const std::string& host) {
    web_api_settings s;
    s.base_url = server.base_url(host) + "api/";
    s.bot_token = kBotToken;
    s.app_token = kAppToken;
    s.max_attempts = 1;
    return web_api{http, sleeper, clock, s};
  }
  void run(awaitable<void> task) {
    run_test(io, std::move(task), [this] { server.stop(); });
    server.rethrow_if_failed();
  }
};

const test_certificate& loopback_cert() {
  static const auto cert = make_self_signed_certificate({"localhost"}, {"127.0.0.1"});
  return cert;
}

}  // namespace

TEST_CASE("https works against a self-signed certificate trusted through SSL_CERT_FILE, with keep-alive") {
  const temp_file ca{loopback_cert().cert_pem};
  const trust_only trust{ca.path()};
  tls_fixture f{loopback_cert()};
  auto by_name = f.api_for("localhost");  // SNI and DNS-name verification
  auto by_ip = f.api_for("127.0.0.1");    // IP-address verification
  f.run([&]() -> awaitable<void> {
    const auto info = co_await by_name.auth_test();
    CHECK(info.user == user_id{"UBOT"});
    (void)co_await by_name.auth_test();
    (void)co_await by_ip.auth_test();
  }());
  CHECK(f.server.requests().size() == 3);
  CHECK(f.server.requests()[0].header("Authorization") == std::string{"Bearer "} + kBotToken);
  // localhost and 127.0.0.1 are different pool keys: two connections, the second call reused the first.
  CHECK(f.server.connections_accepted() == 2);
  CHECK(f.http.stats().connections_reused == 1);
}

TEST_CASE("an extra CA file is trusted in addition to the system store") {
  const temp_file ca{loopback_cert().cert_pem};
  auto settings = test_http_settings();
  settings.extra_ca_file = ca.path();
  tls_fixture f{loopback_cert(), settings};
  auto api = f.api_for("127.0.0.1");
  f.run([&]() -> awaitable<void> { (void)co_await api.auth_test(); }());
  CHECK(f.server.requests().size() == 1);
}

TEST_CASE("a certificate nobody trusts is refused before anything is sent") {
  const auto stranger = make_self_signed_certificate({"localhost"}, {"127.0.0.1"});
  const temp_file ca{loopback_cert().cert_pem};  // trust a different certificate
  const trust_only trust{ca.path()};
  tls_fixture f{stranger};
  auto api = f.api_for("127.0.0.1");
  f.run([&]() -> awaitable<void> {
    const auto e = co_await error_of(api.auth_test());
    REQUIRE(e);
    CHECK(e->code() == "connection_failed");
    CHECK_FALSE(e->may_have_been_delivered());
    CHECK(std::string{e->what()}.find("TLS handshake") != std::string::npos);
  }());
  CHECK(f.server.requests().empty());
}

TEST_CASE("a trusted certificate issued for another host name is refused") {
  const auto other = make_self_signed_certificate({"other.example"}, {});
  const temp_file ca{other.cert_pem};
  const trust_only trust{ca.path()};
  tls_fixture f{other};
  auto api = f.api_for("127.0.0.1");
  auto named = f.api_for("localhost");
  f.run([&]() -> awaitable<void> {
    CHECK(co_await error_of(api.auth_test()));
    CHECK(co_await error_of(named.auth_test()));
  }());
  CHECK(f.server.requests().empty());
}
