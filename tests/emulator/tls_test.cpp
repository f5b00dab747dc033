// The TLS path: https:// API and wss:// Socket Mode on one port with a certificate made at start, which a
// client trusts via the PEM the emulator hands out (and rejects without it).
#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "tests/emulator/fixture.hpp"

using namespace tugboat;
using namespace tugboat::test;
using namespace std::chrono_literals;

TEST_CASE("with TLS on, apps.connections.open returns wss:// and the whole handshake runs over TLS") {
  auto s = fast_settings();
  s.tls.enabled = true;
  s.tls.cert_out = "emulator_tls_test_cert.pem";
  slack::emulator emu(s);
  emu.start();
  CHECK(emu.api_url().starts_with("https://127.0.0.1:"));
  REQUIRE(emu.ca_pem().starts_with("-----BEGIN CERTIFICATE-----"));
  std::ifstream written(s.tls.cert_out);
  std::stringstream pem;
  pem << written.rdbuf();
  CHECK(pem.str() == emu.ca_pem());
  std::remove(s.tls.cert_out.c_str());

  http_client api(emu.api_url(), emu.ca_pem());
  auto url = open_socket_url(emu, api);
  CHECK(url.starts_with("wss://127.0.0.1:"));
  CHECK(jbool(api.post_json("auth.test", "{}", s.bot_token).body, "/ok"));

  auto c = open_socket(emu);
  CHECK(jstr(c->hello, "/type") == "hello");
  auto pushed = emu.mention("alice", "C0001", "over tls");
  auto f = c->next();
  REQUIRE(f);
  CHECK(jstr(*f, "/payload/event_id") == pushed.event_id);
  c->ack(*f);
  CHECK(wait_until([&] { return emu.stats().envelopes_acked == 1; }));
}

TEST_CASE("a client that does not trust the emulator's certificate is refused") {
  auto s = fast_settings();
  s.tls.enabled = true;
  slack::emulator emu(s);
  emu.start();
  http_client untrusting(emu.api_url());
  CHECK_THROWS_WITH_AS(untrusting.get("auth.test"), doctest::Contains("TLS handshake failed"),
                       std::runtime_error);
  // Another emulator's certificate is no good either.
  slack::emulator other(s);
  other.start();
  http_client wrong(emu.api_url(), other.ca_pem());
  CHECK_THROWS_AS(wrong.get("auth.test"), std::runtime_error);
}

TEST_CASE("the certificate names localhost too, so host verification passes by name") {
  auto s = fast_settings();
  s.tls.enabled = true;
  slack::emulator emu(s);
  emu.start();
  http_client by_name("https://localhost:" + std::to_string(emu.port()) + "/api/", emu.ca_pem());
  CHECK(jbool(by_name.post_json("auth.test", "{}", s.bot_token).body, "/ok"));
}
